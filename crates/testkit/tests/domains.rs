//! Server and web-view domains (`wechat-api.md` §7.1 rows 22–24): `modify_domain`,
//! `setwebviewdomain`, `get_webviewdomain_confirmfile`, the console's Domains tab and the
//! release review's domains check; in process, on every backend.

use std::io::Write;

use axum::http::StatusCode;
use miniplat_core::accounts::{Developer, PlatformRole};
use miniplat_core::apps::versions::Upload;
use miniplat_core::apps::{App, MemberRole};
use miniplat_core::review::{CheckStatus, Review, ReviewId, ReviewState, Submission};
use miniplat_testkit::visitor::Visitor;
use miniplat_testkit::{for_each_backend, TestApp};
use serde_json::{json, Value};

const PASSWORD: &str = "a long enough password";
const MODIFY: &str = "/wxa/modify_domain";
const WEBVIEW: &str = "/wxa/setwebviewdomain";

fn assert_errcode(body: &Value, errcode: i64) {
    assert_eq!(body["errcode"], errcode, "{body}");
    if errcode != 0 {
        assert!(body["errmsg"].as_str().unwrap().contains(" rid: "), "{body}");
    }
}

async fn shop(app: &TestApp, name: &str) -> (String, String) {
    let (_, key) = app.developer(&format!("{}@example.com", name.to_lowercase().replace(' ', "-"))).await;
    let (appid, secret) = app.app(&key, name).await;
    let token = app.access_token(&appid, &secret).await;
    (appid, token)
}

