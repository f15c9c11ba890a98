//! End-user login (`wechat-api.md` §3.1–3.4) through the Host API: native hosts mint js_codes
//! for their users, `jscode2session` trades them once for openid, unionid and a session key,
//! and the signed `checksession` / `resetusersessionkey` / `getuserencryptkey`; in process, on
//! every backend.

mod login_support;

use miniplat_core::accounts::EndUserId;
use miniplat_core::apps::AppId;
use miniplat_crypto::open_data::session_signature;
use miniplat_testkit::{for_each_backend, Backend, TestApp};
use serde_json::{json, Value};

use login_support::*;

fn assert_errcode(body: &Value, errcode: i64) {
    assert_eq!(body["errcode"], errcode, "{body}");
    assert!(body["errmsg"].as_str().unwrap().contains(" rid: "), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_user_logs_in_and_the_server_trades_the_code_once() {
    for_each_backend(|app| async move {
        let world = World::new(&app).await;
        let code = world.login_code(&app, "alice").await;
        assert_eq!(code.len(), 32);

        let session = world.code2session(&app, &code).await;
        let openid = session["openid"].as_str().unwrap().to_owned();
        let session_key = session["session_key"].as_str().unwrap().to_owned();
        assert_eq!(openid.len(), 28, "{session}");
        assert!(openid.starts_with('o'));
        assert_eq!(session_key.len(), 24, "16 bytes in base64");
        assert_eq!(session["unionid"].as_str().unwrap().len(), 28);
        assert!(session.get("errcode").is_none(), "success carries no errcode, as WeChat's");

        // Single use: 40163 the second time.
        assert_errcode(&world.code2session(&app, &code).await, 40163);

        // A new login: same openid and unionid, a new session key.
        let again = world.code2session(&app, &world.login_code(&app, "alice").await).await;
        assert_eq!(again["openid"], openid.as_str());
        assert_eq!(again["unionid"], session["unionid"]);
        assert_ne!(again["session_key"], session_key.as_str());

        // The service user is on record for the privacy centre, without its key.
        let user = world.user_id(&app, "alice").await;
        let used = app.platform().service_users_of(user).await.unwrap();
        assert_eq!(used.len(), 1);
        assert_eq!(used[0].openid, openid);
        assert!(used[0].sealed_session_key.is_none());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn jscode2session_errors_follow_the_spec() {
    for_each_backend(|app| async move {
        let world = World::new(&app).await;
        let code = world.login_code(&app, "alice").await;
        let call = |query: String| {
            let app = &app;
            async move { app.get(&format!("/sns/jscode2session?{query}")).await.json() }
        };
        let (appid, secret) = (&world.appid, &world.secret);
        let grant = "grant_type=authorization_code";
        assert_errcode(&call(format!("appid={appid}&js_code={code}&{grant}")).await, 41004);
        assert_errcode(&call(format!("secret={secret}&js_code={code}&{grant}")).await, 41002);
        assert_errcode(
            &call(format!("appid=wx0000000000000000&secret={secret}&js_code={code}&{grant}")).await,
            40013,
        );
        assert_errcode(&call(format!("appid={appid}&secret=nothex&js_code={code}&{grant}")).await, 40125);
        let wrong = "0".repeat(32);
        assert_errcode(&call(format!("appid={appid}&secret={wrong}&js_code={code}&{grant}")).await, 40125);
        assert_errcode(
            &call(format!("appid={appid}&secret={secret}&js_code={code}&grant_type=client_credential")).await,
            40002,
        );
        assert_errcode(&call(format!("appid={appid}&secret={secret}&{grant}")).await, 41008);
        assert_errcode(&call(format!("appid={appid}&secret={secret}&js_code=made-up&{grant}")).await, 40029);

        // Another mini program's credentials: the code is not theirs (and stays usable).
        let (other_appid, other_secret) = (&world.other_appid, &world.other_secret);
        assert_errcode(
            &call(format!("appid={other_appid}&secret={other_secret}&js_code={code}&{grant}")).await,
            40029,
        );
        // wechatpy sends an access_token too; it is ignored.
        let ok =
            call(format!("appid={appid}&secret={secret}&js_code={code}&{grant}&access_token=whatever")).await;
        assert!(ok["openid"].is_string(), "{ok}");

        // Codes expire after 5 minutes.
        let late = world.login_code(&app, "alice").await;
        app.clock.advance(301);
        assert_errcode(&world.code2session(&app, &late).await, 40029);

        // A blocked user: 40226, until unblocked.
        let (operator, _) = app.operator("ops@example.com").await;
        let user = world.user_id(&app, "alice").await;
        app.platform().set_end_user_blocked(&operator, user, true).await.unwrap();
        let code = world.login_code(&app, "alice").await;
        assert_errcode(&world.code2session(&app, &code).await, 40226);
        app.platform().set_end_user_blocked(&operator, user, false).await.unwrap();
        let code = world.login_code(&app, "alice").await;
        assert!(world.code2session(&app, &code).await["openid"].is_string());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn logins_are_limited_per_user_per_minute() {
    let app =
        TestApp::with_config(Backend::Sqlite, |config| config.platform.logins_per_user_per_minute = 2).await;
    let world = World::new(&app).await;
    world.add_tester(&app, "bob").await;
    for _ in 0..2 {
        let code = world.login_code(&app, "alice").await;
        assert!(world.code2session(&app, &code).await["openid"].is_string());
    }
    let code = world.login_code(&app, "alice").await;
    assert_errcode(&world.code2session(&app, &code).await, 45011);
    // Other users are not affected; the next minute alice is back.
    let code = world.login_code(&app, "bob").await;
    assert!(world.code2session(&app, &code).await["openid"].is_string());
    app.clock.advance(60);
    let code = world.login_code(&app, "alice").await;
    assert!(world.code2session(&app, &code).await["openid"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn session_keys_are_checked_reset_and_used_for_encrypt_keys() {
    for_each_backend(|app| async move {
        let world = World::new(&app).await;
        let session = world.code2session(&app, &world.login_code(&app, "alice").await).await;
        let openid = session["openid"].as_str().unwrap();
        let key = session["session_key"].as_str().unwrap();
        let token = world.token(&app).await;
        let signed = |path: &str, openid: &str, signature: &str, method: &str| {
            format!("{path}?access_token={token}&openid={openid}&signature={signature}&sig_method={method}")
        };
        let good = session_signature(key, b"");
        let ok = app.get(&signed("/wxa/checksession", openid, &good, "hmac_sha256")).await.json();
        assert_eq!(ok, json!({ "errcode": 0, "errmsg": "ok" }));
        let bad = session_signature("AAAAAAAAAAAAAAAAAAAAAA==", b"");
        assert_errcode(&app.get(&signed("/wxa/checksession", openid, &bad, "hmac_sha256")).await.json(), 87009);
        assert_errcode(&app.get(&signed("/wxa/checksession", openid, &good, "md5")).await.json(), 87008);
        let stranger = "o".to_owned() + &"A".repeat(27);
        assert_errcode(&app.get(&signed("/wxa/checksession", &stranger, &good, "hmac_sha256")).await.json(), 87007);
        // Another mini program does not know this openid.
        let other_token = world.other_token(&app).await;
        let other = format!(
            "/wxa/checksession?access_token={other_token}&openid={openid}&signature={good}&sig_method=hmac_sha256"
        );
        assert_errcode(&app.get(&other).await.json(), 87007);
        // Without a valid token: 40001.
        let tokenless =
            format!("/wxa/checksession?access_token=nope&openid={openid}&signature={good}&sig_method=hmac_sha256");
        assert_errcode(&app.get(&tokenless).await.json(), 40001);

        // Encrypt keys: the last three, newest first.
        let keys = app.get(&signed("/wxa/business/getuserencryptkey", openid, &good, "hmac_sha256")).await.json();
        assert_eq!(keys["errcode"], 0, "{keys}");
        let list = keys["key_info_list"].as_array().unwrap();
        assert_eq!(list.len(), 3);
        assert!(list[0]["version"].as_i64() > list[1]["version"].as_i64());
        assert!(list[0]["expire_in"].as_i64().unwrap() > 0);
        assert_eq!(list[0]["iv"].as_str().unwrap().len(), 32);
        assert_errcode(
            &app.get(&signed("/wxa/business/getuserencryptkey", openid, &bad, "hmac_sha256")).await.json(),
            87009,
        );

        // Reset: a new key; the old one no longer signs.
        let reset = app.get(&signed("/wxa/resetusersessionkey", openid, &good, "hmac_sha256")).await.json();
        assert_eq!(reset["errcode"], 0, "{reset}");
        assert_eq!(reset["openid"], openid);
        let new_key = reset["session_key"].as_str().unwrap();
        assert_ne!(new_key, key);
        assert_errcode(&app.get(&signed("/wxa/checksession", openid, &good, "hmac_sha256")).await.json(), 87009);
        let new_good = session_signature(new_key, b"");
        let ok = app.get(&signed("/wxa/checksession", openid, &new_good, "hmac_sha256")).await.json();
        assert_eq!(ok["errcode"], 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn openids_are_stable_per_app_and_unionids_per_developer_subject() {
    let app = TestApp::new().await;
    let platform = app.platform();
    let (first, key) = app.developer("first@example.com").await;
    let (second, other_key) = app.developer("second@example.com").await;
    let mut appids = Vec::new();
    for (n, key) in [&key, &key, &other_key].into_iter().enumerate() {
        let (appid, _) = app.app(key, &format!("Identity Shop {n}")).await;
        appids.push(AppId::parse(&appid).unwrap());
    }
    let mut seen = std::collections::HashSet::new();
    for user in (1..=300).map(EndUserId) {
        let ids: Vec<String> = appids.iter().map(|appid| platform.openid(appid, user)).collect();
        for (appid, id) in appids.iter().zip(&ids) {
            assert_eq!(&platform.openid(appid, user), id, "stable");
            assert_eq!(id.len(), 28);
            assert!(seen.insert(id.clone()), "distinct across users and apps: {id}");
        }
        let union_first = platform.unionid(first.id, user);
        assert_eq!(union_first, platform.unionid(first.id, user));
        assert_ne!(union_first, platform.unionid(second.id, user));
        assert!(seen.insert(union_first), "unionids are distinct too");
    }
}
