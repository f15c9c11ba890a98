//! Content security (`wechat-api.md` §5.1, clause 2.4): `msg_sec_check` v1 and v2 against the
//! operator's term list, its limits and errors, the `/admin/terms` page, and the release
//! review's content check; in process, on every backend.

use std::io::Write;

use axum::http::StatusCode;
use miniplat_core::accounts::identities::ServiceUser;
use miniplat_core::accounts::{Developer, PlatformRole};
use miniplat_core::apps::versions::Upload;
use miniplat_core::apps::{App, AppId};
use miniplat_core::review::{CheckStatus, Review, ReviewId, ReviewItem, ReviewState, Submission};
use miniplat_testkit::visitor::Visitor;
use miniplat_testkit::{for_each_backend, Backend, TestApp};
use serde_json::{json, Value};

const PASSWORD: &str = "a long enough password";
const CHECK: &str = "/wxa/msg_sec_check";

fn assert_errcode(body: &Value, errcode: i64) {
    assert_eq!(body["errcode"], errcode, "{body}");
    if errcode != 0 {
        assert!(body["errmsg"].as_str().unwrap().contains(" rid: "), "{body}");
    }
}

async fn app_record(app: &TestApp, appid: &str) -> App {
    let appid = AppId::parse(appid).unwrap();
    app.platform().store.app_by_appid(&appid).await.unwrap().unwrap()
}

/// Makes `email` a service user of `appid` (as a login would); returns the openid.
async fn service_user(app: &TestApp, appid: &str, email: &str) -> String {
    let platform = app.platform();
    let user = match platform
        .store
        .end_user_by_email(&miniplat_core::email::Email::parse(email).unwrap())
        .await
        .unwrap()
    {
        Some(user) => user.id,
        None => platform.sign_up_end_user(email, PASSWORD, "User").await.unwrap().id,
    };
    let shop = app_record(app, appid).await;
    let openid = platform.openid(&shop.appid, user);
    let now = app.clock_now();
    let login = ServiceUser {
        app: shop.key,
        user,
        openid: openid.clone(),
        unionid: platform.unionid(shop.created_by, user),
        first_seen: now,
        last_login: now,
        sealed_session_key: Some(vec![1; 40]),
        session_key_issued_at: Some(now),
    };
    platform.store.record_login(&login).await.unwrap();
    openid
}

async fn shop(app: &TestApp, name: &str) -> (String, String) {
    let (_, key) = app.developer(&format!("{}@example.com", name.to_lowercase().replace(' ', "-"))).await;
    let (appid, secret) = app.app(&key, name).await;
    let token = app.access_token(&appid, &secret).await;
    (appid, token)
}

fn v2(content: &str, openid: &str) -> Value {
    json!({ "content": content, "version": 2, "scene": 2, "openid": openid,
            "title": null, "nickname": null, "signature": null })
}

