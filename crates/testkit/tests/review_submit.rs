//! Submitting for release review (`wechat-api.md` §7.1 rows 2, 5–8, 14, 15, 27, §7.2, §7.12;
//! clauses 2.4–2.6): body validation, automated checks, status, withdraw and expedite limits,
//! quotas with refuse-or-charge, invoices, isolation and roles, on every backend.

use std::path::Path;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use miniplat_core::accounts::Developer;
use miniplat_core::api_keys::Scope;
use miniplat_core::apps::MemberRole;
use miniplat_core::config::OverQuotaPolicy;
use miniplat_core::review::fees::InvoicingDetails;
use miniplat_core::Error;
use miniplat_package::{zip_directory, Limits};
use miniplat_testkit::visitor::{csrf_of, Visitor};
use miniplat_testkit::{for_each_backend, Backend, TestApp};
use serde_json::{json, Value};

fn assert_errcode(body: &Value, errcode: i64) {
    assert_eq!(body["errcode"], errcode, "{body}");
}

/// A developer's mini program with the shop example as its trial version; returns
/// (api key, appid, access token).
async fn shop_with_trial(app: &TestApp, email: &str, name: &str) -> (String, String, String) {
    let (_, key) = app.developer(email).await;
    let (appid, secret) = app.app(&key, name).await;
    let token = app.access_token(&appid, &secret).await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
    let zip = zip_directory(&dir, &Limits::default()).unwrap();
    let request = Request::post(format!("/api/v1/apps/{appid}/versions?version=1.0.0&description=shop"))
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, "application/zip")
        .body(Body::from(zip))
        .unwrap();
    let uploaded = app.request(request).await;
    assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.text());
    let id = uploaded.json()["id"].as_i64().unwrap();
    let chosen = app
        .json(
            Method::PUT,
            &format!("/api/v1/apps/{appid}/trial"),
            Some(json!({ "version_id": id })),
            Some(&key),
        )
        .await;
    assert_eq!(chosen.status, StatusCode::OK, "{}", chosen.text());
    (key, appid, token)
}

async fn developer_named(app: &TestApp, email: &str) -> Developer {
    let email = miniplat_core::email::Email::parse(email).unwrap();
    app.platform().store.developer_by_email(&email).await.unwrap().expect("the developer exists")
}

async fn wx_get(app: &TestApp, path: &str, token: &str) -> Value {
    let response = app.get(&format!("{path}?access_token={token}")).await;
    assert_eq!(response.status, StatusCode::OK);
    response.json()
}

