//! The release story end to end (clauses 2.3–2.5), on every backend: upload → submit →
//! automated checks → a reviewer approves → release → gray 10 % → revert gray → a new version →
//! release → rollback; and the rejection path with catalogue reasons and a screenshot. The
//! developer acts through the wire API only; the reviewer through the review desk.

use std::path::Path;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use miniplat_core::accounts::Developer;
use miniplat_core::apps::access::{Access, EnvVersion, Viewer};
use miniplat_core::apps::{App, AppId};
use miniplat_core::review::ReviewId;
use miniplat_core::reviewing::Decision;
use miniplat_package::{zip_directory, Limits};
use miniplat_testkit::{for_each_backend, TestApp};
use serde_json::{json, Value};

/// A PNG signature is all the media check reads.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

struct Shop {
    key: String,
    appid: String,
    token: String,
}

impl Shop {
    /// A mini program ready for review: the shop example's privacy use declared, a category
    /// that needs no qualification, its server domains, and push configured (events are read
    /// from the job queue).
    async fn new(app: &TestApp) -> Self {
        let (developer, key) = app.developer("dev@example.com").await;
        let (appid, secret) = app.app(&key, "Story Shop").await;
        let token = app.access_token(&appid, &secret).await;
        let shop = Self { key, appid, token };
        shop.upload_trial(app, "1.0.0").await;
        shop.prepare(app, &developer).await;
        shop
    }

    async fn record(&self, app: &TestApp) -> App {
        app.platform().store.app_by_appid(&AppId::parse(&self.appid).unwrap()).await.unwrap().unwrap()
    }

    async fn wx(&self, app: &TestApp, path: &str, body: Value) -> Value {
        app.wx_post(path, &self.token, body).await
    }

    async fn wx_get(&self, app: &TestApp, path: &str) -> Value {
        let separator = if path.contains('?') { '&' } else { '?' };
        app.get(&format!("{path}{separator}access_token={}", self.token)).await.json()
    }

    async fn upload_trial(&self, app: &TestApp, version: &str) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
        let zip = zip_directory(&dir, &Limits::default()).unwrap();
        let request = Request::post(format!(
            "/api/v1/apps/{}/versions?version={version}&description=v{version}",
            self.appid
        ))
        .header(header::AUTHORIZATION, format!("Bearer {}", self.key))
        .header(header::CONTENT_TYPE, "application/zip")
        .body(Body::from(zip))
        .unwrap();
        let uploaded = app.request(request).await;
        assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.text());
        let body = Some(json!({ "version_id": uploaded.json()["id"] }));
        let chosen =
            app.json(Method::PUT, &format!("/api/v1/apps/{}/trial", self.appid), body, Some(&self.key)).await;
        assert_eq!(chosen.status, StatusCode::OK, "{}", chosen.text());
    }

    async fn prepare(&self, app: &TestApp, developer: &Developer) {
        app.declare_privacy(&self.token, "to run the shop").await;
        let category = json!({ "categories": [{ "first": 1, "second": 101, "certicates": [] }] });
        assert_eq!(self.wx(app, "/cgi-bin/wxopen/addcategory", category).await["errcode"], 0);
        let domains = json!({
            "action": "set",
            "requestdomain": ["https://shop.example.com"],
            "uploaddomain": ["https://shop.example.com"],
        });
        assert_eq!(self.wx(app, "/wxa/modify_domain", domains).await["errcode"], 0);
        app.plain_push(self.record(app).await.key, developer).await;
    }

    /// Submits the trial version and runs the automated checks; returns the auditid.
    async fn submit(&self, app: &TestApp) -> i64 {
        let body = json!({
            "item_list": [{ "address": "pages/home/home", "tag": "shop", "first_class": "工具",
                            "second_class": "效率", "first_id": 1, "second_id": 101, "title": "Home" }],
            "version_desc": "Browse and order",
        });
        let submitted = self.wx(app, "/wxa/submit_audit", body).await;
        let auditid = submitted["auditid"].as_i64().unwrap_or_else(|| panic!("{submitted}"));
        assert_eq!(app.platform().run_review_checks().await.unwrap(), 1);
        assert_eq!(self.status(app, auditid).await["status"], 2, "the checks pass; a person decides");
        auditid
    }

    async fn status(&self, app: &TestApp, auditid: i64) -> Value {
        self.wx(app, "/wxa/get_auditstatus", json!({ "auditid": auditid })).await
    }

    /// The events queued for the developer's server since the last call.
    async fn pushes(&self, app: &TestApp) -> Vec<Value> {
        let now = app.clock_now();
        let jobs = app.platform().store.claim_jobs("push", now + 1, now + 60, 100).await.unwrap();
        jobs.iter().map(|job| serde_json::from_str::<Value>(&job.payload).unwrap()["event"].clone()).collect()
    }

    async fn release_version(&self, app: &TestApp) -> Value {
        self.wx(app, "/wxa/getversioninfo", json!({})).await["release_info"].clone()
    }
}

