//! Size and shape limits applied while ingesting and validating a package.

use serde::{Deserialize, Serialize};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// Every limit the package crate enforces. The defaults are WeChat's for a mini program developed
/// by a third party (spec §13.1: main package and each subpackage ≤ 2 MB, all packages ≤ 20 MB,
/// tabBar icons ≤ 40 KB; "MB" read as MiB), plus caps that keep a hostile archive from costing
/// more than a legitimate one to unpack.
///
/// Deserialises from configuration with every field optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Bytes of the main package (every file outside a subpackage root).
    pub main_package_bytes: u64,
    /// Bytes of each subpackage (every file under its root).
    pub subpackage_bytes: u64,
    /// Bytes of all packages together.
    pub total_package_bytes: u64,
    /// Bytes of one tabBar icon.
    pub tab_bar_icon_bytes: u64,
    /// Bytes of the uploaded archive itself.
    pub max_archive_bytes: u64,
    /// Entries (files and directories) in the archive's central directory.
    pub max_entries: u64,
    /// Uncompressed bytes of one file.
    pub max_file_bytes: u64,
    /// Uncompressed bytes of everything unpacked from one archive. Kept above
    /// `total_package_bytes` so that an oversized package gets the precise size diagnostic
    /// from validation rather than a bare refusal.
    pub max_uncompressed_bytes: u64,
    /// Highest uncompressed:compressed ratio of one entry, checked once the entry has produced
    /// more than 64 KiB (small, highly repetitive files legitimately compress very well).
    pub max_compression_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            main_package_bytes: 2 * MIB,
            subpackage_bytes: 2 * MIB,
            total_package_bytes: 20 * MIB,
            tab_bar_icon_bytes: 40 * KIB,
            max_archive_bytes: 32 * MIB,
            max_entries: 10_000,
            max_file_bytes: 2 * MIB,
            max_uncompressed_bytes: 32 * MIB,
            max_compression_ratio: 100,
        }
    }
}
