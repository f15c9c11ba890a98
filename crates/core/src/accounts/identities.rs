//! End users' identities in mini programs (clause 1.2): an end user who logs in to a mini
//! program becomes its **service user**, named there by an `openid` — stable for that user and
//! mini program, different in every other one — and by a `unionid` shared by the mini programs
//! of one developer subject (the developer who created them).
//!
//! Both are keyed hashes (HMAC-SHA256 under keys derived from the master key) shaped like
//! WeChat's: `o` and 27 base64url characters. Nobody without the master key can compute or
//! invert them; the `service_users` table keeps them for the reverse lookup (openid → user) and
//! for the privacy centre's list of mini programs a user used.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{DeveloperId, EndUserId};
use crate::apps::{AppId, AppKey};
use crate::error::Result;
use crate::Platform;
use crate::Timestamp;

/// An end user as the service user of one mini program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUser {
    pub app: AppKey,
    pub user: EndUserId,
    pub openid: String,
    pub unionid: String,
    pub first_seen: Timestamp,
    pub last_login: Timestamp,
    /// The current session key, sealed; `None` in listings, which never read it.
    pub sealed_session_key: Option<Vec<u8>>,
    pub session_key_issued_at: Option<Timestamp>,
}

/// The keys identities are derived with (each from the master key, for its one purpose).
#[derive(Clone)]
pub(crate) struct IdentityKeys {
    pub openid: [u8; 32],
    pub unionid: [u8; 32],
}

impl IdentityKeys {
    pub fn openid(&self, appid: &AppId, user: EndUserId) -> String {
        wechat_id(&self.openid, appid.as_str().as_bytes(), user)
    }

    pub fn unionid(&self, subject: DeveloperId, user: EndUserId) -> String {
        wechat_id(&self.unionid, &subject.0.to_be_bytes(), user)
    }
}

/// `o` + the first 20 bytes of an HMAC in base64url: 28 characters, like WeChat's ids.
fn wechat_id(key: &[u8; 32], scope: &[u8], user: EndUserId) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(scope);
    mac.update(b"|");
    mac.update(&user.0.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    format!("o{}", URL_SAFE_NO_PAD.encode(&digest[..20]))
}

impl Platform {
    /// The user's openid in the mini program `appid`.
    pub fn openid(&self, appid: &AppId, user: EndUserId) -> String {
        self.identity_keys.openid(appid, user)
    }

    /// The user's unionid among the mini programs of the developer subject `subject`.
    pub fn unionid(&self, subject: DeveloperId, user: EndUserId) -> String {
        self.identity_keys.unionid(subject, user)
    }

    /// Every mini program the user has logged in to, oldest first (for the privacy centre).
    pub async fn service_users_of(&self, user: EndUserId) -> Result<Vec<ServiceUser>> {
        Ok(self.store.service_users_of(user).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_shaped_like_wechat_ones() {
        let key = [7u8; 32];
        let id = wechat_id(&key, b"wx0123456789abcdef", EndUserId(1));
        assert_eq!(id.len(), 28);
        assert!(id.starts_with('o'));
        assert!(id[1..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(id, wechat_id(&key, b"wx0123456789abcdef", EndUserId(1)));
        assert_ne!(id, wechat_id(&key, b"wx0123456789abcdef", EndUserId(2)));
        assert_ne!(id, wechat_id(&key, b"wx0123456789abcdeg", EndUserId(1)));
        assert_ne!(id, wechat_id(&[8u8; 32], b"wx0123456789abcdef", EndUserId(1)));
    }
}
