//! Email addresses: the one namespace every kind of account shares (clause 2.1).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A syntactically valid email address in its canonical (trimmed, lower-case) form. Comparing two
/// `Email`s is the platform's case-insensitive comparison.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self> {
        let canonical = raw.trim().to_lowercase();
        let invalid = || Error::invalid("email", "is not a valid email address");
        if canonical.len() > 254 {
            return Err(invalid());
        }
        let (local, domain) = canonical.rsplit_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Self(canonical))
        } else {
            Err(invalid())
        }
    }

    /// An address someone signs up with: valid, and not in the reserved `.invalid` domain
    /// (RFC 6761), which holds the addresses of users that native hosts created.
    pub fn parse_deliverable(raw: &str) -> Result<Self> {
        let email = Self::parse(raw)?;
        if email.is_reserved() {
            return Err(Error::invalid("email", "is not a deliverable email address"));
        }
        Ok(email)
    }

    /// True for addresses in the `.invalid` top-level domain, which no mail reaches.
    pub fn is_reserved(&self) -> bool {
        self.0.ends_with(".invalid")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_is_case_insensitive() {
        assert_eq!(Email::parse("  Dev@Example.COM ").unwrap(), Email::parse("dev@example.com").unwrap());
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "no-at",
            "@example.com",
            "a@",
            "a@b",
            "a b@example.com",
            "a@-x.com",
            "a..b@example.com",
            "a@exa_mple.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
