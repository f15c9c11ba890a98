//! Native hosts and their users: registration and revocation by the operator, Host API
//! authentication, and isolation between hosts; in process, on every backend.

mod login_support;

use axum::http::{Method, StatusCode};
use login_support::*;
use miniplat_testkit::for_each_backend;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn operators_register_list_and_revoke_hosts_through_the_api() {
    for_each_backend(|app| async move {
        let (_, admin_key) = app.operator("ops@example.com").await;
        let (_, developer_key) = app.developer("dev@example.com").await;
        let created = app
            .json(Method::POST, "/api/v1/admin/hosts", Some(json!({ "name": "Super App" })), Some(&admin_key))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let created = created.json();
        let key = created["key"].as_str().unwrap().to_owned();
        let secret = created["secret"].as_str().unwrap().to_owned();
        assert!(key.starts_with("hk") && key.len() == 18, "{key}");
        assert_eq!(secret.len(), 32);

        // Only operators; names are checked.
        let refused = app
            .json(Method::POST, "/api/v1/admin/hosts", Some(json!({ "name": "Mine" })), Some(&developer_key))
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let blank = app
            .json(Method::POST, "/api/v1/admin/hosts", Some(json!({ "name": " " })), Some(&admin_key))
            .await;
        assert_eq!(blank.status, StatusCode::BAD_REQUEST);

        let listed = app.json(Method::GET, "/api/v1/admin/hosts", None, Some(&admin_key)).await.json();
        assert_eq!(listed["hosts"].as_array().unwrap().len(), 1);
        assert_eq!(listed["hosts"][0]["key"], key.as_str());
        assert!(listed.to_string().find(&secret).is_none(), "the secret is shown once");

        // The host works, then is revoked and refused.
        let auth = basic(&key, &secret);
        let upsert = |auth: String| {
            let app = &app;
            async move {
                host_call(app, Method::PUT, "/host/v1/users/u1", json!({ "nickname": "U1" }), Some(&auth))
                    .await
            }
        };
        assert_eq!(upsert(auth.clone()).await.status, StatusCode::CREATED);
        assert_eq!(upsert(auth.clone()).await.status, StatusCode::OK, "the second time updates");
        let revoked =
            app.json(Method::DELETE, &format!("/api/v1/admin/hosts/{key}"), None, Some(&admin_key)).await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT);
        let after = upsert(auth).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED);
        assert_eq!(after.json()["error"]["code"], "unauthenticated");
        assert!(after.header("www-authenticate").is_some());
        let again =
            app.json(Method::DELETE, &format!("/api/v1/admin/hosts/{key}"), None, Some(&admin_key)).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn host_api_authentication_and_isolation() {
    for_each_backend(|app| async move {
        let world = World::new(&app).await;
        let body = json!({ "appid": world.appid, "user": "alice", "env_version": "trial" });
        // No credentials, a wrong secret, an unknown key, garbage.
        for auth in [
            None,
            Some(basic(&world.host_key, &"0".repeat(32))),
            Some(basic("hk0000000000000000", &world.host_secret)),
            Some("Basic !!!".to_owned()),
            Some(format!("Bearer {}", world.host_secret)),
        ] {
            let response =
                host_call(&app, Method::POST, "/host/v1/login", body.clone(), auth.as_deref()).await;
            assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{auth:?}");
        }

        // Another host cannot act for this host's users: its "alice" is a different person.
        let (operator, _) = app.operator("ops2@example.com").await;
        let other = app.platform().create_host(&operator, "Other Host").await.unwrap();
        let other_auth = basic(&other.host.key, &other.secret);
        let response = host_call(&app, Method::POST, "/host/v1/login", body.clone(), Some(&other_auth)).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{}", response.text());
        let created = host_call(
            &app,
            Method::PUT,
            "/host/v1/users/alice",
            json!({ "nickname": "Other Alice" }),
            Some(&other_auth),
        )
        .await;
        assert_eq!(created.status, StatusCode::CREATED);
        let mine = world.user_id(&app, "alice").await;
        let theirs = app.platform().host_user(&other.host, "alice").await.unwrap();
        assert_ne!(theirs.id, mine);
        assert_eq!(app.platform().end_user(mine).await.unwrap().nickname, "alice", "untouched");
        // Their alice is no tester: the trial version is not open to her.
        let response = host_call(&app, Method::POST, "/host/v1/login", body.clone(), Some(&other_auth)).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{}", response.text());

        // Bad input is refused and changes nothing.
        for (path, body) in [
            ("/host/v1/users/bad%20id", json!({ "nickname": "x" })),
            ("/host/v1/users/bob", json!({ "nickname": "" })),
            ("/host/v1/users/bob", json!({ "nickname": "Bob", "phone": "12345" })),
            ("/host/v1/users/bob", json!({ "nickname": "Bob", "extra": 1 })),
        ] {
            let response = world.host(&app, Method::PUT, path, body.clone()).await;
            assert_eq!(response.status, StatusCode::BAD_REQUEST, "{path} {body}: {}", response.text());
        }
        let host = app.platform().store.host_by_key(&world.host_key).await.unwrap().unwrap();
        assert!(app.platform().host_user(&host, "bob").await.is_err());

        // Unknown mini programs, versions and env names.
        let unknown = json!({ "appid": "wx0000000000000000", "user": "alice", "env_version": "trial" });
        assert_eq!(
            world.host(&app, Method::POST, "/host/v1/login", unknown).await.status,
            StatusCode::NOT_FOUND
        );
        let release = json!({ "appid": world.appid, "user": "alice" });
        assert_eq!(
            world.host(&app, Method::POST, "/host/v1/login", release).await.status,
            StatusCode::FORBIDDEN
        );
        let bad_env = json!({ "appid": world.appid, "user": "alice", "env_version": "beta" });
        assert_eq!(
            world.host(&app, Method::POST, "/host/v1/login", bad_env).await.status,
            StatusCode::BAD_REQUEST
        );

        // Host users cannot sign in on the web, and their reserved addresses cannot sign up.
        let email = app.platform().end_user(mine).await.unwrap().email;
        assert!(email.as_str().ends_with(".host.invalid"), "{email}");
        assert!(app.platform().sign_in_end_user(email.as_str(), "!host-user", "client").await.is_err());
        assert!(app
            .platform()
            .sign_up_end_user("me@somewhere.invalid", "a long enough password", "Me")
            .await
            .is_err());
    })
    .await;
}

/// A form POST of the console with the operator's session and CSRF token.
async fn console_post(
    app: &miniplat_testkit::TestApp,
    path: &str,
    cookie: &str,
    form: &str,
) -> miniplat_testkit::TestResponse {
    let request = axum::http::Request::post(path)
        .header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(axum::http::header::COOKIE, format!("mp_console={cookie}"))
        .body(axum::body::Body::from(form.to_owned()))
        .unwrap();
    app.request(request).await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_admin_console_registers_and_revokes_hosts_and_blocks_users() {
    for_each_backend(|app| async move {
        let (operator, _) = app.operator("ops@example.com").await;
        let (developer, _) = app.developer("dev@example.com").await;
        let platform = app.platform();
        let opened =
            platform.open_session(miniplat_core::accounts::AccountRef::Developer(operator.id)).await.unwrap();
        let (cookie, csrf) = (opened.cookie_value, opened.session.csrf_token);
        let ann =
            platform.sign_up_end_user("ann@example.com", "a long enough password", "Ann").await.unwrap();

        let page = app
            .request(
                axum::http::Request::get("/admin/hosts")
                    .header(axum::http::header::COOKIE, format!("mp_console={cookie}"))
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("No native hosts yet."));

        // Without the CSRF token nothing happens.
        let refused = console_post(&app, "/admin/hosts", &cookie, "name=Sneaky").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let created =
            console_post(&app, "/admin/hosts", &cookie, &format!("csrf={csrf}&name=Super+App")).await;
        assert_eq!(created.status, StatusCode::OK);
        let hosts = platform.hosts(&operator).await.unwrap();
        assert_eq!(hosts.len(), 1);
        let text = created.text();
        assert!(text.contains(&hosts[0].key) && text.contains("Copy the secret now"), "{text}");

        let revoked = console_post(
            &app,
            &format!("/admin/hosts/{}/revoke", hosts[0].key),
            &cookie,
            &format!("csrf={csrf}"),
        )
        .await;
        assert_eq!(revoked.status, StatusCode::SEE_OTHER);
        assert!(platform.hosts(&operator).await.unwrap()[0].revoked_at.is_some());

        let blocked = console_post(
            &app,
            "/admin/end-users/blocked",
            &cookie,
            &format!("csrf={csrf}&user=ann%40example.com&blocked=yes"),
        )
        .await;
        assert_eq!(blocked.status, StatusCode::SEE_OTHER);
        assert!(platform.end_user(ann.id).await.unwrap().blocked);
        let by_id = console_post(
            &app,
            "/admin/end-users/blocked",
            &cookie,
            &format!("csrf={csrf}&user=%23{}&blocked=no", ann.id.0),
        )
        .await;
        assert_eq!(by_id.status, StatusCode::SEE_OTHER);
        assert!(!platform.end_user(ann.id).await.unwrap().blocked);
        let unknown = console_post(
            &app,
            "/admin/end-users/blocked",
            &cookie,
            &format!("csrf={csrf}&user=nobody%40example.com&blocked=yes"),
        )
        .await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.text().contains("belongs to no end-user account"));

        // Developers do not reach the page, nor may they block anyone.
        let dev_session = platform
            .open_session(miniplat_core::accounts::AccountRef::Developer(developer.id))
            .await
            .unwrap();
        let dev_page = app
            .request(
                axum::http::Request::get("/admin/hosts")
                    .header(axum::http::header::COOKIE, format!("mp_console={}", dev_session.cookie_value))
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(dev_page.status, StatusCode::NOT_FOUND);
        assert!(platform.set_end_user_blocked(&developer, ann.id, true).await.is_err());
    })
    .await;
}