async fn upload_media(app: &TestApp, token: &str, bytes: &[u8]) -> Value {
    let boundary = "----miniplat-review";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"shot\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::post(format!("/wxa/uploadmedia?access_token={token}"))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    app.request(request).await.json()
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\nnot really an image but the signature";
const MP4: &[u8] = b"\0\0\0\x18ftypmp42 video";

fn item(address: &str) -> Value {
    json!({ "address": address, "tag": "shop cart", "first_class": "电商", "second_class": "购物", "first_id": 1, "second_id": "2", "title": "Home" })
}

#[tokio::test(flavor = "multi_thread")]
async fn submit_audit_checks_the_body_as_the_spec_says() {
    for_each_backend(|app| async move {
        let (_, early_key) = app.developer("early@example.com").await;
        let (early_appid, early_secret) = app.app(&early_key, "No Trial").await;
        let early_token = app.access_token(&early_appid, &early_secret).await;
        assert_errcode(&app.wx_post("/wxa/submit_audit", &early_token, json!({})).await, 85086);
        assert_errcode(&wx_get(&app, "/wxa/get_page", &early_token).await, 86001);
        assert_errcode(&wx_get(&app, "/wxa/get_latest_auditstatus", &early_token).await, 86001);

        let (_, appid, token) = shop_with_trial(&app, "dev@example.com", "Review Shop").await;
        let (_, _, other_token) = shop_with_trial(&app, "other@example.com", "Other Shop").await;

        let pages = wx_get(&app, "/wxa/get_page", &token).await;
        assert_errcode(&pages, 0);
        assert_eq!(pages["page_list"][0], "pages/home/home");
        assert!(pages["page_list"].as_array().unwrap().contains(&json!("packages/order/pages/checkout/checkout")));

        let picture = upload_media(&app, &token, PNG).await;
        assert_errcode(&picture, 0);
        assert_eq!(picture["type"], "image");
        let picture = picture["mediaid"].as_str().unwrap().to_owned();
        let video = upload_media(&app, &token, MP4).await["mediaid"].as_str().unwrap().to_owned();
        assert_errcode(&upload_media(&app, &token, b"<svg onload=alert(1)>").await, 40004);
        let foreign = upload_media(&app, &other_token, PNG).await["mediaid"].as_str().unwrap().to_owned();

        let refusals = [
            (json!({ "item_list": vec![item("pages/home/home"); 6] }), 85023),
            (json!({ "item_list": [{ "tag": "x" }] }), 85010),
            (json!({ "item_list": [{ "address": "pages/home/home", "tag": "a b c d e f g h i j k" }] }), 85006),
            (json!({ "item_list": [{ "address": "pages/home/home", "tag": "x".repeat(21) }] }), 85006),
            (json!({ "item_list": [item("pages/nowhere/nowhere")] }), 85007),
            (json!({ "order_path": "pages/nowhere/nowhere" }), 85007),
            (json!({ "item_list": [{ "address": "pages/home/home", "title": "t".repeat(33) }] }), 85011),
            (json!({ "version_desc": "d".repeat(501) }), 85051),
            (json!({ "preview_info": { "pic_id_list": ["no-such-media"] } }), 85092),
            (json!({ "preview_info": { "pic_id_list": [foreign] } }), 85092),
            (json!({ "preview_info": { "pic_id_list": [video.clone()] } }), 85092),
            (json!({ "preview_info": { "pic_id_list": vec![picture.clone(); 11] } }), 85093),
            (json!({ "preview_info": { "video_id_list": vec![video.clone(); 6] } }), 85093),
            (json!({ "feedback_stuff": ([picture.as_str(); 6]).join("|") }), 85093),
            (json!({ "item_list": [{ "address": "pages/home/home", "first_class": "社交", "second_class": "论坛" }] }), 85094),
            (json!({ "item_list": "pages/home/home" }), 47001),
            (json!({ "item_list": [{ "address": 7 }] }), 47001),
        ];
        for (body, errcode) in refusals {
            assert_errcode(&app.wx_post("/wxa/submit_audit", &token, body.clone()).await, errcode);
        }
        assert_errcode(&wx_get(&app, "/wxa/get_latest_auditstatus", &token).await, 86001);

        let body = json!({
            "item_list": [item("pages/home/home"), item("/packages/order/pages/checkout/checkout?from=review")],
            "version_desc": "first release",
            "feedback_info": null,
            "feedback_stuff": picture,
            "preview_info": { "pic_id_list": [picture], "video_id_list": [video] },
            "ugc_declare": null,
            "privacy_api_not_use": false,
        });
        let submitted = app.wx_post("/wxa/submit_audit", &token, body.clone()).await;
        assert_errcode(&submitted, 0);
        let auditid = submitted["auditid"].as_i64().unwrap();
        assert_errcode(&app.wx_post("/wxa/submit_audit", &token, body).await, 85009);

        for id in [json!(auditid), json!(auditid.to_string())] {
            let status = app.wx_post("/wxa/get_auditstatus", &token, json!({ "auditid": id })).await;
            assert_errcode(&status, 0);
            assert_eq!((status["status"].as_i64(), status["reason"].as_str()), (Some(2), Some("")));
        }
        for id in [json!(auditid + 1000), json!("x"), json!(null)] {
            assert_errcode(&app.wx_post("/wxa/get_auditstatus", &token, json!({ "auditid": id })).await, 85012);
        }
        // Another mini program cannot see it.
        assert_errcode(&app.wx_post("/wxa/get_auditstatus", &other_token, json!({ "auditid": auditid })).await, 85012);

        let latest = wx_get(&app, "/wxa/get_latest_auditstatus", &token).await;
        assert_errcode(&latest, 0);
        assert_eq!(latest["auditid"], auditid);
        assert_eq!(latest["user_version"], "1.0.0");
        assert_eq!(latest["user_desc"], "shop");
        assert_eq!(latest["screenshot"], latest["ScreenShot"]);
        assert!(latest["submit_audit_time"].as_i64().unwrap() > 0);
        let platform = app.platform();
        let shop = platform.app_by_appid(&appid).await.unwrap();
        let review = platform.review_of(shop.key, miniplat_core::review::ReviewId(auditid)).await.unwrap();
        assert_eq!(review.submission.feedback_stuff.len(), 1);
        assert_eq!(review.submission.item_list[1].second_id, Some(2));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn checks_reject_undeclared_privacy_use_and_queue_clean_submissions() {
    for_each_backend(|app| async move {
        let (key, appid, token) = shop_with_trial(&app, "dev@example.com", "Checked Shop").await;
        let platform = app.platform();

        // No privacy guide: the shop's location use is undeclared.
        let auditid = app.wx_post("/wxa/submit_audit", &token, json!({})).await["auditid"].as_i64().unwrap();
        assert_eq!(platform.run_review_checks().await.unwrap(), 1);
        assert_eq!(platform.run_review_checks().await.unwrap(), 0, "the job is done");
        let status = app.wx_post("/wxa/get_auditstatus", &token, json!({ "auditid": auditid })).await;
        assert_eq!(status["status"], 1, "{status}");
        let reason = status["reason"].as_str().unwrap();
        assert!(reason.contains("wx.getLocation") && reason.contains("privacy guide"), "{reason}");
        let detail =
            app.json(Method::GET, &format!("/api/v1/apps/{appid}/reviews/{auditid}"), None, Some(&key)).await;
        assert_eq!(detail.status, StatusCode::OK, "{}", detail.text());
        let checks = detail.json()["checks"].clone();
        assert_eq!(checks[0]["check"], "package");
        assert_eq!(
            (checks[1]["check"].as_str(), checks[1]["status"].as_str()),
            (Some("privacy"), Some("fail"))
        );

        // Declared, with a category and the shop's server domains: the checks pass and the
        // review waits for a person.
        app.declare_privacy(&token, "run the shop").await;
        let category = json!({ "categories": [{ "first": 1, "second": 101, "certicates": [] }] });
        assert_errcode(&app.wx_post("/cgi-bin/wxopen/addcategory", &token, category).await, 0);
        let domains = json!({
            "action": "set",
            "requestdomain": ["https://shop.example.com"],
            "uploaddomain": ["https://shop.example.com"],
        });
        assert_errcode(&app.wx_post("/wxa/modify_domain", &token, domains).await, 0);
        let auditid = app.wx_post("/wxa/submit_audit", &token, json!({})).await["auditid"].as_i64().unwrap();
        assert_eq!(platform.run_review_checks().await.unwrap(), 1);
        let status = app.wx_post("/wxa/get_auditstatus", &token, json!({ "auditid": auditid })).await;
        assert_eq!(status["status"], 2, "{status}");
        let detail =
            app.json(Method::GET, &format!("/api/v1/apps/{appid}/reviews/{auditid}"), None, Some(&key)).await;
        assert_eq!(detail.json()["review"]["state"], "queued");
        let statuses: Vec<_> = detail.json()["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|check| {
                (check["check"].as_str().unwrap().to_owned(), check["status"].as_str().unwrap().to_owned())
            })
            .collect();
        assert!(statuses.iter().all(|(_, status)| status != "fail"), "{statuses:?}");
        let names: Vec<_> = statuses.iter().map(|(check, _)| check.as_str()).collect();
        assert_eq!(names, ["package", "privacy", "categories", "content", "domains"]);
        let listed = app.json(Method::GET, &format!("/api/v1/apps/{appid}/reviews"), None, Some(&key)).await;
        assert_eq!(listed.json()["reviews"].as_array().unwrap().len(), 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn withdrawals_are_limited_and_expediting_is_once_within_the_quota() {
    for backend in Backend::all() {
        let app = TestApp::with_config(backend, |config| {
            config.platform.review.undo_per_day = 2;
            config.platform.review.speedup_quota_per_month = 1;
        })
        .await;
        let (_, appid, token) = shop_with_trial(&app, "dev@example.com", "Undo Shop").await;
        assert_errcode(&wx_get(&app, "/wxa/undocodeaudit", &token).await, 89402);
        for _ in 0..2 {
            assert_errcode(&app.wx_post("/wxa/submit_audit", &token, json!({})).await, 0);
            assert_errcode(&wx_get(&app, "/wxa/undocodeaudit", &token).await, 0);
        }
        let auditid = app.wx_post("/wxa/submit_audit", &token, json!({})).await["auditid"].as_i64().unwrap();
        assert_errcode(&wx_get(&app, "/wxa/undocodeaudit", &token).await, 87013);
        let status = app.wx_post("/wxa/get_auditstatus", &token, json!({ "auditid": auditid - 1 })).await;
        assert_eq!(status["status"], 3, "withdrawn");

        assert_errcode(
            &app.wx_post("/wxa/speedupaudit", &token, json!({ "auditid": auditid - 1 })).await,
            89402,
        );
        assert_errcode(&app.wx_post("/wxa/speedupaudit", &token, json!({ "auditid": 999_999 })).await, 85012);
        assert_errcode(&app.wx_post("/wxa/speedupaudit", &token, json!({ "auditid": auditid })).await, 0);
        assert_errcode(
            &app.wx_post("/wxa/speedupaudit", &token, json!({ "auditid": auditid.to_string() })).await,
            89404,
        );
        let shop = app.platform().app_by_appid(&appid).await.unwrap();
        let review =
            app.platform().review_of(shop.key, miniplat_core::review::ReviewId(auditid)).await.unwrap();
        assert_eq!(review.expedited_at, Some(app.clock_now()));

        // The expedite quota is the subject's: a second mini program of the same developer has none left.
        let dev = developer_named(&app, "dev@example.com").await;
        let second = app.platform().create_api_key(&dev, "second", &Scope::all_for(&dev)).await.unwrap();
        let (second_appid, second_secret) = app.app(&second.plaintext, "Second Shop").await;
        let second_token = app.access_token(&second_appid, &second_secret).await;
        let quota = wx_get(&app, "/wxa/queryquota", &second_token).await;
        assert_errcode(&quota, 0);
        assert_eq!((quota["speedup_rest"].as_i64(), quota["speedup_limit"].as_i64()), (Some(0), Some(1)));
        assert_eq!((quota["rest"].as_i64(), quota["limit"].as_i64()), (Some(17), Some(20)));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn over_the_quota_submissions_are_refused_or_charged_and_invoiced() {
    for backend in Backend::all() {
        // Refused.
        let app =
            TestApp::with_config(backend, |config| config.platform.review.submit_quota_per_month = 1).await;
        let (_, _, token) = shop_with_trial(&app, "dev@example.com", "Quota Shop").await;
        assert_errcode(&app.wx_post("/wxa/submit_audit", &token, json!({})).await, 0);
        assert_errcode(&wx_get(&app, "/wxa/undocodeaudit", &token).await, 0);
        assert_errcode(&app.wx_post("/wxa/submit_audit", &token, json!({})).await, 85085);
        assert_eq!(wx_get(&app, "/wxa/queryquota", &token).await["rest"], 0);

        // Charged, then invoiced by staff from the developer's invoicing details.
        let app = TestApp::with_config(backend, |config| {
            config.platform.review.submit_quota_per_month = 1;
            config.platform.review.over_quota_policy = OverQuotaPolicy::Charge;
            config.platform.review.fee_cents = 5000;
        })
        .await;
        let (key, appid, token) = shop_with_trial(&app, "dev@example.com", "Fee Shop").await;
        assert_errcode(&app.wx_post("/wxa/submit_audit", &token, json!({})).await, 0);
        assert_errcode(&wx_get(&app, "/wxa/undocodeaudit", &token).await, 0);
        let charged = app
            .json(
                Method::POST,
                &format!("/api/v1/apps/{appid}/reviews"),
                Some(json!({ "version_desc": "again" })),
                Some(&key),
            )
            .await;
        assert_eq!(charged.status, StatusCode::CREATED, "{}", charged.text());
        assert_eq!(
            (charged.json()["fee_cents"].as_i64(), charged.json()["fee_currency"].as_str()),
            (Some(5000), Some("CNY"))
        );

        let platform = app.platform();
        let dev = developer_named(&app, "dev@example.com").await;
        let (staff, _) = app.operator("staff@example.com").await;
        let fees = platform.my_review_fees(&dev).await.unwrap();
        assert_eq!(fees.len(), 1);
        assert!(
            matches!(platform.issue_invoice(&staff, dev.id).await, Err(Error::Invalid { .. })),
            "no details yet"
        );
        assert!(matches!(platform.issue_invoice(&dev, dev.id).await, Err(Error::Forbidden(_))), "staff only");
        let details = InvoicingDetails::parse(
            "Acme Trading Ltd",
            "91440300MA5",
            "1 Harbour Road",
            "billing@acme.example",
        )
        .unwrap();
        platform.save_invoicing_details(&dev, &details).await.unwrap();
        let invoice = platform.issue_invoice(&staff, dev.id).await.unwrap();
        assert_eq!((invoice.amount_cents, invoice.currency.as_str()), (5000, "CNY"));
        assert!(
            matches!(platform.issue_invoice(&staff, dev.id).await, Err(Error::Invalid { .. })),
            "each fee once"
        );
        for viewer in [&dev, &staff] {
            let (_, pdf) = platform.invoice_pdf(viewer, dev.id, invoice.id).await.unwrap();
            let text = String::from_utf8_lossy(&pdf);
            assert!(pdf.starts_with(b"%PDF-"), "a PDF");
            assert!(text.contains(&invoice.number()) && text.contains("Acme Trading Ltd"), "{text}");
            assert!(text.contains(&format!("{appid}  review")) && text.contains("50.00 CNY"), "{text}");
        }
        let (stranger, _) = app.developer("stranger@example.com").await;
        assert!(platform.invoice_pdf(&stranger, dev.id, invoice.id).await.is_err());
        assert_eq!(platform.invoices(&dev, dev.id).await.unwrap(), vec![invoice]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn only_developers_submit_and_a_suspended_account_cannot() {
    for_each_backend(|app| async move {
        let (key, appid, token) = shop_with_trial(&app, "dev@example.com", "Role Shop").await;
        let platform = app.platform();
        let dev = developer_named(&app, "dev@example.com").await;

        let (analyst, analyst_key) = app.developer("ana@example.com").await;
        let invite =
            platform.invite_member(&dev, &appid, analyst.email.as_str(), MemberRole::Analyst).await.unwrap();
        platform.accept_invitation(&analyst, invite.rsplit('/').next().unwrap()).await.unwrap();
        let refused = app
            .json(Method::POST, &format!("/api/v1/apps/{appid}/reviews"), Some(json!({})), Some(&analyst_key))
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
        let withdraw = app
            .json(Method::POST, &format!("/api/v1/apps/{appid}/reviews/withdraw"), None, Some(&analyst_key))
            .await;
        assert_eq!(withdraw.status, StatusCode::FORBIDDEN);
        let read =
            app.json(Method::GET, &format!("/api/v1/apps/{appid}/reviews"), None, Some(&analyst_key)).await;
        assert_eq!(read.status, StatusCode::OK, "members may read");
        let (_, stranger_key) = app.developer("stranger@example.com").await;
        let hidden =
            app.json(Method::GET, &format!("/api/v1/apps/{appid}/reviews"), None, Some(&stranger_key)).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND);

        // The operator suspends the account's review service; its apps get 86007 until resumed.
        let (staff, _) = app.operator("staff@example.com").await;
        assert!(platform.set_review_suspension(&dev, dev.id, Some("spam")).await.is_err(), "staff only");
        platform
            .set_review_suspension(&staff, dev.id, Some("too many low-quality submissions"))
            .await
            .unwrap();
        assert_errcode(&app.wx_post("/wxa/submit_audit", &token, json!({})).await, 86007);
        let api = app
            .json(Method::POST, &format!("/api/v1/apps/{appid}/reviews"), Some(json!({})), Some(&key))
            .await;
        assert_eq!(
            (api.status, api.json()["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("review_refused"))
        );
        platform.set_review_suspension(&staff, dev.id, None).await.unwrap();
        let submitted = app
            .json(
                Method::POST,
                &format!("/api/v1/apps/{appid}/reviews"),
                Some(json!({ "items": [{ "address": "pages/cart/cart" }] })),
                Some(&key),
            )
            .await;
        assert_eq!(submitted.status, StatusCode::CREATED, "{}", submitted.text());
        let withdrawn =
            app.json(Method::POST, &format!("/api/v1/apps/{appid}/reviews/withdraw"), None, Some(&key)).await;
        assert_eq!(withdrawn.json()["state"], "withdrawn");
    })
    .await;
}

const PASSWORD: &str = "a long enough password";

#[tokio::test(flavor = "multi_thread")]
async fn the_console_submits_withdraws_expedites_and_bills() {
    for_each_backend(|app| async move {
        let (_, appid, token) = shop_with_trial(&app, "dev@example.com", "Console Shop").await;
        let platform = app.platform();
        let dev = developer_named(&app, "dev@example.com").await;
        platform.set_initial_developer_password(&dev, PASSWORD).await.unwrap();
        let mut visitor = Visitor::new(&app);
        visitor.sign_in("dev@example.com", PASSWORD).await;
        let tab = format!("/console/apps/{appid}/review");

        let html = visitor.get(&tab).await.text();
        assert!(html.contains("Nothing was submitted yet") && html.contains("pages/cart/cart"), "{html}");
        assert!(html.contains("20 of 20"), "the quota");

        // Submit with a page and a preview image.
        let csrf = csrf_of(&visitor.get(&tab).await);
        let fields = [
            ("csrf", csrf.as_str()),
            ("version_desc", "from the console"),
            ("item_address_1", "pages/cart/cart"),
            ("item_title_1", "Cart"),
        ];
        let submitted = visitor.upload(&tab, &fields, &[("picture_1", PNG)]).await;
        assert_eq!(submitted.status, StatusCode::SEE_OTHER, "{}", submitted.text());
        let html = visitor.get(submitted.header("location").unwrap()).await.text();
        assert!(html.contains("The trial version was submitted") && html.contains(">checking<"), "{html}");
        let review = platform.latest_review(platform.app_by_appid(&appid).await.unwrap().key).await.unwrap();
        assert_eq!(review.submission.preview_info.pic_id_list.len(), 1);
        assert_eq!(review.submitted_by, Some(dev.id));

        // A refusal shows on the page with its errcode.
        let again = visitor.upload(&tab, &fields, &[]).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(again.text().contains("errcode 85009"), "{}", again.text());

        // The checks reject it (no privacy guide): the reason and the check table show.
        platform.run_review_checks().await.unwrap();
        let html = visitor.get(&tab).await.text();
        assert!(
            html.contains(">rejected<")
                && html.contains("wx.getLocation")
                && html.contains("Automated checks"),
            "{html}"
        );

        // Declared now; submitted from the wire; expedited and withdrawn from the console.
        app.declare_privacy(&token, "run the shop").await;
        let auditid = app.wx_post("/wxa/submit_audit", &token, json!({})).await["auditid"].as_i64().unwrap();
        let expedited = visitor.submit(&tab, &format!("{tab}/{auditid}/expedite"), &[]).await;
        assert_eq!(expedited.status, StatusCode::SEE_OTHER);
        assert!(visitor.get(&tab).await.text().contains(">expedited<"));
        let twice = visitor.submit(&tab, &format!("{tab}/{auditid}/expedite"), &[]).await;
        assert!(twice.text().contains("errcode 89404"));
        let withdrawn = visitor.submit(&tab, &format!("{tab}/withdraw"), &[]).await;
        assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
        assert!(visitor.get(&tab).await.text().contains(">withdrawn<"));

        // Billing: invoicing details are checked and saved.
        let bad = visitor
            .submit(
                "/console/account/billing",
                "/console/account/billing",
                &[("title", "Acme"), ("email", "nope")],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let saved = visitor
            .submit(
                "/console/account/billing",
                "/console/account/billing",
                &[
                    ("title", "Acme Ltd"),
                    ("tax_id", "9144"),
                    ("address", "1 Road"),
                    ("email", "billing@acme.example"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        assert!(visitor.get("/console/account/billing").await.text().contains("Acme Ltd"));

        // Staff suspend and resume the account's review service.
        let (staff, _) = app.operator("staff@example.com").await;
        platform.set_initial_developer_password(&staff, PASSWORD).await.unwrap();
        let mut operator = Visitor::new(&app);
        operator.sign_in("staff@example.com", PASSWORD).await;
        let admin_page = format!("/admin/developers/{}/review", dev.id.0);
        let suspended = operator
            .submit(
                &admin_page,
                &format!("{admin_page}/suspension"),
                &[("action", "suspend"), ("reason", "spam")],
            )
            .await;
        assert_eq!(suspended.status, StatusCode::SEE_OTHER);
        assert!(operator.get(&admin_page).await.text().contains("Suspended"));
        assert_errcode(&app.wx_post("/wxa/submit_audit", &token, json!({})).await, 86007);
        operator.submit(&admin_page, &format!("{admin_page}/suspension"), &[("action", "resume")]).await;
        assert_errcode(&app.wx_post("/wxa/submit_audit", &token, json!({})).await, 0);
        assert_eq!(visitor.get(&admin_page).await.status, StatusCode::NOT_FOUND, "staff only");
        let nothing = operator.submit(&admin_page, &format!("{admin_page}/invoices"), &[]).await;
        assert!(nothing.text().contains("none are waiting to be invoiced"), "{}", nothing.text());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn invoices_download_as_pdf_from_the_console_for_their_developer_and_staff() {
    let app = TestApp::with_config(Backend::Sqlite, |config| {
        config.platform.review.submit_quota_per_month = 0;
        config.platform.review.over_quota_policy = OverQuotaPolicy::Charge;
    })
    .await;
    let (_, appid, token) = shop_with_trial(&app, "dev@example.com", "Billed Shop").await;
    let platform = app.platform();
    let dev = developer_named(&app, "dev@example.com").await;
    platform.set_initial_developer_password(&dev, PASSWORD).await.unwrap();
    assert_errcode(&app.wx_post("/wxa/submit_audit", &token, json!({})).await, 0);
    let details = InvoicingDetails::parse("Acme Ltd", "", "1 Road", "billing@acme.example").unwrap();
    platform.save_invoicing_details(&dev, &details).await.unwrap();

    let (staff, _) = app.operator("staff@example.com").await;
    platform.set_initial_developer_password(&staff, PASSWORD).await.unwrap();
    let mut operator = Visitor::new(&app);
    operator.sign_in("staff@example.com", PASSWORD).await;
    let admin_page = format!("/admin/developers/{}/review", dev.id.0);
    assert!(operator.get(&admin_page).await.text().contains(&appid));
    let issued = operator.submit(&admin_page, &format!("{admin_page}/invoices"), &[]).await;
    assert_eq!(issued.status, StatusCode::SEE_OTHER, "{}", issued.text());
    let invoice = platform.invoices(&dev, dev.id).await.unwrap().remove(0);

    let staff_pdf =
        operator.get(&format!("/admin/developers/{}/invoices/{}.pdf", dev.id.0, invoice.id)).await;
    assert_eq!(staff_pdf.header("content-type"), Some("application/pdf"));
    assert!(staff_pdf.body.starts_with(b"%PDF-") && staff_pdf.text().contains("50.00 CNY"));
    let mut developer = Visitor::new(&app);
    developer.sign_in("dev@example.com", PASSWORD).await;
    assert!(developer.get("/console/account/billing").await.text().contains(&invoice.number()));
    let own = developer.get(&format!("/console/account/invoices/{}.pdf", invoice.id)).await;
    assert!(own.body.starts_with(b"%PDF-"));
    let (stranger, _) = app.developer("stranger@example.com").await;
    platform.set_initial_developer_password(&stranger, PASSWORD).await.unwrap();
    let mut other = Visitor::new(&app);
    other.sign_in("stranger@example.com", PASSWORD).await;
    assert_eq!(
        other.get(&format!("/console/account/invoices/{}.pdf", invoice.id)).await.status,
        StatusCode::NOT_FOUND
    );
}
