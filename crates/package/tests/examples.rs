//! The example mini programs in `examples/` zip, ingest and validate cleanly, and the report
//! says what they do.

use std::path::{Path, PathBuf};

use miniplat_package::{
    ingest_zip, read_package_file, validate, zip_directory, Limits, PackagePath, PrivacyCategory, Report,
};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name)
}

fn upload(name: &str) -> (miniplat_package::Package, Report) {
    let limits = Limits::default();
    let zip = zip_directory(&example(name), &limits).expect("the example zips");
    let package = ingest_zip(&zip, &limits).expect("the example ingests");
    let report = validate(&package);
    let diagnostics: Vec<String> = report.diagnostics.iter().map(ToString::to_string).collect();
    assert!(diagnostics.is_empty(), "{name} has diagnostics:\n{}", diagnostics.join("\n"));
    assert!(report.ok());
    (package, report)
}

#[test]
fn minimal_example_validates_cleanly() {
    let (package, report) = upload("minimal");
    let paths: Vec<&str> = package.files().map(|(path, _)| path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "app.js",
            "app.json",
            "pages/index/index.js",
            "pages/index/index.json",
            "pages/index/index.wxml",
            "pages/index/index.wxss"
        ]
    );
    assert!(report.privacy_uses.is_empty());
    assert_eq!(report.package_sizes.len(), 1);
    assert_eq!(report.package_sizes[0].bytes, package.total_bytes());
}

#[test]
fn shop_example_validates_cleanly_and_lists_exactly_its_privacy_apis() {
    let (package, report) = upload("shop");

    // miniprogramRoot is honoured and the dev-tool files stay out of the package.
    assert!(package.contains("app.json"));
    assert!(!package.files().any(|(path, _)| path.as_str().contains("project.config.json")));

    let privacy: Vec<(&str, PrivacyCategory, &str)> =
        report.privacy_uses.iter().map(|u| (u.api.as_str(), u.category, u.privacy_key.as_str())).collect();
    assert_eq!(
        privacy,
        [
            ("wx.getLocation", PrivacyCategory::Location, "Location"),
            ("<button open-type=\"getPhoneNumber\">", PrivacyCategory::PhoneNumber, "PhoneNumber"),
            ("wx.chooseImage", PrivacyCategory::Album, "Album"),
            ("wx.setClipboardData", PrivacyCategory::Clipboard, "Clipboard"),
        ]
    );
    let phone = &report.privacy_uses[1].locations;
    assert_eq!(phone.len(), 1);
    assert_eq!(phone[0].file, "pages/profile/profile.wxml");
    assert_eq!((phone[0].line, phone[0].column), (7, 7));

    let apis: Vec<&str> = report.api_uses.iter().map(|u| u.name.as_str()).collect();
    for api in ["wx.getLocation", "wx.request", "wx.navigateTo", "wx.setClipboardData", "wx.getStorageSync"] {
        assert!(apis.contains(&api), "{api} missing from {apis:?}");
    }
    assert!(report.dynamic_calls.is_empty());

    let sizes: Vec<(&str, &str)> =
        report.package_sizes.iter().map(|s| (s.name.as_str(), s.root.as_str())).collect();
    assert_eq!(sizes, [("__APP__", ""), ("order", "packages/order")]);
    assert!(report.package_sizes[1].files >= 8);
    assert_eq!(report.files.len(), package.len());
    assert!(report.files.iter().all(|f| f.sha256.len() == 64));
}

#[test]
fn zipping_a_directory_is_reproducible() {
    let limits = Limits::default();
    let first = zip_directory(&example("shop"), &limits).unwrap();
    let second = zip_directory(&example("shop"), &limits).unwrap();
    assert_eq!(first, second);
}

#[test]
fn report_round_trips_through_json() {
    let (_, report) = upload("shop");
    let json = serde_json::to_string(&report).unwrap();
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
    assert!(json.contains("\"category\":\"phone_number\""));
}

#[test]
fn one_file_reads_back_out_of_the_zip_alone() {
    let limits = Limits::default();
    let zip = zip_directory(&example("shop"), &limits).unwrap();
    let package = ingest_zip(&zip, &limits).unwrap();
    // Under miniprogramRoot, nested, exactly what ingest gives; dev-tool files are not in it.
    for (path, bytes) in package.files() {
        assert_eq!(read_package_file(&zip, path, &limits).unwrap().as_deref(), Some(bytes), "{path}");
    }
    assert!(package.files().any(|(path, _)| path.as_str().starts_with("packages/order/")));
    for missing in ["nope.js", "project.config.json", "miniprogram/app.json", "pages"] {
        let path = PackagePath::parse(missing).unwrap();
        assert_eq!(read_package_file(&zip, &path, &limits).unwrap(), None, "{missing}");
    }
    // The limits still hold.
    let tight = Limits { max_file_bytes: 16, ..Limits::default() };
    let app_json = PackagePath::parse("app.json").unwrap();
    assert!(read_package_file(&zip, &app_json, &tight).is_err());
}
