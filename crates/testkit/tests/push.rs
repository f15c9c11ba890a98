//! Push to the developer's server (clause 4.3, spec §9) against a real HTTP receiver on a
//! loopback port: the URL handshake, every mode × format on the wire, refusals that save
//! nothing, retries with the same body after failures, and the delivery log. Every backend.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::routing::get;
use axum::Router;
use miniplat_crypto::msg_crypt::{self, MsgKey};
use miniplat_testkit::visitor::Visitor;
use miniplat_testkit::{Backend, TestApp};
use serde_json::{json, Value};

const TOKEN: &str = "PushToken2024";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    query: HashMap<String, String>,
    content_type: String,
    event_id: String,
    body: String,
}

#[derive(Default)]
struct ReceiverState {
    /// The Token it checks handshakes with.
    token: String,
    /// POSTs still to answer with HTTP 500.
    fail_next: usize,
    posts: Vec<Received>,
    handshakes: usize,
}

/// A developer server: answers the handshake when the signature matches its Token, records
/// pushes, fails the next ones when told to.
struct Receiver {
    address: SocketAddr,
    state: Arc<Mutex<ReceiverState>>,
    _task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start(token: &str) -> Self {
        let state = Arc::new(Mutex::new(ReceiverState { token: token.into(), ..Default::default() }));
        let router = Router::new().route("/wx/push", get(handshake).post(push)).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self { address, state, _task: task }
    }

    fn url(&self) -> String {
        format!("http://{}/wx/push", self.address)
    }

    fn posts(&self) -> Vec<Received> {
        self.state.lock().unwrap().posts.clone()
    }
}

async fn handshake(
    State(state): State<Arc<Mutex<ReceiverState>>>,
    Query(query): Query<HashMap<String, String>>,
) -> (StatusCode, String) {
    let mut state = state.lock().unwrap();
    state.handshakes += 1;
    let expected = msg_crypt::signature(&state.token, &query["timestamp"], &query["nonce"]);
    if query.get("signature") == Some(&expected) {
        (StatusCode::OK, query["echostr"].clone())
    } else {
        (StatusCode::FORBIDDEN, "bad signature".into())
    }
}

async fn push(
    State(state): State<Arc<Mutex<ReceiverState>>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, &'static str) {
    let mut state = state.lock().unwrap();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    state.posts.push(Received {
        query,
        content_type: header("content-type"),
        event_id: header("x-miniplat-event-id"),
        body,
    });
    if state.fail_next > 0 {
        state.fail_next -= 1;
        return (StatusCode::INTERNAL_SERVER_ERROR, "try later");
    }
    (StatusCode::OK, "success")
}

/// A platform whose pushes may reach loopback addresses, as the receiver needs.
async fn platform(backend: Backend) -> TestApp {
    TestApp::with_config(backend, |config| config.platform.push_allow_private_addresses = true).await
}

async fn put_push(app: &TestApp, key: &str, appid: &str, body: Value) -> miniplat_testkit::TestResponse {
    app.json(Method::PUT, &format!("/api/v1/apps/{appid}/push"), Some(body), Some(key)).await
}

async fn send_test(app: &TestApp, key: &str, appid: &str, debug_str: &str) -> String {
    let response = app
        .json(
            Method::POST,
            &format!("/api/v1/apps/{appid}/push/test"),
            Some(json!({ "debug_str": debug_str })),
            Some(key),
        )
        .await;
    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.text());
    response.json()["event_id"].as_str().unwrap().to_owned()
}

async fn deliveries(app: &TestApp, key: &str, appid: &str) -> Vec<Value> {
    let response =
        app.json(Method::GET, &format!("/api/v1/apps/{appid}/push/deliveries"), None, Some(key)).await;
    assert_eq!(response.status, StatusCode::OK);
    response.json()["deliveries"].as_array().unwrap().clone()
}

