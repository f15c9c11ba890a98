//! Privacy guides (`wechat-api.md` §6.1–6.3), the public policy page, consent and the privacy
//! centre (clause 4.4 (2)–(4)), in process, on every backend.

use std::path::Path;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use miniplat_core::accounts::PlatformRole;
use miniplat_core::apps::access::EnvVersion;
use miniplat_core::apps::{App, MemberRole};
use miniplat_core::privacy::consent::{ConsentAction, PrivacyRefusal};
use miniplat_core::privacy::PolicyKind;
use miniplat_core::Error;
use miniplat_package::{zip_directory, Limits};
use miniplat_testkit::visitor::Visitor;
use miniplat_testkit::{for_each_backend, TestApp};
use serde_json::{json, Value};

const PASSWORD: &str = "a long enough password";

fn assert_errcode(body: &Value, errcode: i64) {
    assert_eq!(body["errcode"], errcode, "{body}");
}

fn owner() -> Value {
    json!({ "contact_email": "dpo@example.com", "notice_method": "pop-up before first use" })
}

fn settings(items: &[(&str, &str)]) -> Value {
    let list: Vec<Value> =
        items.iter().map(|(key, text)| json!({ "privacy_key": key, "privacy_text": text })).collect();
    json!({ "privacy_ver": 2, "owner_setting": owner(), "setting_list": list })
}

async fn current(app: &TestApp, token: &str, privacy_ver: i64) -> Value {
    let body = app
        .wx_post("/cgi-bin/component/getprivacysetting", token, json!({ "privacy_ver": privacy_ver }))
        .await;
    assert_errcode(&body, 0);
    body
}

/// Uploads the shop example (which uses location) as a develop version.
async fn upload_shop(app: &TestApp, key: &str, appid: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
    let zip = zip_directory(&dir, &Limits::default()).unwrap();
    let request = Request::post(format!("/api/v1/apps/{appid}/versions?version=1.0.0&description=shop"))
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, "application/zip")
        .body(Body::from(zip))
        .unwrap();
    assert_eq!(app.request(request).await.status, StatusCode::CREATED);
}

async fn app_record(app: &TestApp, appid: &str) -> App {
    app.platform().app_by_appid(appid).await.expect("the app exists")
}

