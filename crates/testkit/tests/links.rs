//! URL Schemes and URL Links (`wechat-api.md` §4.2, §4.3) in process, on every backend:
//! generation rules and errors, the query bodies, opening a link in the web host, expiry and
//! daily limits.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use miniplat_core::accounts::AccountRef;
use miniplat_core::apps::access::EnvVersion;
use miniplat_core::apps::MemberRole;
use miniplat_core::codes::links::{LinkKind, MemberLinkRequest};
use miniplat_testkit::{for_each_backend, path_of, Backend, TestApp, TestResponse, PUBLIC_URL};
use serde_json::{json, Value};

const DAY: i64 = 86_400;

/// A developer with a mini program and an access token; returns (appid, token, console cookie).
async fn setup(app: &TestApp, name: &str) -> (String, String, String) {
    let (appid, secret, cookie) = setup_with_secret(app, name).await;
    (appid.clone(), token_for(app, &appid, &secret).await, cookie)
}

async fn token_for(app: &TestApp, appid: &str, secret: &str) -> String {
    let token =
        app.get(&format!("/cgi-bin/token?grant_type=client_credential&appid={appid}&secret={secret}")).await;
    token.json()["access_token"].as_str().unwrap().to_owned()
}

/// Like [`setup`]; returns (appid, secret, console cookie).
async fn setup_with_secret(app: &TestApp, name: &str) -> (String, String, String) {
    let (developer, key) =
        app.developer(&format!("{}@example.com", name.to_lowercase().replace(' ', "-"))).await;
    let (appid, secret) = app.app(&key, name).await;
    let session = app.platform().open_session(AccountRef::Developer(developer.id)).await.unwrap();
    (appid, secret, session.cookie_value)
}

async fn call(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    let response = app.json(Method::POST, &format!("{path}?access_token={token}"), Some(body), None).await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.header("content-type").is_some_and(|t| t.starts_with("application/json")));
    response.json()
}

async fn open(app: &TestApp, url: &str, console_cookie: Option<&str>) -> TestResponse {
    let mut builder = Request::get(path_of(url));
    if let Some(cookie) = console_cookie {
        builder = builder.header(header::COOKIE, format!("mp_console={cookie}"));
    }
    app.request(builder.body(Body::empty()).unwrap()).await
}

