//! Arbitrary bytes as a set of package files (`path\0content\0path\0content…`, with `app.json`
//! first when the input has no path), straight into validation: reaches the WXML, WXSS, JSON and
//! JavaScript parsers far faster than mutating zips does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use miniplat_package::{validate, Limits, Package, PackagePath};

const EXTENSIONS: &[&str] = &["json", "wxml", "wxss", "js", "ts", "wxs"];

/// libfuzzer-sys turns every panic into an abort through its panic hook, but validation runs
/// the third-party parsers under `catch_unwind` on purpose and reports their panics as
/// diagnostics. Restore a quiet hook so those are caught as in production; a panic that escapes
/// validation still reaches libfuzzer-sys's own `catch_unwind` and aborts.
fn quiet_guarded_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(|_| {})));
}

fuzz_target!(|data: &[u8]| {
    quiet_guarded_panics();
    let mut parts = data.split(|&b| b == 0);
    let mut files = Vec::new();
    while let (Some(name), Some(content)) = (parts.next(), parts.next()) {
        let name = String::from_utf8_lossy(name);
        let Ok(mut path) = PackagePath::parse(&name) else { continue };
        if path.extension().is_none() {
            // Give extension-less names a type so every parser gets its share.
            let extension = EXTENSIONS[name.len() % EXTENSIONS.len()];
            let Ok(typed) = PackagePath::parse(&format!("{name}.{extension}")) else { continue };
            path = typed;
        }
        files.push((path, content.to_vec()));
    }
    if files.is_empty() {
        files.push((PackagePath::parse("app.json").unwrap(), data.to_vec()));
    }
    let Ok(package) = Package::from_files(files, Limits::default()) else { return };
    let report = validate(&package);
    for diagnostic in &report.diagnostics {
        assert!(diagnostic.location.line >= 1 && diagnostic.location.column >= 1, "{diagnostic}");
    }
});
