//! The platform API `/api/v1` in process, on every backend: authentication and scopes, the
//! error envelope, mini program registry rules, members, the operator's functions, and bad
//! input of every kind changing nothing.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use miniplat_testkit::{for_each_backend, path_of, TestApp};
use serde_json::{json, Value};

fn assert_error(response: &miniplat_testkit::TestResponse, status: StatusCode, code: &str) {
    assert_eq!(response.status, status, "{}", response.text());
    let body = response.json();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    assert!(!body["error"]["request_id"].as_str().unwrap().is_empty());
}

async fn apps_of(app: &TestApp, key: &str) -> Value {
    app.json(Method::GET, "/api/v1/apps", None, Some(key)).await.json()
}

#[tokio::test(flavor = "multi_thread")]
async fn api_keys_authenticate_with_scopes_and_can_be_revoked() {
    for_each_backend(|app| async move {
        let (_, key) = app.developer("dev@example.com").await;
        assert_error(
            &app.json(Method::GET, "/api/v1/me", None, None).await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        );
        assert_error(
            &app.json(Method::GET, "/api/v1/me", None, Some("mpk_nope")).await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        );
        let me = app.json(Method::GET, "/api/v1/me", None, Some(&key)).await.json();
        assert_eq!(me["developer"]["email"], "dev@example.com");
        assert_eq!(me["developer"]["email_verified"], true);
        assert_eq!(me["subject"], Value::Null);

        // A read-only key cannot create.
        let created = app
            .json(
                Method::POST,
                "/api/v1/api-keys",
                Some(json!({"name": "ci", "scopes": ["apps:read"]})),
                Some(&key),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let read_only = created.json()["api_key"].as_str().unwrap().to_owned();
        assert!(read_only.starts_with("mpk_"));
        let listed = app.json(Method::GET, "/api/v1/api-keys", None, Some(&key)).await.json();
        assert_eq!(listed["api_keys"].as_array().unwrap().len(), 2);
        assert!(!listed.to_string().contains(&read_only), "keys are never shown again");
        assert_eq!(apps_of(&app, &read_only).await, json!({ "apps": [] }));
        let refused =
            app.json(Method::POST, "/api/v1/apps", Some(json!({"name": "Nope"})), Some(&read_only)).await;
        assert_error(&refused, StatusCode::FORBIDDEN, "insufficient_scope");
        // Developers cannot mint admin keys.
        let admin = app
            .json(
                Method::POST,
                "/api/v1/api-keys",
                Some(json!({"name": "x", "scopes": ["admin"]})),
                Some(&key),
            )
            .await;
        assert_error(&admin, StatusCode::FORBIDDEN, "forbidden");

        let id = created.json()["id"].as_i64().unwrap();
        let revoked = app.json(Method::DELETE, &format!("/api/v1/api-keys/{id}"), None, Some(&key)).await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT);
        assert_error(
            &app.json(Method::GET, "/api/v1/apps", None, Some(&read_only)).await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        );
        let again = app.json(Method::DELETE, &format!("/api/v1/api-keys/{id}"), None, Some(&key)).await;
        assert_error(&again, StatusCode::NOT_FOUND, "not_found");
        let malformed = app.json(Method::DELETE, "/api/v1/api-keys/abc", None, Some(&key)).await;
        assert_error(&malformed, StatusCode::NOT_FOUND, "not_found");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mini_program_names_are_unique_ignoring_case_and_width_and_apps_are_private() {
    for_each_backend(|app| async move {
        let (_, alice) = app.developer("alice@example.com").await;
        let (_, bob) = app.developer("bob@example.com").await;
        let created = app
            .json(
                Method::POST,
                "/api/v1/apps",
                Some(json!({"name": "Coffee Shop", "introduction": "Beans."})),
                Some(&alice),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED);
        let body = created.json();
        let appid = body["appid"].as_str().unwrap().to_owned();
        assert!(
            appid.starts_with("wx") && appid.len() == 18 && appid[2..].chars().all(|c| c.is_ascii_hexdigit())
        );
        let secret = body["secret"].as_str().unwrap();
        assert_eq!(secret.len(), 32);
        assert_eq!(body["status"], "unreleased");
        assert_eq!(body["role"], "admin");

        for duplicate in ["coffee shop", "ＣＯＦＦＥＥ　ＳＨＯＰ", "  Coffee   Shop "] {
            let response =
                app.json(Method::POST, "/api/v1/apps", Some(json!({"name": duplicate})), Some(&bob)).await;
            assert_error(&response, StatusCode::CONFLICT, "app_name_taken");
        }
        // Unreleased: another developer cannot see it, and the answer does not reveal it exists.
        assert_error(
            &app.json(Method::GET, &format!("/api/v1/apps/{appid}"), None, Some(&bob)).await,
            StatusCode::NOT_FOUND,
            "app_not_found",
        );
        assert_error(
            &app.json(Method::POST, &format!("/api/v1/apps/{appid}/secret/reset"), None, Some(&bob)).await,
            StatusCode::NOT_FOUND,
            "app_not_found",
        );
        assert_eq!(apps_of(&app, &bob).await["apps"], json!([]));
        let shown = app.json(Method::GET, &format!("/api/v1/apps/{appid}"), None, Some(&alice)).await.json();
        assert_eq!(shown["introduction"], "Beans.");
        assert!(shown.get("secret").is_none(), "the secret is shown once only");

        let bad_names = [json!({"name": "x"}), json!({"name": "a".repeat(31)}), json!({"name": "bell\u{7}"})];
        for body in bad_names {
            assert_error(
                &app.json(Method::POST, "/api/v1/apps", Some(body), Some(&bob)).await,
                StatusCode::BAD_REQUEST,
                "invalid_input",
            );
        }
        assert_eq!(apps_of(&app, &bob).await["apps"], json!([]), "failed creates leave nothing");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn one_email_namespace_across_account_kinds() {
    for_each_backend(|app| async move {
        let (_, key) = app.developer("dev@example.com").await;
        // A mini program's own email may not be a developer's …
        let taken = app
            .json(
                Method::POST,
                "/api/v1/apps",
                Some(json!({"name": "Mail Shop", "contact_email": "DEV@example.com"})),
                Some(&key),
            )
            .await;
        assert_error(&taken, StatusCode::CONFLICT, "email_taken");
        assert_eq!(apps_of(&app, &key).await["apps"], json!([]));
        // … the name stays free after the failure, and a fresh email works.
        let ok = app
            .json(
                Method::POST,
                "/api/v1/apps",
                Some(json!({"name": "Mail Shop", "contact_email": "shop@example.com"})),
                Some(&key),
            )
            .await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text());
        // End users cannot take either email; developers cannot take the app's.
        let platform = app.platform();
        for email in ["dev@example.com", "Shop@Example.com"] {
            let error = platform.sign_up_end_user(email, "a long password", "Nick").await.unwrap_err();
            assert_eq!(error.code(), "email_taken");
            let error = platform.sign_up_developer(email, "a long password", None).await.unwrap_err();
            assert_eq!(error.code(), "email_taken");
        }
        platform.sign_up_end_user("user@example.com", "a long password", "Nick").await.unwrap();
        let admin_error = platform
            .create_verified_developer("USER@example.com", miniplat_core::accounts::PlatformRole::Developer)
            .await;
        assert_eq!(admin_error.unwrap_err().code(), "email_taken");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn members_are_invited_by_email_and_roles_are_enforced() {
    for_each_backend(|app| async move {
        let (_, alice) = app.developer("alice@example.com").await;
        let (bob_dev, bob) = app.developer("bob@example.com").await;
        let (appid, _) = app.app(&alice, "Team Shop").await;
        let members_uri = format!("/api/v1/apps/{appid}/members");

        let invited = app
            .json(
                Method::POST,
                &members_uri,
                Some(json!({"email": "Bob@example.com", "role": "developer"})),
                Some(&alice),
            )
            .await;
        assert_eq!(invited.status, StatusCode::ACCEPTED, "{}", invited.text());
        assert_eq!(invited.json(), json!({"email": "bob@example.com", "role": "developer"}));
        let mail = app
            .outbox()
            .into_iter()
            .rev()
            .find(|m| m.to.contains("bob@example.com"))
            .expect("invitation mailed");
        assert!(mail.subject.contains("Team Shop"));
        let link = mail.link("/console/invitations/").expect("link in the mail");
        let token = path_of(&link).rsplit('/').next().unwrap().to_owned();
        let pending = app.json(Method::GET, &members_uri, None, Some(&alice)).await.json();
        assert_eq!(pending["invitations"][0]["email"], "bob@example.com");

        // Someone else cannot use Bob's invitation.
        let (_, carol) = app.developer("carol@example.com").await;
        let stolen =
            app.json(Method::POST, &format!("/api/v1/invitations/{token}/accept"), None, Some(&carol)).await;
        assert_error(&stolen, StatusCode::FORBIDDEN, "forbidden");
        let accepted =
            app.json(Method::POST, &format!("/api/v1/invitations/{token}/accept"), None, Some(&bob)).await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text());
        assert_eq!(accepted.json()["role"], "developer");
        let reused =
            app.json(Method::POST, &format!("/api/v1/invitations/{token}/accept"), None, Some(&bob)).await;
        assert_error(&reused, StatusCode::GONE, "link_invalid");

        // A developer-role member may not reset the secret or invite.
        assert_error(
            &app.json(Method::POST, &format!("/api/v1/apps/{appid}/secret/reset"), None, Some(&bob)).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        );
        let again = app
            .json(
                Method::POST,
                &members_uri,
                Some(json!({"email": "bob@example.com", "role": "analyst"})),
                Some(&alice),
            )
            .await;
        assert_error(&again, StatusCode::CONFLICT, "already_member");

        // The last admin cannot leave or be demoted; after promoting Bob she can.
        let alice_id = app.json(Method::GET, "/api/v1/me", None, Some(&alice)).await.json()["developer"]
            ["id"]
            .as_i64()
            .unwrap();
        let demote = app
            .json(
                Method::PATCH,
                &format!("{members_uri}/{alice_id}"),
                Some(json!({"role": "analyst"})),
                Some(&alice),
            )
            .await;
        assert_error(&demote, StatusCode::CONFLICT, "last_admin");
        let promote = app
            .json(
                Method::PATCH,
                &format!("{members_uri}/{}", bob_dev.id.0),
                Some(json!({"role": "admin"})),
                Some(&alice),
            )
            .await;
        assert_eq!(promote.status, StatusCode::NO_CONTENT);
        let leave = app.json(Method::DELETE, &format!("{members_uri}/{alice_id}"), None, Some(&bob)).await;
        assert_eq!(leave.status, StatusCode::NO_CONTENT);
        assert_eq!(apps_of(&app, &alice).await["apps"], json!([]));
        assert_eq!(apps_of(&app, &bob).await["apps"][0]["role"], "admin");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn subject_details_are_sealed_and_the_public_name_is_shown() {
    for_each_backend(|app| async move {
        let (_, key) = app.developer("dev@example.com").await;
        let body = json!({
            "subject_type": "enterprise",
            "details": {"legal_name": "Acme Trading Ltd", "registration_number": "91310000SECRET42", "legal_representative": "Ada"}
        });
        let saved = app.json(Method::PUT, "/api/v1/me/subject", Some(body), Some(&key)).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
        let subject = &saved.json()["subject"];
        assert_eq!(subject["public_name"], "Acme Trading Ltd");
        assert_eq!(subject["verification"], "unverified");
        assert_eq!(subject["details"]["registration_number"], "91310000SECRET42");

        let incomplete = json!({"subject_type": "individual", "details": {"legal_name": "Ada"}});
        let refused = app.json(Method::PUT, "/api/v1/me/subject", Some(incomplete), Some(&key)).await;
        assert_error(&refused, StatusCode::BAD_REQUEST, "invalid_input");
        assert!(refused.json()["error"]["message"].as_str().unwrap().contains("id_number"));
        let unknown = json!({"subject_type": "enterprise", "details": {"legal_name": "A", "nickname": "x"}});
        assert_error(&app.json(Method::PUT, "/api/v1/me/subject", Some(unknown), Some(&key)).await, StatusCode::BAD_REQUEST, "invalid_input");
        // The refused updates changed nothing.
        let me = app.json(Method::GET, "/api/v1/me", None, Some(&key)).await.json();
        assert_eq!(me["subject"]["public_name"], "Acme Trading Ltd");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sealed_subject_details_are_not_in_the_database_file() {
    let app = TestApp::new().await;
    let (_, key) = app.developer("dev@example.com").await;
    let body = json!({"subject_type": "individual", "details": {"legal_name": "Ada Lovelace", "id_number": "ID-UNIQUE-31415926"}});
    assert_eq!(
        app.json(Method::PUT, "/api/v1/me/subject", Some(body), Some(&key)).await.status,
        StatusCode::OK
    );
    let mut bytes = Vec::new();
    for name in ["miniplat.db", "miniplat.db-wal"] {
        if let Ok(content) = std::fs::read(app.runtime.config.data_dir.join(name)) {
            bytes.extend(content);
        }
    }
    assert!(!bytes.is_empty());
    let needle = b"ID-UNIQUE-31415926";
    assert!(!bytes.windows(needle.len()).any(|w| w == needle), "the id number is stored only encrypted");
}

#[tokio::test(flavor = "multi_thread")]
async fn operators_manage_developers_and_registration() {
    for_each_backend(|app| async move {
        let (_, operator) = app.operator("op@example.com").await;
        let (_, developer) = app.developer("dev@example.com").await;
        assert_error(
            &app.json(Method::GET, "/api/v1/admin/developers", None, Some(&developer)).await,
            StatusCode::FORBIDDEN,
            "insufficient_scope",
        );

        let created = app
            .json(
                Method::POST,
                "/api/v1/admin/developers",
                Some(json!({"email": "new@example.com"})),
                Some(&operator),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let new_key = created.json()["api_key"].as_str().unwrap().to_owned();
        let new_id = created.json()["developer_id"].as_i64().unwrap();
        assert_eq!(app.json(Method::GET, "/api/v1/me", None, Some(&new_key)).await.status, StatusCode::OK);
        let listed = app.json(Method::GET, "/api/v1/admin/developers", None, Some(&operator)).await.json();
        assert_eq!(listed["developers"].as_array().unwrap().len(), 3);

        // Suspension stops the account's keys; reinstating does not bring revoked keys back.
        let status_uri = format!("/api/v1/admin/developers/{new_id}/status");
        let suspended =
            app.json(Method::PUT, &status_uri, Some(json!({"status": "suspended"})), Some(&operator)).await;
        assert_eq!(suspended.json()["status"], "suspended");
        assert_error(
            &app.json(Method::GET, "/api/v1/me", None, Some(&new_key)).await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        );
        let refused =
            app.json(Method::PUT, &status_uri, Some(json!({"status": "refused"})), Some(&operator)).await;
        assert_eq!(refused.json()["status"], "refused");
        let reinstate =
            app.json(Method::PUT, &status_uri, Some(json!({"status": "active"})), Some(&operator)).await;
        assert_error(&reinstate, StatusCode::FORBIDDEN, "forbidden");
        let bad_status =
            app.json(Method::PUT, &status_uri, Some(json!({"status": "banished"})), Some(&operator)).await;
        assert_error(&bad_status, StatusCode::BAD_REQUEST, "invalid_input");

        // Registration modes.
        let platform = app.platform();
        let set = |mode: &'static str| {
            app.json(Method::PUT, "/api/v1/admin/registration", Some(json!({"mode": mode})), Some(&operator))
        };
        assert_eq!(set("closed").await.json(), json!({"mode": "closed"}));
        assert_eq!(
            platform.sign_up_developer("x@example.com", "a long password", None).await.unwrap_err().code(),
            "registration_closed"
        );
        assert_eq!(set("invite_only").await.status, StatusCode::OK);
        assert_eq!(
            platform.sign_up_developer("x@example.com", "a long password", None).await.unwrap_err().code(),
            "invitation_required"
        );
        let invite = app
            .json(
                Method::POST,
                "/api/v1/admin/invitations",
                Some(json!({"email": "x@example.com"})),
                Some(&operator),
            )
            .await;
        let link = invite.json()["link"].as_str().unwrap().to_owned();
        let token = link.split("invitation=").nth(1).unwrap().to_owned();
        let wrong =
            platform.sign_up_developer("y@example.com", "a long password", Some(&token)).await.unwrap_err();
        assert_eq!(wrong.code(), "link_invalid", "an invitation is for its own email only");
        platform.sign_up_developer("x@example.com", "a long password", Some(&token)).await.unwrap();
        assert_eq!(
            app.json(Method::GET, "/api/v1/admin/registration", None, Some(&operator)).await.json(),
            json!({"mode": "invite_only"})
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_a_clear_error_and_changes_nothing() {
    let app = TestApp::new().await;
    let (_, key) = app.developer("dev@example.com").await;
    let send = |body: &'static str, content_type: Option<&'static str>| {
        let mut request =
            Request::post("/api/v1/apps").header(header::AUTHORIZATION, format!("Bearer {key}"));
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        app.request(request.body(Body::from(body)).unwrap())
    };
    assert_error(
        &send("{\"name\": ", Some("application/json")).await,
        StatusCode::BAD_REQUEST,
        "malformed_json",
    );
    assert_error(
        &send("{\"name\": \"Ok Name\"}", None).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    assert_error(
        &send("{\"name\": \"Ok Name\", \"colour\": 1}", Some("application/json")).await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    assert_error(
        &send("{\"name\": 7}", Some("application/json")).await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
    let bad_email = json!({"name": "Ok Name", "contact_email": "not-an-email"});
    assert_error(
        &app.json(Method::POST, "/api/v1/apps", Some(bad_email), Some(&key)).await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );

    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(5 * 1024 * 1024));
    let request = Request::post("/api/v1/apps")
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(huge))
        .unwrap();
    assert_error(&app.request(request).await, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert_error(
        &app.json(Method::GET, "/api/v1/nowhere", None, Some(&key)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_eq!(apps_of(&app, &key).await, json!({ "apps": [] }));

    // Icons: not an image, too small, and then a valid one.
    let icon_uri = {
        let (appid, _) = app.app(&key, "Icon Shop").await;
        format!("/api/v1/apps/{appid}/icon")
    };
    let put_icon = |bytes: Vec<u8>| {
        let request = Request::put(icon_uri.clone())
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
            .body(Body::from(bytes))
            .unwrap();
        app.request(request)
    };
    assert_error(&put_icon(b"GIF89a not really".to_vec()).await, StatusCode::BAD_REQUEST, "invalid_input");
    assert_error(&put_icon(png(16, 16)).await, StatusCode::BAD_REQUEST, "invalid_input");
    let mut truncated = png(200, 200);
    truncated.truncate(truncated.len() / 2);
    assert_error(&put_icon(truncated).await, StatusCode::BAD_REQUEST, "invalid_input");
    let ok = put_icon(png(200, 200)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    let icon = app.json(Method::GET, &icon_uri, None, Some(&key)).await;
    assert_eq!(icon.header("content-type"), Some("image/png"));
    assert_eq!(&icon.body[..8], b"\x89PNG\r\n\x1a\n");
}

/// A real PNG of the given size.
fn png(width: u32, height: u32) -> Vec<u8> {
    let image =
        image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut bytes = Vec::new();
    image.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
    bytes
}

#[tokio::test(flavor = "multi_thread")]
async fn account_emails_and_password_re_entry_are_rate_limited() {
    let app = TestApp::new().await;
    let platform = app.platform();
    let developer = platform.sign_up_developer("dev@example.com", "a long password", None).await.unwrap();
    // Sign-up sent one verification email; two more resends fit in the minute, the next does not.
    platform.send_developer_verification(&developer).await.unwrap();
    platform.request_developer_password_reset("dev@example.com").await.unwrap();
    let refused = platform.request_developer_password_reset("dev@example.com").await.unwrap_err();
    assert_eq!(refused.code(), "rate_limited");
    assert_eq!(app.outbox().len(), 3);
    app.clock.advance(60);
    platform.request_developer_password_reset("dev@example.com").await.unwrap();

    for _ in 0..20 {
        assert_eq!(
            platform.confirm_developer_password(&developer, "wrong password").unwrap_err().code(),
            "invalid_input"
        );
    }
    let limited = platform.confirm_developer_password(&developer, "a long password").unwrap_err();
    assert_eq!(limited.code(), "rate_limited", "guessing the password for a secret reset is limited too");
}
