//! A corpus of broken archives, one per reason `ingest_zip` refuses: each gets its code and
//! names the offending entry (and, for `project.config.json`, the line and column).

use std::io::{Cursor, Write};

use miniplat_package::{ingest_zip, IngestError, Limits};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// One entry of a hand-built archive: the zip crate's writer refuses to produce most of the
/// malformed shapes this corpus needs (duplicate names, lying sizes, flags), so the archives are
/// assembled byte by byte.
struct RawEntry {
    name: Vec<u8>,
    data: Vec<u8>,
    method: u16,
    flags: u16,
    /// Unix mode; stored in the external attributes with "made by Unix".
    mode: u32,
    declared_size: Option<u32>,
}

impl RawEntry {
    fn file(name: &str, data: &[u8]) -> Self {
        Self {
            name: name.as_bytes().to_vec(),
            data: data.to_vec(),
            method: 0,
            flags: 0,
            mode: 0o100_644,
            declared_size: None,
        }
    }
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn raw_zip(entries: &[RawEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in entries {
        let offset = out.len() as u32;
        let crc = crc32(&entry.data);
        let size = entry.data.len() as u32;
        let declared = entry.declared_size.unwrap_or(size);
        let name_len = entry.name.len() as u16;
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        for field in [20u16, entry.flags, entry.method, 0, 0x21] {
            out.extend_from_slice(&field.to_le_bytes());
        }
        for field in [crc, size, declared] {
            out.extend_from_slice(&field.to_le_bytes());
        }
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&entry.name);
        out.extend_from_slice(&entry.data);

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        for field in [(3u16 << 8) | 20, 20, entry.flags, entry.method, 0, 0x21] {
            central.extend_from_slice(&field.to_le_bytes());
        }
        for field in [crc, size, declared] {
            central.extend_from_slice(&field.to_le_bytes());
        }
        for field in [name_len, 0, 0, 0, 0] {
            central.extend_from_slice(&field.to_le_bytes());
        }
        central.extend_from_slice(&(entry.mode << 16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(&entry.name);
    }
    let central_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    let count = entries.len() as u16;
    for field in [0u16, 0, count, count] {
        out.extend_from_slice(&field.to_le_bytes());
    }
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A zip of the given files, deflated, written by the zip crate.
fn deflated_zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, data) in files {
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn refused(bytes: &[u8], limits: &Limits) -> IngestError {
    match ingest_zip(bytes, limits) {
        Ok(package) => {
            panic!("accepted: {:?}", package.files().map(|(p, _)| p.to_string()).collect::<Vec<_>>())
        }
        Err(error) => error,
    }
}

fn assert_refused(entries: &[RawEntry], code: &str, file: &str) {
    let error = refused(&raw_zip(entries), &Limits::default());
    assert_eq!((error.code(), error.file()), (code, Some(file)), "{error}");
    assert!(error.to_string().contains(file), "message names the file: {error}");
}

const APP: &[u8] = br#"{"pages":["pages/index/index"]}"#;

#[test]
fn a_valid_raw_archive_is_accepted() {
    let package = ingest_zip(&raw_zip(&[RawEntry::file("app.json", APP)]), &Limits::default()).unwrap();
    assert_eq!(package.get("app.json"), Some(APP));
}

#[test]
fn path_traversal() {
    assert_refused(
        &[RawEntry::file("app.json", APP), RawEntry::file("../evil.js", b"x")],
        "ingest.path_traversal",
        "../evil.js",
    );
    assert_refused(
        &[RawEntry::file("pages/../../evil.js", b"x")],
        "ingest.path_traversal",
        "pages/../../evil.js",
    );
}

#[test]
fn absolute_paths() {
    assert_refused(&[RawEntry::file("/etc/passwd", b"x")], "ingest.absolute_path", "/etc/passwd");
}

#[test]
fn backslashes_and_drive_letters() {
    assert_refused(&[RawEntry::file("pages\\index.js", b"x")], "ingest.backslash", "pages\\index.js");
    assert_refused(&[RawEntry::file("C:/evil.js", b"x")], "ingest.drive_letter", "C:/evil.js");
}

#[test]
fn control_characters() {
    assert_refused(&[RawEntry::file("a\u{1}.js", b"x")], "ingest.invalid_path", "a\u{1}.js");
}

#[test]
fn symlinks() {
    let mut link = RawEntry::file("pages/secret.js", b"/etc/passwd");
    link.mode = 0o120_777;
    assert_refused(&[RawEntry::file("app.json", APP), link], "ingest.symlink", "pages/secret.js");

    // The zip crate's own symlink writer produces the same refusal.
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    writer.add_symlink("link.js", "/etc/passwd", SimpleFileOptions::default()).unwrap();
    let error = refused(&writer.finish().unwrap().into_inner(), &Limits::default());
    assert_eq!((error.code(), error.file()), ("ingest.symlink", Some("link.js")));
}

#[test]
fn special_files() {
    let mut fifo = RawEntry::file("pipe", b"");
    fifo.mode = 0o010_644;
    assert_refused(&[fifo], "ingest.special_file", "pipe");
}

#[test]
fn duplicate_entries() {
    assert_refused(
        &[RawEntry::file("app.json", APP), RawEntry::file("app.json", b"{}")],
        "ingest.duplicate_entry",
        "app.json",
    );
    assert_refused(
        &[RawEntry::file("pages/a.js", b"1"), RawEntry::file("pages/./a.js", b"2")],
        "ingest.duplicate_entry",
        "pages/./a.js",
    );
    assert_refused(
        &[RawEntry::file("pages/a.js", b"1"), RawEntry::file("pages//a.js", b"2")],
        "ingest.duplicate_entry",
        "pages//a.js",
    );
    assert_refused(
        &[RawEntry::file("App.js", b"1"), RawEntry::file("app.js", b"2")],
        "ingest.duplicate_entry",
        "app.js",
    );
    // The same name in NFD and NFC form.
    assert_refused(
        &[RawEntry::file("caf\u{e9}.js", b"1"), RawEntry::file("cafe\u{301}.js", b"2")],
        "ingest.duplicate_entry",
        "cafe\u{301}.js",
    );
}

#[test]
fn encrypted_entries() {
    let mut secret = RawEntry::file("app.js", b"\x00garbage");
    secret.flags = 1;
    assert_refused(&[secret], "ingest.encrypted", "app.js");
}

#[test]
fn unsupported_compression_methods() {
    let mut bzip = RawEntry::file("app.js", b"BZh9");
    bzip.method = 12;
    assert_refused(&[bzip], "ingest.unsupported_compression", "app.js");
}

#[test]
fn zip_bomb_by_compression_ratio() {
    let zeros = vec![0u8; 1024 * 1024];
    let bomb = deflated_zip(&[("app.json", APP), ("pages/bomb.js", &zeros)]);
    let error = refused(&bomb, &Limits::default());
    assert_eq!((error.code(), error.file()), ("ingest.compression_ratio", Some("pages/bomb.js")), "{error}");
}

#[test]
fn zip_bomb_by_total_size() {
    let limits = Limits { max_uncompressed_bytes: 1000, ..Limits::default() };
    let chunk: Vec<u8> = (0..600u32).map(|i| (i * 7919 % 251) as u8).collect();
    let archive = deflated_zip(&[("a.js", &chunk), ("b.js", &chunk)]);
    let error = refused(&archive, &limits);
    assert_eq!((error.code(), error.file()), ("ingest.total_too_large", Some("b.js")), "{error}");
}

#[test]
fn zip_bomb_by_entry_count() {
    let limits = Limits { max_entries: 3, ..Limits::default() };
    let entries: Vec<RawEntry> = (0..4).map(|i| RawEntry::file(&format!("f{i}.js"), b"x")).collect();
    let error = refused(&raw_zip(&entries), &limits);
    assert_eq!(error.code(), "ingest.too_many_entries", "{error}");
}

#[test]
fn declared_sizes_are_not_trusted() {
    // An incompressible 3 MiB file that claims to be 10 bytes: the real output is what counts.
    let mut state = 0x1234_5678u32;
    let noise: Vec<u8> = (0..3 * 1024 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect();
    let mut liar = RawEntry::file("big.js", &noise);
    liar.declared_size = Some(10);
    let error = refused(&raw_zip(&[liar]), &Limits::default());
    assert_eq!(error.file(), Some("big.js"));
    assert!(matches!(error.code(), "ingest.file_too_large" | "ingest.corrupt_entry"), "{error}");

    let honest = RawEntry::file("big.js", &noise);
    let error = refused(&raw_zip(&[honest]), &Limits::default());
    assert_eq!((error.code(), error.file()), ("ingest.file_too_large", Some("big.js")), "{error}");
}

#[test]
fn files_over_the_per_file_limit() {
    let limits = Limits { max_file_bytes: 10, ..Limits::default() };
    let error = refused(&raw_zip(&[RawEntry::file("app.js", b"0123456789A")]), &limits);
    assert_eq!((error.code(), error.file()), ("ingest.file_too_large", Some("app.js")), "{error}");
}

#[test]
fn archives_over_the_size_limit() {
    let limits = Limits { max_archive_bytes: 100, ..Limits::default() };
    let error = refused(&raw_zip(&[RawEntry::file("app.js", &[b'x'; 200])]), &limits);
    assert_eq!(error.code(), "ingest.archive_too_large");
}

#[test]
fn corrupt_data() {
    let mut bytes = raw_zip(&[RawEntry::file("app.js", b"hello")]);
    // Flip a byte of the stored data so the CRC no longer matches.
    let at = bytes.windows(5).position(|w| w == b"hello").unwrap();
    bytes[at] = b'j';
    let error = refused(&bytes, &Limits::default());
    assert_eq!((error.code(), error.file()), ("ingest.corrupt_entry", Some("app.js")), "{error}");
    assert_eq!(refused(b"not a zip at all", &Limits::default()).code(), "ingest.invalid_archive");
}

#[test]
fn empty_archives() {
    assert_eq!(refused(&raw_zip(&[]), &Limits::default()).code(), "ingest.empty");
}

#[test]
fn project_config_errors_carry_line_and_column() {
    let config = b"{\n  \"miniprogramRoot\": 42\n}";
    let error = refused(&raw_zip(&[RawEntry::file("project.config.json", config)]), &Limits::default());
    match &error {
        IngestError::ProjectConfig { name, line, column, .. } => {
            assert_eq!((name.as_str(), *line, *column), ("project.config.json", 2, 22));
        }
        other => panic!("{other}"),
    }
    assert_eq!(error.code(), "ingest.project_config");

    let broken = b"{\n  \"appid\": \"wx1\",\n  oops\n}";
    let error = refused(&raw_zip(&[RawEntry::file("project.config.json", broken)]), &Limits::default());
    assert!(error.to_string().starts_with("project.config.json:3:3"), "{error}");

    let escaping = br#"{"miniprogramRoot": "../elsewhere"}"#;
    let error = refused(&raw_zip(&[RawEntry::file("project.config.json", escaping)]), &Limits::default());
    assert_eq!(error.code(), "ingest.project_config");
}

#[test]
fn miniprogram_root_without_files() {
    let config = br#"{"miniprogramRoot": "miniprogram/"}"#;
    let error = refused(
        &raw_zip(&[RawEntry::file("project.config.json", config), RawEntry::file("src/app.json", APP)]),
        &Limits::default(),
    );
    assert_eq!(
        (error.code(), error.file()),
        ("ingest.miniprogram_root_missing", Some("project.config.json"))
    );
}

#[test]
fn project_root_is_the_zip_root_or_a_single_folder() {
    let nested = raw_zip(&[
        RawEntry::file("my-app/project.config.json", br#"{"miniprogramRoot": "./miniprogram"}"#),
        RawEntry::file("my-app/project.private.config.json", b"{}"),
        RawEntry::file("my-app/miniprogram/app.json", APP),
        RawEntry::file("my-app/miniprogram/pages/index/index.js", b"Page({})"),
        RawEntry::file("my-app/cloudfunctions/login/index.js", b"exports.main = () => 1"),
        RawEntry::file("__MACOSX/my-app/._app.json", b"junk"),
        RawEntry::file("my-app/miniprogram/.DS_Store", b"junk"),
    ]);
    let package = ingest_zip(&nested, &Limits::default()).unwrap();
    let paths: Vec<&str> = package.files().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["app.json", "pages/index/index.js"]);

    let flat = raw_zip(&[
        RawEntry::file("project.config.json", b"{}"),
        RawEntry::file("project.private.config.json", b"{}"),
        RawEntry::file("app.json", APP),
    ]);
    let package = ingest_zip(&flat, &Limits::default()).unwrap();
    assert_eq!(package.files().map(|(p, _)| p.as_str()).collect::<Vec<_>>(), ["app.json"]);
}

#[test]
fn directories_in_the_archive_are_fine() {
    let mut dir = RawEntry::file("pages/", b"");
    dir.mode = 0o040_755;
    let package = ingest_zip(&raw_zip(&[dir, RawEntry::file("app.json", APP)]), &Limits::default()).unwrap();
    assert_eq!(package.len(), 1);
}

#[test]
fn large_archives_inflated_in_parallel_name_the_same_entry_every_time() {
    // Over the parallel threshold (incompressible data): 40 files of 16 KiB, with a total limit
    // that the 25th file passes, one corrupt file after it and one ratio bomb before it.
    let mut state = 0x9E37_79B9u32;
    let mut noise = |len: usize| -> Vec<u8> {
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state as u8
            })
            .collect()
    };
    let files: Vec<(String, Vec<u8>)> = (0..40).map(|i| (format!("f{i:02}.js"), noise(16 * 1024))).collect();
    let borrowed: Vec<(&str, &[u8])> =
        files.iter().map(|(name, data)| (name.as_str(), data.as_slice())).collect();
    let archive = deflated_zip(&borrowed);
    assert_eq!(ingest_zip(&archive, &Limits::default()).unwrap().len(), 40);

    let limits = Limits { max_uncompressed_bytes: 24 * 16 * 1024 + 100, ..Limits::default() };
    for _ in 0..20 {
        let error = refused(&archive, &limits);
        assert_eq!((error.code(), error.file()), ("ingest.total_too_large", Some("f24.js")), "{error}");
    }

    let zeros = vec![0u8; 1024 * 1024];
    let mut with_bomb = borrowed.clone();
    with_bomb.insert(30, ("f29-bomb.js", &zeros));
    let archive = deflated_zip(&with_bomb);
    for _ in 0..20 {
        let error = refused(&archive, &limits);
        assert_eq!((error.code(), error.file()), ("ingest.total_too_large", Some("f24.js")), "{error}");
        let error = refused(&archive, &Limits::default());
        assert_eq!(
            (error.code(), error.file()),
            ("ingest.compression_ratio", Some("f29-bomb.js")),
            "{error}"
        );
    }
}
