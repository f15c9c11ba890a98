//! Open data (`wechat-api.md` §3.5–3.6) from the Host API and the web host: the profile's
//! rawData signature and encryptedData, phone-number codes and `getuserphonenumber`.

mod login_support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use login_support::*;
use miniplat_core::accounts::AccountRef;
use miniplat_crypto::open_data::{decrypt_open_data, raw_data_signature};
use miniplat_testkit::{for_each_backend, TestApp, TestResponse};
use serde_json::{json, Value};

fn assert_errcode(body: &Value, errcode: i64) {
    assert_eq!(body["errcode"], errcode, "{body}");
}

async fn phone_number(app: &TestApp, token: &str, body: Value) -> Value {
    let uri = format!("/wxa/business/getuserphonenumber?access_token={token}");
    app.json(Method::POST, &uri, Some(body), None).await.json()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_profile_and_phone_number_reach_the_server_signed_and_encrypted() {
    for_each_backend(|app| async move {
        let world = World::new(&app).await;
        let for_alice = json!({ "appid": world.appid, "user": "alice", "env_version": "trial" });

        // Nothing before the user agreed to the privacy guide, nor before they logged in.
        let early = world.host(&app, Method::POST, "/host/v1/user-profile", for_alice.clone()).await;
        assert_eq!(early.status, StatusCode::FORBIDDEN, "{}", early.text());
        assert_eq!(early.json()["error"]["code"], "privacy_consent_required");
        world.agree(&app, &world.appid, "alice").await;
        let early = world.host(&app, Method::POST, "/host/v1/user-profile", for_alice.clone()).await;
        assert_eq!(early.status, StatusCode::FORBIDDEN, "{}", early.text());
        assert_eq!(early.json()["error"]["code"], "forbidden");

        let session = world.code2session(&app, &world.login_code(&app, "alice").await).await;
        let key = session["session_key"].as_str().unwrap();
        let profile = world.host(&app, Method::POST, "/host/v1/user-profile", for_alice.clone()).await;
        assert_eq!(profile.status, StatusCode::OK, "{}", profile.text());
        let profile = profile.json();
        let raw = profile["rawData"].as_str().unwrap();
        assert_eq!(profile["signature"], raw_data_signature(raw, key).as_str());
        assert_eq!(serde_json::from_str::<Value>(raw).unwrap(), profile["userInfo"]);
        assert_eq!(profile["userInfo"]["nickName"], "alice");
        let data = decrypt_open_data(
            key,
            profile["iv"].as_str().unwrap(),
            profile["encryptedData"].as_str().unwrap(),
            &world.appid,
        )
        .expect("decrypts with the session key, watermarked for the app");
        assert_eq!(data["openId"], session["openid"]);
        assert_eq!(data["watermark"]["timestamp"], app.clock_now());

        // Phone: a code for the server, and the legacy encrypted form.
        let phone = world.host(&app, Method::POST, "/host/v1/phone-code", for_alice.clone()).await;
        assert_eq!(phone.status, StatusCode::OK, "{}", phone.text());
        let phone = phone.json();
        let code = phone["code"].as_str().unwrap();
        let legacy = decrypt_open_data(
            key,
            phone["iv"].as_str().unwrap(),
            phone["encryptedData"].as_str().unwrap(),
            &world.appid,
        )
        .unwrap();
        assert_eq!(legacy["purePhoneNumber"], "13800138000");

        let token = world.token(&app).await;
        let other_token = world.other_token(&app).await;
        // Another mini program: 40013 (and the code survives); a wrong openid: 40029.
        assert_errcode(&phone_number(&app, &other_token, json!({ "code": code })).await, 40013);
        let stranger = "o".to_owned() + &"B".repeat(27);
        assert_errcode(&phone_number(&app, &token, json!({ "code": code, "openid": stranger })).await, 40029);
        let info = phone_number(&app, &token, json!({ "code": code, "openid": session["openid"] })).await;
        assert_eq!(
            info,
            json!({
                "errcode": 0, "errmsg": "ok",
                "phone_info": {
                    "phoneNumber": "13800138000", "purePhoneNumber": "13800138000", "countryCode": "86",
                    "watermark": { "timestamp": app.clock_now(), "appid": world.appid },
                }
            })
        );
        // Single use; unknown and expired codes.
        assert_errcode(&phone_number(&app, &token, json!({ "code": code })).await, 40029);
        assert_errcode(&phone_number(&app, &token, json!({ "code": "made-up" })).await, 40029);
        assert_errcode(&phone_number(&app, &token, json!({})).await, 41008);
        let late = world.host(&app, Method::POST, "/host/v1/phone-code", for_alice.clone()).await.json();
        app.clock.advance(301);
        assert_errcode(&phone_number(&app, &token, json!({ "code": late["code"] })).await, 40029);

        // A user without a phone number gets no code.
        let cleared =
            world.host(&app, Method::PUT, "/host/v1/users/alice", json!({ "nickname": "alice" })).await;
        assert_eq!(cleared.status, StatusCode::OK);
        let none = world.host(&app, Method::POST, "/host/v1/phone-code", for_alice).await;
        assert_eq!(none.status, StatusCode::BAD_REQUEST, "{}", none.text());
    })
    .await;
}

/// A JSON POST of the web host, with the session cookie and (when given) the CSRF header.
async fn web_post(app: &TestApp, path: &str, cookie: &str, csrf: Option<&str>, body: Value) -> TestResponse {
    let mut request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, format!("mp_host={cookie}"));
    if let Some(token) = csrf {
        request = request.header("x-csrf-token", token);
    }
    app.request(request.body(Body::from(body.to_string())).unwrap()).await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_web_host_logs_its_signed_in_users_in() {
    for_each_backend(|app| async move {
        let world = World::new(&app).await;
        let platform = app.platform();
        let ann =
            platform.sign_up_end_user("ann@example.com", "a long enough password", "Ann").await.unwrap();
        let opened = platform.open_session(AccountRef::EndUser(ann.id)).await.unwrap();
        let (cookie, csrf) = (opened.cookie_value, opened.session.csrf_token);
        let token = world.token(&app).await;
        let bound = app
            .json(
                Method::POST,
                &format!("/wxa/bind_tester?access_token={token}"),
                Some(json!({ "wechatid": "ann@example.com" })),
                None,
            )
            .await;
        assert_eq!(bound.json()["errcode"], 0);
        let body = json!({ "appid": world.appid, "env_version": "trial" });

        // Without the CSRF header, or signed out: refused.
        assert_eq!(
            web_post(&app, "/host/web/login", &cookie, None, body.clone()).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            web_post(&app, "/host/web/login", &cookie, Some("0".repeat(32).as_str()), body.clone())
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            web_post(&app, "/host/web/login", "nope", Some(&csrf), body.clone()).await.status,
            StatusCode::UNAUTHORIZED
        );

        let login = web_post(&app, "/host/web/login", &cookie, Some(&csrf), body.clone()).await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.text());
        let session = world.code2session(&app, login.json()["code"].as_str().unwrap()).await;
        assert_eq!(
            session["openid"],
            platform.openid(&miniplat_core::apps::AppId::parse(&world.appid).unwrap(), ann.id)
        );

        // The web host's pop-up: the guide, then Ann's agreement.
        let setting = web_post(&app, "/host/web/privacy/setting", &cookie, Some(&csrf), body.clone()).await.json();
        assert_eq!(setting["needAuthorization"], true, "{setting}");
        let agree = json!({ "appid": world.appid, "env_version": "trial", "policy_version": setting["policy"]["version"] });
        let agreed = web_post(&app, "/host/web/privacy/agree", &cookie, Some(&csrf), agree).await;
        assert_eq!(agreed.status, StatusCode::OK, "{}", agreed.text());
        let profile =
            web_post(&app, "/host/web/user-profile", &cookie, Some(&csrf), body.clone()).await.json();
        assert_eq!(profile["userInfo"]["nickName"], "Ann");
        // Ann has no phone number yet; the profile form sets one.
        let phone = web_post(&app, "/host/web/phone-code", &cookie, Some(&csrf), body.clone()).await;
        assert_eq!(phone.status, StatusCode::BAD_REQUEST);
        let ann = platform.end_user(ann.id).await.unwrap();
        platform.update_end_user_profile(&ann, "Ann", "+44 7700900123", None).await.unwrap();
        assert!(platform.update_end_user_profile(&ann, "Ann", "07700900123", None).await.is_err());
        let phone = web_post(&app, "/host/web/phone-code", &cookie, Some(&csrf), body).await.json();
        let info = phone_number(&app, &token, json!({ "code": phone["code"] })).await;
        assert_eq!(info["phone_info"]["phoneNumber"], "+447700900123");
        assert_eq!(info["phone_info"]["purePhoneNumber"], "7700900123");
        assert_eq!(info["phone_info"]["countryCode"], "44");
    })
    .await;
}
