//! Develop versions and the trial version through the platform API, in process, on every
//! backend: the example mini programs upload cleanly, broken packages store nothing, uploader
//! slots replace their own version only, the trial version is a copy.

use std::io::Write;
use std::path::Path;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use miniplat_core::apps::versions::package_blob_key;
use miniplat_core::apps::MemberRole;
use miniplat_package::{zip_directory, Limits};
use miniplat_testkit::{for_each_backend, TestApp, TestResponse};
use serde_json::{json, Value};

fn example(name: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name);
    zip_directory(&dir, &Limits::default()).expect("example zips")
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

async fn upload(app: &TestApp, key: &str, appid: &str, query: &str, zip: Vec<u8>) -> TestResponse {
    let request = Request::post(format!("/api/v1/apps/{appid}/versions?{query}"))
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, "application/zip")
        .body(Body::from(zip))
        .unwrap();
    app.request(request).await
}

async fn versions(app: &TestApp, key: &str, appid: &str) -> Value {
    let response = app.json(Method::GET, &format!("/api/v1/apps/{appid}/versions"), None, Some(key)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response.json()
}

/// Whether the blob store holds this zip.
async fn stored(app: &TestApp, zip: &[u8]) -> bool {
    let key = package_blob_key(&miniplat_crypto::sha256_hex(zip));
    app.platform().blobs.get(&key).await.unwrap().is_some()
}

#[tokio::test(flavor = "multi_thread")]
async fn examples_upload_and_members_inspect_delete_and_choose_a_trial() {
    for_each_backend(|app| async move {
        let (dev, key) = app.developer("dev@example.com").await;
        let (appid, _) = app.app(&key, "Version Shop").await;

        let response =
            upload(&app, &key, &appid, "version=1.0.0&description=first", example("minimal")).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        let minimal = response.json();
        assert_eq!(minimal["version"], "1.0.0");
        assert_eq!(minimal["uploader"], json!({ "kind": "member", "developer_id": dev.id.0, "robot": null }));
        assert!(minimal["files"].as_array().unwrap().iter().any(|f| f["path"] == "app.json"));
        assert_eq!(
            minimal["report"]["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["severity"] == "error")
                .count(),
            0
        );

        // A second upload by the same member replaces the first.
        let response =
            upload(&app, &key, &appid, "version=2.0.0&description=the%20shop", example("shop")).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        let shop = response.json();
        assert!(!shop["report"]["privacy_uses"].as_array().unwrap().is_empty(), "the shop uses privacy APIs");
        assert!(shop["packages"].as_array().unwrap().len() >= 2, "main package and a subpackage");
        let listed = versions(&app, &key, &appid).await;
        assert_eq!(listed["versions"].as_array().unwrap().len(), 1);
        assert_eq!(listed["versions"][0]["version"], "2.0.0");
        assert_eq!(listed["trial"], Value::Null);

        // Inspect: detail and one file's content.
        let id = shop["id"].as_i64().unwrap();
        let detail =
            app.json(Method::GET, &format!("/api/v1/apps/{appid}/versions/{id}"), None, Some(&key)).await;
        assert_eq!(detail.status, StatusCode::OK);
        assert_eq!(detail.json()["report"], shop["report"]);
        let file = app
            .json(
                Method::GET,
                &format!("/api/v1/apps/{appid}/versions/{id}/files/app.json"),
                None,
                Some(&key),
            )
            .await;
        assert_eq!(file.status, StatusCode::OK);
        assert!(file.json()["pages"].is_array());
        let missing = app
            .json(Method::GET, &format!("/api/v1/apps/{appid}/versions/{id}/files/nope.js"), None, Some(&key))
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);

        // Nested files, text or binary, come back byte for byte; paths outside the file list,
        // including the project's dev-tool files and the zip's own layout, are 404.
        let on_disk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop/miniprogram");
        for nested in ["packages/order/pages/detail/detail.wxml", "images/tab/cart-active.png"] {
            let file = app
                .json(
                    Method::GET,
                    &format!("/api/v1/apps/{appid}/versions/{id}/files/{nested}"),
                    None,
                    Some(&key),
                )
                .await;
            assert_eq!(file.status, StatusCode::OK, "{nested}: {}", file.text());
            assert_eq!(file.header("content-type"), Some("application/octet-stream"));
            assert_eq!(file.body, std::fs::read(on_disk.join(nested)).unwrap(), "{nested}");
        }
        for missing in [
            "packages/order/pages/detail/nope.js",
            "packages/order",
            "project.config.json",
            "miniprogram/app.json",
            "%2E%2E/project.config.json",
        ] {
            let response = app
                .json(
                    Method::GET,
                    &format!("/api/v1/apps/{appid}/versions/{id}/files/{missing}"),
                    None,
                    Some(&key),
                )
                .await;
            assert_eq!(response.status, StatusCode::NOT_FOUND, "{missing}: {}", response.text());
        }

        // Choose it as the trial version; deleting the develop version keeps the trial.
        let chosen = app
            .json(
                Method::PUT,
                &format!("/api/v1/apps/{appid}/trial"),
                Some(json!({ "version_id": id })),
                Some(&key),
            )
            .await;
        assert_eq!(chosen.status, StatusCode::OK, "{}", chosen.text());
        assert_eq!(chosen.json()["version"], "2.0.0");
        let deleted =
            app.json(Method::DELETE, &format!("/api/v1/apps/{appid}/versions/{id}"), None, Some(&key)).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        let listed = versions(&app, &key, &appid).await;
        assert_eq!(listed["versions"], json!([]));
        assert_eq!(listed["trial"]["version"], "2.0.0");
        let trial = app.json(Method::GET, &format!("/api/v1/apps/{appid}/trial"), None, Some(&key)).await;
        assert_eq!(trial.json()["id"], id);
        let again =
            app.json(Method::DELETE, &format!("/api/v1/apps/{appid}/versions/{id}"), None, Some(&key)).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_packages_are_refused_with_diagnostics_and_store_nothing() {
    for_each_backend(|app| async move {
        let (_, key) = app.developer("dev@example.com").await;
        let (appid, _) = app.app(&key, "Broken Shop").await;

        // A page without its files: 422 package_invalid with file:line:column diagnostics.
        let broken = zip_of(&[("app.json", "{\n  \"pages\": [\"pages/index/index\"]\n}\n")]);
        let response = upload(&app, &key, &appid, "version=1.0.0", broken.clone()).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.text());
        let body = response.json();
        assert_eq!(body["error"]["code"], "package_invalid");
        let diagnostics = body["error"]["diagnostics"].as_array().unwrap();
        assert!(
            diagnostics
                .iter()
                .any(|d| d["location"]["file"] == "app.json" && d["location"]["line"].as_u64() > Some(0)),
            "{body}"
        );

        // Unsafe archives: 422 package_rejected naming the entry.
        let traversal = zip_of(&[("../evil.js", "x"), ("app.json", "{}")]);
        let response = upload(&app, &key, &appid, "version=1.0.0", traversal).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(response.json()["error"]["code"], "package_rejected");
        let response = upload(&app, &key, &appid, "version=1.0.0", b"not a zip".to_vec()).await;
        assert_eq!(response.json()["error"]["code"], "package_rejected");

        // Bad version strings and robots with an API key: 400.
        let response = upload(&app, &key, &appid, "version=", example("minimal")).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        let long = "9".repeat(65);
        let response = upload(&app, &key, &appid, &format!("version={long}"), example("minimal")).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        let response = upload(&app, &key, &appid, "version=1&robot=1", example("minimal")).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);

        assert_eq!(versions(&app, &key, &appid).await["versions"], json!([]));
        assert!(!stored(&app, &broken).await, "nothing stored");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn members_have_their_own_slots_and_roles_are_enforced() {
    for_each_backend(|app| async move {
        let (admin, admin_key) = app.developer("admin@example.com").await;
        let (appid, _) = app.app(&admin_key, "Team Shop").await;
        let (dev, dev_key) = app.developer("dev@example.com").await;
        let (analyst, analyst_key) = app.developer("analyst@example.com").await;
        let (_, stranger_key) = app.developer("stranger@example.com").await;
        let platform = app.platform();
        for (who, role) in [(&dev, MemberRole::Developer), (&analyst, MemberRole::Analyst)] {
            let link = platform.invite_member(&admin, &appid, who.email.as_str(), role).await.unwrap();
            let token = link.rsplit('/').next().unwrap();
            platform.accept_invitation(who, token).await.unwrap();
        }

        assert_eq!(
            upload(&app, &admin_key, &appid, "version=1", example("minimal")).await.status,
            StatusCode::CREATED
        );
        assert_eq!(
            upload(&app, &dev_key, &appid, "version=2", example("minimal")).await.status,
            StatusCode::CREATED
        );
        let listed = versions(&app, &analyst_key, &appid).await;
        assert_eq!(listed["versions"].as_array().unwrap().len(), 2, "one slot per member");
        // The same zip is one blob, under its SHA-256.
        assert!(stored(&app, &example("minimal")).await);

        let refused = upload(&app, &analyst_key, &appid, "version=3", example("minimal")).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let id = listed["versions"][0]["id"].as_i64().unwrap();
        let refused = app
            .json(
                Method::PUT,
                &format!("/api/v1/apps/{appid}/trial"),
                Some(json!({ "version_id": id })),
                Some(&analyst_key),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let hidden =
            app.json(Method::GET, &format!("/api/v1/apps/{appid}/versions"), None, Some(&stranger_key)).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND);
        let hidden = upload(&app, &stranger_key, &appid, "version=1", example("minimal")).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    })
    .await;
}

async fn create_key(app: &TestApp, key: &str, appid: &str, allowed: &[&str]) -> (i64, String) {
    let response = app
        .json(
            Method::POST,
            &format!("/api/v1/apps/{appid}/upload-keys"),
            Some(json!({ "label": "CI", "allowed_ips": allowed })),
            Some(key),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let body = response.json();
    (body["id"].as_i64().unwrap(), body["upload_key"].as_str().unwrap().to_owned())
}

/// An upload over a real socket (so the server sees the client's address).
async fn upload_over_socket(base: &str, key: &str, appid: &str, query: &str, zip: Vec<u8>) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/v1/apps/{appid}/versions?{query}"))
        .bearer_auth(key)
        .header("content-type", "application/zip")
        .body(zip)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_keys_upload_into_robot_slots_and_nothing_else() {
    for_each_backend(|app| async move {
        let (_, key) = app.developer("admin@example.com").await;
        let (appid, _) = app.app(&key, "Robot Shop").await;
        let (other_appid, _) = app.app(&key, "Other Robot Shop").await;
        let server = app.spawn().await;
        let base = server.base_url.clone();

        let (open_id, open_key) = create_key(&app, &key, &appid, &[]).await;
        assert!(open_key.starts_with("mpu_"));
        let (_, local_key) = create_key(&app, &key, &appid, &["127.0.0.1", "::1/128"]).await;
        let (_, far_key) = create_key(&app, &key, &appid, &["10.0.0.0/8", "2001:db8::/32"]).await;

        // Robots 1 and 2 hold separate versions, beside the member's.
        for (robot, version) in [(1, "1.0.1"), (2, "1.0.2"), (1, "1.0.3")] {
            let query = format!("version={version}&robot={robot}");
            let (status, body) =
                upload_over_socket(&base, &open_key, &appid, &query, example("minimal")).await;
            assert_eq!(status, 201, "{body}");
            assert_eq!(body["uploader"]["robot"], robot);
        }
        assert_eq!(
            upload(&app, &key, &appid, "version=0.9", example("minimal")).await.status,
            StatusCode::CREATED
        );
        let listed = versions(&app, &key, &appid).await;
        let mut held: Vec<String> = listed["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_str().unwrap().to_owned())
            .collect();
        held.sort();
        assert_eq!(held, ["0.9", "1.0.2", "1.0.3"], "robot 1's second upload replaced its first");

        // A robot number is required, 1–30.
        for query in ["version=1", "version=1&robot=0", "version=1&robot=31"] {
            let (status, body) =
                upload_over_socket(&base, &open_key, &appid, query, example("minimal")).await;
            assert_eq!(status, 400, "{query}: {body}");
        }
        // The allow-list: loopback may, a key for 10/8 may not.
        let (status, _) =
            upload_over_socket(&base, &local_key, &appid, "version=1&robot=3", example("minimal")).await;
        assert_eq!(status, 201);
        let (status, body) =
            upload_over_socket(&base, &far_key, &appid, "version=1&robot=4", example("minimal")).await;
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("forbidden")), "{body}");
        // A key belongs to one mini program.
        let (status, _) =
            upload_over_socket(&base, &open_key, &other_appid, "version=1&robot=1", example("minimal")).await;
        assert_eq!(status, 403);
        // A key calls nothing else.
        let response =
            app.json(Method::GET, &format!("/api/v1/apps/{appid}/versions"), None, Some(&open_key)).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
        let response = app.json(Method::GET, "/api/v1/apps", None, Some(&open_key)).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);

        // Listing shows keys without their secret, with the last use; revoked keys stop working.
        let listed = app
            .json(Method::GET, &format!("/api/v1/apps/{appid}/upload-keys"), None, Some(&key))
            .await
            .json();
        let keys = listed["upload_keys"].as_array().unwrap();
        assert_eq!(keys.len(), 3);
        assert!(!listed.to_string().contains(&open_key));
        let open = keys.iter().find(|k| k["id"] == open_id).unwrap();
        assert!(open["last_used_at"].is_i64());
        assert!(keys.iter().any(|k| k["allowed_ips"] == json!(["10.0.0.0/8", "2001:db8::/32"])));
        let revoked = app
            .json(Method::DELETE, &format!("/api/v1/apps/{appid}/upload-keys/{open_id}"), None, Some(&key))
            .await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT);
        let (status, _) =
            upload_over_socket(&base, &open_key, &appid, "version=1&robot=1", example("minimal")).await;
        assert_eq!(status, 401);
        let again = app
            .json(Method::DELETE, &format!("/api/v1/apps/{appid}/upload-keys/{open_id}"), None, Some(&key))
            .await;
        assert_eq!(again.status, StatusCode::NOT_FOUND);

        // Bad allow-list entries are refused at creation.
        let response = app
            .json(
                Method::POST,
                &format!("/api/v1/apps/{appid}/upload-keys"),
                Some(json!({ "label": "CI", "allowed_ips": ["example.com"] })),
                Some(&key),
            )
            .await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_uploads_are_413_before_anything_is_stored() {
    let app = TestApp::with_config(miniplat_testkit::Backend::Sqlite, |config| {
        config.platform.packages.max_archive_bytes = 4096;
    })
    .await;
    let (_, key) = app.developer("dev@example.com").await;
    let (appid, _) = app.app(&key, "Big Shop").await;
    // Over the archive limit: refused by ingest. Over limit and margin: the body is not read.
    for zip in [example("shop"), vec![7u8; 200 * 1024]] {
        assert!(zip.len() > 4096);
        let response = upload(&app, &key, &appid, "version=1", zip.clone()).await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", response.text());
        assert_eq!(response.json()["error"]["code"], "package_too_large");
        assert!(!stored(&app, &zip).await);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_package_blob_goes_after_the_grace_period_once_no_version_names_it() {
    for_each_backend(|app| async move {
        let (admin, admin_key) = app.developer("admin@example.com").await;
        let (appid, _) = app.app(&admin_key, "Blob Shop").await;
        let (dev, dev_key) = app.developer("dev@example.com").await;
        let platform = app.platform();
        let link =
            platform.invite_member(&admin, &appid, dev.email.as_str(), MemberRole::Developer).await.unwrap();
        platform.accept_invitation(&dev, link.rsplit('/').next().unwrap()).await.unwrap();
        let grace = platform.config.package_blob_grace_secs;
        let zip = example("minimal");
        let upload_by = |key: &str| {
            let (key, appid, zip) = (key.to_owned(), appid.clone(), zip.clone());
            let app = &app;
            async move {
                let response = upload(app, &key, &appid, "version=1.0.0", zip).await;
                assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
                response.json()["id"].as_i64().unwrap()
            }
        };
        let delete = |key: &str, id: i64| {
            let (key, uri) = (key.to_owned(), format!("/api/v1/apps/{appid}/versions/{id}"));
            let app = &app;
            async move {
                assert_eq!(
                    app.json(Method::DELETE, &uri, None, Some(&key)).await.status,
                    StatusCode::NO_CONTENT
                )
            }
        };
        let purge = || async { platform.purge_package_blobs().await.unwrap() };

        // The same package as two members' versions: one blob.
        let admins = upload_by(&admin_key).await;
        let devs = upload_by(&dev_key).await;
        assert!(stored(&app, &zip).await);

        // One version goes: the other keeps the blob, however long.
        delete(&admin_key, admins).await;
        app.clock.advance(grace * 2);
        assert_eq!(purge().await, 0);
        assert!(stored(&app, &zip).await);

        // The last one goes: the blob stays for the grace period, then goes.
        delete(&dev_key, devs).await;
        app.clock.advance(grace - 1);
        assert_eq!(purge().await, 0);
        assert!(stored(&app, &zip).await, "within the grace period");
        app.clock.advance(1);
        assert_eq!(purge().await, 1);
        assert!(!stored(&app, &zip).await, "collected");
        assert_eq!(purge().await, 0);

        // Uploaded again while waiting for collection: the new version keeps it.
        let again = upload_by(&admin_key).await;
        assert!(stored(&app, &zip).await, "written again");
        delete(&admin_key, again).await;
        app.clock.advance(grace / 2);
        let kept = upload_by(&dev_key).await;
        app.clock.advance(grace * 2);
        assert_eq!(purge().await, 0);
        assert!(stored(&app, &zip).await);

        // The trial version is a copy that names the blob too.
        let chosen = app
            .json(
                Method::PUT,
                &format!("/api/v1/apps/{appid}/trial"),
                Some(json!({ "version_id": kept })),
                Some(&dev_key),
            )
            .await;
        assert_eq!(chosen.status, StatusCode::OK, "{}", chosen.text());
        delete(&dev_key, kept).await;
        app.clock.advance(grace * 2);
        assert_eq!(purge().await, 0);
        let trial = app.json(Method::GET, &format!("/api/v1/apps/{appid}/trial"), None, Some(&dev_key)).await;
        assert_eq!(trial.status, StatusCode::OK);
        assert!(stored(&app, &zip).await, "the trial's package stays");
    })
    .await;
}
