//! Categories and qualifications (clause 2.8, spec §8.2, §7.1 row 4): the catalogue on the
//! wire, categories approved at once or by staff with the decision pushed as
//! `wxa_category_audit`, every refusal, limits, isolation between mini programs, the staff
//! pages (refused to developers), the console tab, and the release review's `categories`
//! check. Every backend.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, Method, Request, StatusCode};
use axum::routing::get;
use axum::Router;
use miniplat_core::accounts::{Developer, PlatformRole, SubjectDetails, SubjectType};
use miniplat_core::review::{CheckStatus, ReviewItem, Submission};
use miniplat_testkit::visitor::Visitor;
use miniplat_testkit::{for_each_backend, Backend, TestApp};
use serde_json::{json, Value};

const PASSWORD: &str = "a long enough password";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR fake but sniffable";

fn assert_errcode(body: &Value, errcode: i64) {
    assert_eq!(body["errcode"], errcode, "{body}");
    if errcode != 0 {
        assert!(body["errmsg"].as_str().unwrap().contains(" rid: "), "{body}");
    }
}

async fn wx_get(app: &TestApp, path: &str, token: &str) -> Value {
    let response = app.get(&format!("{path}?access_token={token}")).await;
    assert_eq!(response.status, StatusCode::OK);
    response.json()
}

/// `POST /cgi-bin/media/upload?type=…` with a multipart `media` field, as wechatpy sends it.
async fn upload_media(app: &TestApp, token: &str, kind: &str, bytes: &[u8]) -> Value {
    let boundary = "----miniplat-media";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"licence.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::post(format!("/cgi-bin/media/upload?type={kind}&access_token={token}"))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    app.request(request).await.json()
}

async fn media_id(app: &TestApp, token: &str) -> String {
    let uploaded = upload_media(app, token, "image", PNG).await;
    assert_eq!(uploaded["type"], "image", "{uploaded}");
    assert!(uploaded["created_at"].as_i64().is_some());
    uploaded["media_id"].as_str().unwrap().to_owned()
}

/// Makes the developer an enterprise, which may take sensitive categories.
async fn make_enterprise(app: &TestApp, developer: &Developer) {
    let details = SubjectDetails {
        legal_name: "Example Education Ltd".into(),
        registration_number: "91310000000000000X".into(),
        legal_representative: "Li Lei".into(),
        contact_phone: "13800000000".into(),
        ..Default::default()
    };
    app.platform().set_subject(developer, SubjectType::Enterprise, details).await.unwrap();
}

async fn add(app: &TestApp, token: &str, categories: Value) -> Value {
    app.wx_post("/cgi-bin/wxopen/addcategory", token, json!({ "categories": categories })).await
}

fn listed(body: &Value, first: i64, second: i64) -> Option<&Value> {
    body["categories"].as_array().unwrap().iter().find(|c| c["first"] == first && c["second"] == second)
}

/// Signs `email` in to the console, creating the account with `role` unless it exists.
async fn signed_in<'a>(app: &'a TestApp, email: &str, role: PlatformRole) -> (Developer, Visitor<'a>) {
    let platform = app.platform();
    let developer = match platform.create_verified_developer(email, role).await {
        Ok(developer) => developer,
        Err(_) => platform
            .store
            .developer_by_email(&miniplat_core::email::Email::parse(email).unwrap())
            .await
            .unwrap()
            .unwrap(),
    };
    platform.set_initial_developer_password(&developer, PASSWORD).await.unwrap();
    let mut visitor = Visitor::new(app);
    visitor.sign_in(email, PASSWORD).await;
    (developer, visitor)
}

