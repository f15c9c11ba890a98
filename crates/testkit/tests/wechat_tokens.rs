//! The WeChat token and quota endpoints (`wechat-api.md` §2 and §12) in process, on every
//! backend: exact bodies, error codes, lifetimes, limits.

use axum::http::{Method, StatusCode};
use miniplat_testkit::{for_each_backend, Backend, TestApp};
use serde_json::{json, Value};

async fn token(app: &TestApp, appid: &str, secret: &str) -> Value {
    let response =
        app.get(&format!("/cgi-bin/token?grant_type=client_credential&appid={appid}&secret={secret}")).await;
    assert_eq!(response.status, StatusCode::OK);
    response.json()
}

async fn stable(app: &TestApp, body: Value) -> Value {
    let response = app.json(Method::POST, "/cgi-bin/stable_token", Some(body), None).await;
    assert_eq!(response.status, StatusCode::OK);
    response.json()
}

async fn quota_get(app: &TestApp, access_token: &str, cgi_path: &str) -> Value {
    let uri = format!("/cgi-bin/openapi/quota/get?access_token={access_token}");
    let response = app.json(Method::POST, &uri, Some(json!({ "cgi_path": cgi_path })), None).await;
    assert_eq!(response.status, StatusCode::OK);
    response.json()
}

fn assert_errcode(body: &Value, errcode: i64) {
    assert_eq!(body["errcode"], errcode, "{body}");
    let errmsg = body["errmsg"].as_str().unwrap();
    assert!(errmsg.contains(" rid: "), "errmsg carries a rid: {errmsg}");
}

