//! [`Package`]: the files of one mini program code package, keyed by [`PackagePath`].

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::ingest::IngestError;
use crate::limits::Limits;
use crate::path::PackagePath;

/// The files of a mini program package (the project's `miniprogramRoot`, without dev-tool files),
/// in path order, with the [`Limits`] they were ingested under so that validation checks package
/// sizes against the same numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    files: BTreeMap<PackagePath, Vec<u8>>,
    limits: Limits,
}

impl Package {
    /// Builds a package from files already in memory, enforcing the per-file and total size
    /// limits and refusing duplicate paths (for example a case-only difference).
    pub fn from_files(
        files: impl IntoIterator<Item = (PackagePath, Vec<u8>)>,
        limits: Limits,
    ) -> Result<Self, IngestError> {
        let mut package = Self { files: BTreeMap::new(), limits };
        let mut folded = BTreeMap::new();
        let mut total = 0u64;
        for (path, bytes) in files {
            let size = bytes.len() as u64;
            if size > package.limits.max_file_bytes {
                return Err(IngestError::FileTooLarge {
                    name: path.to_string(),
                    limit: package.limits.max_file_bytes,
                });
            }
            total += size;
            if total > package.limits.max_uncompressed_bytes {
                return Err(IngestError::TotalTooLarge {
                    name: path.to_string(),
                    limit: package.limits.max_uncompressed_bytes,
                });
            }
            if let Some(first) = folded.insert(path.as_str().to_lowercase(), path.to_string()) {
                return Err(IngestError::DuplicateEntry { name: path.to_string(), first });
            }
            package.files.insert(path, bytes);
        }
        if package.files.is_empty() {
            return Err(IngestError::Empty);
        }
        Ok(package)
    }

    /// The limits the package was ingested under.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The bytes of the file at `path`.
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    /// The file at `path` with its parsed path.
    pub(crate) fn entry(&self, path: &str) -> Option<(&PackagePath, &[u8])> {
        self.files.get_key_value(path).map(|(path, bytes)| (path, bytes.as_slice()))
    }

    /// Whether a file exists at `path`.
    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// All files in path order.
    pub fn files(&self) -> impl ExactSizeIterator<Item = (&PackagePath, &[u8])> {
        self.files.iter().map(|(path, bytes)| (path, bytes.as_slice()))
    }

    /// The files under directory `dir` (normalised, without trailing `/`; `""` is the root), in
    /// path order.
    pub fn files_under(&self, dir: &str) -> impl Iterator<Item = (&PackagePath, &[u8])> {
        let range = if dir.is_empty() {
            self.files.range::<str, _>(..)
        } else {
            // Every path starting with "dir/" sorts between "dir/" and "dir0" ('0' follows '/').
            let (low, high) = (format!("{dir}/"), format!("{dir}0"));
            self.files.range::<str, _>((Bound::Included(low.as_str()), Bound::Excluded(high.as_str())))
        };
        range.map(|(path, bytes)| (path, bytes.as_slice()))
    }

    /// Whether any file lies under directory `dir`.
    pub fn has_dir(&self, dir: &str) -> bool {
        self.files_under(dir).next().is_some()
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the package has no files (never true for an ingested package).
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Sum of all file sizes.
    pub fn total_bytes(&self) -> u64 {
        self.files.values().map(|bytes| bytes.len() as u64).sum()
    }
}
