//! [`Report`]: what validation found in a package, as plain serialisable data stored with each
//! version: diagnostics, API and privacy-API use, dynamic `wx` access, sizes and the file list.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::privacy::PrivacyCategory;

/// A position in a package file: 1-based line and column (columns count characters).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl Location {
    /// A location in `file`.
    pub fn new(file: impl Into<String>, line: u32, column: u32) -> Self {
        Self { file: file.into(), line, column }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// How serious a diagnostic is: errors make [`Report::ok`] false.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One finding, with a stable code from [`crate::codes`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub location: Location,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}: {severity}[{}]: {}", self.location, self.code, self.message)
    }
}

/// A `wx.*` API and everywhere it is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiUse {
    /// Qualified name, e.g. `wx.getLocation` (the form WeChat's privacy endpoints use).
    pub name: String,
    pub locations: Vec<Location>,
}

/// A privacy-relevant API or component and everywhere it is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyUse {
    /// `wx.chooseImage`, `wx.authorize(scope.camera)`, `<camera>`,
    /// `<button open-type="getPhoneNumber">`, …
    pub api: String,
    pub category: PrivacyCategory,
    /// The `privacy_key` WeChat's privacy settings use for it (spec §6.1), e.g. `Location`.
    pub privacy_key: String,
    pub locations: Vec<Location>,
}

/// How code reaches `wx` in a way a static scan cannot follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DynamicKind {
    /// `wx[name]`: computed member access with a non-constant key.
    Computed,
    /// `wx` passed on as a value (`const api = wx`, `promisify(wx)`), after which its use is
    /// invisible.
    Alias,
}

/// A use of `wx` that the scan cannot resolve to an API name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DynamicCall {
    pub kind: DynamicKind,
    pub location: Location,
    /// The source of the expression, shortened to 80 characters.
    pub snippet: String,
}

/// A URL handed to a network API (`wx.request`, `wx.uploadFile`, `wx.downloadFile`,
/// `wx.connectSocket`) in its options' `url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkUrl {
    /// `wx.request`, …
    pub api: String,
    /// The URL when it is a constant string; `None` when the code builds it at run time.
    pub url: Option<String>,
    #[serde(flatten)]
    pub location: Location,
}

/// The size of the main package or of one subpackage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageSize {
    /// `""` for the main package, else the subpackage root.
    pub root: String,
    /// The subpackage's `name` when it has one; `__APP__` for the main package.
    pub name: String,
    pub files: u64,
    pub bytes: u64,
    pub limit: u64,
}

/// One file of the package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
}

/// Everything validation learned about a package. Deterministic: the same package gives the
/// same report, field by field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Sorted by file, line, column, code.
    pub diagnostics: Vec<Diagnostic>,
    /// Sorted by name; locations in file order.
    pub api_uses: Vec<ApiUse>,
    /// Sorted by category, then API.
    pub privacy_uses: Vec<PrivacyUse>,
    pub dynamic_calls: Vec<DynamicCall>,
    /// In file order. Absent from reports stored before it was recorded.
    #[serde(default)]
    pub network_urls: Vec<NetworkUrl>,
    /// The main package first, then subpackages in `app.json` order.
    pub package_sizes: Vec<PackageSize>,
    /// Sum of all file sizes.
    pub total_bytes: u64,
    /// In path order.
    pub files: Vec<FileEntry>,
}

impl Report {
    /// Whether the package is acceptable: no diagnostic is an error.
    pub fn ok(&self) -> bool {
        !self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }

    /// The diagnostics that are errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error)
    }

    /// The diagnostics that are warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Warning)
    }

    /// The privacy categories the package touches, each once, in order.
    pub fn privacy_categories(&self) -> Vec<PrivacyCategory> {
        let mut categories: Vec<_> = self.privacy_uses.iter().map(|u| u.category).collect();
        categories.sort();
        categories.dedup();
        categories
    }

    /// The distinct WeChat `privacy_key`s the package needs declared, sorted.
    pub fn privacy_keys(&self) -> Vec<&str> {
        let mut keys: Vec<_> = self.privacy_uses.iter().map(|u| u.privacy_key.as_str()).collect();
        keys.sort();
        keys.dedup();
        keys
    }
}