fn errcode(body: &Value) -> i64 {
    body["errcode"].as_i64().unwrap_or_else(|| panic!("no errcode: {body}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scheme_is_generated_queried_opened_and_expires() {
    for_each_backend(|app| async move {
        let (appid, token, cookie) = setup(&app, "Link Shop").await;
        let now = app.clock_now();
        let body = json!({
            "jump_wxa": {"path": "pages/item/item", "query": "id=1&from=sms", "env_version": "trial"},
            "is_expire": true, "expire_type": 1, "expire_interval": 7,
        });
        let generated = call(&app, "/wxa/generatescheme", &token, body).await;
        assert_eq!(errcode(&generated), 0, "{generated}");
        let openlink = generated["openlink"].as_str().unwrap().to_owned();
        let ticket =
            openlink.strip_prefix("miniplat://dl/business/?t=").expect("our scheme format").to_owned();

        let queried = call(&app, "/wxa/queryscheme", &token, json!({"scheme": openlink})).await;
        let info = &queried["scheme_info"];
        assert_eq!(info["appid"], appid.as_str());
        assert_eq!(
            (info["path"].as_str(), info["query"].as_str()),
            (Some("pages/item/item"), Some("id=1&from=sms"))
        );
        assert_eq!(
            (info["create_time"].as_i64(), info["expire_time"].as_i64()),
            (Some(now), Some(now + 7 * DAY))
        );
        assert_eq!(info["env_version"], "trial");
        assert_eq!(queried["quota_info"]["remain_visit_quota"], 3_000_000);

        // The scheme's web landing: members see the page, others a refusal.
        let landing = format!("{PUBLIC_URL}/l/{ticket}");
        let member = open(&app, &landing, Some(&cookie)).await;
        assert_eq!(member.status, StatusCode::OK);
        assert!(member.text().contains("Link Shop") && member.text().contains("pages/item/item"));
        let stranger = open(&app, &landing, None).await.text();
        assert!(
            stranger.contains("Only members and testers") && !stranger.contains("Link Shop"),
            "{stranger}"
        );
        let quota = call(&app, "/wxa/queryscheme", &token, json!({"query_type": 1})).await;
        assert_eq!(quota["quota_info"]["remain_visit_quota"], 3_000_000 - 2, "openings count");
        assert!(quota.get("scheme_info").is_none());

        // Seven days later the link says it expired.
        app.clock.advance(7 * DAY);
        let expired = open(&app, &landing, Some(&cookie)).await;
        assert_eq!(expired.status, StatusCode::GONE);
        assert!(expired.text().contains("This link expired on"), "{}", expired.text());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn scheme_requests_are_checked() {
    for_each_backend(|app| async move {
        let (_, token, _) = setup(&app, "Rule Shop").await;
        let (_, other_token, _) = setup(&app, "Other Shop").await;
        let now = app.clock_now();
        let trial = |extra: Value| {
            let mut body = json!({"jump_wxa": {"path": "pages/a", "env_version": "trial"}});
            body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            body
        };
        let cases = [
            // wechatpy sends `jump_wxa: []` when none is given: the release, which does not exist yet.
            (json!({"jump_wxa": [], "is_expire": false, "expire_type": 0}), 85079),
            (json!({"jump_wxa": {"path": "pages/a", "env_version": "beta"}}), 85402),
            (json!({"jump_wxa": {"path": "/pages/a", "env_version": "trial"}}), 40165),
            (json!({"jump_wxa": {"path": "pages/a", "query": "a b", "env_version": "trial"}}), 40212),
            (json!({"jump_wxa": "pages/a"}), 47001),
            (trial(json!({"expire_type": 1, "expire_interval": 31})), 85401),
            (trial(json!({"expire_type": 1, "expire_interval": 0})), 85401),
            (trial(json!({"expire_time": now + 30 * DAY + 1})), 85401),
            (trial(json!({"expire_time": now - 1})), 85401),
            (trial(json!({"expire_time": now + 30 * DAY})), 0),
            (trial(json!({})), 0),
        ];
        for (body, expected) in cases {
            assert_eq!(
                errcode(&call(&app, "/wxa/generatescheme", &token, body.clone()).await),
                expected,
                "{body}"
            );
        }
        let unknown = json!({"scheme": "miniplat://dl/business/?t=0123456789abcdef0123"});
        assert_eq!(errcode(&call(&app, "/wxa/queryscheme", &token, unknown).await), 85403);
        let mine = call(&app, "/wxa/generatescheme", &token, trial(json!({}))).await;
        let theirs = json!({"scheme": mine["openlink"]});
        assert_eq!(
            errcode(&call(&app, "/wxa/queryscheme", &other_token, theirs).await),
            85403,
            "another app's"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn url_links_round_trip_cloud_base_and_open_in_the_host() {
    for_each_backend(|app| async move {
        let (appid, token, cookie) = setup(&app, "Url Shop").await;
        // wechatpy sends `cloud_base: []` when none is given.
        let body = json!({"path": "pages/list", "query": "tab=2", "env_version": "develop", "is_expire": true,
            "expire_type": 1, "expire_interval": 1, "cloud_base": []});
        let generated = call(&app, "/wxa/generate_urllink", &token, body).await;
        let url_link = generated["url_link"].as_str().unwrap_or_else(|| panic!("{generated}")).to_owned();
        assert!(url_link.starts_with(&format!("{PUBLIC_URL}/l/")), "{url_link}");
        let member = open(&app, &url_link, Some(&cookie)).await.text();
        assert!(
            member.contains("Url Shop") && member.contains("tab=2") && member.contains("URL Link"),
            "{member}"
        );
        let stranger = open(&app, &url_link, None).await.text();
        assert!(stranger.contains("Only members of this mini program can open its development version"));

        let queried = call(&app, "/wxa/query_urllink", &token, json!({"url_link": url_link})).await;
        let info = &queried["url_link_info"];
        assert_eq!(
            (info["appid"].as_str(), info["path"].as_str()),
            (Some(appid.as_str()), Some("pages/list"))
        );
        assert_eq!(
            info["cloud_base"],
            json!({"env": "", "doamin": "", "path": "", "query": "", "resource_appid": ""})
        );

        let body = json!({"path": "pages/list", "env_version": "trial",
            "cloud_base": {"env": "prod-1", "domain": "x.tcloudbaseapp.com", "path": "/jump"}});
        let generated = call(&app, "/wxa/generate_urllink", &token, body).await;
        let queried =
            call(&app, "/wxa/query_urllink", &token, json!({"url_link": generated["url_link"]})).await;
        assert_eq!(queried["url_link_info"]["cloud_base"]["doamin"], "x.tcloudbaseapp.com");
        assert_eq!(queried["url_link_info"]["cloud_base"]["env"], "prod-1");
        let scheme_as_link = json!({"url_link": url_link.replace("/l/", "/x/")});
        assert_eq!(errcode(&call(&app, "/wxa/query_urllink", &token, scheme_as_link).await), 85403);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn daily_limits_cover_generation_and_openings() {
    let app = TestApp::with_config(Backend::Sqlite, |config| {
        config.platform.links_per_day = 2;
        config.platform.link_visits_per_day = 1;
    })
    .await;
    let (appid, secret, cookie) = setup_with_secret(&app, "Busy Shop").await;
    let token = token_for(&app, &appid, &secret).await;
    let scheme = json!({"jump_wxa": {"path": "pages/a", "env_version": "trial"}});
    let link = json!({"path": "pages/a", "env_version": "develop"});
    let first = call(&app, "/wxa/generate_urllink", &token, link.clone()).await;
    assert_eq!(errcode(&call(&app, "/wxa/generatescheme", &token, scheme.clone()).await), 0);
    assert_eq!(
        errcode(&call(&app, "/wxa/generate_urllink", &token, link.clone()).await),
        44993,
        "shared count"
    );
    assert_eq!(errcode(&call(&app, "/wxa/generatescheme", &token, scheme).await), 44993);

    let url = first["url_link"].as_str().unwrap();
    assert_eq!(open(&app, url, Some(&cookie)).await.status, StatusCode::OK);
    let over = open(&app, url, Some(&cookie)).await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(over.text().contains("opened too often today"));

    // A new day, new counts.
    app.clock.advance(DAY);
    let token = token_for(&app, &appid, &secret).await;
    assert_eq!(errcode(&call(&app, "/wxa/generate_urllink", &token, link).await), 0);
    assert_eq!(open(&app, url, Some(&cookie)).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_share_tab_lists_links_and_offers_codes() {
    let app = TestApp::new().await;
    let (appid, token, cookie) = setup(&app, "Tab Shop").await;
    let link = call(
        &app,
        "/wxa/generate_urllink",
        &token,
        json!({"path": "pages/a", "query": "x=1",
        "env_version": "develop", "expire_type": 1, "expire_interval": 2}),
    )
    .await;
    let url = link["url_link"].as_str().unwrap().to_owned();
    let share = open(&app, &format!("/console/apps/{appid}/share"), Some(&cookie)).await;
    assert_eq!(share.status, StatusCode::OK);
    let html = share.text();
    assert!(html.contains(&url) && html.contains("<code>pages/a?x=1</code>"), "{html}");
    assert!(html.contains("URL Link") && !html.contains(">expired<"));
    assert!(html.contains(&format!("/apps/{appid}/card.png")));

    let trial = open(&app, &format!("/console/apps/{appid}/share/trial.jpg"), Some(&cookie)).await;
    assert_eq!(trial.header("content-type"), Some("image/jpeg"));
    assert!(trial.body.starts_with(b"\xff\xd8\xff"));

    app.clock.advance(3 * DAY);
    let later = open(&app, &format!("/console/apps/{appid}/share"), Some(&cookie)).await.text();
    assert!(later.contains(">expired<"), "expired links are marked");
    let stranger = open(&app, &format!("/console/apps/{appid}/share"), None).await;
    assert_eq!(stranger.status, StatusCode::SEE_OTHER, "the console needs a session");
}

#[tokio::test(flavor = "multi_thread")]
async fn generation_is_limited_per_second_across_schemes_and_links() {
    for backend in Backend::all() {
        let app =
            TestApp::with_config(backend, |config| config.platform.link_generations_per_second = 3).await;
        let (_, token, _) = setup(&app, "Rush Shop").await;
        let scheme = json!({"jump_wxa": {"path": "pages/a", "env_version": "trial"}});
        let link = json!({"path": "pages/a", "env_version": "develop"});
        assert_eq!(errcode(&call(&app, "/wxa/generatescheme", &token, scheme.clone()).await), 0);
        assert_eq!(errcode(&call(&app, "/wxa/generate_urllink", &token, link.clone()).await), 0);
        assert_eq!(errcode(&call(&app, "/wxa/generate_urllink", &token, link.clone()).await), 0);
        let over = call(&app, "/wxa/generatescheme", &token, scheme.clone()).await;
        assert_eq!(errcode(&over), 44990, "{over}");
        assert_eq!(errcode(&call(&app, "/wxa/generate_urllink", &token, link.clone()).await), 44990);

        // Another mini program has its own window; the next second starts a new one.
        let (_, other_token, _) = setup(&app, "Calm Shop").await;
        assert_eq!(errcode(&call(&app, "/wxa/generate_urllink", &other_token, link.clone()).await), 0);
        app.clock.advance(1);
        assert_eq!(errcode(&call(&app, "/wxa/generatescheme", &token, scheme).await), 0);
    }
}

/// The console's CSRF token, read from a page's form.
fn csrf_of(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = html.find(marker).expect("a CSRF field") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

async fn post_form(app: &TestApp, path: &str, cookie: &str, fields: &[(&str, &str)]) -> TestResponse {
    let encode = |text: &str| {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                other => format!("%{other:02X}"),
            })
            .collect::<String>()
    };
    let body = fields.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&");
    let request = Request::post(path)
        .header(header::COOKIE, format!("mp_console={cookie}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    app.request(request).await
}

/// The Share tab's "Generate a link" form, for a trial link.
struct LinkForm<'a> {
    app: &'a TestApp,
    appid: &'a str,
    cookie: &'a str,
    csrf: &'a str,
}

impl LinkForm<'_> {
    async fn submit(&self, kind: &str, path: &str, query: &str, days: &str) -> TestResponse {
        let fields = [
            ("csrf", self.csrf),
            ("kind", kind),
            ("path", path),
            ("query", query),
            ("env_version", "trial"),
            ("days", days),
        ];
        post_form(self.app, &format!("/console/apps/{}/share/links", self.appid), self.cookie, &fields).await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn members_generate_and_revoke_links_in_the_console() {
    for_each_backend(|app| async move {
        let (appid, token, cookie) = setup(&app, "Console Shop").await;
        let share = format!("/console/apps/{appid}/share");
        let csrf = csrf_of(&open(&app, &share, Some(&cookie)).await.text());
        let form = LinkForm { app: &app, appid: &appid, cookie: &cookie, csrf: &csrf };

        let made = form.submit("urllink", "pages/item/item", "id=5", "7").await;
        assert_eq!(made.status, StatusCode::OK, "{}", made.text());
        let html = made.text();
        assert!(html.contains("New URL Link"), "{html}");
        let start = html.find(&format!("{PUBLIC_URL}/l/")).expect("the new link is shown");
        let url = html[start..start + html[start..].find('<').unwrap()].to_owned();
        assert!(html.contains("<code>pages/item/item?id=5</code>"), "and listed");

        // The WeChat API sees the same link, with the console's expiry.
        let queried = call(&app, "/wxa/query_urllink", &token, json!({"url_link": url})).await;
        let info = &queried["url_link_info"];
        assert_eq!(
            (info["path"].as_str(), info["query"].as_str(), info["env_version"].as_str()),
            (Some("pages/item/item"), Some("id=5"), Some("trial"))
        );
        assert_eq!(info["expire_time"].as_i64().unwrap() - info["create_time"].as_i64().unwrap(), 7 * DAY);
        let scheme = form.submit("scheme", "", "", "1").await;
        assert!(scheme.text().contains("miniplat://dl/business/?t="), "{}", scheme.text());

        // Refusals say why, mark the field and keep the input.
        for (path, query, days, message) in [
            ("pages/x", "", "31", "between 1 and 30"),
            ("/pages/x", "", "3", "without a leading /"),
            ("pages/x", "no value", "3", "k1=v1&#38;k2=v2"),
        ] {
            let refused = form.submit("urllink", path, query, days).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
            let text = refused.text();
            assert!(text.contains(message) && text.contains("aria-invalid"), "{text}");
            assert!(text.contains(&format!(r#"value="{path}""#)), "{text}");
        }
        assert_eq!(open(&app, &url, Some(&cookie)).await.status, StatusCode::OK);

        // Revoking expires the link at once.
        let ticket = url.rsplit('/').next().unwrap();
        let revoked =
            post_form(&app, &format!("{share}/links/{ticket}/revoke"), &cookie, &[("csrf", &csrf)]).await;
        assert_eq!(revoked.status, StatusCode::SEE_OTHER);
        assert_eq!(revoked.header("location"), Some(format!("{share}?notice=link-revoked").as_str()));
        assert_eq!(open(&app, &url, Some(&cookie)).await.status, StatusCode::GONE);
        let listed = open(&app, &format!("{share}?notice=link-revoked"), Some(&cookie)).await.text();
        assert!(listed.contains("The link was revoked") && listed.contains(">expired<"), "{listed}");
        // Without the CSRF token nothing happens.
        let forged =
            post_form(&app, &format!("{share}/links"), &cookie, &[("kind", "urllink"), ("days", "3")]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn only_developers_and_admins_generate_or_revoke_links() {
    let app = TestApp::new().await;
    let (admin, admin_key) = app.developer("boss@example.com").await;
    let (appid, _) = app.app(&admin_key, "Role Shop").await;
    let (analyst, _) = app.developer("analyst@example.com").await;
    let platform = app.platform();
    let invite =
        platform.invite_member(&admin, &appid, analyst.email.as_str(), MemberRole::Analyst).await.unwrap();
    platform.accept_invitation(&analyst, invite.rsplit('/').next().unwrap()).await.unwrap();
    let session = platform.open_session(AccountRef::Developer(analyst.id)).await.unwrap();
    let cookie = session.cookie_value;

    let share = format!("/console/apps/{appid}/share");
    let html = open(&app, &share, Some(&cookie)).await.text();
    assert!(!html.contains("Generate a link"), "analysts see no form");
    let request = MemberLinkRequest {
        kind: LinkKind::UrlLink,
        path: String::new(),
        query: String::new(),
        env: EnvVersion::Trial,
        days: 3,
    };
    let (link, _) = platform.member_generate_link(&admin, &appid, request.clone()).await.unwrap();
    let csrf = session.session.csrf_token;
    let refused = post_form(
        &app,
        &format!("{share}/links"),
        &cookie,
        &[("csrf", &csrf), ("kind", "urllink"), ("env_version", "trial"), ("days", "3")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
    let revoke = format!("{share}/links/{}/revoke", link.ticket);
    assert_eq!(post_form(&app, &revoke, &cookie, &[("csrf", &csrf)]).await.status, StatusCode::FORBIDDEN);
    assert!(platform.member_generate_link(&analyst, &appid, request).await.is_err());
    assert!(!platform.links_of(link.app).await.unwrap()[0].is_expired(app.clock_now()), "still open");
}
