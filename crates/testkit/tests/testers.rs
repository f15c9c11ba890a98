//! Testers (`wechat-api.md` §7.1 rows 19–21) and who may open which version (clause 2.3), in
//! process, on every backend.

use miniplat_core::accounts::EndUserId;
use miniplat_core::apps::access::{Access, EnvVersion, Viewer};
use miniplat_core::apps::versions::{DevelopVersion, TrialVersion, UploaderSlot, UserVersion};
use miniplat_core::apps::{App, AppId};
use miniplat_testkit::{for_each_backend, Backend, TestApp};
use serde_json::{json, Value};

fn assert_errcode(body: &Value, errcode: i64) {
    assert_eq!(body["errcode"], errcode, "{body}");
    assert!(body["errmsg"].as_str().unwrap().contains(" rid: "), "{body}");
}

async fn end_user(app: &TestApp, email: &str) -> EndUserId {
    app.platform().sign_up_end_user(email, "a long enough password", "Tester").await.expect("end user").id
}

async fn app_record(app: &TestApp, appid: &str) -> App {
    let appid = AppId::parse(appid).unwrap();
    app.platform().store.app_by_appid(&appid).await.unwrap().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn testers_are_bound_listed_and_unbound_by_email_or_userstr() {
    for_each_backend(|app| async move {
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, secret) = app.app(&key, "Tester Shop").await;
        let (other_appid, other_secret) = app.app(&key, "Other Shop").await;
        let token = app.access_token(&appid, &secret).await;
        let other_token = app.access_token(&other_appid, &other_secret).await;
        end_user(&app, "ann@example.com").await;
        end_user(&app, "bob@example.com").await;

        let bound = app.wx_post("/wxa/bind_tester", &token, json!({ "wechatid": "ann@example.com" })).await;
        assert_eq!(bound["errcode"], 0, "{bound}");
        assert_eq!(bound["errmsg"], "ok");
        let ann = bound["userstr"].as_str().unwrap().to_owned();
        assert_eq!(ann.len(), 64);
        assert!(!ann.contains("ann"), "the userstr reveals nothing");

        // Emails are matched case-insensitively; a second bind is 85004.
        assert_errcode(
            &app.wx_post("/wxa/bind_tester", &token, json!({ "wechatid": "ANN@example.com" })).await,
            85004,
        );
        // Unknown users and non-email handles: 85001.
        assert_errcode(
            &app.wx_post("/wxa/bind_tester", &token, json!({ "wechatid": "nobody@example.com" })).await,
            85001,
        );
        assert_errcode(
            &app.wx_post("/wxa/bind_tester", &token, json!({ "wechatid": "wxid_abc" })).await,
            85001,
        );
        // A missing field is a malformed body; an empty body is 44002.
        assert_errcode(&app.wx_post("/wxa/bind_tester", &token, json!({})).await, 47001);
        let empty = app.post_raw(&format!("/wxa/bind_tester?access_token={token}"), "").await.json();
        assert_errcode(&empty, 44002);
        // Without a valid token: 40001.
        assert_errcode(
            &app.wx_post("/wxa/bind_tester", "nope", json!({ "wechatid": "ann@example.com" })).await,
            40001,
        );

        // The userstr is stable per (app, user) and differs between apps.
        let in_other =
            app.wx_post("/wxa/bind_tester", &other_token, json!({ "wechatid": "ann@example.com" })).await;
        assert_ne!(in_other["userstr"], ann);
        let bob = app.wx_post("/wxa/bind_tester", &token, json!({ "wechatid": "bob@example.com" })).await;
        let bob = bob["userstr"].as_str().unwrap().to_owned();

        let members = app.wx_post("/wxa/memberauth", &token, json!({ "action": "get_experiencer" })).await;
        assert_eq!(
            members,
            json!({ "errcode": 0, "errmsg": "ok", "members": [{ "userstr": ann }, { "userstr": bob }] })
        );
        assert_errcode(
            &app.wx_post("/wxa/memberauth", &token, json!({ "action": "get_manager" })).await,
            40097,
        );

        // Unbind by userstr and by wechatid; unbinding again is harmless.
        let ok = json!({ "errcode": 0, "errmsg": "ok" });
        assert_eq!(app.wx_post("/wxa/unbind_tester", &token, json!({ "userstr": ann })).await, ok);
        assert_eq!(
            app.wx_post("/wxa/unbind_tester", &token, json!({ "wechatid": "bob@example.com" })).await,
            ok
        );
        assert_eq!(app.wx_post("/wxa/unbind_tester", &token, json!({ "userstr": ann })).await, ok);
        assert_errcode(
            &app.wx_post("/wxa/unbind_tester", &token, json!({ "wechatid": "nobody@example.com" })).await,
            85001,
        );
        assert_errcode(&app.wx_post("/wxa/unbind_tester", &token, json!({})).await, 47001);
        let members = app.wx_post("/wxa/memberauth", &token, json!({ "action": "get_experiencer" })).await;
        assert_eq!(members["members"], json!([]));

        // Binding again gives the same userstr; the other app kept its tester.
        let again = app.wx_post("/wxa/bind_tester", &token, json!({ "wechatid": "ann@example.com" })).await;
        assert_eq!(again["userstr"], ann);
        let other =
            app.wx_post("/wxa/memberauth", &other_token, json!({ "action": "get_experiencer" })).await;
        assert_eq!(other["members"].as_array().unwrap().len(), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tester_caps_answer_85002_and_85003() {
    for backend in Backend::all() {
        let app = TestApp::with_config(backend, |config| {
            config.platform.testers_per_app = 1;
            config.platform.tester_apps_per_user = 1;
        })
        .await;
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, secret) = app.app(&key, "Capped Shop").await;
        let (other_appid, other_secret) = app.app(&key, "Second Shop").await;
        let token = app.access_token(&appid, &secret).await;
        let other_token = app.access_token(&other_appid, &other_secret).await;
        end_user(&app, "ann@example.com").await;
        end_user(&app, "bob@example.com").await;

        assert_eq!(
            app.wx_post("/wxa/bind_tester", &token, json!({ "wechatid": "ann@example.com" })).await
                ["errcode"],
            0
        );
        // The app is full.
        assert_errcode(
            &app.wx_post("/wxa/bind_tester", &token, json!({ "wechatid": "bob@example.com" })).await,
            85002,
        );
        // Ann tests as many apps as she may.
        assert_errcode(
            &app.wx_post("/wxa/bind_tester", &other_token, json!({ "wechatid": "ann@example.com" })).await,
            85003,
        );
        // Already bound wins over the caps.
        assert_errcode(
            &app.wx_post("/wxa/bind_tester", &token, json!({ "wechatid": "ann@example.com" })).await,
            85004,
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn members_manage_testers_in_the_platform() {
    for_each_backend(|app| async move {
        let (dev, key) = app.developer("dev@example.com").await;
        let (appid, _) = app.app(&key, "Console Shop").await;
        let (stranger, _) = app.developer("stranger@example.com").await;
        end_user(&app, "ann@example.com").await;
        let platform = app.platform();

        platform.add_tester(&dev, &appid, "ann@example.com").await.unwrap();
        let error = platform.add_tester(&dev, &appid, "ann@example.com").await.unwrap_err();
        assert_eq!(error.code(), "invalid_input", "{error}");
        let error = platform.add_tester(&dev, &appid, "nobody@example.com").await.unwrap_err();
        assert!(error.to_string().contains("belongs to no end-user account"), "{error}");
        assert!(platform.add_tester(&stranger, &appid, "ann@example.com").await.is_err());

        let (_, testers) = platform.testers(&dev, &appid).await.unwrap();
        assert_eq!(testers.len(), 1);
        assert_eq!(testers[0].email.as_ref().unwrap().as_str(), "ann@example.com");
        platform.remove_tester(&dev, &appid, &testers[0].userstr).await.unwrap();
        assert!(platform.remove_tester(&dev, &appid, &testers[0].userstr).await.is_err());
        assert!(platform.testers(&dev, &appid).await.unwrap().1.is_empty());
    })
    .await;
}

fn develop_version(app: &App, slot: UploaderSlot) -> DevelopVersion {
    DevelopVersion {
        id: 0,
        app: app.key,
        slot,
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
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn only_members_open_develop_and_only_members_and_testers_open_trial() {
    for_each_backend(|app| async move {
        let (dev, key) = app.developer("dev@example.com").await;
        let (stranger, _) = app.developer("stranger@example.com").await;
        let (appid, secret) = app.app(&key, "Access Shop").await;
        let record = app_record(&app, &appid).await;
        let tester = end_user(&app, "ann@example.com").await;
        let other_user = end_user(&app, "bob@example.com").await;
        let token = app.access_token(&appid, &secret).await;
        app.wx_post("/wxa/bind_tester", &token, json!({ "wechatid": "ann@example.com" })).await;
        let platform = app.platform();
        let access = |version, viewer| {
            let record = record.clone();
            async move { platform.access_to(&record, version, &viewer).await.unwrap() }
        };

        let member = Viewer::Developer(dev.id);
        let everyone = [
            Viewer::Anonymous,
            member,
            Viewer::Developer(stranger.id),
            Viewer::EndUser(tester),
            Viewer::EndUser(other_user),
        ];
        // Nothing is released yet, whoever asks.
        for viewer in everyone {
            assert_eq!(access(EnvVersion::Release, viewer).await, Access::NotReleased);
        }
        // Develop: members only.
        assert_eq!(access(EnvVersion::Develop, member).await, Access::Open);
        for viewer in [everyone[0], everyone[2], everyone[3], everyone[4]] {
            assert_eq!(access(EnvVersion::Develop, viewer).await, Access::NotPermitted, "{viewer:?}");
        }
        // Trial: members and testers; they learn that none is chosen yet, others learn nothing.
        for viewer in [Viewer::Anonymous, Viewer::Developer(stranger.id), Viewer::EndUser(other_user)] {
            assert_eq!(access(EnvVersion::Trial, viewer).await, Access::NotPermitted, "{viewer:?}");
        }
        assert_eq!(access(EnvVersion::Trial, member).await, Access::NoTrialVersion);
        assert_eq!(access(EnvVersion::Trial, Viewer::EndUser(tester)).await, Access::NoTrialVersion);

        let version = develop_version(&record, UploaderSlot::Member(dev.id));
        let version = platform.store.put_develop_version(&version).await.unwrap();
        let trial = TrialVersion { version, chosen_by: dev.id, chosen_at: 2 };
        platform.store.set_trial_version(&trial).await.unwrap();
        assert_eq!(access(EnvVersion::Trial, member).await, Access::Open);
        assert_eq!(access(EnvVersion::Trial, Viewer::EndUser(tester)).await, Access::Open);
        assert_eq!(access(EnvVersion::Trial, Viewer::EndUser(other_user)).await, Access::NotPermitted);

        // An unbound tester loses access.
        app.wx_post("/wxa/unbind_tester", &token, json!({ "wechatid": "ann@example.com" })).await;
        assert_eq!(access(EnvVersion::Trial, Viewer::EndUser(tester)).await, Access::NotPermitted);
        assert_eq!(EnvVersion::parse("trial"), Some(EnvVersion::Trial));
        assert_eq!(EnvVersion::parse("beta"), None);
    })
    .await;
}
