//! Authenticated encryption (AES-256-GCM) of personal data at rest.
//!
//! The master key lives outside the database (a 0600 key file or a secret from the environment);
//! purpose-specific keys are derived from it with HMAC so that a key for one use never serves
//! another. Sealed data is `nonce (12 bytes) || ciphertext+tag`; the associated data binds it to
//! its row so a ciphertext cannot be moved to another record.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::CryptoError;

/// The platform master key (32 bytes).
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl MasterKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Parses the 64-hex-character form kept in the key file.
    pub fn from_hex(text: &str) -> Result<Self, CryptoError> {
        let bytes = hex::decode(text.trim()).map_err(|_| CryptoError)?;
        Ok(Self(bytes.try_into().map_err(|_| CryptoError)?))
    }

    pub fn generate() -> Self {
        Self(crate::random::os_bytes(32).try_into().expect("32 bytes"))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// A 32-byte key for one purpose, derived with HMAC-SHA256(master, purpose).
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// A sealer for one purpose.
    pub fn sealer(&self, purpose: &str) -> Sealer {
        Sealer::new(self.derive(purpose))
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

/// Encrypts and decrypts with one AES-256-GCM key.
#[derive(Clone)]
pub struct Sealer {
    cipher: Aes256Gcm,
}

impl Sealer {
    pub fn new(key: [u8; 32]) -> Self {
        Self { cipher: Aes256Gcm::new(&key.into()) }
    }

    pub fn seal(&self, plaintext: &[u8], associated: &[u8]) -> Vec<u8> {
        let nonce_bytes = crate::random::bytes(12);
        let nonce = Nonce::from_slice(&nonce_bytes);
        let ciphertext = self
            .cipher
            .encrypt(nonce, Payload { msg: plaintext, aad: associated })
            .expect("AES-GCM encryption cannot fail for in-memory buffers");
        [nonce_bytes, ciphertext].concat()
    }

    pub fn open(&self, sealed: &[u8], associated: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < 12 + 16 {
            return Err(CryptoError);
        }
        let (nonce, ciphertext) = sealed.split_at(12);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: associated })
            .map_err(|_| CryptoError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_tamper() {
        let key = MasterKey::generate();
        let sealer = key.sealer("subject");
        let sealed = sealer.seal(b"id card 1234", b"developer:1");
        assert_eq!(sealer.open(&sealed, b"developer:1").unwrap(), b"id card 1234");
        assert_eq!(sealer.open(&sealed, b"developer:2"), Err(CryptoError));
        assert_eq!(key.sealer("other").open(&sealed, b"developer:1"), Err(CryptoError));
        let mut flipped = sealed.clone();
        flipped[20] ^= 1;
        assert_eq!(sealer.open(&flipped, b"developer:1"), Err(CryptoError));
        assert_eq!(sealer.open(&sealed[..10], b"developer:1"), Err(CryptoError));
        assert_eq!(MasterKey::from_hex(&key.to_hex()).unwrap().derive("x"), key.derive("x"));
    }
}
