//! WeChat's open-data cryptography (`wechat-api.md` §3.2, §3.5): what a mini program's server
//! uses to check and read the user data the host hands to the front end.
//!
//! - `rawData` is signed with `sha1(rawData + session_key)` (the session key's base64 text);
//! - `encryptedData` is AES-128-CBC with PKCS#7 padding under the base64-decoded session key and
//!   a random 16-byte IV, holding a JSON object with a `watermark {appid, timestamp}`;
//! - "user-login-state" signatures (`checksession` and friends) are hex HMAC-SHA256 keyed with
//!   the session key's base64 text over the request body (the empty string for GET).
//!
//! Every way decryption can fail (bad base64, key or IV length, block length, padding, UTF-8,
//! JSON, watermark) is the one [`CryptoError`], and the padding is checked in constant time, so
//! a caller that reveals failures is no padding oracle.

use aes::cipher::block_padding::{NoPadding, Pkcs7};
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::{Digest, Sha1};
use sha2::Sha256;
use subtle::{ConstantTimeEq, ConstantTimeLess};

use crate::CryptoError;

type Encryptor = cbc::Encryptor<aes::Aes128>;
type Decryptor = cbc::Decryptor<aes::Aes128>;

const BLOCK: usize = 16;
/// Open data is a small JSON document; anything larger is refused before any work.
pub const MAX_ENCRYPTED_DATA_CHARS: usize = 64 * 1024;

/// A new session key: 16 random bytes, base64 (24 characters), as `jscode2session` returns it.
pub fn new_session_key() -> String {
    BASE64.encode(crate::random::bytes(BLOCK))
}

/// A new IV for one `encryptedData`, base64.
pub fn new_iv() -> String {
    BASE64.encode(crate::random::bytes(BLOCK))
}

/// `signature` of `rawData`: hex `sha1(raw_data + session_key)`.
pub fn raw_data_signature(raw_data: &str, session_key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(raw_data.as_bytes());
    sha.update(session_key.as_bytes());
    hex::encode(sha.finalize())
}

