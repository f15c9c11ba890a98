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
    // `encode_to_slice` works on bytes; `hex::encode` goes through a `char` iterator, which
    // showed in the login profile (every code and token lookup hashes).
    let mut hex = [0u8; 64];
    hex::encode_to_slice(Sha256::digest(data), &mut hex).expect("64 hex digits for 32 bytes");
    String::from_utf8(hex.to_vec()).expect("hex digits are ASCII")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_hex_is_the_lowercase_hex_digest() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(sha256_hex(b""), hex::encode(Sha256::digest(b"")));
    }
}