/// The value of `<name>` in a pushed XML body (text may be split over several CDATA sections).
fn xml_field(xml: &str, name: &str) -> Option<String> {
    let inner = xml.split(&format!("<{name}>")).nth(1)?.split(&format!("</{name}>")).next()?;
    Some(match inner.strip_prefix("<![CDATA[").and_then(|v| v.strip_suffix("]]>")) {
        Some(text) => text.replace("]]><![CDATA[", ""),
        None => inner.to_owned(),
    })
}

/// The pushed fields of a plain body, as JSON.
fn fields(format: &str, body: &str) -> Value {
    if format == "json" {
        return serde_json::from_str(body).unwrap();
    }
    let mut map = serde_json::Map::new();
    for name in ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Event", "debug_str", "Encrypt"] {
        if let Some(value) = xml_field(body, name) {
            let value =
                if name == "CreateTime" { json!(value.parse::<i64>().unwrap()) } else { json!(value) };
            map.insert(name.into(), value);
        }
    }
    Value::Object(map)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_mode_and_format_arrives_signed_and_decryptable() {
    for backend in Backend::all() {
        let app = platform(backend).await;
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, _) = app.app(&key, "Push Shop").await;
        let receiver = Receiver::start(TOKEN).await;
        let msg_key = MsgKey::from_encoding_aes_key(AES_KEY).unwrap();

        let mut first_to = None;
        for mode in ["plain", "compatible", "safe"] {
            for format in ["xml", "json"] {
                let saved = put_push(
                    &app,
                    &key,
                    &appid,
                    json!({ "url": receiver.url(), "token": TOKEN, "encoding_aes_key": AES_KEY, "mode": mode, "format": format }),
                )
                .await;
                assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
                let view = &saved.json()["push"];
                assert_eq!((view["mode"].as_str(), view["format"].as_str()), (Some(mode), Some(format)));
                assert_eq!(view["token_hint"], "Pus…", "secrets are never shown back in full");
                assert!(!saved.text().contains(TOKEN) && !saved.text().contains(AES_KEY));

                let before = receiver.posts().len();
                let event_id = send_test(&app, &key, &appid, &format!("{mode} {format} ]]> é")).await;
                assert_eq!(app.platform().run_push_deliveries().await.unwrap(), 1);
                let posts = receiver.posts();
                assert_eq!(posts.len(), before + 1);
                let got = posts.last().unwrap();
                assert_eq!(got.event_id, event_id);
                let expected_type = if format == "xml" { "text/xml" } else { "application/json" };
                assert_eq!(got.content_type, expected_type);

                let (timestamp, nonce) = (&got.query["timestamp"], &got.query["nonce"]);
                assert_eq!(got.query["signature"], msg_crypt::signature(TOKEN, timestamp, nonce));
                assert_eq!(timestamp, &app.clock_now().to_string());
                let outer = fields(format, &got.body);
                let plain = if mode == "plain" {
                    assert!(!got.query.contains_key("msg_signature") && outer.get("Encrypt").is_none());
                    outer.clone()
                } else {
                    let encrypt = outer["Encrypt"].as_str().unwrap();
                    assert_eq!(got.query["encrypt_type"], "aes");
                    assert_eq!(
                        got.query["msg_signature"],
                        msg_crypt::msg_signature(TOKEN, timestamp, nonce, encrypt)
                    );
                    let inner = String::from_utf8(msg_key.decrypt(encrypt, &appid).unwrap()).unwrap();
                    let inner = fields(format, &inner);
                    if mode == "safe" {
                        assert_eq!(
                            outer.as_object().unwrap().len(),
                            2,
                            "safe mode sends only ToUserName and Encrypt: {outer}"
                        );
                        assert_eq!(outer["ToUserName"], inner["ToUserName"]);
                    } else {
                        for name in
                            ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Event", "debug_str"]
                        {
                            assert_eq!(outer[name], inner[name], "compatible mode: {name} in both");
                        }
                    }
                    inner
                };
                assert_eq!(plain["MsgType"], "event");
                assert_eq!(plain["Event"], "debug_demo");
                assert_eq!(plain["debug_str"], format!("{mode} {format} ]]> é"));
                assert_eq!(plain["CreateTime"], app.clock_now());
                let to = plain["ToUserName"].as_str().unwrap().to_owned();
                assert!(to.starts_with("gh_") && to.len() == 15, "{to}");
                assert_eq!(first_to.get_or_insert(to.clone()), &to, "the original id is stable");
            }
        }
        let log = deliveries(&app, &key, &appid).await;
        assert_eq!(log.len(), 6);
        assert!(log
            .iter()
            .all(|d| d["outcome"] == "delivered" && d["status_code"] == 200 && d["attempt"] == 1));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_handshake_or_a_bad_field_saves_nothing() {
    for backend in Backend::all() {
        let app = platform(backend).await;
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, _) = app.app(&key, "Push Shop").await;
        let receiver = Receiver::start("SomeOtherToken").await;
        let body = json!({ "url": receiver.url(), "token": TOKEN, "encoding_aes_key": AES_KEY });

        let refused = put_push(&app, &key, &appid, body.clone()).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text());
        assert!(refused.text().contains("HTTP 403"), "{}", refused.text());
        assert_eq!(receiver.state.lock().unwrap().handshakes, 1);

        let unreachable = put_push(
            &app,
            &key,
            &appid,
            json!({ "url": "http://127.0.0.1:1/push", "token": TOKEN, "encoding_aes_key": AES_KEY }),
        )
        .await;
        assert_eq!(unreachable.status, StatusCode::BAD_REQUEST);
        assert!(unreachable.text().contains("could not be reached"), "{}", unreachable.text());

        for (field, value) in [
            ("token", json!("ab")),
            ("token", json!("has space")),
            ("encoding_aes_key", json!("short")),
            ("encoding_aes_key", json!("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF+")),
            ("url", json!("ftp://example.com/")),
            ("mode", json!("loud")),
        ] {
            let mut bad = body.clone();
            bad[field] = value;
            let response = put_push(&app, &key, &appid, bad).await;
            assert_eq!(response.status, StatusCode::BAD_REQUEST, "{field}: {}", response.text());
        }
        assert_eq!(receiver.state.lock().unwrap().handshakes, 1, "bad input is refused before any request");

        let shown = app.json(Method::GET, &format!("/api/v1/apps/{appid}/push"), None, Some(&key)).await;
        assert_eq!(shown.json(), json!({ "push": null }));
        assert_eq!(app.platform().store.push_config(app_key(&app, &appid).await).await.unwrap(), None);
        // Without push, test events are refused and nothing is queued.
        let test = app
            .json(Method::POST, &format!("/api/v1/apps/{appid}/push/test"), Some(json!({})), Some(&key))
            .await;
        assert_eq!(test.status, StatusCode::BAD_REQUEST);
        assert_eq!(app.platform().run_push_deliveries().await.unwrap(), 0);

        // A developer who is no member does not even learn the mini program exists.
        let (_, stranger) = app.developer("stranger@example.com").await;
        assert_eq!(put_push(&app, &stranger, &appid, body.clone()).await.status, StatusCode::NOT_FOUND);
    }
}