/// The user-login-state signature of `message` (the POST body, or empty for GET): lowercase hex
/// HMAC-SHA256 keyed with the session key's base64 text (not its decoded bytes).
pub fn session_signature(session_key: &str, message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(session_key.as_bytes()).expect("HMAC takes any key length");
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a user-login-state signature in constant time.
pub fn verify_session_signature(session_key: &str, message: &[u8], signature: &str) -> bool {
    crate::constant_time_eq(session_signature(session_key, message).as_bytes(), signature.as_bytes())
}

fn key_and_iv(session_key: &str, iv: &str) -> Result<([u8; BLOCK], [u8; BLOCK]), CryptoError> {
    let decode = |text: &str| -> Result<[u8; BLOCK], CryptoError> {
        let bytes = BASE64.decode(text).map_err(|_| CryptoError)?;
        bytes.try_into().map_err(|_| CryptoError)
    };
    Ok((decode(session_key)?, decode(iv)?))
}

/// Encrypts `plaintext` into `encryptedData` (base64) under the session key and IV (both base64).
pub fn encrypt(session_key: &str, iv: &str, plaintext: &[u8]) -> Result<String, CryptoError> {
    let (key, iv) = key_and_iv(session_key, iv)?;
    let ciphertext = Encryptor::new(&key.into(), &iv.into()).encrypt_padded_vec_mut::<Pkcs7>(plaintext);
    Ok(BASE64.encode(ciphertext))
}

/// Decrypts `encryptedData` to its plaintext bytes. Any failure is the same [`CryptoError`].
pub fn decrypt(session_key: &str, iv: &str, encrypted_data: &str) -> Result<Vec<u8>, CryptoError> {
    if encrypted_data.len() > MAX_ENCRYPTED_DATA_CHARS {
        return Err(CryptoError);
    }
    let (key, iv) = key_and_iv(session_key, iv)?;
    let ciphertext = BASE64.decode(encrypted_data).map_err(|_| CryptoError)?;
    if ciphertext.is_empty() || ciphertext.len() % BLOCK != 0 {
        return Err(CryptoError);
    }
    let mut plaintext = Decryptor::new(&key.into(), &iv.into())
        .decrypt_padded_vec_mut::<NoPadding>(&ciphertext)
        .map_err(|_| CryptoError)?;
    let unpadded = pkcs7_unpadded_len(&plaintext).ok_or(CryptoError)?;
    plaintext.truncate(unpadded);
    Ok(plaintext)
}

/// Decrypts `encryptedData` and checks that it is a JSON object whose `watermark.appid` is
/// `appid`, as SDKs do (wechatpy's `WeChatWxaCrypto.decrypt_message`).
pub fn decrypt_open_data(
    session_key: &str,
    iv: &str,
    encrypted_data: &str,
    appid: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, CryptoError> {
    let plaintext = decrypt(session_key, iv, encrypted_data)?;
    let serde_json::Value::Object(object) = serde_json::from_slice(&plaintext).map_err(|_| CryptoError)?
    else {
        return Err(CryptoError);
    };
    let watermark_appid = object.get("watermark").and_then(|w| w.get("appid")).and_then(|a| a.as_str());
    if watermark_appid != Some(appid) {
        return Err(CryptoError);
    }
    Ok(object)
}

/// The length of the plaintext without its PKCS#7 padding, checked without branching on the
/// padding bytes: the last byte `n` must be 1–16 and the last `n` bytes must all equal `n`.
fn pkcs7_unpadded_len(block_aligned: &[u8]) -> Option<usize> {
    let last_block = &block_aligned[block_aligned.len() - BLOCK..];
    let n = last_block[BLOCK - 1];
    let mut good = !n.ct_eq(&0) & n.ct_lt(&(BLOCK as u8 + 1));
    for (i, byte) in last_block.iter().rev().enumerate() {
        // Bytes at positions below n (from the end) must equal n.
        let in_padding = (i as u8).ct_lt(&n);
        good &= !in_padding | byte.ct_eq(&n);
    }
    bool::from(good).then(|| block_aligned.len() - usize::from(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    // The vectors of WeChat's documentation ("开放数据校验与解密", "检验登录态") and wechatpy's tests.
    const DOC_RAW_DATA: &str = r#"{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}"#;
    const DOC_SESSION_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
    const DOC_IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";
    const DOC_ENCRYPTED: &str = "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";

    #[test]
    fn raw_data_signature_matches_the_documented_vector() {
        assert_eq!(
            raw_data_signature(DOC_RAW_DATA, "HyVFkGl5F5OQWJZZaNzBBg=="),
            "75e81ceda165f4ffa64f4068af58c64b8f54b88c"
        );
    }

    #[test]
    fn session_signature_matches_the_documented_vector() {
        let key = "o0q0otL8aEzpcZL/FT9WsQ==";
        let expected = "654571f79995b2ce1e149e53c0a33dc39c0a74090db514261454e8dbe432aa0b";
        assert_eq!(session_signature(key, br#"{"foo":"bar"}"#), expected);
        assert!(verify_session_signature(key, br#"{"foo":"bar"}"#, expected));
        assert!(!verify_session_signature(key, b"", expected));
        assert!(!verify_session_signature(key, br#"{"foo":"bar"}"#, &expected.to_uppercase()));
    }

    #[test]
    fn decrypts_the_documented_vector() {
        let data = decrypt_open_data(DOC_SESSION_KEY, DOC_IV, DOC_ENCRYPTED, "wx4f4bc4dec97d474b").unwrap();
        assert_eq!(data["openId"], "oGZUI0egBJY1zhBYw2KhdUfwVJJE");
        assert_eq!(data["unionId"], "ocMvos6NjeKLIBqg5Mr9QjxrP1FA");
        assert_eq!(data["watermark"]["timestamp"], 1477314187);
        assert_eq!(
            decrypt_open_data(DOC_SESSION_KEY, DOC_IV, DOC_ENCRYPTED, "wx0000000000000000"),
            Err(CryptoError),
            "another app's watermark"
        );
    }

    #[test]
    fn encrypt_then_decrypt_round_trips() {
        let key = new_session_key();
        assert_eq!(key.len(), 24);
        for length in [0, 1, 15, 16, 17, 100] {
            let iv = new_iv();
            let plaintext = vec![b'x'; length];
            let data = encrypt(&key, &iv, &plaintext).unwrap();
            assert_eq!(decrypt(&key, &iv, &data).unwrap(), plaintext);
        }
    }

    #[test]
    fn every_bad_input_is_the_same_error() {
        let key = new_session_key();
        let iv = new_iv();
        let good = encrypt(&key, &iv, br#"{"watermark":{"appid":"wx1"}}"#).unwrap();
        let short_key = BASE64.encode([0u8; 8]);
        let other_key = new_session_key();
        let truncated = BASE64.encode(&BASE64.decode(&good).unwrap()[..16]);
        let odd_length = BASE64.encode(&BASE64.decode(&good).unwrap()[..20]);
        let bad_padding = encrypt(&key, &iv, &[b'a'; 16]).map(|d| {
            // Drop the padding block: the last byte of "aaaa…" is no valid padding.
            BASE64.encode(&BASE64.decode(d).unwrap()[..16])
        });
        let cases: Vec<(&str, &str, String)> = vec![
            ("not base64 key", &iv, good.clone()),
            (&short_key, &iv, good.clone()),
            (&key, "AAAA", good.clone()),
            (&key, "not base64!", good.clone()),
            (&key, &iv, "###".into()),
            (&key, &iv, String::new()),
            (&key, &iv, odd_length),
            (&key, &iv, bad_padding.unwrap()),
            (&other_key, &iv, good.clone()),
        ];
        for (k, i, d) in &cases {
            assert_eq!(decrypt_open_data(k, i, d, "wx1"), Err(CryptoError), "{k} {i} {d}");
        }
        // A wrong IV garbles the first block: no longer JSON.
        assert_eq!(decrypt_open_data(&key, &new_iv(), &good, "wx1"), Err(CryptoError));
        assert_eq!(decrypt_open_data(&key, &iv, &truncated, "wx1"), Err(CryptoError), "first block only");
        assert!(decrypt_open_data(&key, &iv, &good, "wx1").is_ok());
        assert_eq!(decrypt(&key, &iv, &"A".repeat(MAX_ENCRYPTED_DATA_CHARS + 4)), Err(CryptoError));
    }

    /// What the fuzz target checks, over random inputs: decryption never panics, and whatever it
    /// accepts re-encrypts to the same ciphertext.
    #[test]
    fn random_inputs_fail_cleanly_or_round_trip() {
        let mut accepted = 0;
        for round in 0..3000usize {
            let key = if round % 3 == 0 {
                new_session_key()
            } else {
                BASE64.encode(crate::random::bytes(round % 24))
            };
            let iv = if round % 5 == 0 { "bad iv".to_owned() } else { new_iv() };
            let data = BASE64.encode(crate::random::bytes(round % 80));
            if let Ok(plaintext) = decrypt(&key, &iv, &data) {
                accepted += 1;
                assert_eq!(encrypt(&key, &iv, &plaintext).unwrap(), data);
            }
            assert!(decrypt_open_data(&key, &iv, &data, "wx1").is_err());
        }
        // Random blocks have valid padding now and then (last byte 0x01 about 1 in 256).
        assert!(accepted < 300, "{accepted}");
    }

    #[test]
    fn padding_rules() {
        let mut block = [7u8; 16];
        assert_eq!(pkcs7_unpadded_len(&block), Some(9));
        block[15] = 0;
        assert_eq!(pkcs7_unpadded_len(&block), None);
        block[15] = 17;
        assert_eq!(pkcs7_unpadded_len(&block), None);
        let mut block = [16u8; 16];
        assert_eq!(pkcs7_unpadded_len(&block), Some(0));
        block[0] = 15;
        assert_eq!(pkcs7_unpadded_len(&block), None);
        let mut block = [0u8; 16];
        block[15] = 1;
        assert_eq!(pkcs7_unpadded_len(&block), Some(15));
    }
}
