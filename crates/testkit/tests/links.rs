//! URL Schemes and URL Links (`wechat-api.md` §4.2, §4.3) in process, on every backend:
//! generation rules and errors, the query bodies, opening a link in the web host, expiry and
//! daily limits.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use miniplat_core::accounts::AccountRef;
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
