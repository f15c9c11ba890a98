//! `zip_directory`, the CLI's side of an upload: what goes in, what stays out, what is refused.

use std::fs;

use miniplat_package::{ingest_zip, zip_directory, Limits};

fn write(root: &std::path::Path, path: &str, content: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

#[test]
fn skips_vcs_dependencies_and_dot_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "app.json", r#"{"pages": ["pages/index/index"]}"#);
    write(root, "pages/index/index.js", "Page({})");
    write(root, ".git/config", "[core]");
    write(root, ".eslintrc.js", "module.exports = {}");
    write(root, "node_modules/left-pad/index.js", "module.exports = 1");
    write(root, "pages/index/.DS_Store", "junk");
    write(root, "miniprogram_npm/vant/index.js", "module.exports = 1");

    let limits = Limits::default();
    let package = ingest_zip(&zip_directory(root, &limits).unwrap(), &limits).unwrap();
    let paths: Vec<&str> = package.files().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["app.json", "miniprogram_npm/vant/index.js", "pages/index/index.js"]);
}

#[test]
fn only_the_miniprogram_root_is_zipped() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "project.config.json", r#"{"miniprogramRoot": "src/"}"#);
    write(root, "src/app.json", r#"{"pages": []}"#);
    write(root, "cloudfunctions/login/index.js", "exports.main = () => 1");

    let limits = Limits::default();
    let zip = zip_directory(root, &limits).unwrap();
    let package = ingest_zip(&zip, &limits).unwrap();
    assert_eq!(package.files().map(|(p, _)| p.as_str()).collect::<Vec<_>>(), ["app.json"]);
    assert!(!String::from_utf8_lossy(&zip).contains("cloudfunctions"));
}

#[cfg(unix)]
#[test]
fn refuses_symlinks() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "app.json", "{}");
    std::os::unix::fs::symlink("/etc/passwd", root.join("secret.js")).unwrap();
    let error = zip_directory(root, &Limits::default()).unwrap_err();
    assert_eq!((error.code(), error.file()), ("ingest.symlink", Some("secret.js")));
}

#[test]
fn applies_the_server_limits() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "app.json", "{}");
    write(root, "big.js", &"x".repeat(100));
    let limits = Limits { max_file_bytes: 50, ..Limits::default() };
    let error = zip_directory(root, &limits).unwrap_err();
    assert_eq!((error.code(), error.file()), ("ingest.file_too_large", Some("big.js")));
}
