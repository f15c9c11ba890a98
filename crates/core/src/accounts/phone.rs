//! End users' phone numbers, in the shape WeChat's `phone_info` needs: a country calling code
//! and a national number, written `+<country code> <national number>` (E.164 split in two).

use std::fmt;

use crate::error::{Error, Result};

/// A phone number: country code 1–3 digits (no leading zero), national number 4–14 digits, at
/// most 15 digits in all (E.164).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    country_code: String,
    national: String,
}

impl Phone {
    /// Accepts `+86 13800138000`, `+86-138 0013 8000`, `0086 13800138000`: the country code,
    /// then a space or hyphen, then the national number (spaces and hyphens inside are ignored).
    pub fn parse(raw: &str) -> Result<Self> {
        let invalid =
            || Error::invalid("phone", "must be a country code and a number, for example +86 13800138000");
        let raw = raw.trim();
        let rest = raw.strip_prefix('+').or_else(|| raw.strip_prefix("00")).ok_or_else(invalid)?;
        let (country_code, national) = rest.split_once([' ', '-']).ok_or_else(invalid)?;
        let national: String = national.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(country_code)
            || country_code.len() > 3
            || country_code.starts_with('0')
            || !digits(&national)
            || !(4..=14).contains(&national.len())
            || country_code.len() + national.len() > 15
        {
            return Err(invalid());
        }
        Ok(Self { country_code: country_code.to_owned(), national })
    }

    /// The stored form, `+<country code> <national number>`.
    pub fn from_stored(text: &str) -> Option<Self> {
        Self::parse(text).ok()
    }

    pub fn country_code(&self) -> &str {
        &self.country_code
    }

    /// The number without the country code (`purePhoneNumber`).
    pub fn national(&self) -> &str {
        &self.national
    }

    /// `phoneNumber` as WeChat gives it: the bare number in mainland China, with the `+<code>`
    /// prefix elsewhere.
    pub fn wechat_phone_number(&self) -> String {
        if self.country_code == "86" {
            self.national.clone()
        } else {
            format!("+{}{}", self.country_code, self.national)
        }
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{} {}", self.country_code, self.national)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_country_code_and_number() {
        let phone = Phone::parse(" +86 138-0013-8000 ").unwrap();
        assert_eq!(phone.to_string(), "+86 13800138000");
        assert_eq!(phone.wechat_phone_number(), "13800138000");
        assert_eq!(Phone::parse("0086-13800138000").unwrap(), phone);
        let us = Phone::parse("+1 2025550123").unwrap();
        assert_eq!((us.country_code(), us.national()), ("1", "2025550123"));
        assert_eq!(us.wechat_phone_number(), "+12025550123");
        assert_eq!(Phone::from_stored(&us.to_string()), Some(us));
    }

    #[test]
    fn refuses_anything_else() {
        for bad in [
            "",
            "13800138000",
            "+8613800138000",
            "+86 ",
            "+86 123",
            "+0 13800138000",
            "+1234 5678901",
            "+86 1380013800012345",
            "+86 13800a38000",
            "++86 13800138000",
            "+86 +13800138000",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }
}
