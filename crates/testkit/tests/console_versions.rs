//! The console's Versions, Testers and Upload keys tabs in process, as a browser without
//! JavaScript uses them: a member browses an uploaded version's report and files, chooses the
//! trial version, deletes the develop version, adds and removes a tester, creates an upload key
//! (shown once) and revokes it.

use std::path::Path;

use axum::http::StatusCode;
use miniplat_core::accounts::PlatformRole;
use miniplat_core::apps::versions::Upload;
use miniplat_package::{zip_directory, Limits};
use miniplat_testkit::visitor::Visitor;
use miniplat_testkit::{for_each_backend, TestResponse};

const PASSWORD: &str = "correct horse battery";

fn assert_redirect(response: &TestResponse, to: &str) {
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.text());
    assert_eq!(response.header("location"), Some(to));
}

#[tokio::test(flavor = "multi_thread")]
async fn members_manage_versions_testers_and_upload_keys_in_the_console() {
    for_each_backend(|app| async move {
        let platform = app.platform();
        let dev =
            platform.create_verified_developer("dev@example.com", PlatformRole::Developer).await.unwrap();
        platform.set_initial_developer_password(&dev, PASSWORD).await.unwrap();
        let appid = platform.create_app(&dev, "Console Shop", "", None).await.unwrap().app.appid.to_string();
        let shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
        let zip = zip_directory(&shop, &Limits::default()).unwrap();
        let upload = Upload { version: "3.1.4", description: "the shop", zip };
        let (version, _) = platform.upload_develop_version(&dev, &appid, upload).await.unwrap();
        platform.sign_up_end_user("ann@example.com", "a long enough password", "Ann").await.unwrap();

        let mut visitor = Visitor::new(&app);
        let signed_in = visitor
            .submit(
                "/console/signin",
                "/console/signin",
                &[("email", "dev@example.com"), ("password", PASSWORD)],
            )
            .await;
        assert_redirect(&signed_in, "/console");

        // Versions: the list, the report with privacy APIs, the file browser.
        let versions = format!("/console/apps/{appid}/versions");
        let list = visitor.get(&versions).await.text();
        assert!(list.contains("3.1.4") && list.contains("No trial version is chosen"), "{list}");
        let detail = visitor.get(&format!("{versions}/{}", version.id)).await;
        assert_eq!(detail.status, StatusCode::OK);
        let html = detail.text();
        assert!(html.contains("Privacy-relevant APIs") && html.contains("app.json"), "{html}");
        let file = visitor.get(&format!("{versions}/{}/files/app.json", version.id)).await;
        assert!(file.text().contains("pages"), "{}", file.text());
        assert_eq!(
            visitor.get(&format!("{versions}/{}/files/nope.js", version.id)).await.status,
            StatusCode::NOT_FOUND
        );

        // Choose as trial, then delete the develop version: the trial stays.
        let chosen = visitor.submit(&versions, &format!("{versions}/{}/trial", version.id), &[]).await;
        assert_redirect(&chosen, &format!("{versions}?notice=trial-chosen"));
        let deleted = visitor.submit(&versions, &format!("{versions}/{}/delete", version.id), &[]).await;
        assert_redirect(&deleted, &format!("{versions}?notice=version-deleted"));
        let list = visitor.get(&versions).await.text();
        assert!(list.contains("No develop versions yet") && list.contains("3.1.4"), "{list}");

        // Testers: add by email, refuse an unknown one, remove.
        let testers = format!("/console/apps/{appid}/testers");
        assert_redirect(
            &visitor.submit(&testers, &testers, &[("email", "ann@example.com")]).await,
            &format!("{testers}?notice=tester-added"),
        );
        let unknown = visitor.submit(&testers, &testers, &[("email", "nobody@example.com")]).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.text().contains("Email belongs to no end-user account."), "{}", unknown.text());
        let page = visitor.get(&testers).await.text();
        assert!(page.contains("ann@example.com"));
        let userstr = platform.testers(&dev, &appid).await.unwrap().1[0].userstr.clone();
        assert_redirect(
            &visitor.submit(&testers, &format!("{testers}/remove"), &[("userstr", &userstr)]).await,
            &format!("{testers}?notice=tester-removed"),
        );
        assert!(visitor.get(&testers).await.text().contains("No testers."));

        // Upload keys: created and shown once, bad addresses refused, revoked.
        let keys = format!("/console/apps/{appid}/upload-keys");
        let created = visitor
            .submit(&keys, &keys, &[("label", "CI"), ("allowed_ips", "10.0.0.0/8, 2001:db8::1")])
            .await;
        assert_eq!(created.status, StatusCode::OK);
        let html = created.text();
        assert!(html.contains("mpu_") && html.contains("it will not be shown again"), "{html}");
        let listed = visitor.get(&keys).await.text();
        assert!(
            listed.contains("10.0.0.0/8, 2001:db8::1/128") && !listed.contains("will not be shown again")
        );
        let bad = visitor.submit(&keys, &keys, &[("label", "CI"), ("allowed_ips", "example.com")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let id = platform.upload_keys(&dev, &appid).await.unwrap().1[0].id;
        assert_redirect(
            &visitor.submit(&keys, &format!("{keys}/{id}/revoke"), &[]).await,
            &format!("{keys}?notice=upload-key-revoked"),
        );
        assert!(visitor.get(&keys).await.text().contains("Revoked"));
    })
    .await;
}