fn event_names(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["event"].as_str().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_version_goes_from_upload_through_review_release_gray_and_rollback() {
    for_each_backend(|app| async move {
        let shop = Shop::new(&app).await;
        let platform = app.platform();
        let (staff, _) = app.operator("staff@example.com").await;
        let desk = platform.review_desk(&staff).await.unwrap();

        // Version 1: submitted, checked, approved by staff, released.
        let first = shop.submit(&app).await;
        platform.decide_review(&desk, ReviewId(first), Decision::Approve).await.unwrap();
        assert_eq!(shop.status(&app, first).await["status"], 0);
        assert_eq!(event_names(&shop.pushes(&app).await), ["weapp_audit_success"]);
        let record = shop.record(&app).await;
        let anonymous = platform.access_to(&record, EnvVersion::Release, &Viewer::Anonymous).await.unwrap();
        assert_eq!(anonymous, Access::NotReleased, "approved is not yet released");
        assert_eq!(shop.wx(&app, "/wxa/release", json!({})).await["errcode"], 0);
        assert_eq!(shop.wx(&app, "/wxa/release", json!({})).await["errcode"], 85052, "released once");
        let record = shop.record(&app).await;
        assert_eq!(
            platform.access_to(&record, EnvVersion::Release, &Viewer::Anonymous).await.unwrap(),
            Access::Open
        );
        assert_eq!(shop.release_version(&app).await["release_version"], "1.0.0");

        // Version 2: gray released to 10 %, reverted, then released to everyone.
        shop.upload_trial(&app, "2.0.0").await;
        let second = shop.submit(&app).await;
        platform.decide_review(&desk, ReviewId(second), Decision::Approve).await.unwrap();
        let gray = json!({ "gray_percentage": 10 });
        assert_eq!(shop.wx(&app, "/wxa/grayrelease", gray).await["errcode"], 0);
        let plan = shop.wx_get(&app, "/wxa/getgrayreleaseplan").await;
        assert_eq!(
            (
                plan["gray_release_plan"]["status"].as_i64(),
                plan["gray_release_plan"]["gray_percentage"].as_i64()
            ),
            (Some(1), Some(10))
        );
        let lower = json!({ "gray_percentage": 5 });
        assert_eq!(shop.wx(&app, "/wxa/grayrelease", lower).await["errcode"], 85082, "only rising");
        assert_eq!(shop.wx_get(&app, "/wxa/revertcoderelease").await["errcode"], 87011, "not during gray");
        assert_eq!(shop.wx_get(&app, "/wxa/revertgrayrelease").await["errcode"], 0);
        assert_eq!(shop.release_version(&app).await["release_version"], "1.0.0", "gray users went back");
        assert_eq!(shop.wx(&app, "/wxa/release", json!({})).await["errcode"], 0);
        assert_eq!(shop.release_version(&app).await["release_version"], "2.0.0");

        // Rollback to version 1, once.
        let history = shop.wx_get(&app, "/wxa/revertcoderelease?action=get_history_version").await;
        let versions: Vec<_> =
            history["version_list"].as_array().unwrap().iter().map(|v| v["user_version"].clone()).collect();
        assert!(versions.contains(&json!("1.0.0")), "{history}");
        assert_eq!(shop.wx_get(&app, "/wxa/revertcoderelease").await["errcode"], 0);
        assert_eq!(shop.release_version(&app).await["release_version"], "1.0.0");
        assert_eq!(shop.wx_get(&app, "/wxa/revertcoderelease").await["errcode"], 87012, "not twice");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejection_names_its_reasons_and_screenshots_and_cannot_be_released() {
    for_each_backend(|app| async move {
        let shop = Shop::new(&app).await;
        let platform = app.platform();
        let (staff, _) = app.operator("staff@example.com").await;
        let desk = platform.review_desk(&staff).await.unwrap();
        let auditid = shop.submit(&app).await;
        assert_eq!(shop.wx(&app, "/wxa/submit_audit", json!({})).await["errcode"], 85009, "one at a time");

        let catalogue = platform.rejection_reasons().await.unwrap();
        let cited = &catalogue[0];
        let decision = Decision::Reject {
            codes: vec![cited.code.clone()],
            note: "The order page is empty.".into(),
            screenshots: vec![PNG.to_vec()],
        };
        platform.decide_review(&desk, ReviewId(auditid), decision).await.unwrap();

        let status = shop.status(&app, auditid).await;
        assert_eq!(status["status"], 1);
        let reason = status["reason"].as_str().unwrap();
        assert!(reason.contains(&cited.title) && reason.contains("The order page is empty."), "{reason}");
        let screenshot = status["screenshot"].as_str().unwrap();
        assert_eq!(screenshot.split('|').count(), 1, "{status}");
        let events = shop.pushes(&app).await;
        assert_eq!(event_names(&events), ["weapp_audit_fail"]);
        let fields = events[0]["fields"].to_string();
        assert!(fields.contains(screenshot), "the push names the screenshot: {fields}");

        assert_eq!(shop.wx(&app, "/wxa/release", json!({})).await["errcode"], 85019, "nothing approved");
        let page = app.get("/review-guidelines").await;
        assert!(page.text().contains(&cited.title), "the catalogue is public");
    })
    .await;
}
