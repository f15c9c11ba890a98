//! Tier 2: the platform over a real socket, driven by `miniplat-client` (the CLI's client).

use miniplat_client::{Client, ClientError};
use miniplat_testkit::for_each_backend;

#[tokio::test(flavor = "multi_thread")]
async fn the_typed_client_drives_the_platform_api_over_a_socket() {
    for_each_backend(|app| async move {
        let (_, operator_key) = app.operator("op@example.com").await;
        let server = app.spawn().await;
        let operator = Client::new(&server.base_url, &operator_key);
        let created = operator.create_developer("dev@example.com").await.unwrap();
        let client = Client::new(&server.base_url, &created.api_key);

        assert_eq!(client.me().await.unwrap().developer.email, "dev@example.com");
        let app_created = client.create_app("Socket Shop", "Over TCP.", None).await.unwrap();
        assert_eq!(app_created.app.role, "admin");
        let listed = client.list_apps().await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].appid, app_created.app.appid);
        assert_eq!(client.app(&app_created.app.appid).await.unwrap().introduction, "Over TCP.");
        let secret = client.reset_secret(&app_created.app.appid).await.unwrap();
        assert_ne!(secret.secret, app_created.secret);
        assert_eq!(client.revoke_tokens(&app_created.app.appid).await.unwrap(), 0);

        match client.create_app("socket shop", "", None).await {
            Err(ClientError::Api { status: 409, code, request_id, .. }) => {
                assert_eq!(code, "app_name_taken");
                assert!(!request_id.is_empty());
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        let stranger = Client::new(&server.base_url, "mpk_not_a_key");
        assert_eq!(stranger.me().await.unwrap_err().code(), Some("unauthenticated"));
        // Without admin scope the operator endpoints refuse.
        assert_eq!(
            client.create_developer("x@example.com").await.unwrap_err().code(),
            Some("insufficient_scope")
        );
    })
    .await;
}
