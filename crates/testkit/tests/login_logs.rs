//! Log hygiene of login and open data: no session key, js_code, phone code or signature reaches
//! a log line, and no session key reaches an answer of the host surfaces. Its own test binary:
//! the log is captured with a thread-local subscriber, which tests running beside it on other
//! threads would confuse (tracing caches per call site whether anyone listens).

mod login_support;

use std::sync::{Arc, Mutex};

use axum::http::{Method, StatusCode};
use login_support::*;
use miniplat_crypto::open_data::session_signature;
use miniplat_testkit::TestApp;
use serde_json::{json, Value};

fn assert_errcode(body: &Value, errcode: i64) {
    assert_eq!(body["errcode"], errcode, "{body}");
}

async fn phone_number(app: &TestApp, token: &str, body: Value) -> Value {
    let uri = format!("/wxa/business/getuserphonenumber?access_token={token}");
    app.json(Method::POST, &uri, Some(body), None).await.json()
}

#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs every flow (successes and failures) with logs captured on this thread, then looks for
/// each secret in every log line and every answer of the host surfaces.
#[tokio::test]
async fn no_session_key_code_or_signature_reaches_a_log_line_or_a_host() {
    use tracing_subscriber::util::SubscriberInitExt;
    let log = CapturedLog::default();
    let writer = log.clone();
    let _guard = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish()
        .set_default();

    let app = TestApp::new().await;
    let world = World::new(&app).await;
    let mut host_answers = Vec::new();
    let mut secrets = Vec::new();
    let for_alice = json!({ "appid": world.appid, "user": "alice", "env_version": "trial" });
    let token = world.token(&app).await;

    let code = world.login_code(&app, "alice").await;
    let session = world.code2session(&app, &code).await;
    assert_errcode(&world.code2session(&app, &code).await, 40163);
    let key = session["session_key"].as_str().unwrap().to_owned();
    let openid = session["openid"].as_str().unwrap().to_owned();
    let signature = session_signature(&key, b"");
    for path in ["/wxa/checksession", "/wxa/resetusersessionkey"] {
        let uri = format!(
            "{path}?access_token={token}&openid={openid}&signature={signature}&sig_method=hmac_sha256"
        );
        let answer = app.get(&uri).await.json();
        if let Some(new_key) = answer["session_key"].as_str() {
            secrets.push(new_key.to_owned());
        }
    }
    // A failing signed call is recorded for rid/get; its URL must be scrubbed too.
    let bad = format!(
        "/wxa/checksession?access_token={token}&openid={openid}&signature={signature}&sig_method=hmac_sha256"
    );
    assert_errcode(&app.get(&bad).await.json(), 87009);
    let code2 = world.login_code(&app, "alice").await;
    let session2 = world.code2session(&app, &code2).await;
    let key2 = session2["session_key"].as_str().unwrap().to_owned();
    world.agree(&app, &world.appid, "alice").await;
    for path in ["/host/v1/user-profile", "/host/v1/phone-code", "/host/v1/login"] {
        let answer = world.host(&app, Method::POST, path, for_alice.clone()).await;
        assert_eq!(answer.status, StatusCode::OK);
        host_answers.push(answer.text());
        if let Some(phone_code) = answer.json()["code"].as_str() {
            secrets.push(phone_code.to_owned());
        }
    }
    let phone_code = secrets.iter().rev().nth(1).unwrap().clone();
    let info = phone_number(&app, &token, json!({ "code": phone_code })).await;
    assert_eq!(info["errcode"], 0);
    assert_errcode(&phone_number(&app, &token, json!({ "code": phone_code })).await, 40029);
    secrets.extend([key, key2, code, code2, signature, world.secret.clone(), world.host_secret.clone()]);

    let log = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("/sns/jscode2session"), "requests are logged: {log}");
    assert!(log.contains("/wxa/checksession"), "{log}");
    for secret in &secrets {
        assert!(!log.contains(secret.as_str()), "a secret reached the log: {secret}\n{log}");
        for answer in &host_answers {
            assert!(
                !answer.contains(secret.as_str()) || answer.contains(&format!("\"code\":\"{secret}\"")),
                "{secret} in {answer}"
            );
        }
    }
    for answer in &host_answers {
        assert!(
            !answer.contains("session_key")
                && !answer.contains(&session["session_key"].as_str().unwrap()[..20])
        );
    }
}
