//! A shared world for the login and host tests: a developer with two mini programs (each with a
//! trial version), a native host registered by the operator, and its user `alice`, a tester of
//! both.

#![allow(dead_code)] // Each test file uses its own part of the world.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use miniplat_core::accounts::EndUserId;
use miniplat_core::apps::versions::{DevelopVersion, TrialVersion, UploaderSlot, UserVersion};
use miniplat_core::apps::AppId;
use miniplat_testkit::{TestApp, TestResponse};
use serde_json::{json, Value};

pub struct World {
    pub appid: String,
    pub secret: String,
    pub other_appid: String,
    pub other_secret: String,
    pub host_key: String,
    pub host_secret: String,
}

impl World {
    pub async fn new(app: &TestApp) -> Self {
        let (developer, key) = app.developer("dev@example.com").await;
        let (appid, secret) = app.app(&key, "Login Shop").await;
        let (other_appid, other_secret) = app.app(&key, "Other Shop").await;
        for appid in [&appid, &other_appid] {
            choose_trial_version(app, appid, developer.id).await;
        }
        let (operator, _) = app.operator("operator@example.com").await;
        let host = app.platform().create_host(&operator, "Test Host").await.expect("host is created");
        let world = Self {
            appid,
            secret,
            other_appid,
            other_secret,
            host_key: host.host.key,
            host_secret: host.secret,
        };
        for (appid, secret) in [(&world.appid, &world.secret), (&world.other_appid, &world.other_secret)] {
            declare_profile_and_phone(app, appid, secret).await;
        }
        world.add_tester(app, "alice").await;
        world
    }

    /// The host user `name` agrees, through the Host API, to the privacy guide of the trial
    /// version of `appid` that the host shows.
    pub async fn agree(&self, app: &TestApp, appid: &str, name: &str) {
        let shown = json!({ "appid": appid, "user": name, "env_version": "trial" });
        let setting = self.host(app, Method::POST, "/host/v1/privacy/setting", shown).await;
        assert_eq!(setting.status, StatusCode::OK, "{}", setting.text());
        let version = setting.json()["policy"]["version"].clone();
        let agree =
            json!({ "appid": appid, "user": name, "env_version": "trial", "policy_version": version });
        let agreed = self.host(app, Method::POST, "/host/v1/privacy/agree", agree).await;
        assert_eq!(agreed.status, StatusCode::OK, "{}", agreed.text());
    }

    pub fn basic(&self) -> String {
        basic(&self.host_key, &self.host_secret)
    }

    /// Creates the host user `name` (with a phone number) and binds it as a tester of both
    /// mini programs.
    pub async fn add_tester(&self, app: &TestApp, name: &str) {
        let response = self
            .host(
                app,
                Method::PUT,
                &format!("/host/v1/users/{name}"),
                json!({ "nickname": name, "phone": "+86 13800138000" }),
            )
            .await;
        assert!(response.status.is_success(), "{}", response.text());
        let user = self.user_id(app, name).await;
        let email = app.platform().end_user(user).await.unwrap().email;
        for (appid, secret) in [(&self.appid, &self.secret), (&self.other_appid, &self.other_secret)] {
            let token = app.access_token(appid, secret).await;
            let bound = app
                .json(
                    Method::POST,
                    &format!("/wxa/bind_tester?access_token={token}"),
                    Some(json!({ "wechatid": email.as_str() })),
                    None,
                )
                .await;
            assert_eq!(bound.json()["errcode"], 0, "{}", bound.text());
        }
    }

    pub async fn user_id(&self, app: &TestApp, name: &str) -> EndUserId {
        let host = app.platform().store.host_by_key(&self.host_key).await.unwrap().unwrap();
        app.platform().host_user(&host, name).await.expect("host user").id
    }

    /// A Host API call with this world's host credentials.
    pub async fn host(&self, app: &TestApp, method: Method, path: &str, body: Value) -> TestResponse {
        host_call(app, method, path, body, Some(&self.basic())).await
    }

    /// `wx.login` in the trial version of `appid` for the host user `name`.
    pub async fn login_code_in(&self, app: &TestApp, appid: &str, name: &str) -> String {
        let body = json!({ "appid": appid, "user": name, "env_version": "trial" });
        let response = self.host(app, Method::POST, "/host/v1/login", body).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        response.json()["code"].as_str().unwrap().to_owned()
    }

    pub async fn login_code(&self, app: &TestApp, name: &str) -> String {
        self.login_code_in(app, &self.appid, name).await
    }

    pub async fn code2session(&self, app: &TestApp, code: &str) -> Value {
        code2session(app, &self.appid, &self.secret, code).await
    }

    pub async fn token(&self, app: &TestApp) -> String {
        app.access_token(&self.appid, &self.secret).await
    }

    pub async fn other_token(&self, app: &TestApp) -> String {
        app.access_token(&self.other_appid, &self.other_secret).await
    }
}

/// A development privacy guide declaring the profile and the phone number, so the trial
/// version may ask for them once users agree.
pub async fn declare_profile_and_phone(app: &TestApp, appid: &str, secret: &str) {
    let token = app.access_token(appid, secret).await;
    let guide = json!({
        "owner_setting": { "contact_email": "dpo@example.com", "notice_method": "pop-up" },
        "setting_list": [
            { "privacy_key": "UserInfo", "privacy_text": "show your name on orders" },
            { "privacy_key": "PhoneNumber", "privacy_text": "call you about deliveries" },
        ],
    });
    let uri = format!("/cgi-bin/component/setprivacysetting?access_token={token}");
    let saved = app.json(Method::POST, &uri, Some(guide), None).await;
    assert_eq!(saved.json()["errcode"], 0, "{}", saved.text());
}

pub fn basic(key: &str, secret: &str) -> String {
    format!("Basic {}", BASE64.encode(format!("{key}:{secret}")))
}

pub async fn host_call(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Value,
    authorization: Option<&str>,
) -> TestResponse {
    let mut request =
        Request::builder().method(method).uri(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    app.request(request.body(Body::from(body.to_string())).unwrap()).await
}

pub async fn code2session(app: &TestApp, appid: &str, secret: &str, code: &str) -> Value {
    let response = app
        .get(&format!(
            "/sns/jscode2session?appid={appid}&secret={secret}&js_code={code}&grant_type=authorization_code"
        ))
        .await;
    assert_eq!(response.status, StatusCode::OK);
    response.json()
}

async fn choose_trial_version(app: &TestApp, appid: &str, developer: miniplat_core::accounts::DeveloperId) {
    let platform = app.platform();
    let record = platform.store.app_by_appid(&AppId::parse(appid).unwrap()).await.unwrap().unwrap();
    let version = DevelopVersion {
        id: 0,
        app: record.key,
        slot: UploaderSlot::Member(developer),
        user_version: UserVersion::parse("1.0.0").unwrap(),
        description: "first".into(),
        uploaded_by: None,
        upload_key: None,
        package_sha256: "0".repeat(64),
        zip_bytes: 10,
        packages: Vec::new(),
        files: Vec::new(),
        report: json!({}),
        created_at: 1,
    };
    let version = platform.store.put_develop_version(&version).await.unwrap();
    let trial = TrialVersion { version, chosen_by: developer, chosen_at: 2 };
    platform.store.set_trial_version(&trial).await.unwrap();
}