async fn app_key(app: &TestApp, appid: &str) -> miniplat_core::apps::AppKey {
    let appid = miniplat_core::apps::AppId::parse(appid).unwrap();
    app.platform().store.app_by_appid(&appid).await.unwrap().unwrap().key
}

#[tokio::test(flavor = "multi_thread")]
async fn private_addresses_are_refused_unless_the_operator_allows_them() {
    let app = TestApp::new().await;
    let (_, key) = app.developer("dev@example.com").await;
    let (appid, _) = app.app(&key, "Push Shop").await;
    let receiver = Receiver::start(TOKEN).await;
    let port = receiver.address.port();
    for url in [
        receiver.url(),
        format!("http://localhost:{port}/wx/push"),
        format!("http://[::1]:{port}/wx/push"),
        "http://169.254.169.254/latest/meta-data".into(),
        "http://10.0.0.1/push".into(),
    ] {
        let response =
            put_push(&app, &key, &appid, json!({ "url": url, "token": TOKEN, "encoding_aes_key": AES_KEY }))
                .await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{url}");
        assert!(response.text().contains("push_allow_private_addresses"), "{}", response.text());
    }
    // A name (not a literal) that resolves to a non-public address is refused where it is
    // resolved: this machine's own host name usually does.
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default().trim().to_owned();
    let resolved: Vec<_> =
        tokio::net::lookup_host((host.as_str(), port)).await.map(|a| a.collect()).unwrap_or_default();
    if !host.is_empty()
        && !resolved.is_empty()
        && resolved.iter().all(|a: &SocketAddr| !miniplat_core::push::url::is_public_address(a.ip()))
    {
        let url = format!("http://{host}:{port}/wx/push");
        let response =
            put_push(&app, &key, &appid, json!({ "url": url, "token": TOKEN, "encoding_aes_key": AES_KEY }))
                .await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{url}");
        assert!(response.text().contains("not a public address"), "{}", response.text());
    } else {
        eprintln!("skipping the resolved-name case: {host:?} resolves to {resolved:?}");
    }
    assert_eq!(receiver.state.lock().unwrap().handshakes, 0, "no request reached the private address");
    assert_eq!(app.platform().store.push_config(app_key(&app, &appid).await).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_retry_with_backoff_and_the_same_request_until_delivered() {
    for backend in Backend::all() {
        let app = platform(backend).await;
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, _) = app.app(&key, "Push Shop").await;
        let receiver = Receiver::start(TOKEN).await;
        let saved = put_push(
            &app,
            &key,
            &appid,
            json!({ "url": receiver.url(), "token": TOKEN, "encoding_aes_key": AES_KEY, "mode": "safe", "format": "xml" }),
        )
        .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
        receiver.state.lock().unwrap().fail_next = 2;
        let event_id = send_test(&app, &key, &appid, "retry me").await;
        let platform = app.platform();

        assert_eq!(platform.run_push_deliveries().await.unwrap(), 1);
        assert_eq!(platform.run_push_deliveries().await.unwrap(), 0, "waits for the backoff");
        app.clock.advance(4);
        assert_eq!(platform.run_push_deliveries().await.unwrap(), 0);
        app.clock.advance(1);
        assert_eq!(platform.run_push_deliveries().await.unwrap(), 1, "first retry after 5 s");
        app.clock.advance(9);
        assert_eq!(platform.run_push_deliveries().await.unwrap(), 0);
        app.clock.advance(1);
        assert_eq!(platform.run_push_deliveries().await.unwrap(), 1, "second retry after 10 more s");
        app.clock.advance(3600);
        assert_eq!(platform.run_push_deliveries().await.unwrap(), 0, "delivered: nothing left");

        let posts = receiver.posts();
        assert_eq!(posts.len(), 3);
        assert!(posts.iter().all(|p| p.event_id == event_id));
        assert!(
            posts.windows(2).all(|w| w[0].body == w[1].body && w[0].query == w[1].query),
            "retries are identical"
        );

        let log = deliveries(&app, &key, &appid).await;
        let seen: Vec<_> =
            log.iter().map(|d| (d["attempt"].as_i64().unwrap(), d["outcome"].as_str().unwrap())).collect();
        assert_eq!(seen, [(3, "delivered"), (2, "retrying"), (1, "retrying")]);
        assert_eq!(log[1]["status_code"], 500);
        assert_eq!(log[1]["error"], "HTTP 500");
        assert!(log.iter().all(|d| d["event_id"] == event_id.as_str() && d["event"] == "debug_demo"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn events_die_after_the_last_attempt_and_are_dropped_when_push_is_switched_off() {
    let app = TestApp::with_config(Backend::Sqlite, |config| {
        config.platform.push_allow_private_addresses = true;
        config.platform.push_max_attempts = 2;
    })
    .await;
    let (_, key) = app.developer("dev@example.com").await;
    let (appid, _) = app.app(&key, "Push Shop").await;
    let receiver = Receiver::start(TOKEN).await;
    let body = json!({ "url": receiver.url(), "token": TOKEN, "encoding_aes_key": AES_KEY });
    assert_eq!(put_push(&app, &key, &appid, body.clone()).await.status, StatusCode::OK);
    receiver.state.lock().unwrap().fail_next = 10;
    send_test(&app, &key, &appid, "doomed").await;
    let platform = app.platform();
    assert_eq!(platform.run_push_deliveries().await.unwrap(), 1);
    app.clock.advance(5);
    assert_eq!(platform.run_push_deliveries().await.unwrap(), 1);
    app.clock.advance(3600);
    assert_eq!(platform.run_push_deliveries().await.unwrap(), 0, "dead jobs are not retried");
    let log = deliveries(&app, &key, &appid).await;
    assert_eq!(log[0]["outcome"], "dead");

    // Updating without Token and key keeps them (the form never shows them back).
    let kept = put_push(&app, &key, &appid, json!({ "url": receiver.url(), "format": "xml" })).await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.text());
    send_test(&app, &key, &appid, "never sent").await;
    let removed = app.json(Method::DELETE, &format!("/api/v1/apps/{appid}/push"), None, Some(&key)).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let posts_before = receiver.posts().len();
    assert_eq!(platform.run_push_deliveries().await.unwrap(), 1);
    assert_eq!(receiver.posts().len(), posts_before, "switched off: the queued event is not sent");
    assert_eq!(deliveries(&app, &key, &appid).await[0]["outcome"], "dropped");
    let again = app.json(Method::DELETE, &format!("/api/v1/apps/{appid}/push"), None, Some(&key)).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn members_configure_test_and_watch_push_in_the_console() {
    use miniplat_core::accounts::PlatformRole;
    use miniplat_core::apps::MemberRole;
    const PASSWORD: &str = "correct horse battery";

    let app = platform(Backend::Sqlite).await;
    let platform = app.platform();
    let dev = platform.create_verified_developer("dev@example.com", PlatformRole::Developer).await.unwrap();
    platform.set_initial_developer_password(&dev, PASSWORD).await.unwrap();
    let appid = platform.create_app(&dev, "Console Push", "", None).await.unwrap().app.appid.to_string();
    let receiver = Receiver::start(TOKEN).await;
    let page = format!("/console/apps/{appid}/push");

    let mut visitor = Visitor::new(&app);
    let signed_in = visitor
        .submit("/console/signin", "/console/signin", &[("email", "dev@example.com"), ("password", PASSWORD)])
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let html = visitor.get(&page).await.text();
    assert!(html.contains("Push is off") && html.contains("Nothing pushed yet"), "{html}");
    assert!(html.contains(r#"aria-current="page">Push</a>"#));

    // A server that does not answer the handshake: the form comes back with the reason.
    let refused = visitor
        .submit(
            &page,
            &page,
            &[
                ("url", "http://127.0.0.1:1/x"),
                ("token", TOKEN),
                ("encoding_aes_key", AES_KEY),
                ("mode", "safe"),
                ("format", "xml"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("could not be reached"), "{}", refused.text());

    let url = receiver.url();
    let saved = visitor
        .submit(
            &page,
            &page,
            &[
                ("url", &url),
                ("token", TOKEN),
                ("encoding_aes_key", AES_KEY),
                ("mode", "safe"),
                ("format", "xml"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    assert_eq!(saved.header("location"), Some(format!("{page}?notice=push-saved").as_str()));
    let html = visitor.get(&page).await.text();
    assert!(html.contains(&url) && html.contains("Pus…") && html.contains("abc…"), "{html}");
    assert!(!html.contains(TOKEN) && !html.contains(AES_KEY), "secrets are not shown back");

    let queued = visitor.submit(&page, &format!("{page}/test"), &[]).await;
    assert_eq!(queued.header("location"), Some(format!("{page}?notice=push-test-queued").as_str()));
    assert_eq!(platform.run_push_deliveries().await.unwrap(), 1);
    assert_eq!(receiver.posts().len(), 1);
    let html = visitor.get(&page).await.text();
    assert!(html.contains("debug_demo") && html.contains(">delivered<"), "{html}");

    // Analysts see the log but no form.
    let analyst =
        platform.create_verified_developer("ana@example.com", PlatformRole::Developer).await.unwrap();
    platform.set_initial_developer_password(&analyst, PASSWORD).await.unwrap();
    let invite =
        platform.invite_member(&dev, &appid, analyst.email.as_str(), MemberRole::Analyst).await.unwrap();
    platform.accept_invitation(&analyst, invite.rsplit('/').next().unwrap()).await.unwrap();
    let mut analyst_visitor = Visitor::new(&app);
    analyst_visitor
        .submit("/console/signin", "/console/signin", &[("email", "ana@example.com"), ("password", PASSWORD)])
        .await;
    let html = analyst_visitor.get(&page).await.text();
    assert!(
        html.contains("debug_demo") && !html.contains("Verify and save") && !html.contains("Switch push off")
    );
    let forbidden = analyst_visitor.submit(&page, &format!("{page}/remove"), &[]).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    let removed = visitor.submit(&page, &format!("{page}/remove"), &[]).await;
    assert_eq!(removed.header("location"), Some(format!("{page}?notice=push-removed").as_str()));
    assert!(visitor.get(&page).await.text().contains("Push is off"));
}

#[tokio::test(flavor = "multi_thread")]
async fn withdrawn_consent_and_revoked_scopes_are_pushed_as_user_authorization_revoke() {
    use miniplat_core::apps::access::EnvVersion;

    for backend in Backend::all() {
        let app = platform(backend).await;
        let platform = app.platform();
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, secret) = app.app(&key, "Revoke Shop").await;
        let receiver = Receiver::start(TOKEN).await;
        let config = json!({ "url": receiver.url(), "token": TOKEN, "encoding_aes_key": AES_KEY, "mode": "plain", "format": "json" });
        assert_eq!(put_push(&app, &key, &appid, config).await.status, StatusCode::OK);
        let token = app.access_token(&appid, &secret).await;
        let guide = json!({
            "owner_setting": { "contact_email": "dpo@example.com", "notice_method": "pop-up" },
            "setting_list": [{ "privacy_key": "Location", "privacy_text": "find shops near you" }],
        });
        assert_eq!(app.wx_post("/cgi-bin/component/setprivacysetting", &token, guide).await["errcode"], 0);
        let shop = platform.app_by_appid(&appid).await.unwrap();
        let user =
            platform.sign_up_end_user("ann@example.com", "a long enough password", "Ann").await.unwrap().id;
        let trial = EnvVersion::Trial;
        platform.agree_to_privacy_policy(&shop, trial, user, 1, "web").await.unwrap();
        platform.answer_scope(&shop, trial, user, "scope.userLocation", true, "web").await.unwrap();
        // Granting is not pushed; revoking a scope and withdrawing consent are.
        assert_eq!(platform.run_push_deliveries().await.unwrap(), 0);
        platform
            .answer_scope(&shop, trial, user, "scope.userLocation", false, "privacy-centre")
            .await
            .unwrap();
        platform.withdraw_privacy_consent(&shop, user, "privacy-centre").await.unwrap();
        assert_eq!(platform.run_push_deliveries().await.unwrap(), 2);

        let openid = platform.openid(&shop.appid, user);
        let events: Vec<Value> =
            receiver.posts().iter().map(|p| serde_json::from_str(&p.body).unwrap()).collect();
        assert_eq!(events.len(), 2, "{events:?}");
        for event in &events {
            assert_eq!(event["Event"], "user_authorization_revoke");
            assert_eq!(event["OpenID"], openid.as_str());
            assert_eq!(event["AppID"], appid.as_str());
        }
        // Deliveries run concurrently, so the two may arrive in either order.
        let mut revoked: Vec<&str> = events.iter().map(|e| e["RevokeInfo"].as_str().unwrap()).collect();
        revoked.sort();
        assert_eq!(revoked, ["Location", "scope.userLocation"]);
    }
}
