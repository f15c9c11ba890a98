//! Arbitrary bytes as an uploaded zip: ingest must refuse or accept without panicking, and an
//! accepted package must validate without panicking into a report whose locations are sane.
#![no_main]

use libfuzzer_sys::fuzz_target;
use miniplat_package::{ingest_zip, validate, Limits};

fuzz_target!(|data: &[u8]| {
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
