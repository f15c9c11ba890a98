//! Code-package ingest and validation for Miniplat mini programs: pure functions, no I/O beyond
//! [`zip_directory`] reading a project tree, so everything here can be fuzzed.
//!
//! The pipeline an upload goes through:
//!
//! 1. [`ingest_zip`] turns an uploaded zip into a [`Package`]: normalised [`PackagePath`]s mapped
//!    to bytes. It refuses archives that are unsafe to unpack (path traversal, absolute paths,
//!    symlinks, duplicates, encrypted entries, zip bombs, files over [`Limits`]) with an
//!    [`IngestError`] naming the offending entry.
//! 2. [`validate`] checks the package against the mini program format (spec §13) and scans its
//!    code, returning a [`Report`]: diagnostics with file:line:column, the `wx.*` APIs used, the
//!    privacy-relevant ones, dynamic `wx[...]` access, package sizes and a file list with
//!    SHA-256 digests. The report is plain data, stored with each version as JSON.
//!
//! [`zip_directory`] is the other end of the wire: what the CLI uses to zip a project directory,
//! byte-for-byte reproducibly. [`read_package_file`] reads one file back out of a stored
//! package (the file browser) without unpacking the rest.

mod directory;
mod ingest;
mod json;
mod limits;
mod package;
mod path;
mod privacy;
mod report;
mod text;
mod validate;

pub mod codes;

pub use directory::zip_directory;
pub use ingest::{ingest_zip, read_package_file, IngestError};
pub use limits::Limits;
pub use package::Package;
pub use path::{PackagePath, PathError};
pub use privacy::{scope_privacy_key, PrivacyCategory, REQUIRED_PRIVATE_INFOS};
pub use report::{
    ApiUse, Diagnostic, DynamicCall, DynamicKind, FileEntry, Location, NetworkUrl, PackageSize, PrivacyUse,
    Report, Severity,
};
pub use validate::validate;
