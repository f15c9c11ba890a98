//! Random identifiers and secrets. Keys come straight from the operating system; everything
//! else (tokens, secrets, ids) from `rand`'s thread-local CSPRNG (ChaCha12, seeded and
//! periodically reseeded from the OS), which is cryptographically secure without a system call
//! per value.

use rand::{rngs::OsRng, Rng, RngCore};

/// `n` random bytes.
pub fn bytes(n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut out);
    out
}

/// `n` random bytes read directly from the operating system, for long-lived keys.
pub fn os_bytes(n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    OsRng.fill_bytes(&mut out);
    out
}

/// Lower-case hex of `n` random bytes (2n characters).
pub fn hex(n: usize) -> String {
    hex::encode(bytes(n))
}

/// A random string of `len` characters from `[A-Za-z0-9_-]`, shaped like WeChat's tokens.
pub fn token_chars(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let mut rng = rand::thread_rng();
    (0..len).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// A random number for identifiers that need to be unique rather than secret.
pub fn fast_u64() -> u64 {
    rand::thread_rng().next_u64()
}
