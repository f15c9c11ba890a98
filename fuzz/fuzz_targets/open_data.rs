//! Arbitrary session key, IV and `encryptedData` (`key\0iv\0data`) into open-data decryption:
//! it must never panic, and it must fail or round-trip — whatever it accepts re-encrypts to the
//! same ciphertext.
#![no_main]

use libfuzzer_sys::fuzz_target;
use miniplat_crypto::open_data;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == 0).map(String::from_utf8_lossy);
    let (Some(key), Some(iv), Some(encrypted)) = (parts.next(), parts.next(), parts.next()) else { return };
    if let Ok(plaintext) = open_data::decrypt(&key, &iv, &encrypted) {
        let again = open_data::encrypt(&key, &iv, &plaintext).expect("a key and IV that decrypt also encrypt");
        let same = open_data::decrypt(&key, &iv, &again).expect("own ciphertext decrypts");
        assert_eq!(same, plaintext);
    }
    let _ = open_data::decrypt_open_data(&key, &iv, &encrypted, "wx4f4bc4dec97d474b");
});