#[tokio::test(flavor = "multi_thread")]
async fn v1_answers_ok_or_87014() {
    for_each_backend(|app| async move {
        let (_, token) = shop(&app, "Plain Shop").await;
        assert_eq!(
            app.wx_post(CHECK, &token, json!({ "content": "hello world" })).await,
            json!({"errcode": 0, "errmsg": "ok"})
        );
        // Spacing, punctuation and full-width forms do not hide a term.
        for risky in ["快来刷单赚钱", "加 微-信 领 红 包", "CLICK here to ｗｉｎ!"] {
            let body = app.wx_post(CHECK, &token, json!({ "content": risky })).await;
            assert_errcode(&body, 87014);
            assert!(body["errmsg"].as_str().unwrap().starts_with("risky content"));
        }
        // A `review` term is not risky: v1 passes it.
        assert_errcode(&app.wx_post(CHECK, &token, json!({ "content": "free money" })).await, 0);
        // wechatpy 1.8 sends only content; nulls elsewhere are tolerated; content is required.
        assert_errcode(&app.wx_post(CHECK, &token, json!({ "content": "hi", "openid": null })).await, 0);
        assert_errcode(&app.wx_post(CHECK, &token, json!({})).await, 47001);
        assert_errcode(&app.wx_post(CHECK, "nope", json!({ "content": "hi" })).await, 40001);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn v2_reports_suggest_label_and_keywords_for_service_users_only() {
    for_each_backend(|app| async move {
        let (appid, token) = shop(&app, "Forum Shop").await;
        let (other_appid, other_token) = shop(&app, "Other Shop").await;
        let ann = service_user(&app, &appid, "ann@example.com").await;
        let ann_elsewhere = service_user(&app, &other_appid, "ann@example.com").await;
        assert_ne!(ann, ann_elsewhere);

        let clean = app.wx_post(CHECK, &token, v2("a nice day", &ann)).await;
        assert_errcode(&clean, 0);
        assert_eq!(clean["result"], json!({ "suggest": "pass", "label": 100 }));
        assert_eq!(clean["detail"], json!([]));
        let trace = clean["trace_id"].as_str().unwrap();
        assert_eq!(trace.len(), 26, "{trace}");

        // A risky verdict is still errcode 0.
        let risky = app.wx_post(CHECK, &token, v2("刷单 and free money", &ann)).await;
        assert_errcode(&risky, 0);
        assert_eq!(risky["result"], json!({ "suggest": "risky", "label": 20008 }));
        let keywords: Vec<(&str, &str, i64)> = risky["detail"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                assert_eq!(d["strategy"], "keyword");
                (d["keyword"].as_str().unwrap(), d["suggest"].as_str().unwrap(), d["level"].as_i64().unwrap())
            })
            .collect();
        assert_eq!(keywords, [("刷单", "risky", 90), ("free money", "review", 60)]);

        let review = app.wx_post(CHECK, &token, v2("no 赌-博 here", &ann)).await;
        assert_eq!(review["result"], json!({ "suggest": "review", "label": 20006 }));
        // Title, nickname and signature are checked too.
        let profile =
            json!({ "content": "hi", "version": 2, "scene": 1, "openid": ann, "nickname": "代开发票" });
        assert_eq!(app.wx_post(CHECK, &token, profile).await["result"]["suggest"], "risky");

        // Errors: scene, openid shape, openid of another app, too long, unknown version.
        for scene in [json!(0), json!(5), Value::Null] {
            let body = json!({ "content": "hi", "version": 2, "scene": scene, "openid": ann });
            assert_errcode(&app.wx_post(CHECK, &token, body).await, 40129);
        }
        assert_errcode(&app.wx_post(CHECK, &token, v2("hi", "not-an-openid")).await, 40003);
        let missing = json!({ "content": "hi", "version": 2, "scene": 2 });
        assert_errcode(&app.wx_post(CHECK, &token, missing).await, 40003);
        assert_errcode(&app.wx_post(CHECK, &token, v2("hi", &ann_elsewhere)).await, 43104);
        assert_errcode(&app.wx_post(CHECK, &other_token, v2("hi", &ann_elsewhere)).await, 0);
        assert_errcode(&app.wx_post(CHECK, &token, v2(&"好".repeat(2_501), &ann)).await, 40097);
        assert_errcode(&app.wx_post(CHECK, &token, v2(&"好".repeat(2_500), &ann)).await, 0);
        let v3 = json!({ "content": "hi", "version": 3, "scene": 2, "openid": ann });
        assert_errcode(&app.wx_post(CHECK, &token, v3).await, 40097);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_minute_limit_is_44991_per_app() {
    let app = TestApp::with_config(Backend::Sqlite, |config| {
        config.platform.quotas.insert(
            CHECK.into(),
            miniplat_core::config::QuotaOverride { daily_limit: None, per_minute: Some(3) },
        );
    })
    .await;
    let (_, token) = shop(&app, "Busy Shop").await;
    let (_, other_token) = shop(&app, "Calm Shop").await;
    for _ in 0..3 {
        assert_errcode(&app.wx_post(CHECK, &token, json!({ "content": "hi" })).await, 0);
    }
    assert_errcode(&app.wx_post(CHECK, &token, json!({ "content": "hi" })).await, 44991);
    assert_errcode(&app.wx_post(CHECK, &other_token, json!({ "content": "hi" })).await, 0);
}

async fn console_account(app: &TestApp, email: &str, role: PlatformRole) -> Developer {
    let platform = app.platform();
    let developer = platform.create_verified_developer(email, role).await.unwrap();
    platform.set_initial_developer_password(&developer, PASSWORD).await.unwrap();
    developer
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_maintain_the_term_list_and_checks_follow_it_at_once() {
    for_each_backend(|app| async move {
        let (_, token) = shop(&app, "Term Shop").await;
        let operator = console_account(&app, "op@example.com", PlatformRole::Operator).await;
        console_account(&app, "dev@example.com", PlatformRole::Developer).await;

        // Developers do not see the page, nor can they post to it.
        let mut dev = Visitor::new(&app);
        dev.sign_in("dev@example.com", PASSWORD).await;
        assert_eq!(dev.get("/admin/terms").await.status, StatusCode::NOT_FOUND);
        let refused =
            dev.post("/admin/terms", &[("term", "x"), ("label", "21000"), ("suggest", "risky")]).await;
        assert_ne!(refused.status, StatusCode::SEE_OTHER);

        let mut op = Visitor::new(&app);
        op.sign_in("op@example.com", PASSWORD).await;
        let listed = op.get("/admin/terms").await;
        assert_eq!(listed.status, StatusCode::OK);
        assert!(listed.text().contains("加微信领红包") && listed.text().contains("click here to win"));

        assert_errcode(&app.wx_post(CHECK, &token, json!({ "content": "buy cheap widgets" })).await, 0);
        let added = op
            .submit(
                "/admin/terms",
                "/admin/terms",
                &[("term", "Cheap Widgets"), ("label", "10001"), ("suggest", "risky")],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
        assert_errcode(&app.wx_post(CHECK, &token, json!({ "content": "buy cheap widgets" })).await, 87014);

        // Duplicates (after normalising), blanks, bad labels and suggestions are refused.
        for (term, label, suggest) in [
            ("CHEAP-widgets", "10001", "risky"),
            (" ... ", "10001", "risky"),
            ("other", "100", "risky"),
            ("other", "20004", "risky"),
            ("other", "10001", "pass"),
        ] {
            let page = op
                .submit(
                    "/admin/terms",
                    "/admin/terms",
                    &[("term", term), ("label", label), ("suggest", suggest)],
                )
                .await;
            assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{term} {label} {suggest}");
        }

        let terms = app.platform().content_terms(&operator).await.unwrap();
        let widgets = terms.iter().find(|t| t.term == "Cheap Widgets").unwrap();
        let removed = op.submit("/admin/terms", &format!("/admin/terms/{}/remove", widgets.id), &[]).await;
        assert_eq!(removed.status, StatusCode::SEE_OTHER);
        assert_errcode(&app.wx_post(CHECK, &token, json!({ "content": "buy cheap widgets" })).await, 0);
    })
    .await;
}

/// A zip of the given (path, content) entries.
fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        for (path, content) in entries {
            zip.start_file(*path, zip::write::SimpleFileOptions::default()).unwrap();
            zip.write_all(content.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
    }
    buffer.into_inner()
}

/// A review of a one-page package whose page shows `page_text`.
async fn review_of(
    app: &TestApp,
    owner: &Developer,
    shop: &App,
    page_text: &str,
    version_desc: &str,
) -> Review {
    let page = format!("<view>{page_text}</view><!-- 刷单 in a comment is not shown -->");
    let zip = zip_of(&[
        ("app.json", r#"{"pages": ["pages/index/index"]}"#),
        ("pages/index/index.js", "Page({})"),
        ("pages/index/index.wxml", &page),
    ]);
    let upload = Upload { version: "1.0.0", description: "first", zip };
    let (version, _) =
        app.platform().upload_develop_version(owner, shop.appid.as_str(), upload).await.unwrap();
    Review {
        id: ReviewId(1),
        app: shop.key,
        version,
        submission: Submission {
            version_desc: version_desc.into(),
            item_list: vec![ReviewItem { title: Some("Home".into()), ..Default::default() }],
            ..Default::default()
        },
        state: ReviewState::Checking,
        reason: None,
        screenshots: Vec::new(),
        delayed_at: None,
        delay_reason: None,
        submitted_by: None,
        submitted_at: app.clock_now(),
        decided_at: None,
        expedited_at: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_review_content_check_names_the_term_and_where_it_was_found() {
    for_each_backend(|app| async move {
        let owner = app
            .platform()
            .create_verified_developer("owner@example.com", PlatformRole::Developer)
            .await
            .unwrap();
        let shop = app.platform().create_app(&owner, "Review Shop", "A shop", None).await.unwrap().app;
        let platform = app.platform();

        let clean = review_of(&app, &owner, &shop, "Welcome", "bug fixes").await;
        let result = platform.check_review_content(&shop, &clean).await.unwrap();
        assert_eq!((result.check.as_str(), result.status), ("content", CheckStatus::Pass), "{result:?}");

        let risky = review_of(&app, &owner, &shop, "加微信领红包 today", "bug fixes").await;
        let result = platform.check_review_content(&shop, &risky).await.unwrap();
        assert_eq!(result.status, CheckStatus::Fail, "{result:?}");
        assert!(
            result.reason.contains("加微信领红包") && result.reason.contains("pages/index/index.wxml"),
            "{result:?}"
        );

        let doubtful = review_of(&app, &owner, &shop, "Welcome", "now with 赌博 news").await;
        let result = platform.check_review_content(&shop, &doubtful).await.unwrap();
        assert_eq!(result.status, CheckStatus::NeedsHuman, "{result:?}");
        assert!(result.reason.contains("赌博") && result.reason.contains("version_desc"), "{result:?}");
    })
    .await;
}
