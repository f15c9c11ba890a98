//! The committed OpenAPI document (`docs/openapi.json`) must be what the code generates.
//! Regenerate with `MINIPLAT_UPDATE_OPENAPI=1 cargo test -p miniplat-http --test openapi`.

#[test]
fn committed_openapi_document_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let generated = format!("{}\n", miniplat_http::api::openapi::document());
    if std::env::var("MINIPLAT_UPDATE_OPENAPI").as_deref() == Ok("1") {
        std::fs::write(&path, &generated).expect("docs/openapi.json is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is out of date; run `MINIPLAT_UPDATE_OPENAPI=1 cargo test -p miniplat-http --test openapi` and commit it"
    );
}
