//! Mini program names: unique platform-wide, compared case- and width-insensitively.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};

/// A valid display name together with its comparison key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppName {
    display: String,
    key: String,
}

impl AppName {
    /// 2–30 characters after trimming, no control characters.
    pub fn parse(raw: &str) -> Result<Self> {
        let display: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let length = display.chars().count();
        if !(2..=30).contains(&length) {
            return Err(Error::invalid("name", "must be 2 to 30 characters long"));
        }
        if display.chars().any(char::is_control) {
            return Err(Error::invalid("name", "must not contain control characters"));
        }
        let key = comparison_key(&display);
        Ok(Self { display, key })
    }

    /// Rebuilds a name read from storage.
    pub fn from_stored(display: String) -> Self {
        let key = comparison_key(&display);
        Self { display, key }
    }

    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// The uniqueness key: NFKC folds full-width and compatibility forms, then case is folded.
    pub fn key(&self) -> &str {
        &self.key
    }
}

pub(crate) fn comparison_key(display: &str) -> String {
    let folded: String = display.nfkc().collect::<String>().to_lowercase();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_and_case_fold_to_one_key() {
        let ascii = AppName::parse("Coffee Shop").unwrap();
        let wide = AppName::parse("ＣＯＦＦＥＥ　ｓｈｏｐ").unwrap();
        assert_eq!(ascii.key(), wide.key());
        assert_eq!(wide.as_str(), "ＣＯＦＦＥＥ　ｓｈｏｐ".split_whitespace().collect::<Vec<_>>().join(" "));
    }

    #[test]
    fn length_and_control_rules() {
        assert!(AppName::parse("x").is_err());
        assert!(AppName::parse(&"x".repeat(31)).is_err());
        assert!(AppName::parse("bad\u{7}name").is_err());
        assert_eq!(AppName::parse("  two   words ").unwrap().as_str(), "two words");
    }
}