/// A developer's server that answers the URL handshake and records what is pushed to it.
struct Receiver {
    address: SocketAddr,
    posts: Arc<Mutex<Vec<Value>>>,
    _task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start() -> Self {
        let posts = Arc::new(Mutex::new(Vec::new()));
        let router = Router::new()
            .route(
                "/wx/push",
                get(|Query(query): Query<HashMap<String, String>>| async move {
                    query.get("echostr").cloned().unwrap_or_default()
                })
                .post(
                    |State(posts): State<Arc<Mutex<Vec<Value>>>>, body: String| async move {
                        posts.lock().unwrap().push(serde_json::from_str(&body).unwrap_or(Value::Null));
                        "success"
                    },
                ),
            )
            .with_state(posts.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let task = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self { address, posts, _task: task }
    }

    fn posts(&self) -> Vec<Value> {
        self.posts.lock().unwrap().clone()
    }
}

/// Plain JSON pushes of `appid` go to `receiver`.
async fn push_to(app: &TestApp, key: &str, appid: &str, receiver: &Receiver) {
    let body = json!({
        "url": format!("http://{}/wx/push", receiver.address),
        "token": "PushToken2024",
        "encoding_aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "mode": "plain",
        "format": "json",
    });
    let saved = app.json(Method::PUT, &format!("/api/v1/apps/{appid}/push"), Some(body), Some(key)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_catalogue_is_served_whole_and_by_subject_type() {
    for_each_backend(|app| async move {
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, secret) = app.app(&key, "Catalogue Shop").await;
        let token = app.access_token(&appid, &secret).await;

        let all = wx_get(&app, "/cgi-bin/wxopen/getallcategories", &token).await;
        assert_errcode(&all, 0);
        let nodes = all["categories_list"]["categories"].as_array().unwrap();
        assert!((20..=45).contains(&nodes.len()), "{}", nodes.len());
        let node = |id: i64| nodes.iter().find(|n| n["id"] == id).cloned();
        let root = node(0).expect("the root");
        assert_eq!(root["children"], json!([1, 2, 3, 4, 5, 6, 7, 8, 9]));
        let education = node(201).unwrap();
        assert_eq!((education["name"].as_str(), education["level"].as_i64()), (Some("在线教育"), Some(2)));
        assert_eq!((education["father"].as_i64(), education["sensitive_type"].as_i64()), (Some(2), Some(1)));
        assert_eq!(education["qualify"]["exter_list"][0]["inner_list"][0]["name"], "办学许可证");
        assert_eq!(node(704).unwrap()["children"], json!([70401, 70402]), "three levels");

        let by_type = |verify_type: Value| {
            let (app, token) = (&app, token.clone());
            async move {
                app.wx_post(
                    "/cgi-bin/wxopen/getcategoriesbytype",
                    &token,
                    json!({ "verify_type": verify_type }),
                )
                .await
            }
        };
        let ids = |body: &Value| -> Vec<i64> {
            body["categories_list"]["categories"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["id"].as_i64().unwrap())
                .collect()
        };
        let personal = ids(&by_type(json!(0)).await);
        assert!(personal.contains(&101) && !personal.contains(&201), "no sensitive category for individuals");
        assert!(!personal.contains(&6) && !personal.contains(&601), "a hidden parent hides its children");
        assert!(!personal.contains(&501), "community forums are for organisations");
        let enterprise = ids(&by_type(json!("1")).await);
        assert!(enterprise.contains(&201) && enterprise.contains(&501) && enterprise.contains(&602));
        assert!(!enterprise.contains(&601), "public hospitals are not for enterprises");
        assert_eq!(ids(&by_type(Value::Null).await), personal, "verify_type defaults to personal");
        assert_errcode(&by_type(json!(9)).await, 53303);
        assert_errcode(
            &app.get(&format!("/cgi-bin/wxopen/getcategoriesbytype?access_token={token}")).await.json(),
            43002,
        );
        assert_errcode(&wx_get(&app, "/cgi-bin/wxopen/getallcategories", "bad-token").await, 40001);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn categories_without_documents_are_approved_at_once_and_usable_in_submissions() {
    for_each_backend(|app| async move {
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, secret) = app.app(&key, "Tool Shop").await;
        let token = app.access_token(&appid, &secret).await;
        let (other_appid, other_secret) = app.app(&key, "Other Shop").await;
        let other_token = app.access_token(&other_appid, &other_secret).await;

        let empty = wx_get(&app, "/cgi-bin/wxopen/getcategory", &token).await;
        assert_errcode(&empty, 0);
        assert_eq!(empty["categories"], json!([]));
        assert_eq!(
            (empty["limit"].as_i64(), empty["quota"].as_i64(), empty["category_limit"].as_i64()),
            (Some(20), Some(20), Some(5))
        );
        assert_eq!(wx_get(&app, "/wxa/get_category", &token).await["category_list"], json!([]));

        // Ids as numbers or numeric strings.
        assert_errcode(
            &add(&app, &token, json!([{ "first": 1, "second": "101" }, { "first": "7", "second": 701 }]))
                .await,
            0,
        );
        let mine = wx_get(&app, "/cgi-bin/wxopen/getcategory", &token).await;
        let efficiency = listed(&mine, 1, 101).unwrap();
        assert_eq!(
            (efficiency["first_name"].as_str(), efficiency["second_name"].as_str()),
            (Some("工具"), Some("效率"))
        );
        assert_eq!(
            (efficiency["audit_status"].as_i64(), efficiency["audit_reason"].as_str()),
            (Some(3), Some(""))
        );
        assert_eq!(mine["quota"], 18);
        let usable = wx_get(&app, "/wxa/get_category", &token).await;
        assert_errcode(&usable, 0);
        assert_eq!(
            usable["category_list"][0],
            json!({ "first_class": "工具", "second_class": "效率", "first_id": 1, "second_id": 101 })
        );

        // Refusals change nothing.
        for (body, errcode) in [
            (json!([{ "first": 1, "second": 101 }]), 53304),
            (json!([{ "first": 1, "second": 102 }, { "first": 1, "second": 102 }]), 53304),
            (json!([{ "first": 1, "second": 201 }]), 53303),
            (json!([{ "first": 101, "second": 70401 }]), 53303),
            (json!([{ "first": 99, "second": 9901 }]), 53303),
            (json!([{ "first": "x", "second": 101 }]), 53303),
            (json!([]), 53303),
            (json!([{ "first": 2, "second": 201, "certicates": [] }]), 53302),
            (json!([{ "first": 5, "second": 501 }]), 53302),
            (
                json!([{ "first": 1, "second": 102, "certicates": [{ "key": "营业执照", "value": "m" }] }]),
                53303,
            ),
        ] {
            assert_errcode(&add(&app, &token, body).await, errcode);
        }
        assert_errcode(&app.wx_post("/cgi-bin/wxopen/addcategory", &token, json!({})).await, 53303);
        assert_errcode(
            &app.wx_post("/cgi-bin/wxopen/addcategory", &token, json!({ "categories": { "first": 1 } }))
                .await,
            47001,
        );
        assert_eq!(
            wx_get(&app, "/cgi-bin/wxopen/getcategory", &token).await["categories"].as_array().unwrap().len(),
            2
        );

        // Isolation: the other mini program sees none of it and cannot touch it.
        assert_eq!(wx_get(&app, "/cgi-bin/wxopen/getcategory", &other_token).await["categories"], json!([]));
        let delete = "/cgi-bin/wxopen/deletecategory";
        assert_errcode(&app.wx_post(delete, &other_token, json!({ "first": 1, "second": 101 })).await, 53303);
        assert!(listed(&wx_get(&app, "/cgi-bin/wxopen/getcategory", &token).await, 1, 101).is_some());

        // Approved categories can be deleted; modifying one that needs no document is 53306.
        assert_errcode(
            &app.wx_post("/cgi-bin/wxopen/modifycategory", &token, json!({ "first": 1, "second": 101 }))
                .await,
            53306,
        );
        assert_errcode(&app.wx_post(delete, &token, json!({ "first": 7, "second": 701 })).await, 0);
        assert_errcode(&app.wx_post(delete, &token, json!({ "first": 7, "second": 701 })).await, 53303);
        let after = wx_get(&app, "/cgi-bin/wxopen/getcategory", &token).await;
        assert_eq!(after["categories"].as_array().unwrap().len(), 1);
        assert_eq!(after["quota"], 18, "deleting gives no addition back");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn limits_per_app_and_per_month() {
    for backend in Backend::all() {
        let app = TestApp::with_config(backend, |config| {
            config.platform.categories_per_app = 2;
            config.platform.category_adds_per_month = 3;
        })
        .await;
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, secret) = app.app(&key, "Busy Shop").await;
        let token = app.access_token(&appid, &secret).await;
        assert_errcode(
            &add(&app, &token, json!([{ "first": 1, "second": 101 }, { "first": 1, "second": 102 }])).await,
            0,
        );
        assert_errcode(&add(&app, &token, json!([{ "first": 1, "second": 103 }])).await, 53301);
        let delete = "/cgi-bin/wxopen/deletecategory";
        assert_errcode(&app.wx_post(delete, &token, json!({ "first": 1, "second": 102 })).await, 0);
        assert_errcode(&add(&app, &token, json!([{ "first": 1, "second": 103 }])).await, 0);
        assert_errcode(&app.wx_post(delete, &token, json!({ "first": 1, "second": 103 })).await, 0);
        assert_errcode(&add(&app, &token, json!([{ "first": 1, "second": 104 }])).await, 53300);
        let overview = wx_get(&app, "/cgi-bin/wxopen/getcategory", &token).await;
        assert_eq!(
            (overview["limit"].as_i64(), overview["quota"].as_i64(), overview["category_limit"].as_i64()),
            (Some(3), Some(0), Some(2))
        );
        assert_eq!(overview["categories"].as_array().unwrap().len(), 1, "refusals added nothing");
        // A new month brings new additions.
        app.clock.set(app.clock_now() + 32 * 86_400);
        let token = app.access_token(&appid, &secret).await;
        assert_errcode(&add(&app, &token, json!([{ "first": 1, "second": 104 }])).await, 0);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn documents_go_to_staff_who_approve_or_reject_and_the_result_is_pushed() {
    for backend in Backend::all() {
        let app =
            TestApp::with_config(backend, |config| config.platform.push_allow_private_addresses = true).await;
        let platform = app.platform();
        let (developer, key) = app.developer("dev@example.com").await;
        make_enterprise(&app, &developer).await;
        let (appid, secret) = app.app(&key, "School Shop").await;
        let token = app.access_token(&appid, &secret).await;
        let (other_appid, other_secret) = app.app(&key, "Neighbour").await;
        let other_token = app.access_token(&other_appid, &other_secret).await;
        let receiver = Receiver::start().await;
        push_to(&app, &key, &appid, &receiver).await;

        // Temporary media: images only under type=image, recognised by their bytes.
        assert_errcode(&upload_media(&app, &token, "voice", PNG).await, 40004);
        assert_errcode(&upload_media(&app, &token, "image", b"<svg/>").await, 40005);
        assert_errcode(&upload_media(&app, &token, "video", PNG).await, 40005);
        let licence = media_id(&app, &token).await;
        let neighbours = media_id(&app, &other_token).await;

        let school = |value: &str| json!([{ "first": 2, "second": 201, "certicates": [{ "key": "办学许可证", "value": value }] }]);
        assert_errcode(&add(&app, &token, json!([{ "first": 2, "second": 201 }])).await, 53311);
        assert_errcode(&add(&app, &token, school("no-such-media")).await, 40007);
        assert_errcode(&add(&app, &token, school(&neighbours)).await, 40007);
        assert_errcode(
            &add(
                &app,
                &token,
                json!([{ "first": 2, "second": 201, "certicates": [{ "key": "身份证", "value": licence }] }]),
            )
            .await,
            53303,
        );
        assert_errcode(&add(&app, &token, school(&licence)).await, 0);
        let training = json!([{ "first": 2, "second": 203, "certicates": [
            { "key": "办学许可证", "value": licence }, { "key": "营业执照", "value": licence }] }]);
        assert_errcode(&add(&app, &token, training).await, 0);
        let mine = wx_get(&app, "/cgi-bin/wxopen/getcategory", &token).await;
        assert_eq!(listed(&mine, 2, 201).unwrap()["audit_status"], 1, "waiting for staff");
        assert_eq!(
            wx_get(&app, "/wxa/get_category", &token).await["category_list"],
            json!([]),
            "not usable yet"
        );
        let delete = "/cgi-bin/wxopen/deletecategory";
        let modify = "/cgi-bin/wxopen/modifycategory";
        assert_errcode(&app.wx_post(delete, &token, json!({ "first": 2, "second": 201 })).await, 53308);
        assert_errcode(&app.wx_post(modify, &token, school(&licence)[0].clone()).await, 53307);

        // Developers cannot reach the staff pages or the documents.
        let (_, mut dev) = signed_in(&app, "dev@example.com", PlatformRole::Developer).await;
        assert_eq!(dev.get("/admin/category-reviews").await.status, StatusCode::NOT_FOUND);
        assert_eq!(dev.get("/admin/categories").await.status, StatusCode::NOT_FOUND);

        let (operator, mut op) = signed_in(&app, "op@example.com", PlatformRole::Operator).await;
        let queue = op.get("/admin/category-reviews").await;
        assert_eq!(queue.status, StatusCode::OK);
        let queue = queue.text();
        assert!(
            queue.contains("教育 / 在线教育")
                && queue.contains("School Shop")
                && queue.contains("办学许可证"),
            "{queue}"
        );
        let pending = platform.pending_category_applications(&operator).await.unwrap();
        assert_eq!(pending.len(), 2);
        let school_id = pending.iter().find(|p| p.application.second.0 == 201).unwrap().application.id;
        let training_id = pending.iter().find(|p| p.application.second.0 == 203).unwrap().application.id;
        let document = format!("/admin/category-reviews/{school_id}/documents/{licence}");
        assert!(queue.contains(&document));
        let image = op.get(&document).await;
        assert_eq!((image.status, image.header("content-type")), (StatusCode::OK, Some("image/png")));
        assert_eq!(image.body, PNG);
        assert_eq!(dev.get(&document).await.status, StatusCode::NOT_FOUND);
        let foreign = format!("/admin/category-reviews/{school_id}/documents/{neighbours}");
        assert_eq!(op.get(&foreign).await.status, StatusCode::NOT_FOUND, "only the application's documents");

        // Approve one, reject the other (a reason is required).
        let approve = op
            .submit(
                "/admin/category-reviews",
                &format!("/admin/category-reviews/{school_id}"),
                &[("decision", "approve")],
            )
            .await;
        assert_eq!(approve.status, StatusCode::SEE_OTHER);
        let action = format!("/admin/category-reviews/{training_id}");
        let no_reason = op.submit("/admin/category-reviews", &action, &[("decision", "reject")]).await;
        assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
        let reject = op
            .submit("/admin/category-reviews", &action, &[("decision", "reject"), ("reason", "许可证已过期")])
            .await;
        assert_eq!(reject.status, StatusCode::SEE_OTHER);
        let again = op.submit("/admin/category-reviews", &action, &[("decision", "approve")]).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND, "decided once");
        let by_dev = dev.post(&action, &[("decision", "approve")]).await;
        assert_eq!(by_dev.status, StatusCode::NOT_FOUND);

        assert_eq!(platform.run_push_deliveries().await.unwrap(), 2);
        let pushes: Vec<Value> =
            receiver.posts().into_iter().filter(|p| p["Event"] == "wxa_category_audit").collect();
        assert_eq!(pushes.len(), 2, "{pushes:?}");
        // Deliveries run concurrently, so they arrive in either order.
        let pushed = |second: i64| pushes.iter().find(|p| p["second"] == second).unwrap().clone();
        let (approved, rejected) = (pushed(201), pushed(203));
        assert_eq!((approved["first"].as_i64(), approved["ret"].as_i64()), (Some(2), Some(3)));
        assert_eq!(approved["reason"], "");
        assert_eq!((rejected["first"].as_i64(), rejected["ret"].as_i64()), (Some(2), Some(2)));
        assert_eq!(rejected["reason"], "许可证已过期");
        assert_eq!(rejected["MsgType"], "event");

        let mine = wx_get(&app, "/cgi-bin/wxopen/getcategory", &token).await;
        assert_eq!(listed(&mine, 2, 201).unwrap()["audit_status"], 3);
        let rejected = listed(&mine, 2, 203).unwrap();
        assert_eq!(
            (rejected["audit_status"].as_i64(), rejected["audit_reason"].as_str()),
            (Some(2), Some("许可证已过期"))
        );
        let usable = wx_get(&app, "/wxa/get_category", &token).await;
        assert_eq!(usable["category_list"].as_array().unwrap().len(), 1);
        assert_eq!(usable["category_list"][0]["second_class"], "在线教育");

        // New documents for the rejected one: incomplete is 53311, then back under review.
        let renewed = media_id(&app, &token).await;
        let half =
            json!({ "first": 2, "second": 203, "certicates": [{ "key": "办学许可证", "value": renewed }] });
        assert_errcode(&app.wx_post(modify, &token, half).await, 53311);
        let whole = json!({ "first": "2", "second": "203", "certicates": [
            { "key": "办学许可证", "value": renewed }, { "key": "营业执照", "value": renewed }] });
        assert_errcode(&app.wx_post(modify, &token, whole).await, 0);
        let mine = wx_get(&app, "/cgi-bin/wxopen/getcategory", &token).await;
        assert_eq!(
            (
                listed(&mine, 2, 203).unwrap()["audit_status"].as_i64(),
                listed(&mine, 2, 203).unwrap()["audit_reason"].as_str()
            ),
            (Some(1), Some(""))
        );

        // Every decision is in the audit log with who made it.
        let log = platform.store.audit_tail(50).await.unwrap();
        let decisions: Vec<_> = log.iter().filter(|e| e.action == "category.decide").collect();
        assert_eq!(decisions.len(), 2);
        assert!(decisions
            .iter()
            .all(|e| e.actor == format!("developer:{}", operator.id.0) && e.target == appid));

        // The other app's categories are untouched by all of it.
        assert_eq!(wx_get(&app, "/cgi-bin/wxopen/getcategory", &other_token).await["categories"], json!([]));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_keep_the_catalogue_and_delisted_categories_fail_review() {
    for_each_backend(|app| async move {
        let platform = app.platform();
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, secret) = app.app(&key, "Tool Shop").await;
        let token = app.access_token(&appid, &secret).await;
        assert_errcode(&add(&app, &token, json!([{ "first": 1, "second": 101 }])).await, 0);
        let record = platform.app_by_appid(&appid).await.unwrap();
        let submission = |first: i64, second: i64| Submission {
            item_list: vec![ReviewItem {
                address: Some("pages/index/index".into()),
                first_id: Some(first),
                second_id: Some(second),
                ..Default::default()
            }],
            ..Default::default()
        };
        let check = platform.check_review_categories(&record, &submission(1, 101)).await.unwrap();
        assert_eq!((check.check.as_str(), check.status), ("categories", CheckStatus::Pass), "{check:?}");

        let (operator, mut op) = signed_in(&app, "op@example.com", PlatformRole::Operator).await;
        let tree = op.get("/admin/categories").await;
        assert_eq!(tree.status, StatusCode::OK);
        assert!(tree.text().contains("在线教育") && tree.text().contains("废品回收"));

        // Add a third-level category under 工具/效率 with special rules, then edit it.
        let added = op
            .submit(
                "/admin/categories",
                "/admin/categories",
                &[("parent", "101"), ("name", "笔记工具"), ("rules", "须人工核对")],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
        let catalogue = platform.category_catalogue().await.unwrap();
        let new = catalogue.categories.iter().find(|c| c.name == "笔记工具").unwrap().clone();
        assert_eq!((new.level, new.parent.0, new.special_rules.as_deref()), (3, 101, Some("须人工核对")));
        let too_deep = op
            .submit(
                "/admin/categories",
                "/admin/categories",
                &[("parent", &new.id.0.to_string()), ("name", "x")],
            )
            .await;
        assert_eq!(too_deep.status, StatusCode::BAD_REQUEST);
        let same_name =
            op.submit("/admin/categories", "/admin/categories", &[("parent", "0"), ("name", "工具")]).await;
        assert_eq!(same_name.status, StatusCode::BAD_REQUEST);
        let with_third = Submission {
            item_list: vec![ReviewItem {
                first_id: Some(1),
                second_id: Some(101),
                third_id: Some(new.id.0),
                ..Default::default()
            }],
            ..Default::default()
        };
        let check = platform.check_review_categories(&record, &with_third).await.unwrap();
        assert_eq!(check.status, CheckStatus::NeedsHuman);
        assert!(check.reason.contains("须人工核对"));

        let edit = op
            .submit(
                "/admin/categories",
                "/admin/categories/102",
                &[
                    ("name", "信息查询"),
                    ("qualifications", "营业执照\n"),
                    ("remark", "营业执照副本"),
                    ("type_enterprise", "1"),
                ],
            )
            .await;
        assert_eq!(edit.status, StatusCode::SEE_OTHER);
        let edited = platform
            .category_catalogue()
            .await
            .unwrap()
            .get(miniplat_core::categories::CategoryId(102))
            .unwrap()
            .clone();
        assert_eq!(
            (edited.qualifications.clone(), edited.subject_types.clone()),
            (vec!["营业执照".to_owned()], vec![SubjectType::Enterprise])
        );
        assert_errcode(&add(&app, &token, json!([{ "first": 1, "second": 102 }])).await, 53302);

        // Delisting: cannot be added any more, leaves get_category, and fails review.
        let delist =
            op.submit("/admin/categories", "/admin/categories/101/listing", &[("action", "delist")]).await;
        assert_eq!(delist.status, StatusCode::SEE_OTHER);
        assert_eq!(wx_get(&app, "/wxa/get_category", &token).await["category_list"], json!([]));
        let check = platform.check_review_categories(&record, &submission(1, 101)).await.unwrap();
        assert_eq!(check.status, CheckStatus::Fail);
        assert!(check.reason.contains("delisted"), "{}", check.reason);
        let all = wx_get(&app, "/cgi-bin/wxopen/getallcategories", &token).await;
        assert!(!all["categories_list"]["categories"].as_array().unwrap().iter().any(|n| n["id"] == 101));
        let (other_appid, other_secret) = app.app(&key, "Late Shop").await;
        let other_token = app.access_token(&other_appid, &other_secret).await;
        assert_errcode(&add(&app, &other_token, json!([{ "first": 1, "second": 101 }])).await, 53303);
        let relist =
            op.submit("/admin/categories", "/admin/categories/101/listing", &[("action", "relist")]).await;
        assert_eq!(relist.status, StatusCode::SEE_OTHER);
        assert_errcode(&add(&app, &other_token, json!([{ "first": 1, "second": 101 }])).await, 0);

        let actions: Vec<String> = platform
            .store
            .audit_tail(50)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.actor == format!("developer:{}", operator.id.0))
            .map(|e| e.action)
            .collect();
        for action in ["category.add", "category.edit", "category.delist", "category.relist"] {
            assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
        }

        // Developers may not change the catalogue.
        let (_, mut dev) = signed_in(&app, "dev@example.com", PlatformRole::Developer).await;
        let console = dev.get("/console").await;
        let csrf = miniplat_testkit::visitor::attribute_after(&console.text(), r#"name="csrf" value=""#)
            .unwrap_or_default();
        let refused =
            dev.post("/admin/categories", &[("csrf", &csrf), ("parent", "0"), ("name", "黑客")]).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        assert!(!platform.category_catalogue().await.unwrap().categories.iter().any(|c| c.name == "黑客"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_review_check_follows_the_approved_categories() {
    for_each_backend(|app| async move {
        let platform = app.platform();
        let (developer, key) = app.developer("dev@example.com").await;
        make_enterprise(&app, &developer).await;
        let (appid, secret) = app.app(&key, "Checked Shop").await;
        let token = app.access_token(&appid, &secret).await;
        let record = platform.app_by_appid(&appid).await.unwrap();
        let items = |pairs: &[(i64, i64)]| Submission {
            item_list: pairs
                .iter()
                .map(|(first, second)| ReviewItem {
                    address: Some("pages/home/home".into()),
                    first_id: Some(*first),
                    second_id: Some(*second),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };

        let none = platform.check_review_categories(&record, &Submission::default()).await.unwrap();
        assert_eq!(none.status, CheckStatus::Fail);
        assert!(none.reason.contains("no approved category"));
        assert!(platform.approved_categories(record.key).await.unwrap().is_empty());

        assert_errcode(&add(&app, &token, json!([{ "first": 5, "second": 501 }, { "first": 1, "second": 101 }])).await, 0);
        assert_eq!(platform.approved_categories(record.key).await.unwrap().len(), 2);
        let pass = platform.check_review_categories(&record, &items(&[(1, 101)])).await.unwrap();
        assert_eq!(pass.status, CheckStatus::Pass, "{pass:?}");
        let wrong = platform.check_review_categories(&record, &items(&[(1, 101), (4, 402)])).await.unwrap();
        assert_eq!(wrong.status, CheckStatus::Fail);
        assert!(wrong.reason.contains("item 2 (pages/home/home)") && wrong.reason.contains("4/402"), "{}", wrong.reason);
        let forum = platform.check_review_categories(&record, &items(&[(5, 501)])).await.unwrap();
        assert_eq!(forum.status, CheckStatus::NeedsHuman, "UGC rules need a person");
        assert!(forum.reason.contains("ugc_declare"));

        // A sensitive category approved with its documents passes, and fails once staff ask
        // for a document it lacks.
        let licence = media_id(&app, &token).await;
        assert_errcode(
            &add(&app, &token, json!([{ "first": 2, "second": 201, "certicates": [{ "key": "办学许可证", "value": licence }] }])).await,
            0,
        );
        let (operator, _) = signed_in(&app, "op@example.com", PlatformRole::Operator).await;
        let pending = platform.pending_category_applications(&operator).await.unwrap();
        platform.decide_category_application(&operator, pending[0].application.id, true, "").await.unwrap();
        assert_eq!(platform.check_review_categories(&record, &items(&[(2, 201)])).await.unwrap().status, CheckStatus::Pass);
        let stricter = miniplat_core::categories::staff::CategoryInput {
            name: "在线教育".into(),
            sensitive: true,
            qualifications: vec!["办学许可证".into(), "ICP备案".into()],
            subject_types: vec![SubjectType::Enterprise],
            ..Default::default()
        };
        platform.edit_category(&operator, miniplat_core::categories::CategoryId(201), &stricter).await.unwrap();
        let lacking = platform.check_review_categories(&record, &items(&[(2, 201)])).await.unwrap();
        assert_eq!(lacking.status, CheckStatus::Fail);
        assert!(lacking.reason.contains("ICP备案"), "{}", lacking.reason);
        // Staff-only use cases refuse developers.
        assert!(platform.edit_category(&developer, miniplat_core::categories::CategoryId(201), &stricter).await.is_err());
        assert!(platform.pending_category_applications(&developer).await.is_err());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_tab_adds_deletes_and_resubmits() {
    for_each_backend(|app| async move {
        let platform = app.platform();
        let (developer, key) = app.developer("dev@example.com").await;
        make_enterprise(&app, &developer).await;
        let (appid, _) = app.app(&key, "Console Shop").await;
        let (_, mut dev) = signed_in(&app, "dev@example.com", PlatformRole::Developer).await;
        let page = format!("/console/apps/{appid}/categories");

        let shown = dev.get(&page).await;
        assert_eq!(shown.status, StatusCode::OK);
        assert!(shown.text().contains("No category yet") && shown.text().contains("value=\"2:201\""));

        // Pick a category that needs no document: approved at once.
        let picked = dev.get(&format!("{page}?category=1:101")).await;
        assert!(picked.text().contains("approved at once"));
        let csrf = miniplat_testkit::visitor::csrf_of(&picked);
        let added = dev.upload(&page, &[("csrf", &csrf), ("first", "1"), ("second", "101")], &[]).await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());

        // One that needs a licence: without the image it is refused on the page.
        let picked = dev.get(&format!("{page}?category=2:201")).await;
        assert!(picked.text().contains("办学许可证") && picked.text().contains("name=\"doc0\""));
        let missing = dev.upload(&page, &[("csrf", &csrf), ("first", "2"), ("second", "201")], &[]).await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(missing.text().contains("53311"), "{}", missing.text());
        let sent =
            dev.upload(&page, &[("csrf", &csrf), ("first", "2"), ("second", "201")], &[("doc0", PNG)]).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
        let listing = dev.get(&page).await.text();
        assert!(listing.contains("Under review") && listing.contains("Approved"), "{listing}");

        // Staff reject it; the developer reads the reason and sends a new image.
        let (operator, _) = signed_in(&app, "op@example.com", PlatformRole::Operator).await;
        let pending = platform.pending_category_applications(&operator).await.unwrap();
        platform
            .decide_category_application(&operator, pending[0].application.id, false, "图片模糊")
            .await
            .unwrap();
        let listing = dev.get(&page).await;
        assert!(listing.text().contains("图片模糊") && listing.text().contains("Send new documents"));
        let csrf = miniplat_testkit::visitor::csrf_of(&listing);
        let resent = dev
            .upload(
                &format!("{page}/resubmit"),
                &[("csrf", &csrf), ("first", "2"), ("second", "201")],
                &[("doc0", PNG)],
            )
            .await;
        assert_eq!(resent.status, StatusCode::SEE_OTHER, "{}", resent.text());
        assert_eq!(platform.pending_category_applications(&operator).await.unwrap().len(), 1);

        // Under review it cannot be deleted; the approved one can.
        let refused =
            dev.submit(&page, &format!("{page}/delete"), &[("first", "2"), ("second", "201")]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().contains("53308"));
        let deleted =
            dev.submit(&page, &format!("{page}/delete"), &[("first", "1"), ("second", "101")]).await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER);
        let record = platform.app_by_appid(&appid).await.unwrap();
        let overview = platform.app_category_overview(record.key).await.unwrap();
        assert_eq!(overview.categories.len(), 1);

        // A member of no role in another app sees nothing of it.
        let (_, mut stranger) = signed_in(&app, "stranger@example.com", PlatformRole::Developer).await;
        assert_eq!(stranger.get(&page).await.status, StatusCode::NOT_FOUND);
    })
    .await;
}