fn multipart(field: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----miniplat-privacy";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"guide.txt\"\r\n\
         Content-Type: text/plain\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload_ext_file(app: &TestApp, token: &str, field: &str, bytes: &[u8]) -> Value {
    let (content_type, body) = multipart(field, bytes);
    let request = Request::post(format!("/cgi-bin/component/uploadprivacyextfile?access_token={token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    app.request(request).await.json()
}

#[tokio::test(flavor = "multi_thread")]
async fn privacy_settings_are_checked_versioned_and_read_back() {
    for_each_backend(|app| async move {
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, secret) = app.app(&key, "Privacy Shop").await;
        let token = app.access_token(&appid, &secret).await;
        let set = "/cgi-bin/component/setprivacysetting";

        // Nothing saved yet: empty settings, no code.
        let empty = current(&app, &token, 2).await;
        assert_eq!(empty["code_exist"], 0);
        assert_eq!(empty["setting_list"], json!([]));
        assert_eq!(empty["update_time"], 0);
        assert!(empty["privacy_desc"]["privacy_desc_list"].as_array().unwrap().len() > 20);

        // Every refusal changes nothing.
        let refusals = [
            (json!({ "privacy_ver": 3, "owner_setting": owner(), "setting_list": [] }), 86071),
            (json!({ "setting_list": [] }), 86069),
            (json!({ "owner_setting": { "notice_method": "pop-up" }, "setting_list": [] }), 86069),
            (json!({ "owner_setting": { "contact_qq": "12345" }, "setting_list": [] }), 86069),
            (
                json!({ "owner_setting": { "contact_qq": "1", "notice_method": "x", "store_expire_timestamp": " " }, "setting_list": [] }),
                86072,
            ),
            (json!({ "privacy_ver": 1, "owner_setting": owner() }), 86074),
            (json!({ "owner_setting": "dpo@example.com", "setting_list": [] }), 47001),
            (json!({ "owner_setting": owner() }), 47001),
            (settings(&[("Location", "find shops"), ("Location", "again")]), 40097),
            (settings(&[("Bad Key!", "x")]), 40097),
            (settings(&[("Location", "")]), 40097),
            (
                json!({ "owner_setting": { "contact_email": "dpo@example.com", "notice_method": "x", "ext_file_media_id": "nope" }, "setting_list": [] }),
                40007,
            ),
        ];
        for (body, errcode) in refusals {
            assert_errcode(&app.wx_post(set, &token, body.clone()).await, errcode);
        }
        assert_eq!(current(&app, &token, 2).await["setting_list"], json!([]));

        // A development guide: read back with labels.
        let first = settings(&[("Location", "find shops near you"), ("PhoneNumber", "contact you about orders")]);
        assert_errcode(&app.wx_post(set, &token, first.clone()).await, 0);
        let saved = current(&app, &token, 2).await;
        assert_eq!(saved["setting_list"][0]["privacy_key"], "Location");
        assert_eq!(saved["setting_list"][0]["privacy_label"], "位置信息");
        assert_eq!(saved["setting_list"][1]["privacy_text"], "contact you about orders");
        assert_eq!(saved["owner_setting"]["contact_email"], "dpo@example.com");
        assert!(saved["update_time"].as_i64().unwrap() > 0);
        // The live guide is still empty; development settings take effect at release.
        assert_eq!(current(&app, &token, 1).await["setting_list"], json!([]));

        // Saving the same guide again makes no new version; a change does.
        let record = app_record(&app, &appid).await;
        assert_errcode(&app.wx_post(set, &token, first).await, 0);
        let platform = app.platform();
        assert_eq!(platform.privacy_policy(record.key, PolicyKind::Development).await.unwrap().unwrap().version, 1);
        let second = settings(&[("Location", "find shops near you")]);
        assert_errcode(&app.wx_post(set, &token, second).await, 0);
        assert_eq!(platform.privacy_policy(record.key, PolicyKind::Development).await.unwrap().unwrap().version, 2);

        // Publishing (done by a release) makes it live; then the live contacts may change alone.
        platform.publish_privacy_policy(record.key).await.unwrap();
        let live_change = json!({ "privacy_ver": 1, "owner_setting": { "contact_phone": "+86 10 1234 5678", "notice_method": "banner" } });
        assert_errcode(&app.wx_post(set, &token, live_change).await, 0);
        let live = current(&app, &token, 1).await;
        assert_eq!(live["owner_setting"]["contact_phone"], "+86 10 1234 5678");
        assert_eq!(live["setting_list"][0]["privacy_key"], "Location");
        assert_eq!(platform.privacy_policy(record.key, PolicyKind::Live).await.unwrap().unwrap().version, 2);
        let with_list = json!({ "privacy_ver": 1, "owner_setting": owner(), "setting_list": [] });
        assert_errcode(&app.wx_post(set, &token, with_list).await, 40097);

        // Uploaded code shows up as code_exist and privacy_list (the shop example uses location).
        upload_shop(&app, &key, &appid).await;
        let with_code = current(&app, &token, 2).await;
        assert_eq!(with_code["code_exist"], 1);
        assert!(with_code["privacy_list"].as_array().unwrap().contains(&json!("Location")), "{with_code}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn custom_guide_files_are_text_of_limited_size() {
    for_each_backend(|app| async move {
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, secret) = app.app(&key, "File Shop").await;
        let token = app.access_token(&appid, &secret).await;

        assert_errcode(&upload_ext_file(&app, &token, "file", &vec![b'a'; 100 * 1024 + 1]).await, 40097);
        assert_errcode(&upload_ext_file(&app, &token, "file", &[0xff, 0xfe, 0x00]).await, 40097);
        assert_errcode(&upload_ext_file(&app, &token, "other", b"text").await, 40097);
        let uploaded = upload_ext_file(&app, &token, "file", "我们如何使用你的信息".as_bytes()).await;
        assert_errcode(&uploaded, 0);
        let media_id = uploaded["ext_file_media_id"].as_str().unwrap();

        let mut body = settings(&[("Album", "let you pick a profile photo")]);
        body["owner_setting"]["ext_file_media_id"] = json!(media_id);
        assert_errcode(&app.wx_post("/cgi-bin/component/setprivacysetting", &token, body).await, 0);
        assert_eq!(current(&app, &token, 2).await["owner_setting"]["ext_file_media_id"], media_id);

        // Another app cannot use this app's file.
        let (other_appid, other_secret) = app.app(&key, "Other Shop").await;
        let other_token = app.access_token(&other_appid, &other_secret).await;
        let mut foreign = settings(&[]);
        foreign["owner_setting"]["ext_file_media_id"] = json!(media_id);
        assert_errcode(
            &app.wx_post("/cgi-bin/component/setprivacysetting", &other_token, foreign).await,
            40007,
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn data_flows_only_with_declaration_and_consent_and_withdrawal_stops_it() {
    for_each_backend(|app| async move {
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, secret) = app.app(&key, "Consent Shop").await;
        let token = app.access_token(&appid, &secret).await;
        let platform = app.platform();
        let shop = app_record(&app, &appid).await;
        let user = platform.sign_up_end_user("ann@example.com", PASSWORD, "Ann").await.unwrap().id;
        let trial = EnvVersion::Trial;
        let refusal = |result: Result<(), Error>| match result {
            Err(Error::Privacy(refusal)) => refusal,
            other => panic!("expected a privacy refusal, got {other:?}"),
        };

        // No guide at all: nothing personal may flow, and there is nothing to agree to.
        assert_eq!(
            refusal(platform.ensure_consented(&shop, trial, user, "Location").await),
            PrivacyRefusal::NotDeclared
        );
        assert!(!platform.privacy_prompt(&shop, trial, user).await.unwrap().needs_agreement);

        let guide = settings(&[("Location", "find shops near you")]);
        assert_errcode(&app.wx_post("/cgi-bin/component/setprivacysetting", &token, guide).await, 0);
        // Declared but not agreed; undeclared stays refused.
        assert_eq!(
            refusal(platform.ensure_consented(&shop, trial, user, "Location").await),
            PrivacyRefusal::ConsentRequired
        );
        assert_eq!(
            refusal(platform.ensure_consented(&shop, trial, user, "PhoneNumber").await),
            PrivacyRefusal::NotDeclared
        );
        let prompt = platform.privacy_prompt(&shop, trial, user).await.unwrap();
        assert!(prompt.needs_agreement);
        assert_eq!(prompt.policy.as_ref().unwrap().version, 1);
        // The released version has its own (live) guide, which does not exist yet.
        assert_eq!(
            refusal(platform.ensure_consented(&shop, EnvVersion::Release, user, "Location").await),
            PrivacyRefusal::NotDeclared
        );

        platform.agree_to_privacy_policy(&shop, trial, user, 1, "web").await.unwrap();
        platform.ensure_consented(&shop, trial, user, "Location").await.unwrap();
        // The scope still needs its own grant; granting records it.
        assert_eq!(
            refusal(platform.ensure_scope_granted(&shop, trial, user, "scope.userLocation").await),
            PrivacyRefusal::ScopeNotGranted
        );
        platform.answer_scope(&shop, trial, user, "scope.userLocation", true, "web").await.unwrap();
        platform.ensure_scope_granted(&shop, trial, user, "scope.userLocation").await.unwrap();
        // A scope whose data is not declared cannot be granted; unknown scopes are refused.
        assert_eq!(
            refusal(platform.answer_scope(&shop, trial, user, "scope.camera", true, "web").await.map(drop)),
            PrivacyRefusal::NotDeclared
        );
        assert_eq!(
            refusal(platform.answer_scope(&shop, trial, user, "scope.nonsense", true, "web").await.map(drop)),
            PrivacyRefusal::UnknownScope
        );

        // A new policy version needs a new agreement; agreeing to the old one is refused.
        let changed = settings(&[("Location", "find shops near you"), ("Camera", "scan coupons")]);
        assert_errcode(&app.wx_post("/cgi-bin/component/setprivacysetting", &token, changed).await, 0);
        assert_eq!(
            refusal(platform.ensure_consented(&shop, trial, user, "Location").await),
            PrivacyRefusal::ConsentRequired
        );
        assert_eq!(
            refusal(platform.agree_to_privacy_policy(&shop, trial, user, 1, "web").await.map(drop)),
            PrivacyRefusal::PolicyChanged
        );
        platform.agree_to_privacy_policy(&shop, trial, user, 2, "web").await.unwrap();
        platform.ensure_consented(&shop, trial, user, "Camera").await.unwrap();

        // Withdrawal stops everything and is recorded with what was given up.
        let given_up = platform.withdraw_privacy_consent(&shop, user, "privacy-centre").await.unwrap();
        assert_eq!(given_up, vec!["Camera", "Location", "scope.userLocation"]);
        assert_eq!(
            refusal(platform.ensure_consented(&shop, trial, user, "Location").await),
            PrivacyRefusal::ConsentRequired
        );
        assert!(platform.scope_grants(&shop, user).await.unwrap().is_empty());
        let history: Vec<_> =
            platform.consent_history(user, 10).await.unwrap().into_iter().map(|(e, _)| e.action).collect();
        assert_eq!(
            history,
            vec![ConsentAction::Withdraw, ConsentAction::Agree, ConsentAction::Grant, ConsentAction::Agree]
        );
        // Withdrawing again has nothing to withdraw.
        assert!(platform.withdraw_privacy_consent(&shop, user, "privacy-centre").await.unwrap().is_empty());
        assert!(matches!(
            platform.withdraw_privacy_consent(&shop, user, "bad channel").await,
            Err(Error::Invalid { field: "channel", .. })
        ));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_policy_page_and_the_privacy_centre() {
    for_each_backend(|app| async move {
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, secret) = app.app(&key, "Centre Shop").await;
        let token = app.access_token(&appid, &secret).await;
        let platform = app.platform();
        let shop = app_record(&app, &appid).await;
        let user = platform.sign_up_end_user("ann@example.com", PASSWORD, "Ann").await.unwrap().id;
        platform.sign_up_end_user("bob@example.com", PASSWORD, "Bob").await.unwrap();
        let guide = settings(&[("Location", "find shops near you"), ("EXOrderInfo", "show your orders")]);
        assert_errcode(&app.wx_post("/cgi-bin/component/setprivacysetting", &token, guide).await, 0);
        assert_errcode(
            &app.wx_post("/wxa/bind_tester", &token, json!({ "wechatid": "ann@example.com" })).await,
            0,
        );

        // The trial guide: testers read it; strangers and anonymous visitors get "not found".
        let page = format!("/apps/{appid}/privacy?guide=development");
        assert_eq!(app.get(&page).await.status, StatusCode::NOT_FOUND);
        let mut ann = Visitor::new(&app);
        ann.sign_in_to_host("ann@example.com", PASSWORD).await;
        let shown = ann.get(&page).await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.text());
        let html = shown.text();
        assert!(html.contains("location"), "{html}");
        assert!(html.contains("to find shops near you"));
        assert!(html.contains("order information"));
        assert!(html.contains("dpo@example.com"));
        let mut bob = Visitor::new(&app);
        bob.sign_in_to_host("bob@example.com", PASSWORD).await;
        assert_eq!(bob.get(&page).await.status, StatusCode::NOT_FOUND);
        // The live guide does not exist before a release.
        assert_eq!(ann.get(&format!("/apps/{appid}/privacy")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(ann.get(&format!("{page}&version=9")).await.status, StatusCode::NOT_FOUND);

        // The centre lists what Ann agreed to and lets her withdraw.
        platform.agree_to_privacy_policy(&shop, EnvVersion::Trial, user, 1, "web").await.unwrap();
        platform
            .answer_scope(&shop, EnvVersion::Trial, user, "scope.userLocation", true, "web")
            .await
            .unwrap();
        let centre = ann.get("/privacy").await;
        assert_eq!(centre.status, StatusCode::OK);
        let html = centre.text();
        assert!(html.contains("Centre Shop"));
        assert!(html.contains("scope.userLocation"));
        assert!(html.contains("location, order information"), "{html}");
        assert!(bob.get("/privacy").await.text().contains("You have not used a mini program"));

        // Without the CSRF token nothing changes; with it, one permission, then everything.
        let forged = ann.post(&format!("/privacy/{appid}/withdraw"), &[]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        platform.ensure_consented(&shop, EnvVersion::Trial, user, "Location").await.unwrap();
        let revoked = ann
            .submit("/privacy", &format!("/privacy/{appid}/revoke"), &[("scope", "scope.userLocation")])
            .await;
        assert_eq!(revoked.status, StatusCode::SEE_OTHER);
        assert!(platform
            .ensure_scope_granted(&shop, EnvVersion::Trial, user, "scope.userLocation")
            .await
            .is_err());
        platform.ensure_consented(&shop, EnvVersion::Trial, user, "Location").await.unwrap();
        let withdrawn = ann.submit("/privacy", &format!("/privacy/{appid}/withdraw"), &[]).await;
        assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
        assert!(platform.ensure_consented(&shop, EnvVersion::Trial, user, "Location").await.is_err());
        let after = ann.get("/privacy?notice=consent-withdrawn").await.text();
        assert!(after.contains("Your consent was withdrawn"));
        assert!(after.contains("privacy-centre"), "the history names the channel");
        // Signed-out visitors are sent to sign in.
        assert_eq!(app.get("/privacy").await.status, StatusCode::SEE_OTHER);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn developers_edit_the_development_guide_in_the_console() {
    for_each_backend(|app| async move {
        let platform = app.platform();
        let dev =
            platform.create_verified_developer("dev@example.com", PlatformRole::Developer).await.unwrap();
        platform.set_initial_developer_password(&dev, PASSWORD).await.unwrap();
        let viewer =
            platform.create_verified_developer("viewer@example.com", PlatformRole::Developer).await.unwrap();
        platform.set_initial_developer_password(&viewer, PASSWORD).await.unwrap();
        let shop = platform.create_app(&dev, "Console Privacy", "", None).await.unwrap().app;
        let appid = shop.appid.to_string();
        let link =
            platform.invite_member(&dev, &appid, viewer.email.as_str(), MemberRole::Analyst).await.unwrap();
        let token = link.rsplit('/').next().unwrap();
        platform.accept_invitation(&viewer, token).await.unwrap();

        let mut visitor = Visitor::new(&app);
        visitor.sign_in("dev@example.com", PASSWORD).await;
        let tab = format!("/console/apps/{appid}/privacy");
        let empty = visitor.get(&tab).await;
        assert_eq!(empty.status, StatusCode::OK, "{}", empty.text());
        assert!(empty.text().contains("None yet."));

        // A malformed line and a missing notice are refused; nothing is saved.
        let fields = |items: &'static str, notice: &'static str| {
            vec![("contact_email", "dpo@example.com"), ("notice_method", notice), ("items", items)]
        };
        let refused = visitor.submit(&tab, &tab, &fields("Location find shops", "pop-up")).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().contains("should read &#34;Key: purpose&#34;"), "{}", refused.text());
        let refused = visitor.submit(&tab, &tab, &fields("Location: find shops", " ")).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(platform.privacy_policy(shop.key, PolicyKind::Development).await.unwrap().is_none());

        let saved = visitor
            .submit(&tab, &tab, &fields("Location: find shops\n\nCamera: scan coupons", "pop-up"))
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        let policy = platform.privacy_policy(shop.key, PolicyKind::Development).await.unwrap().unwrap();
        assert_eq!(policy.document.privacy_keys(), vec!["Location", "Camera"]);
        let shown = visitor.get(&tab).await.text();
        assert!(shown.contains("to scan coupons") && shown.contains("Version 1"), "{shown}");

        // A viewer sees the guide but gets no form, and a forged post changes nothing.
        let mut other = Visitor::new(&app);
        other.sign_in("viewer@example.com", PASSWORD).await;
        let seen = other.get(&tab).await.text();
        assert!(seen.contains("to scan coupons") && !seen.contains("Save the development guide"));
        let forbidden = other.submit(&tab, &tab, &fields("Location: x", "pop-up")).await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
        assert_eq!(
            platform.privacy_policy(shop.key, PolicyKind::Development).await.unwrap().unwrap().version,
            1
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn restricted_interfaces_are_applied_for_and_decided_by_the_operator() {
    for_each_backend(|app| async move {
        let platform = app.platform();
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, secret) = app.app(&key, "Map Shop").await;
        let token = app.access_token(&appid, &secret).await;
        let operator = platform.create_verified_developer("op@example.com", PlatformRole::Operator).await.unwrap();
        platform.set_initial_developer_password(&operator, PASSWORD).await.unwrap();
        let apply = "/wxa/security/apply_privacy_interface";
        let listed = |body: &Value, api: &str| {
            body["interface_list"].as_array().unwrap().iter().find(|i| i["api_name"] == api).unwrap().clone()
        };
        let interfaces = |token: String| {
            let app = &app;
            async move { app.get(&format!("/wxa/security/get_privacy_interface?access_token={token}")).await.json() }
        };

        let before = interfaces(token.clone()).await;
        assert_eq!(listed(&before, "wx.getLocation")["status"], 1, "never applied");

        // No code yet: 61039. Then the shop example, which calls wx.getLocation.
        let info = app.get(&format!("/wxa/security/get_code_privacy_info?access_token={token}")).await.json();
        assert_errcode(&info, 61039);
        upload_shop(&app, &key, &appid).await;
        let info = app.get(&format!("/wxa/security/get_code_privacy_info?access_token={token}")).await.json();
        assert_errcode(&info, 0);
        assert!(info["without_auth_list"].as_array().unwrap().contains(&json!("wx.getLocation")), "{info}");

        // Refusals.
        let evidence = json!(["https://example.com/stores.png"]);
        for (body, errcode) in [
            (json!({ "api_name": "wx.getUserProfile", "content": "x", "pic_list": evidence }), 61035),
            (json!({ "api_name": "wx.getLocation", "content": "find stores" }), 61034),
            (json!({ "api_name": "wx.getLocation", "pic_list": evidence }), 61034),
            (json!({ "api_name": "wx.getLocation", "content": "x", "video_list": ["https://e.com/a.mov"] }), 61032),
            (json!({ "api_name": "wx.getLocation", "content": "x", "pic_list": ["file:///etc/passwd"] }), 40097),
            (json!({ "api_name": "wx.getLocation", "content": "x".repeat(301), "pic_list": evidence }), 40097),
        ] {
            assert_errcode(&app.wx_post(apply, &token, body).await, errcode);
        }
        let good = json!({ "api_name": "wx.getLocation", "content": "show the nearest store", "pic_list": evidence });
        let applied = app.wx_post(apply, &token, good.clone()).await;
        assert_errcode(&applied, 0);
        let audit_id = applied["audit_id"].as_i64().unwrap();
        assert_errcode(&app.wx_post(apply, &token, good.clone()).await, 61031);
        assert_eq!(listed(&interfaces(token.clone()).await, "wx.getLocation")["status"], 3);

        // The operator rejects with a reason, the developer applies again, the operator approves.
        let mut op = Visitor::new(&app);
        op.sign_in("op@example.com", PASSWORD).await;
        let queue = op.get("/admin/interfaces").await.text();
        assert!(queue.contains("show the nearest store") && queue.contains("Map Shop"), "{queue}");
        let action = format!("/admin/interfaces/{audit_id}");
        let no_reason = op.submit("/admin/interfaces", &action, &[("decision", "reject")]).await;
        assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
        assert!(no_reason.text().contains("Reason is required to reject"));
        let rejected =
            op.submit("/admin/interfaces", &action, &[("decision", "reject"), ("reason", "no map in the screenshots")]).await;
        assert_eq!(rejected.status, StatusCode::SEE_OTHER);
        let row = listed(&interfaces(token.clone()).await, "wx.getLocation");
        assert_eq!(row["status"], 4);
        assert_eq!(row["fail_reason"], "no map in the screenshots");
        // A decided application cannot be decided again.
        let again = op.submit("/admin/interfaces", &action, &[("decision", "approve")]).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND);

        let second = app.wx_post(apply, &token, good).await["audit_id"].as_i64().unwrap();
        assert!(!platform.interface_enabled(app_record(&app, &appid).await.key, "wx.getLocation").await.unwrap());
        let approved =
            op.submit("/admin/interfaces", &format!("/admin/interfaces/{second}"), &[("decision", "approve")]).await;
        assert_eq!(approved.status, StatusCode::SEE_OTHER);
        assert_eq!(listed(&interfaces(token.clone()).await, "wx.getLocation")["status"], 5);
        assert!(platform.interface_enabled(app_record(&app, &appid).await.key, "wx.getLocation").await.unwrap());
        let info = app.get(&format!("/wxa/security/get_code_privacy_info?access_token={token}")).await.json();
        assert!(!info["without_auth_list"].as_array().unwrap().contains(&json!("wx.getLocation")), "{info}");

        // Developers cannot reach the review.
        let mut dev = Visitor::new(&app);
        let dev_account = platform.create_verified_developer("other@example.com", PlatformRole::Developer).await.unwrap();
        platform.set_initial_developer_password(&dev_account, PASSWORD).await.unwrap();
        dev.sign_in("other@example.com", PASSWORD).await;
        assert_eq!(dev.get("/admin/interfaces").await.status, StatusCode::NOT_FOUND);
    })
    .await;
}
