//! Signed, expiring, purpose-bound tokens for links sent by email (verification, password reset).
//!
//! A token is `<payload>.<expires>.<mac>` where the MAC covers the purpose, the payload, the
//! expiry and a caller-chosen binding (for example the current password hash, which makes a reset
//! link single-use). Nothing is stored: the key is derived from the master key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Why a signed token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the link is malformed or was altered")]
    Invalid,
    #[error("the link has expired")]
    Expired,
}

/// Signs and checks link tokens with one HMAC-SHA256 key.
#[derive(Clone)]
pub struct LinkSigner {
    key: [u8; 32],
}

impl LinkSigner {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    fn mac(&self, purpose: &str, payload: &str, expires: i64, binding: &[u8]) -> Vec<u8> {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        for part in [purpose.as_bytes(), payload.as_bytes(), expires.to_string().as_bytes(), binding] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().to_vec()
    }

    /// A token for `payload` (no dots allowed) valid until `expires` (unix seconds).
    pub fn sign(&self, purpose: &str, payload: &str, expires: i64, binding: &[u8]) -> String {
        debug_assert!(!payload.contains('.'));
        let mac = self.mac(purpose, payload, expires, binding);
        format!("{payload}.{expires}.{}", URL_SAFE_NO_PAD.encode(mac))
    }

    /// Reads the payload of a token without checking it, so the caller can load the binding.
    pub fn payload(token: &str) -> Result<&str, LinkError> {
        token.split('.').next().filter(|p| !p.is_empty()).ok_or(LinkError::Invalid)
    }

    /// Checks a token; returns its payload.
    pub fn verify<'t>(
        &self,
        purpose: &str,
        token: &'t str,
        now: i64,
        binding: &[u8],
    ) -> Result<&'t str, LinkError> {
        let mut parts = token.split('.');
        let (Some(payload), Some(expires), Some(mac), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(LinkError::Invalid);
        };
        let expires: i64 = expires.parse().map_err(|_| LinkError::Invalid)?;
        let given = URL_SAFE_NO_PAD.decode(mac).map_err(|_| LinkError::Invalid)?;
        let expected = self.mac(purpose, payload, expires, binding);
        if !crate::constant_time_eq(&given, &expected) {
            return Err(LinkError::Invalid);
        }
        if now > expires {
            return Err(LinkError::Expired);
        }
        Ok(payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let signer = LinkSigner::new([7; 32]);
        let token = signer.sign("verify", "42", 1000, b"a@b.c");
        assert_eq!(signer.verify("verify", &token, 999, b"a@b.c"), Ok("42"));
        assert_eq!(signer.verify("verify", &token, 1001, b"a@b.c"), Err(LinkError::Expired));
        assert_eq!(signer.verify("reset", &token, 999, b"a@b.c"), Err(LinkError::Invalid));
        assert_eq!(signer.verify("verify", &token, 999, b"x@b.c"), Err(LinkError::Invalid));
        let forged = token.replacen("42", "43", 1);
        assert_eq!(signer.verify("verify", &forged, 999, b"a@b.c"), Err(LinkError::Invalid));
        assert_eq!(signer.verify("verify", "garbage", 999, b""), Err(LinkError::Invalid));
        assert_eq!(LinkSigner::payload(&token), Ok("42"));
    }
}