#[tokio::test(flavor = "multi_thread")]
async fn token_is_issued_in_the_wire_shape_and_old_tokens_keep_a_grace_period() {
    for_each_backend(|app| async move {
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, secret) = app.app(&key, "Token Shop").await;

        let first = token(&app, &appid, &secret).await;
        let object = first.as_object().unwrap();
        assert_eq!(object.len(), 2, "only access_token and expires_in: {first}");
        assert_eq!(first["expires_in"], 7200);
        let first_token = first["access_token"].as_str().unwrap().to_owned();
        assert!(first_token.len() >= 64);

        let second = token(&app, &appid, &secret).await;
        let second_token = second["access_token"].as_str().unwrap().to_owned();
        assert_ne!(first_token, second_token, "every call issues a new token");

        // The superseded token works for 5 minutes, then answers 40001.
        app.clock.advance(299);
        assert_eq!(quota_get(&app, &first_token, "/cgi-bin/token").await["errcode"], 0);
        app.clock.advance(2);
        // Cached validations live for a few seconds; step past them.
        app.clock.advance(5);
        assert_errcode(&quota_get(&app, &first_token, "/cgi-bin/token").await, 40001);
        assert_eq!(quota_get(&app, &second_token, "/cgi-bin/token").await["errcode"], 0);

        // After 7200 s the current token has expired: 42001 with "access_token expired".
        app.clock.advance(7200);
        let expired = quota_get(&app, &second_token, "/cgi-bin/token").await;
        assert_errcode(&expired, 42001);
        assert!(expired["errmsg"].as_str().unwrap().contains("access_token expired"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn token_errors_follow_the_spec() {
    let app = TestApp::new().await;
    let (_, key) = app.developer("dev@example.com").await;
    let (appid, secret) = app.app(&key, "Errors Shop").await;
    let wrong = "0123456789abcdef0123456789abcdef";
    let cases = [
        (format!("/cgi-bin/token?grant_type=client_credential&appid={appid}&secret={wrong}"), 40001),
        (format!("/cgi-bin/token?grant_type=client_credential&appid={appid}&secret=short"), 40125),
        (format!("/cgi-bin/token?grant_type=password&appid={appid}&secret={secret}"), 40002),
        (format!("/cgi-bin/token?appid={appid}&secret={secret}"), 40002),
        (format!("/cgi-bin/token?grant_type=client_credential&secret={secret}"), 41002),
        (format!("/cgi-bin/token?grant_type=client_credential&appid={appid}"), 41004),
        (
            format!("/cgi-bin/token?grant_type=client_credential&appid=wx0000000000000000&secret={secret}"),
            40013,
        ),
        (format!("/cgi-bin/token?grant_type=client_credential&appid=not-an-appid&secret={secret}"), 40013),
    ];
    for (uri, errcode) in cases {
        let response = app.get(&uri).await;
        assert_eq!(response.status, StatusCode::OK, "{uri}");
        assert!(response.header("content-type").unwrap().starts_with("application/json"));
        assert_errcode(&response.json(), errcode);
    }
    // A missing or invalid access_token.
    let response = app
        .json(Method::POST, "/cgi-bin/openapi/quota/get", Some(json!({"cgi_path": "/cgi-bin/token"})), None)
        .await;
    assert_errcode(&response.json(), 41001);
    assert_errcode(&quota_get(&app, "bogus", "/cgi-bin/token").await, 40001);
}

#[tokio::test(flavor = "multi_thread")]
async fn stable_token_returns_the_same_token_until_forced() {
    for_each_backend(|app| async move {
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, secret) = app.app(&key, "Stable Shop").await;
        let body = json!({ "grant_type": "client_credential", "appid": appid, "secret": secret });

        let first = stable(&app, body.clone()).await;
        assert_eq!(first["expires_in"], 7200);
        app.clock.advance(100);
        let again = stable(&app, body.clone()).await;
        assert_eq!(again["access_token"], first["access_token"], "normal mode returns the current token");
        assert_eq!(again["expires_in"], 7100, "with its remaining lifetime");

        // Basic tokens do not disturb the stable one.
        token(&app, &appid, &secret).await;
        assert_eq!(stable(&app, body.clone()).await["access_token"], first["access_token"]);

        // Five minutes before expiry a new stable token is issued; the old one runs out normally.
        app.clock.advance(7100 - 299);
        let rotated = stable(&app, body.clone()).await;
        assert_ne!(rotated["access_token"], first["access_token"]);
        assert_eq!(
            quota_get(&app, first["access_token"].as_str().unwrap(), "/cgi-bin/token").await["errcode"],
            0
        );

        // force_refresh ends the previous stable token at once.
        let mut forced_body = body.clone();
        forced_body["force_refresh"] = json!(true);
        let forced = stable(&app, forced_body.clone()).await;
        assert_ne!(forced["access_token"], rotated["access_token"]);
        assert_eq!(forced["expires_in"], 7200);
        assert_errcode(
            &quota_get(&app, rotated["access_token"].as_str().unwrap(), "/cgi-bin/token").await,
            40001,
        );
        assert_eq!(
            quota_get(&app, forced["access_token"].as_str().unwrap(), "/cgi-bin/token").await["errcode"],
            0
        );

        // At most one forced refresh per 30 seconds …
        app.clock.advance(10);
        assert_errcode(&stable(&app, forced_body.clone()).await, 45011);
        // … and 20 a day.
        for _ in 0..19 {
            app.clock.advance(31);
            assert!(stable(&app, forced_body.clone()).await.get("access_token").is_some());
        }
        app.clock.advance(31);
        assert_errcode(&stable(&app, forced_body.clone()).await, 45009);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stable_token_request_errors() {
    let app = TestApp::new().await;
    let (_, key) = app.developer("dev@example.com").await;
    let (appid, secret) = app.app(&key, "Stable Errors").await;
    assert_errcode(&app.get("/cgi-bin/stable_token").await.json(), 43002);
    assert_errcode(&app.post_raw("/cgi-bin/stable_token", "").await.json(), 44002);
    assert_errcode(&app.post_raw("/cgi-bin/stable_token", "{not json").await.json(), 47001);
    assert_errcode(&app.post_raw("/cgi-bin/stable_token", r#"{"appid": 5}"#).await.json(), 47001);
    let cases = [
        (json!({"grant_type": "client_credential", "secret": secret}), 41002),
        (json!({"grant_type": "client_credential", "appid": appid}), 41004),
        (
            json!({"grant_type": "client_credential", "appid": appid, "secret": "0123456789abcdef0123456789abcdef"}),
            40125,
        ),
        (json!({"grant_type": "other", "appid": appid, "secret": secret}), 40002),
        (json!({"grant_type": "client_credential", "appid": "wx0000000000000000", "secret": secret}), 40013),
    ];
    for (body, errcode) in cases {
        assert_errcode(&stable(&app, body).await, errcode);
    }
    // SDKs send unknown extra fields and a charset in the content type; both are fine.
    let body = json!({"grant_type": "client_credential", "appid": appid, "secret": secret, "extra": [1, 2]});
    assert!(stable(&app, body).await.get("access_token").is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn secret_reset_and_revocation_end_every_token() {
    for_each_backend(|app| async move {
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, secret) = app.app(&key, "Reset Shop").await;
        let basic = token(&app, &appid, &secret).await["access_token"].as_str().unwrap().to_owned();
        let body = json!({ "grant_type": "client_credential", "appid": appid, "secret": secret });
        let stable_token = stable(&app, body).await["access_token"].as_str().unwrap().to_owned();

        let reset =
            app.json(Method::POST, &format!("/api/v1/apps/{appid}/secret/reset"), None, Some(&key)).await;
        assert_eq!(reset.status, StatusCode::OK);
        let new_secret = reset.json()["secret"].as_str().unwrap().to_owned();
        assert_ne!(new_secret, secret);
        assert_errcode(&quota_get(&app, &basic, "/cgi-bin/token").await, 40001);
        assert_errcode(&quota_get(&app, &stable_token, "/cgi-bin/token").await, 40001);
        assert_errcode(&token(&app, &appid, &secret).await, 40001);

        let fresh = token(&app, &appid, &new_secret).await["access_token"].as_str().unwrap().to_owned();
        assert_eq!(quota_get(&app, &fresh, "/cgi-bin/token").await["errcode"], 0);
        let revoke =
            app.json(Method::POST, &format!("/api/v1/apps/{appid}/tokens/revoke"), None, Some(&key)).await;
        assert_eq!(revoke.json(), json!({ "revoked": 1 }));
        assert_errcode(&quota_get(&app, &fresh, "/cgi-bin/token").await, 40001);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn quotas_count_calls_limit_them_and_can_be_cleared() {
    for_each_backend(|app| async move {
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, secret) = app.app(&key, "Quota Shop").await;
        let access = token(&app, &appid, &secret).await["access_token"].as_str().unwrap().to_owned();
        token(&app, &appid, &secret).await;

        let usage = quota_get(&app, &access, "/cgi-bin/token").await;
        assert_eq!(usage["errcode"], 0);
        assert_eq!(usage["quota"], json!({ "daily_limit": 2000, "used": 2, "remain": 1998 }));
        assert_eq!(usage["rate_limit"]["refresh_second"], 60);
        let stable_usage = quota_get(&app, &access, "/cgi-bin/stable_token").await;
        assert_eq!(stable_usage["quota"]["daily_limit"], 500_000);
        assert_eq!(stable_usage["rate_limit"]["call_count"], 10_000);
        // quota/get counts itself: two calls so far, then a third.
        assert_eq!(quota_get(&app, &access, "/cgi-bin/openapi/quota/get").await["quota"]["used"], 3);
        assert_errcode(&quota_get(&app, &access, "/wxa/not_an_api").await, 76021);
        assert_errcode(&quota_get(&app, &access, "/sns/jscode2session").await, 76022);

        // Counts survive a flush to the store.
        app.platform().flush_quota().await.unwrap();
        assert_eq!(quota_get(&app, &access, "/cgi-bin/token").await["quota"]["used"], 2);

        // clear_quota: wrong appid refused, then 10 a month.
        let clear = |appid: String| {
            let app = &app;
            let access = access.clone();
            async move {
                let uri = format!("/cgi-bin/clear_quota?access_token={access}");
                app.json(Method::POST, &uri, Some(json!({ "appid": appid })), None).await.json()
            }
        };
        assert_errcode(&clear("wx0000000000000000".into()).await, 40013);
        assert_eq!(clear(appid.clone()).await, json!({ "errcode": 0, "errmsg": "ok" }));
        assert_eq!(quota_get(&app, &access, "/cgi-bin/token").await["quota"]["used"], 0);
        for _ in 0..9 {
            assert_eq!(clear(appid.clone()).await["errcode"], 0);
        }
        assert_errcode(&clear(appid.clone()).await, 48006);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn daily_and_minute_limits_refuse_with_45009_and_45011() {
    let app = TestApp::with_config(Backend::Sqlite, |config| {
        config.platform.quotas.insert(
            "/cgi-bin/token".into(),
            miniplat_core::config::QuotaOverride { daily_limit: Some(3), per_minute: None },
        );
        config.platform.quotas.insert(
            "/cgi-bin/openapi/quota/get".into(),
            miniplat_core::config::QuotaOverride { daily_limit: None, per_minute: Some(2) },
        );
    })
    .await;
    let (_, key) = app.developer("dev@example.com").await;
    let (appid, secret) = app.app(&key, "Limit Shop").await;
    let access = token(&app, &appid, &secret).await["access_token"].as_str().unwrap().to_owned();
    token(&app, &appid, &secret).await;
    token(&app, &appid, &secret).await;
    let refused = token(&app, &appid, &secret).await;
    assert_errcode(&refused, 45009);
    assert!(refused["errmsg"].as_str().unwrap().starts_with("reach max api daily quota limit"));

    assert_eq!(quota_get(&app, &access, "/cgi-bin/token").await["quota"]["remain"], 0);
    quota_get(&app, &access, "/cgi-bin/token").await;
    assert_errcode(&quota_get(&app, &access, "/cgi-bin/token").await, 45011);
    app.clock.advance(60);
    assert_eq!(quota_get(&app, &access, "/cgi-bin/token").await["errcode"], 0);

    // A new UTC day starts a new count.
    app.clock.advance(86_400);
    assert!(token(&app, &appid, &secret).await.get("access_token").is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_calls_can_be_looked_up_by_rid_without_secrets() {
    for_each_backend(|app| async move {
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, secret) = app.app(&key, "Rid Shop").await;
        let (other_appid, other_secret) = app.app(&key, "Other Rid Shop").await;
        let access = token(&app, &appid, &secret).await["access_token"].as_str().unwrap().to_owned();
        let other_access =
            token(&app, &other_appid, &other_secret).await["access_token"].as_str().unwrap().to_owned();

        let failed = quota_get(&app, &access, "/wxa/unknown").await;
        let rid = failed["errmsg"].as_str().unwrap().rsplit("rid: ").next().unwrap().to_owned();
        let uri = format!("/cgi-bin/openapi/rid/get?access_token={access}");
        let found = app.json(Method::POST, &uri, Some(json!({ "rid": rid })), None).await.json();
        assert_eq!(found["errcode"], 0, "{found}");
        let request = &found["request"];
        assert_eq!(request["request_url"], "/cgi-bin/openapi/quota/get?access_token=***");
        assert_eq!(request["request_body"], json!({ "cgi_path": "/wxa/unknown" }).to_string());
        assert_eq!(request["response_body"], failed.to_string());
        assert!(request["invoke_time"].as_i64().unwrap() > 0);
        assert!(request["cost_in_ms"].as_i64().unwrap() >= 0);
        assert!(request.get("client_ip").is_some());
        assert!(!found.to_string().contains(&access));

        let other_uri = format!("/cgi-bin/openapi/rid/get?access_token={other_access}");
        let not_owned = app.json(Method::POST, &other_uri, Some(json!({ "rid": rid })), None).await.json();
        assert_errcode(&not_owned, 76003);
        let malformed = app.json(Method::POST, &uri, Some(json!({ "rid": "nonsense" })), None).await.json();
        assert_errcode(&malformed, 76002);
        let unknown_rid = format!("{:08x}-00000000-00000000", app.clock_now());
        let unknown = app.json(Method::POST, &uri, Some(json!({ "rid": unknown_rid })), None).await.json();
        assert_errcode(&unknown, 76001);
        app.clock.advance(8 * 86_400);
        let fresh = token(&app, &appid, &secret).await["access_token"].as_str().unwrap().to_owned();
        let stale_uri = format!("/cgi-bin/openapi/rid/get?access_token={fresh}");
        let stale = app.json(Method::POST, &stale_uri, Some(json!({ "rid": rid })), None).await.json();
        assert_errcode(&stale, 76004);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn post_only_endpoints_and_bodies() {
    let app = TestApp::new().await;
    let (_, key) = app.developer("dev@example.com").await;
    let (appid, secret) = app.app(&key, "Body Shop").await;
    let access = token(&app, &appid, &secret).await["access_token"].as_str().unwrap().to_owned();
    let uri = format!("/cgi-bin/openapi/quota/get?access_token={access}");
    assert_errcode(&app.get(&uri).await.json(), 43002);
    assert_errcode(&app.post_raw(&uri, "").await.json(), 44002);
    assert_errcode(&app.post_raw(&uri, "[1,").await.json(), 47001);
    // Raw UTF-8 and \u escapes are both accepted.
    let raw = app.post_raw(&uri, "{\"cgi_path\":\"/cgi-bin/token\",\"note\":\"中文\"}").await.json();
    assert_eq!(raw["errcode"], 0);
    let escaped = app.post_raw(&uri, "{\"cgi_path\":\"/cgi-bin/token\",\"note\":\"\\u4e2d\"}").await.json();
    assert_eq!(escaped["errcode"], 0);
}