#[tokio::test(flavor = "multi_thread")]
async fn server_domains_are_added_deleted_set_and_read_per_app() {
    for_each_backend(|app| async move {
        let (_, token) = shop(&app, "Domain Shop").await;
        let (_, other_token) = shop(&app, "Other Shop").await;

        let empty = app.wx_post(MODIFY, &token, json!({ "action": "get" })).await;
        assert_errcode(&empty, 0);
        for field in ["requestdomain", "wsrequestdomain", "uploaddomain", "downloaddomain", "udpdomain", "tcpdomain"] {
            assert_eq!(empty[field], json!([]), "{field}");
            assert_eq!(empty[format!("invalid_{field}")], json!([]), "{field}");
        }

        let added = app
            .wx_post(
                MODIFY,
                &token,
                json!({ "action": "add", "requestdomain": ["https://API.shop.example/", "https://cdn.shop.example"],
                        "wsrequestdomain": ["wss://ws.shop.example"], "uploaddomain": null }),
            )
            .await;
        assert_errcode(&added, 0);
        assert_eq!(added["requestdomain"], json!(["https://api.shop.example", "https://cdn.shop.example"]));
        assert_eq!(added["wsrequestdomain"], json!(["wss://ws.shop.example"]));

        // Nothing new: 85017. Invalid entries refuse the whole call and change nothing.
        let again = json!({ "action": "add", "requestdomain": ["https://api.shop.example"] });
        assert_errcode(&app.wx_post(MODIFY, &token, again).await, 85017);
        for (field, bad) in [
            ("requestdomain", "http://plain.example"),
            ("requestdomain", "https://10.0.0.1"),
            ("requestdomain", "https://localhost"),
            ("requestdomain", "https://shop.example:8443"),
            ("requestdomain", "https://shop.example/api"),
            ("requestdomain", "https://api.weixin.qq.com"),
            ("wsrequestdomain", "https://ws.example"),
            ("udpdomain", "tcp://u.example"),
        ] {
            let body = json!({ "action": "add", "requestdomain": ["https://fine.example"], field: [bad] });
            let refused = app.wx_post(MODIFY, &token, body).await;
            assert_errcode(&refused, 40097);
            assert!(refused["errmsg"].as_str().unwrap().contains(bad), "{refused}");
        }
        assert_errcode(&app.wx_post(MODIFY, &token, json!({ "action": "rename" })).await, 40097);
        assert_errcode(&app.wx_post(MODIFY, &token, json!({})).await, 40097);

        let deleted = app
            .wx_post(MODIFY, &token, json!({ "action": "delete", "requestdomain": ["https://cdn.shop.example"] }))
            .await;
        assert_eq!(deleted["requestdomain"], json!(["https://api.shop.example"]));
        let set = app
            .wx_post(MODIFY, &token, json!({ "action": "set", "udpdomain": ["udp://u.shop.example"], "tcpdomain": ["tcp://t.shop.example"] }))
            .await;
        assert_eq!(set["udpdomain"], json!(["udp://u.shop.example"]));
        assert_eq!(set["requestdomain"], json!(["https://api.shop.example"]), "unsent lists are kept");

        // Another mini program sees none of it.
        assert_eq!(app.wx_post(MODIFY, &other_token, json!({ "action": "get" })).await["requestdomain"], json!([]));

        // 200 per list.
        let many: Vec<String> = (0..201).map(|i| format!("https://h{i}.shop.example")).collect();
        assert_errcode(&app.wx_post(MODIFY, &token, json!({ "action": "set", "downloaddomain": many })).await, 85016);
        assert_errcode(&app.wx_post(MODIFY, &token, json!({ "action": "set", "downloaddomain": &many[..200] })).await, 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_changes_a_month() {
    for_each_backend(|app| async move {
        let (_, key) = app.developer("busy@example.com").await;
        let (appid, secret) = app.app(&key, "Busy Domains").await;
        let token = app.access_token(&appid, &secret).await;
        for i in 0..50 {
            let body = json!({ "action": "set", "requestdomain": [format!("https://v{i}.shop.example")] });
            assert_errcode(&app.wx_post(MODIFY, &token, body).await, 0);
        }
        let over = json!({ "action": "add", "requestdomain": ["https://late.shop.example"] });
        let refused = app.wx_post(MODIFY, &token, over.clone()).await;
        assert_errcode(&refused, 85016);
        assert!(refused["errmsg"].as_str().unwrap().contains("a month"), "{refused}");
        // Reading still works; next month the count starts again.
        assert_errcode(&app.wx_post(MODIFY, &token, json!({ "action": "get" })).await, 0);
        app.clock.advance(32 * 86_400);
        let token = app.access_token(&appid, &secret).await;
        assert_errcode(&app.wx_post(MODIFY, &token, over).await, 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn webview_domains_and_the_confirm_file() {
    for_each_backend(|app| async move {
        let (_, token) = shop(&app, "Web Shop").await;
        let (_, other_token) = shop(&app, "Other Web").await;
        assert_eq!(app.wx_post(WEBVIEW, &token, json!({})).await, json!({ "errcode": 0, "errmsg": "ok" }));
        let get = json!({ "action": "get" });
        assert_eq!(app.wx_post(WEBVIEW, &token, get.clone()).await["webviewdomain"], json!([]));

        let add = json!({ "action": "add", "webviewdomain": ["https://www.shop.example"] });
        assert_errcode(&app.wx_post(WEBVIEW, &token, add.clone()).await, 0);
        assert_errcode(&app.wx_post(WEBVIEW, &token, add).await, 89019);
        assert_eq!(
            app.wx_post(WEBVIEW, &token, get.clone()).await["webviewdomain"],
            json!(["https://www.shop.example"])
        );
        assert_eq!(app.wx_post(WEBVIEW, &other_token, get.clone()).await["webviewdomain"], json!([]));
        let bad = json!({ "action": "add", "webviewdomain": ["wss://www.shop.example"] });
        assert_errcode(&app.wx_post(WEBVIEW, &token, bad).await, 40097);
        let many: Vec<String> = (0..101).map(|i| format!("https://w{i}.shop.example")).collect();
        assert_errcode(
            &app.wx_post(WEBVIEW, &token, json!({ "action": "set", "webviewdomain": many })).await,
            89029,
        );
        let delete = json!({ "action": "delete", "webviewdomain": ["https://www.shop.example"] });
        assert_errcode(&app.wx_post(WEBVIEW, &token, delete).await, 0);

        let file = app.wx_post("/wxa/get_webviewdomain_confirmfile", &token, json!({})).await;
        assert_errcode(&file, 0);
        let name = file["file_name"].as_str().unwrap();
        assert!(name.ends_with(".txt") && name.len() == 14, "{file}");
        assert_eq!(file["file_content"].as_str().unwrap().len(), 32);
        assert_eq!(
            app.wx_post("/wxa/get_webviewdomain_confirmfile", &token, json!({})).await,
            file,
            "stable"
        );
        let other = app.wx_post("/wxa/get_webviewdomain_confirmfile", &other_token, json!({})).await;
        assert_ne!(other["file_content"], file["file_content"]);
    })
    .await;
}

async fn console_account(app: &TestApp, email: &str) -> Developer {
    let platform = app.platform();
    let developer = platform.create_verified_developer(email, PlatformRole::Developer).await.unwrap();
    platform.set_initial_developer_password(&developer, PASSWORD).await.unwrap();
    developer
}

#[tokio::test(flavor = "multi_thread")]
async fn the_domains_tab_edits_lists_for_developers_only() {
    for_each_backend(|app| async move {
        let platform = app.platform();
        let owner = console_account(&app, "owner@example.com").await;
        let analyst = console_account(&app, "analyst@example.com").await;
        console_account(&app, "stranger@example.com").await;
        let shop = platform.create_app(&owner, "Tab Shop", "", None).await.unwrap().app;
        let appid = shop.appid.to_string();
        let link = platform
            .invite_member(&owner, &appid, analyst.email.as_str(), MemberRole::Analyst)
            .await
            .unwrap();
        platform.accept_invitation(&analyst, link.rsplit('/').next().unwrap()).await.unwrap();
        let tab = format!("/console/apps/{appid}/domains");

        let mut visitor = Visitor::new(&app);
        visitor.sign_in("owner@example.com", PASSWORD).await;
        let page = visitor.get(&tab).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        assert!(page.text().contains("requestdomain") && page.text().contains("50 more times"));

        let refused = visitor
            .submit(
                &tab,
                &tab,
                &[("list", "requestdomain"), ("domains", "https://ok.shop.example\nhttp://bad.example")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().contains("http://bad.example"));
        assert_eq!(platform.app_domains(shop.key).await.unwrap().server.requestdomain, Vec::<String>::new());

        let saved = visitor
            .submit(
                &tab,
                &tab,
                &[
                    ("list", "requestdomain"),
                    ("domains", "https://ok.shop.example\n\nhttps://two.shop.example"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        let saved = visitor
            .submit(&tab, &tab, &[("list", "webviewdomain"), ("domains", "https://www.shop.example")])
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let domains = platform.app_domains(shop.key).await.unwrap();
        assert_eq!(domains.server.requestdomain, ["https://ok.shop.example", "https://two.shop.example"]);
        assert_eq!(domains.webview, ["https://www.shop.example"]);
        // Saving the same list again is fine.
        let same = visitor
            .submit(&tab, &tab, &[("list", "webviewdomain"), ("domains", "https://www.shop.example")])
            .await;
        assert_eq!(same.status, StatusCode::SEE_OTHER);

        // Analysts read but do not change; strangers see nothing.
        let mut reader = Visitor::new(&app);
        reader.sign_in("analyst@example.com", PASSWORD).await;
        let shown = reader.get(&tab).await;
        assert!(shown.text().contains("https://ok.shop.example") && !shown.text().contains("<textarea"));
        let refused = reader.post(&tab, &[("list", "requestdomain"), ("domains", "")]).await;
        assert_ne!(refused.status, StatusCode::SEE_OTHER);
        let mut stranger = Visitor::new(&app);
        stranger.sign_in("stranger@example.com", PASSWORD).await;
        assert_eq!(stranger.get(&tab).await.status, StatusCode::NOT_FOUND);
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

async fn review_of(app: &TestApp, owner: &Developer, shop: &App, script: &str) -> Review {
    let zip = zip_of(&[
        ("app.json", r#"{"pages": ["pages/index/index"]}"#),
        ("pages/index/index.js", script),
        ("pages/index/index.wxml", "<view>hi</view>"),
    ]);
    let upload = Upload { version: "1.0.0", description: "first", zip };
    let (version, _) =
        app.platform().upload_develop_version(owner, shop.appid.as_str(), upload).await.unwrap();
    Review {
        id: ReviewId(1),
        app: shop.key,
        version,
        submission: Submission::default(),
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
async fn the_review_domains_check_compares_literal_urls_with_the_lists() {
    for_each_backend(|app| async move {
        let platform = app.platform();
        let owner = platform.create_verified_developer("owner@example.com", PlatformRole::Developer).await.unwrap();
        let shop = platform.create_app(&owner, "Checked Shop", "", None).await.unwrap().app;
        platform
            .set_domains_as_member(&owner, shop.appid.as_str(), Some(miniplat_core::domains::DomainKind::Request), vec!["https://api.shop.example".into()])
            .await
            .unwrap();

        let good = review_of(&app, &owner, &shop, "wx.request({ url: 'https://api.shop.example/items' });\nPage({})").await;
        let result = platform.check_review_domains(&shop, &good).await.unwrap();
        assert_eq!((result.check.as_str(), result.status), ("domains", CheckStatus::Pass), "{result:?}");

        let foreign = "Page({});\nwx.request({ url: 'https://api.shop.example/a' });\nwx.uploadFile({ url: 'https://api.shop.example/up' });";
        let result = platform.check_review_domains(&shop, &review_of(&app, &owner, &shop, foreign).await).await.unwrap();
        assert_eq!(result.status, CheckStatus::Fail, "{result:?}");
        assert!(result.reason.contains("pages/index/index.js:3") && result.reason.contains("api.shop.example") && result.reason.contains("uploaddomain"), "{result:?}");

        let built = "const base = 'https://api.shop.example';\nwx.request({ url: base + '/x' });\nPage({})";
        let result = platform.check_review_domains(&shop, &review_of(&app, &owner, &shop, built).await).await.unwrap();
        assert_eq!(result.status, CheckStatus::Warn, "{result:?}");
        assert!(result.reason.contains("pages/index/index.js:2"), "{result:?}");

        let relative = "wx.request({ url: '/a' });\nPage({})";
        let result = platform.check_review_domains(&shop, &review_of(&app, &owner, &shop, relative).await).await.unwrap();
        assert_eq!(result.status, CheckStatus::Fail, "{result:?}");
        assert!(result.reason.contains("absolute"), "{result:?}");

        let plain = "wx.request({ url: 'http://api.shop.example/a' });\nPage({})";
        let result = platform.check_review_domains(&shop, &review_of(&app, &owner, &shop, plain).await).await.unwrap();
        assert_eq!(result.status, CheckStatus::Fail, "{result:?}");
    })
    .await;
}
