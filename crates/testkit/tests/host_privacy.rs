//! Consent through the Host API (clause 4.4 (3)–(4)): the host shows the privacy guide, records
//! the user's agreement and scope answers, and personal data flows only while they stand.

mod login_support;

use axum::http::{Method, StatusCode};
use login_support::*;
use miniplat_testkit::for_each_backend;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn hosts_ask_record_and_withdraw_consent() {
    for_each_backend(|app| async move {
        let world = World::new(&app).await;
        let call = |path: &'static str, body: serde_json::Value| {
            let (app, world) = (&app, &world);
            async move { world.host(app, Method::POST, path, body).await }
        };
        let alice = json!({ "appid": world.appid, "user": "alice", "env_version": "trial" });
        world.code2session(&app, &world.login_code(&app, "alice").await).await;

        // The guide the pop-up shows.
        let setting = call("/host/v1/privacy/setting", alice.clone()).await;
        assert_eq!(setting.status, StatusCode::OK, "{}", setting.text());
        let setting = setting.json();
        assert_eq!(setting["needAuthorization"], true);
        assert_eq!(setting["policy"]["version"], 1);
        assert_eq!(setting["policy"]["items"][0]["privacyKey"], "UserInfo");
        assert_eq!(setting["policy"]["items"][0]["purpose"], "show your name on orders");
        let url = setting["policy"]["url"].as_str().unwrap();
        assert!(
            url.ends_with(&format!("/apps/{}/privacy?guide=development&version=1", world.appid)),
            "{url}"
        );

        // Refusals change nothing: a stale version, a missing user, an unknown action.
        let mut stale = alice.clone();
        stale["policy_version"] = json!(7);
        let refused = call("/host/v1/privacy/agree", stale).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(refused.json()["error"]["code"], "privacy_policy_changed");
        let nobody = json!({ "appid": world.appid, "env_version": "trial", "policy_version": 1 });
        assert_eq!(call("/host/v1/privacy/agree", nobody).await.status, StatusCode::BAD_REQUEST);
        assert_eq!(call("/host/v1/privacy/forget", alice.clone()).await.status, StatusCode::NOT_FOUND);
        let profile = call("/host/v1/user-profile", alice.clone()).await;
        assert_eq!(profile.json()["error"]["code"], "privacy_consent_required");

        world.agree(&app, &world.appid, "alice").await;
        assert_eq!(call("/host/v1/privacy/setting", alice.clone()).await.json()["needAuthorization"], false);
        assert_eq!(call("/host/v1/user-profile", alice.clone()).await.status, StatusCode::OK);
        // Consent to one mini program is not consent to another.
        let in_other = json!({ "appid": world.other_appid, "user": "alice", "env_version": "trial" });
        world.code2session(&app, &world.login_code_in(&app, &world.other_appid, "alice").await).await;
        let other = call("/host/v1/user-profile", in_other).await;
        assert_eq!(other.json()["error"]["code"], "privacy_consent_required");

        // Scopes: location is not declared, so it cannot be granted; answers are listed.
        let mut location = alice.clone();
        location["scope"] = json!("scope.userLocation");
        let refused = call("/host/v1/privacy/authorize", location.clone()).await;
        assert_eq!(refused.json()["error"]["code"], "privacy_not_declared");
        location["granted"] = json!(false);
        assert_eq!(call("/host/v1/privacy/authorize", location).await.status, StatusCode::OK);
        let settings = call("/host/v1/privacy/auth-setting", alice.clone()).await.json();
        assert_eq!(settings, json!({ "authSetting": { "scope.userLocation": false } }));

        // Withdrawal: the profile is refused again and the decision is on record.
        let withdrawn = call("/host/v1/privacy/withdraw", alice.clone()).await.json();
        assert_eq!(withdrawn["withdrawn"], json!(["PhoneNumber", "UserInfo"]));
        let profile = call("/host/v1/user-profile", alice.clone()).await;
        assert_eq!(profile.json()["error"]["code"], "privacy_consent_required");
        let user = world.user_id(&app, "alice").await;
        let history = app.platform().consent_history(user, 10).await.unwrap();
        let channel = format!("host:{}", world.host_key);
        assert!(history.iter().all(|(event, _)| event.channel == channel), "{history:?}");
        assert_eq!(history[0].0.action.as_str(), "withdraw");
    })
    .await;
}
