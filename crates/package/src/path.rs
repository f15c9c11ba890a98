//! [`PackagePath`]: a file's path inside a package, parsed once at the edge so that nothing
//! downstream ever sees `..`, an absolute path, a backslash or a control character.

use std::borrow::Borrow;
use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// Longest accepted path, in bytes.
const MAX_PATH_BYTES: usize = 1024;

/// Why a string is not a [`PackagePath`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("empty path")]
    Empty,
    #[error("path escapes the package with `..`")]
    Traversal,
    #[error("absolute path")]
    Absolute,
    #[error("path contains a backslash")]
    Backslash,
    #[error("path starts with a drive letter")]
    DriveLetter,
    #[error("path contains a control character")]
    ControlCharacter,
    #[error("path is longer than {MAX_PATH_BYTES} bytes")]
    TooLong,
    #[error("path is not valid UTF-8")]
    NotUtf8,
}

/// A normalised, relative, `/`-separated path of a file inside a package: no empty, `.` or `..`
/// segments, no leading or trailing `/`, no backslash, no drive letter, no control characters,
/// Unicode NFC. Ordered (and so listed) by its bytes.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PackagePath(String);

impl PackagePath {
    /// Parses a path as written in an archive or a project tree. `.` and empty segments
    /// (`a/./b`, `a//b`) are dropped; anything that could leave the package or mean different
    /// things on different systems is refused.
    pub fn parse(raw: &str) -> Result<Self, PathError> {
        if raw.len() > MAX_PATH_BYTES {
            return Err(PathError::TooLong);
        }
        if raw.chars().any(char::is_control) {
            return Err(PathError::ControlCharacter);
        }
        if raw.contains('\\') {
            return Err(PathError::Backslash);
        }
        if raw.starts_with('/') {
            return Err(PathError::Absolute);
        }
        let bytes = raw.as_bytes();
        if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
            return Err(PathError::DriveLetter);
        }
        let mut normalised = String::with_capacity(raw.len());
        for segment in raw.split('/') {
            match segment {
                "" | "." => {}
                ".." => return Err(PathError::Traversal),
                _ => {
                    if !normalised.is_empty() {
                        normalised.push('/');
                    }
                    normalised.push_str(segment);
                }
            }
        }
        if normalised.is_empty() {
            return Err(PathError::Empty);
        }
        if !normalised.is_ascii() {
            normalised = normalised.nfc().collect();
        }
        Ok(Self(normalised))
    }

    /// Resolves a reference written inside the package (a component path, `<import src>`, a
    /// tabBar icon) against the directory of the file that wrote it: `/x` is from the package
    /// root, anything else from `base_dir`; `..` may climb up to the root but not beyond it.
    /// Returns `None` for references that leave the package or are not valid paths.
    pub fn resolve(base_dir: &str, reference: &str) -> Option<Self> {
        let (mut segments, rest): (Vec<&str>, &str) = match reference.strip_prefix('/') {
            Some(rest) => (Vec::new(), rest),
            None => (base_dir.split('/').filter(|s| !s.is_empty()).collect(), reference),
        };
        for segment in rest.split('/') {
            match segment {
                "" | "." => {}
                ".." => {
                    segments.pop()?;
                }
                _ => segments.push(segment),
            }
        }
        Self::parse(&segments.join("/")).ok()
    }

    /// The path as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last segment.
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// The directory holding the file, `""` at the package root.
    pub fn parent(&self) -> &str {
        self.0.rfind('/').map_or("", |i| &self.0[..i])
    }

    /// The extension of the file name, without the dot.
    pub fn extension(&self) -> Option<&str> {
        let name = self.file_name();
        name.rfind('.').filter(|&i| i > 0).map(|i| &name[i + 1..])
    }

    /// The path without the file name's extension (how pages and components are named).
    pub fn without_extension(&self) -> &str {
        match self.extension() {
            Some(ext) => &self.0[..self.0.len() - ext.len() - 1],
            None => &self.0,
        }
    }

    /// Whether the file lies under directory `dir` (a normalised path without trailing `/`;
    /// `""` is the package root and contains everything).
    pub fn is_under(&self, dir: &str) -> bool {
        dir.is_empty()
            || (self.0.len() > dir.len() && self.0.starts_with(dir) && self.0.as_bytes()[dir.len()] == b'/')
    }

    /// The path relative to directory `dir`, if the file lies under it.
    pub fn strip_dir(&self, dir: &str) -> Option<Self> {
        if dir.is_empty() {
            return Some(self.clone());
        }
        self.is_under(dir).then(|| Self(self.0[dir.len() + 1..].to_owned()))
    }
}

impl fmt::Display for PackagePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PackagePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl AsRef<str> for PackagePath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

// Sound because Eq, Ord and Hash are derived from the inner String, which agree with str's.
impl Borrow<str> for PackagePath {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PackagePath {
    type Error = PathError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PackagePath> for String {
    fn from(path: PackagePath) -> Self {
        path.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_harmless_segments() {
        assert_eq!(PackagePath::parse("a/./b//c.js").unwrap().as_str(), "a/b/c.js");
        assert_eq!(PackagePath::parse("./app.json").unwrap().as_str(), "app.json");
        assert_eq!(PackagePath::parse("dir/").unwrap().as_str(), "dir");
    }

    #[test]
    fn refuses_what_could_escape_or_differ_between_systems() {
        assert_eq!(PackagePath::parse("a/../../b"), Err(PathError::Traversal));
        assert_eq!(PackagePath::parse("a/../b"), Err(PathError::Traversal));
        assert_eq!(PackagePath::parse("/etc/passwd"), Err(PathError::Absolute));
        assert_eq!(PackagePath::parse("a\\b"), Err(PathError::Backslash));
        assert_eq!(PackagePath::parse("C:/x"), Err(PathError::DriveLetter));
        assert_eq!(PackagePath::parse("a\u{0}b"), Err(PathError::ControlCharacter));
        assert_eq!(PackagePath::parse("./"), Err(PathError::Empty));
        assert_eq!(PackagePath::parse(&"a".repeat(2000)), Err(PathError::TooLong));
    }

    #[test]
    fn unicode_is_nfc() {
        let decomposed = "pages/cafe\u{301}.js";
        assert_eq!(PackagePath::parse(decomposed).unwrap().as_str(), "pages/caf\u{e9}.js");
    }

    #[test]
    fn resolves_references_inside_the_package() {
        let r = |base, reference| PackagePath::resolve(base, reference).map(|p| p.0);
        assert_eq!(r("pages/index", "../../components/card/card"), Some("components/card/card".into()));
        assert_eq!(r("pages/index", "/components/card"), Some("components/card".into()));
        assert_eq!(r("pages/index", "./item.wxml"), Some("pages/index/item.wxml".into()));
        assert_eq!(r("pages", "../../x"), None);
        assert_eq!(r("", "a\\b"), None);
    }

    #[test]
    fn accessors() {
        let path = PackagePath::parse("pages/index/index.wxml").unwrap();
        assert_eq!(path.file_name(), "index.wxml");
        assert_eq!(path.parent(), "pages/index");
        assert_eq!(path.extension(), Some("wxml"));
        assert_eq!(path.without_extension(), "pages/index/index");
        assert!(path.is_under("pages"));
        assert!(path.is_under(""));
        assert!(!path.is_under("page"));
        assert_eq!(path.strip_dir("pages").unwrap().as_str(), "index/index.wxml");
        assert_eq!(PackagePath::parse(".eslintrc").unwrap().extension(), None);
    }
}
