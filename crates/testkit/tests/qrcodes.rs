//! Mini program codes (`wechat-api.md` §4.1, §7.1 row 3) in process, on every backend: images
//! come back as `image/jpeg`, a real decoder (rqrr) reads them, and the URL they encode opens
//! the right page and scene in the web host — for those allowed to open that version.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use miniplat_core::accounts::AccountRef;
use miniplat_testkit::{for_each_backend, path_of, Backend, TestApp, TestResponse, PUBLIC_URL};
use serde_json::{json, Value};

/// A developer with a mini program and an access token; returns (appid, token, console cookie).
async fn setup(app: &TestApp) -> (String, String, String) {
    let (developer, key) = app.developer("owner@example.com").await;
    let (appid, secret) = app.app(&key, "Scan Shop").await;
    let token =
        app.get(&format!("/cgi-bin/token?grant_type=client_credential&appid={appid}&secret={secret}")).await;
    let token = token.json()["access_token"].as_str().unwrap().to_owned();
    let session = app.platform().open_session(AccountRef::Developer(developer.id)).await.unwrap();
    (appid, token, session.cookie_value)
}

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> TestResponse {
    let response = app.json(Method::POST, &format!("{path}?access_token={token}"), Some(body), None).await;
    assert_eq!(response.status, StatusCode::OK);
    response
}

fn assert_error(response: &TestResponse, errcode: i64) {
    assert_eq!(response.header("content-type"), Some("application/json; charset=utf-8"));
    let body = response.json();
    assert_eq!(body["errcode"], errcode, "{body}");
    assert!(body["errmsg"].as_str().unwrap().contains(" rid: "));
}

