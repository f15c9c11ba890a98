//! WeChat's message cipher (WXBizMsgCrypt) and push signatures, as developer servers verify
//! them (spec §9.1–9.3): AES-256-CBC under the key an EncodingAESKey names, IV = the key's first
//! 16 bytes, PKCS#7 padding to **32**-byte blocks, plaintext laid out as
//! `random(16) ‖ u32be(len) ‖ message ‖ appid`; signatures are SHA-1 over the sorted,
//! concatenated parts.

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha1::{Digest, Sha1};

use crate::CryptoError;

type Encryptor = cbc::Encryptor<aes::Aes256>;
type Decryptor = cbc::Decryptor<aes::Aes256>;

/// WXBizMsgCrypt pads to the key length, not the AES block size.
const PAD_BLOCK: usize = 32;
/// Length of the random prefix.
pub const RANDOM_LEN: usize = 16;

/// The 32-byte key of an EncodingAESKey (43 characters of base64 without the final `=`).
#[derive(Clone)]
pub struct MsgKey([u8; 32]);

impl std::fmt::Debug for MsgKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MsgKey(…)")
    }
}

impl MsgKey {
    /// Decodes an EncodingAESKey; anything but 43 base64 characters naming 32 bytes fails.
    pub fn from_encoding_aes_key(encoding_aes_key: &str) -> Result<Self, CryptoError> {
        if encoding_aes_key.len() != 43 {
            return Err(CryptoError);
        }
        // WeChat's keys are 43 characters with arbitrary trailing bits, so decode leniently
        // about them (as every SDK does) but strictly about the alphabet.
        let engine = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
        );
        let bytes = engine.decode(format!("{encoding_aes_key}=")).map_err(|_| CryptoError)?;
        Ok(Self(bytes.try_into().map_err(|_| CryptoError)?))
    }

    fn iv(&self) -> &[u8] {
        &self.0[..16]
    }

    /// `Encrypt` for `message` addressed to `appid`, with fresh random bytes in front.
    pub fn encrypt(&self, message: &[u8], appid: &str) -> String {
        let random = crate::random::hex(RANDOM_LEN / 2);
        let random: [u8; RANDOM_LEN] = random.as_bytes().try_into().expect("16 hex digits");
        self.encrypt_with_random(&random, message, appid)
    }

    /// `Encrypt` with the caller's 16 random bytes in front: for a push that is retried and
    /// must send the same ciphertext each time. `random` must be unpredictable and fresh per message.
    pub fn encrypt_with_random(&self, random: &[u8; RANDOM_LEN], message: &[u8], appid: &str) -> String {
        let length = u32::try_from(message.len()).expect("messages are far below 4 GiB");
        let mut plain = Vec::with_capacity(RANDOM_LEN + 4 + message.len() + appid.len() + PAD_BLOCK);
        plain.extend_from_slice(random);
        plain.extend_from_slice(&length.to_be_bytes());
        plain.extend_from_slice(message);
        plain.extend_from_slice(appid.as_bytes());
        let pad = PAD_BLOCK - plain.len() % PAD_BLOCK;
        plain.resize(plain.len() + pad, pad as u8);
        let total = plain.len();
        let cipher = Encryptor::new(self.0.as_slice().into(), self.iv().into())
            .encrypt_padded_mut::<NoPadding>(&mut plain, total)
            .expect("the plaintext is padded to whole blocks");
        STANDARD.encode(cipher)
    }

    /// The message inside `encrypted`, which must be addressed to `appid`. Every failure
    /// (base64, length, padding, layout, another appid) is the same [`CryptoError`].
    pub fn decrypt(&self, encrypted: &str, appid: &str) -> Result<Vec<u8>, CryptoError> {
        let mut data = STANDARD.decode(encrypted).map_err(|_| CryptoError)?;
        if data.is_empty() || data.len() % PAD_BLOCK != 0 {
            return Err(CryptoError);
        }
        let plain = Decryptor::new(self.0.as_slice().into(), self.iv().into())
            .decrypt_padded_mut::<NoPadding>(&mut data)
            .map_err(|_| CryptoError)?;
        let pad = *plain.last().ok_or(CryptoError)? as usize;
        if !(1..=PAD_BLOCK).contains(&pad) || plain.len() < RANDOM_LEN + 4 + pad {
            return Err(CryptoError);
        }
        let content = &plain[RANDOM_LEN..plain.len() - pad];
        let length = u32::from_be_bytes(content[..4].try_into().map_err(|_| CryptoError)?) as usize;
        let rest = &content[4..];
        if length > rest.len() {
            return Err(CryptoError);
        }
        let (message, receiver) = rest.split_at(length);
        if !crate::constant_time_eq(receiver, appid.as_bytes()) {
            return Err(CryptoError);
        }
        Ok(message.to_vec())
    }
}

