//! Arbitrary bytes as an uploaded zip: ingest must refuse or accept without panicking, and an
//! accepted package must validate without panicking into a report whose locations are sane.
#![no_main]

use libfuzzer_sys::fuzz_target;
use miniplat_package::{ingest_zip, validate, Limits};

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
    // Smaller caps than production keep each run fast; the code paths are the same.
    let limits = Limits {
        max_archive_bytes: 1 << 20,
        max_file_bytes: 1 << 20,
        max_uncompressed_bytes: 4 << 20,
        ..Limits::default()
    };
    let Ok(package) = ingest_zip(data, &limits) else { return };
    let report = validate(&package);
    for diagnostic in &report.diagnostics {
        assert!(diagnostic.location.line >= 1 && diagnostic.location.column >= 1, "{diagnostic}");
    }
    assert_eq!(report.files.len(), package.len());
});