/// Reads the QR code in an image the way a phone camera would; returns the URL it encodes.
fn decode(response: &TestResponse) -> String {
    assert_eq!(
        response.header("content-type"),
        Some("image/jpeg"),
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let image = image::load_from_memory(&response.body).expect("an image").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    let (_, content) = grids[0].decode().expect("the QR code decodes");
    assert!(content.starts_with(&format!("{PUBLIC_URL}/s/")), "{content}");
    content
}

/// Opens a decoded URL in the web host, as a member (console cookie) or anonymously.
async fn open(app: &TestApp, url: &str, console_cookie: Option<&str>) -> String {
    let mut builder = Request::get(path_of(url));
    if let Some(cookie) = console_cookie {
        builder = builder.header(header::COOKIE, format!("mp_console={cookie}"));
    }
    let response = app.request(builder.body(Body::empty()).unwrap()).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response.text()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unlimited_code_opens_its_page_and_scene_for_members_only() {
    for_each_backend(|app| async move {
        let (_, token, cookie) = setup(&app).await;
        let body = json!({
            "scene": "id=42&from=poster", "page": "pages/item/item", "check_path": false,
            "env_version": "develop", "width": 500, "line_color": {"r": "20", "g": 80, "b": 200},
        });
        let response = post(&app, "/wxa/getwxacodeunlimit", &token, body.clone()).await;
        let image = image::load_from_memory(&response.body).unwrap();
        assert_eq!((image.width(), image.height()), (500, 500), "rendered at the requested width");
        let url = decode(&response);

        let member = open(&app, &url, Some(&cookie)).await;
        assert!(member.contains("Scan Shop"), "{member}");
        assert!(member.contains("pages/item/item"));
        assert!(
            member.contains("<dt>Scene</dt><dd><code>id=42&#38;from=poster</code>"),
            "the scene is shown: {member}"
        );
        assert!(member.contains("You may open this version"));

        let stranger = open(&app, &url, None).await;
        assert!(!stranger.contains("Scan Shop"), "unreleased mini programs stay invisible");
        assert!(stranger.contains("Only members of this mini program can open its development version"));

        // The same request gives the same code; a transparent one is a PNG served as image/jpeg.
        let again = post(&app, "/wxa/getwxacodeunlimit", &token, body).await;
        assert_eq!(decode(&again), url);
        let hyaline = json!({"scene": "a", "check_path": false, "is_hyaline": true, "width": 100});
        let response = post(&app, "/wxa/getwxacodeunlimit", &token, hyaline).await;
        assert!(response.body.starts_with(b"\x89PNG"), "transparency needs PNG");
        let image = image::load_from_memory(&response.body).unwrap();
        assert_eq!(image.width(), 280, "widths are clamped to 280-1280");
        assert_eq!(image.to_rgba8().get_pixel(0, 0)[3], 0, "the background is transparent");
        decode(&response);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unlimited_codes_refuse_bad_scenes_pages_and_versions() {
    for_each_backend(|app| async move {
        let (_, token, _) = setup(&app).await;
        let cases = [
            (json!({"page": "pages/a", "check_path": false}), 40129),
            (json!({"scene": "", "check_path": false}), 40129),
            (json!({"scene": "100%", "check_path": false}), 40129),
            (json!({"scene": "a b", "check_path": false}), 40129),
            (json!({"scene": "x".repeat(33), "check_path": false}), 40169),
            (json!({"scene": "a", "page": "/pages/a", "check_path": false}), 41030),
            (json!({"scene": "a", "page": "pages/a?x=1", "check_path": false}), 41030),
            // check_path defaults to true: the page must be released, and nothing is yet.
            (json!({"scene": "a", "page": "pages/a"}), 41030),
            (json!({"scene": "a", "page": "pages/a", "check_path": true, "env_version": "trial"}), 41030),
            (json!({"scene": "a", "check_path": false, "env_version": "beta"}), 40097),
            (json!({"scene": "a", "check_path": false, "width": "wide"}), 40189),
            (json!({"scene": "a", "page": "pages/scancode_time", "check_path": false}), 85096),
        ];
        for (body, errcode) in cases {
            let response = post(&app, "/wxa/getwxacodeunlimit", &token, body.clone()).await;
            assert_eq!(response.json()["errcode"], errcode, "{body}");
            assert_error(&response, errcode);
        }
        assert_error(&app.post_raw(&format!("/wxa/getwxacodeunlimit?access_token={token}"), "").await, 44002);
        assert_error(
            &app.post_raw(&format!("/wxa/getwxacodeunlimit?access_token={token}"), "scene=a").await,
            47001,
        );
        assert_error(&post(&app, "/wxa/getwxacodeunlimit", "wrong", json!({"scene": "a"})).await, 40001);
        // Unknown fields are ignored.
        let body = json!({"scene": "a", "check_path": false, "future_field": [1]});
        decode(&post(&app, "/wxa/getwxacodeunlimit", &token, body).await);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn limited_codes_count_towards_a_lifetime_cap() {
    for_each_backend(|app| async move {
        let (_, token, cookie) = setup(&app).await;
        // wechatpy 1.8.18 sends every field, without env_version.
        let body = json!({"path": "pages/item?id=7", "width": 430, "auto_color": false,
            "line_color": {"r": "0", "g": "0", "b": "0"}, "is_hyaline": false});
        let response = post(&app, "/wxa/getwxacode", &token, body.clone()).await;
        assert_eq!(response.header("num-used"), Some("1"));
        let url = decode(&response);
        let member = open(&app, &url, Some(&cookie)).await;
        assert!(member.contains("pages/item") && member.contains("id=7"), "{member}");
        assert!(member.contains("This mini program has not been released yet."));
        let stranger = open(&app, &url, None).await;
        assert!(stranger.contains("not been released yet") && !stranger.contains("Scan Shop"));

        let response = post(&app, "/wxa/getwxacode", &token, body).await;
        assert_eq!(response.header("num-used"), Some("2"), "every call counts");
        let response =
            post(&app, "/cgi-bin/wxaapp/createwxaqrcode", &token, json!({"path": "/pages/item?id=7"})).await;
        assert_eq!(response.header("num-used"), Some("3"), "the square kind shares the count");
        assert_eq!(decode(&response), url, "both limited kinds encode the same target alike");

        assert_error(&post(&app, "/wxa/getwxacode", &token, json!({})).await, 40159);
        assert_error(&post(&app, "/wxa/getwxacode", &token, json!({"path": "p".repeat(1025)})).await, 40159);
        assert_error(
            &post(&app, "/wxa/getwxacode", &token, json!({"path": "a", "env_version": "x"})).await,
            40097,
        );
        assert_error(
            &post(&app, "/wxa/getwxacode", &token, json!({"path": "a?scancode_time=1"})).await,
            85096,
        );
        let long = json!({"path": "p".repeat(129)});
        assert_error(&post(&app, "/cgi-bin/wxaapp/createwxaqrcode", &token, long).await, 40159);
        let response = app.get(&format!("/wxa/getwxacode?access_token={token}")).await;
        assert_error(&response, 43002);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_lifetime_cap_answers_45029_and_refusals_do_not_count() {
    let app =
        TestApp::with_config(Backend::Sqlite, |config| config.platform.qr_code_lifetime_limit = 2).await;
    let (_, token, _) = setup(&app).await;
    for used in ["1", "2"] {
        let response = post(&app, "/wxa/getwxacode", &token, json!({"path": format!("pages/p{used}")})).await;
        assert_eq!(response.header("num-used"), Some(used));
    }
    for _ in 0..2 {
        assert_error(
            &post(&app, "/cgi-bin/wxaapp/createwxaqrcode", &token, json!({"path": "pages/x"})).await,
            45029,
        );
        assert_error(&post(&app, "/wxa/getwxacode", &token, json!({"path": "pages/p1"})).await, 45029);
    }
    // Unlimited codes are not capped.
    decode(&post(&app, "/wxa/getwxacodeunlimit", &token, json!({"scene": "s", "check_path": false})).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_trial_code_is_an_attachment_and_refuses_outsiders() {
    for_each_backend(|app| async move {
        let (_, token, cookie) = setup(&app).await;
        let response = app.get(&format!("/wxa/get_qrcode?access_token={token}&path=pages%2Fitem%3Fid%3D9")).await;
        assert_eq!(response.header("content-disposition"), Some(r#"attachment; filename="QRCode.jpg""#));
        let url = decode(&response);
        let stranger = open(&app, &url, None).await;
        assert!(stranger.contains("Only members and testers of this mini program can open its trial version"));
        assert!(!stranger.contains("Scan Shop"));
        let member = open(&app, &url, Some(&cookie)).await;
        assert!(member.contains("Scan Shop") && member.contains("id=9"), "{member}");

        // Without a path, the home page.
        let response = app.get(&format!("/wxa/get_qrcode?access_token={token}")).await;
        let member = open(&app, &decode(&response), Some(&cookie)).await;
        assert!(member.contains("the home page"));

        // Unknown tickets are the 404 page.
        let missing = app.get("/s/0123456789abcdef0123").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_name_card_shows_who_the_mini_program_is_to_members_until_release() {
    for_each_backend(|app| async move {
        let (appid, _, cookie) = setup(&app).await;
        let as_member = |path: String| {
            Request::get(path)
                .header(header::COOKIE, format!("mp_console={cookie}"))
                .body(Body::empty())
                .unwrap()
        };
        let page = app.request(as_member(format!("/apps/{appid}/card"))).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("Scan Shop") && html.contains("Unverified"), "{html}");
        assert!(
            html.contains("data:image/jpeg;base64,") && html.contains(&format!("/apps/{appid}/card.png"))
        );

        let image = app.request(as_member(format!("/apps/{appid}/card.png"))).await;
        assert_eq!(image.status, StatusCode::OK, "{}", image.text());
        assert_eq!(image.header("content-type"), Some("image/png"));
        let card = image::load_from_memory(&image.body).unwrap();
        assert_eq!((card.width(), card.height()), (640, 940));
        // The card's code opens the released home page, which does not exist yet.
        let mut prepared = rqrr::PreparedImage::prepare(card.to_luma8());
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1, "the card carries one QR code");
        let (_, url) = grids[0].decode().unwrap();
        let opened = open(&app, &url, Some(&cookie)).await;
        assert!(opened.contains("the home page") && opened.contains("not been released yet"), "{opened}");

        // Unreleased mini programs are invisible to everyone else (clause 2.3).
        assert_eq!(app.get(&format!("/apps/{appid}/card")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get(&format!("/apps/{appid}/card.png")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get("/apps/wx0000000000000000/card").await.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn members_fetch_the_trial_code_through_the_platform_api() {
    use base64::Engine;
    let app = TestApp::new().await;
    let (_, key) = app.developer("owner@example.com").await;
    let (appid, _) = app.app(&key, "Preview Shop").await;
    let response =
        app.json(Method::GET, &format!("/api/v1/apps/{appid}/trial/qrcode"), None, Some(&key)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let body = response.json();
    let jpeg =
        base64::engine::general_purpose::STANDARD.decode(body["jpeg_base64"].as_str().unwrap()).unwrap();
    let image = image::load_from_memory(&jpeg).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let (_, url) = prepared.detect_grids()[0].decode().unwrap();
    assert_eq!(body["url"], url.as_str());
    assert!(open(&app, &url, None).await.contains("Only members and testers"));
    // Terminal rendering of the same URL, as `miniplat app preview` prints it.
    let text = miniplat_core::codes::render::render_terminal(&url).unwrap();
    assert!(text.contains('▀') || text.contains('▄'));

    let (_, stranger_key) = app.developer("stranger@example.com").await;
    let refused =
        app.json(Method::GET, &format!("/api/v1/apps/{appid}/trial/qrcode"), None, Some(&stranger_key)).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_unlimited_rate_limit_answers_45009() {
    let app = TestApp::with_config(Backend::Sqlite, |config| {
        let limit = miniplat_core::config::QuotaOverride { daily_limit: None, per_minute: Some(2) };
        config.platform.quotas.insert("/wxa/getwxacodeunlimit".into(), limit);
    })
    .await;
    let (_, token, _) = setup(&app).await;
    let body = json!({"scene": "s", "check_path": false});
    for _ in 0..2 {
        decode(&post(&app, "/wxa/getwxacodeunlimit", &token, body.clone()).await);
    }
    assert_error(&post(&app, "/wxa/getwxacodeunlimit", &token, body.clone()).await, 45009);
    app.clock.advance(60);
    decode(&post(&app, "/wxa/getwxacodeunlimit", &token, body).await);
}

/// Opens a URL in the web host as an end user signed in there.
async fn open_as_end_user(app: &TestApp, url: &str, host_cookie: &str) -> String {
    let request = Request::get(path_of(url)).header(header::COOKIE, format!("mp_host={host_cookie}"));
    let response = app.request(request.body(Body::empty()).unwrap()).await;
    assert_eq!(response.status, StatusCode::OK);
    response.text()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trial_code_opens_for_testers_once_a_trial_version_exists_and_refuses_other_users() {
    for_each_backend(|app| async move {
        let (developer, key) = app.developer("owner@example.com").await;
        let (appid, secret) = app.app(&key, "Trial Shop").await;
        let token = app
            .get(&format!("/cgi-bin/token?grant_type=client_credential&appid={appid}&secret={secret}"))
            .await;
        let token = token.json()["access_token"].as_str().unwrap().to_owned();
        let platform = app.platform();
        let tester =
            platform.sign_up_end_user("ann@example.com", "a long enough password", "Ann").await.unwrap();
        let outsider =
            platform.sign_up_end_user("bob@example.com", "a long enough password", "Bob").await.unwrap();
        let tester_cookie = platform.open_session(AccountRef::EndUser(tester.id)).await.unwrap().cookie_value;
        let outsider_cookie =
            platform.open_session(AccountRef::EndUser(outsider.id)).await.unwrap().cookie_value;
        let member_cookie =
            platform.open_session(AccountRef::Developer(developer.id)).await.unwrap().cookie_value;
        let bound = post(&app, "/wxa/bind_tester", &token, json!({"wechatid": "ann@example.com"})).await;
        assert_eq!(bound.json()["errcode"], 0, "{}", bound.text());

        let url = decode(
            &app.get(&format!("/wxa/get_qrcode?access_token={token}&path=pages%2Findex%2Findex")).await,
        );
        // No trial version chosen yet: the tester is told so, without details.
        assert!(open_as_end_user(&app, &url, &tester_cookie)
            .await
            .contains("no trial version at the moment"));

        // Upload a package and make it the trial version.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/minimal");
        let zip = miniplat_package::zip_directory(&dir, &miniplat_package::Limits::default()).unwrap();
        let upload = Request::post(format!("/api/v1/apps/{appid}/versions?version=1.0.0&description=first"))
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
            .header(header::CONTENT_TYPE, "application/zip")
            .body(Body::from(zip))
            .unwrap();
        let uploaded = app.request(upload).await;
        assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.text());
        let version_id = uploaded.json()["id"].clone();
        let chosen = app
            .json(
                Method::PUT,
                &format!("/api/v1/apps/{appid}/trial"),
                Some(json!({"version_id": version_id})),
                Some(&key),
            )
            .await;
        assert_eq!(chosen.status, StatusCode::OK, "{}", chosen.text());

        let as_tester = open_as_end_user(&app, &url, &tester_cookie).await;
        assert!(
            as_tester.contains("You may open this version") && as_tester.contains("Trial Shop"),
            "{as_tester}"
        );
        assert!(as_tester.contains("pages/index/index"));
        let as_outsider = open_as_end_user(&app, &url, &outsider_cookie).await;
        assert!(as_outsider.contains("Only members and testers") && !as_outsider.contains("Trial Shop"));
        assert!(open(&app, &url, None).await.contains("Only members and testers"));
        assert!(open(&app, &url, Some(&member_cookie)).await.contains("You may open this version"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unlimited_codes_without_check_path_cap_distinct_pages_at_41030() {
    for backend in Backend::all() {
        let app = TestApp::with_config(backend, |config| config.platform.unlimited_code_pages = 2).await;
        let (_, token, _) = setup(&app).await;
        let code = |page: &str, scene: &str| json!({"scene": scene, "page": page, "check_path": false});
        decode(&post(&app, "/wxa/getwxacodeunlimit", &token, code("pages/a", "1")).await);
        decode(&post(&app, "/wxa/getwxacodeunlimit", &token, code("pages/b", "1")).await);
        let third = post(&app, "/wxa/getwxacodeunlimit", &token, code("pages/c", "1")).await;
        assert_error(&third, 41030);
        assert!(third.json()["errmsg"].as_str().unwrap().contains("2 distinct pages"), "{}", third.text());
        // Pages already used take any number of scenes, and again when asked again.
        decode(&post(&app, "/wxa/getwxacodeunlimit", &token, code("pages/a", "2")).await);
        decode(&post(&app, "/wxa/getwxacodeunlimit", &token, code("pages/b", "1")).await);
        assert_error(&post(&app, "/wxa/getwxacodeunlimit", &token, code("pages/c", "2")).await, 41030);
    }
}