/// Hex SHA-1 of `parts` sorted byte-wise and concatenated: WeChat's push signature shape.
fn sorted_sha1(parts: &mut [&str]) -> String {
    parts.sort_unstable();
    let mut hasher = Sha1::new();
    for part in parts.iter() {
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// `signature` of a push or of the URL handshake: over Token, timestamp and nonce.
pub fn signature(token: &str, timestamp: &str, nonce: &str) -> String {
    sorted_sha1(&mut [token, timestamp, nonce])
}

/// `msg_signature` of an encrypted push (and `MsgSignature` of an encrypted reply): over
/// Token, timestamp, nonce and the `Encrypt` text.
pub fn msg_signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> String {
    sorted_sha1(&mut [token, timestamp, nonce, encrypt])
}

#[cfg(test)]
mod tests {
    //! Every vector below is from WeChat's message-push guide (spec §9.1–9.3).
    use super::*;

    const TOKEN: &str = "AAAAA";
    const APPID: &str = "wxba5fad812f8e6fb9";
    const PUSHED: &str = "+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khUOb05JCpj0JB4RvQMkUyus8TPxLKJGQqcvZqzDpVzazhZv6JsXUnnR8XGT740XgXZUXQ7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2IuQrKEYwKSqFIZoNqJ4M8EajAsjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOcfBgRtWygb3VIYnSeOBrebufAlr7F9mFUPAJGj04=";
    const PUSHED_MESSAGE: &str = r#"{"ToUserName":"gh_97417a04a28d","FromUserName":"o9AgO5Kd5ggOC-bXrbNODIiE3bGY","CreateTime":1714112445,"MsgType":"event","Event":"debug_demo","debug_str":"hello world"}"#;
    const REPLY: &str =
        "ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ==";

    fn key() -> MsgKey {
        MsgKey::from_encoding_aes_key(&"A".repeat(43)).unwrap()
    }

    #[test]
    fn url_handshake_signature() {
        assert_eq!(signature(TOKEN, "1714036504", "1514711492"), "f464b24fc39322e44b38aa78f5edd27bd1441696");
    }

    #[test]
    fn plaintext_push_signature() {
        assert_eq!(signature(TOKEN, "1714037059", "486452656"), "899cf89e464efb63f54ddac96b0a0a235f53aa78");
    }

    #[test]
    fn safe_mode_push_signatures() {
        assert_eq!(signature(TOKEN, "1714112445", "415670741"), "6c5c811b55cc85e0e1b54100749188c20beb3f5d");
        assert_eq!(
            msg_signature(TOKEN, "1714112445", "415670741", PUSHED),
            "046e02f8204d34f8ba5fa3b1db94908f3df2e9b3"
        );
    }

    #[test]
    fn decrypts_the_documented_push() {
        let message = key().decrypt(PUSHED, APPID).unwrap();
        assert_eq!(message.len(), 167);
        assert_eq!(std::str::from_utf8(&message).unwrap(), PUSHED_MESSAGE);
    }

    #[test]
    fn documented_push_round_trips_with_its_random_bytes() {
        let encrypted = key().encrypt_with_random(b"a8eedb185eb2fecf", PUSHED_MESSAGE.as_bytes(), APPID);
        assert_eq!(encrypted, PUSHED);
    }

    #[test]
    fn encrypts_the_documented_reply() {
        let encrypted =
            key().encrypt_with_random(b"707722b803182950", br#"{"demo_resp":"good luck"}"#, APPID);
        assert_eq!(encrypted, REPLY);
        assert_eq!(STANDARD.decode(&encrypted).unwrap().len(), 64);
        assert_eq!(
            msg_signature(TOKEN, "1713424427", "415670741", REPLY),
            "1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1"
        );
    }

    #[test]
    fn random_encryption_round_trips_at_every_padding_length() {
        let key = key();
        for len in 0..70 {
            let message = vec![b'x'; len];
            let encrypted = key.encrypt(&message, APPID);
            assert_eq!(key.decrypt(&encrypted, APPID).unwrap(), message);
        }
        assert_ne!(key.encrypt(b"same", APPID), key.encrypt(b"same", APPID), "random prefix differs");
    }

    #[test]
    fn refuses_another_appid_and_bad_input_alike() {
        let key = key();
        assert_eq!(key.decrypt(PUSHED, "wx0000000000000000"), Err(CryptoError));
        assert_eq!(key.decrypt("not base64!", APPID), Err(CryptoError));
        assert_eq!(key.decrypt("", APPID), Err(CryptoError));
        assert_eq!(key.decrypt(&STANDARD.encode([0u8; 31]), APPID), Err(CryptoError));
        let mut tampered = STANDARD.decode(PUSHED).unwrap();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(key.decrypt(&STANDARD.encode(&tampered), APPID), Err(CryptoError));
        let other = MsgKey::from_encoding_aes_key(&"B".repeat(43)).unwrap();
        assert_eq!(other.decrypt(PUSHED, APPID), Err(CryptoError));
    }

    #[test]
    fn encoding_aes_key_must_be_43_base64_characters() {
        assert!(MsgKey::from_encoding_aes_key(&"A".repeat(42)).is_err());
        assert!(MsgKey::from_encoding_aes_key(&"A".repeat(44)).is_err());
        assert!(MsgKey::from_encoding_aes_key(&format!("{}!", "A".repeat(42))).is_err());
        assert!(MsgKey::from_encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").is_ok());
    }
}
