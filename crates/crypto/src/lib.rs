//! Cryptographic building blocks of Miniplat, kept in one small crate so every use goes through
//! reviewed code: password hashing, secret and token generation, keyed hashes for signed links,
//! authenticated encryption of personal data, and constant-time comparison.

pub mod msg_crypt;
pub mod open_data;
pub mod password;
pub mod random;
pub mod seal;
pub mod signed;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Hex SHA-256 of `data`: how high-entropy secrets (AppSecrets, tokens, API keys, session ids) are
/// stored. They are random, so a fast hash suffices; passwords use [`password`] instead.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// The one error every decrypt or verify failure maps to, so callers cannot tell a wrong key from
/// bad padding or a forged tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid or tampered data")]
pub struct CryptoError;
