//! Cookie sessions of the console (developers, staff) and the web host (end users). The cookie
//! holds a random id; the store keeps only its hash, with a CSRF token bound to the session.

use serde::{Deserialize, Serialize};

use super::{DeveloperId, EndUserId};
use crate::error::{Error, Result};
use crate::Platform;
use crate::Timestamp;

/// Whose session it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountRef {
    Developer(DeveloperId),
    EndUser(EndUserId),
}

impl AccountRef {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Developer(_) => "developer",
            Self::EndUser(_) => "end_user",
        }
    }
    pub fn id(&self) -> i64 {
        match self {
            Self::Developer(id) => id.0,
            Self::EndUser(id) => id.0,
        }
    }
    pub fn from_parts(kind: &str, id: i64) -> Option<Self> {
        match kind {
            "developer" => Some(Self::Developer(DeveloperId(id))),
            "end_user" => Some(Self::EndUser(EndUserId(id))),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: String,
    pub account: AccountRef,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A freshly opened session: the cookie value is only ever in this struct.
pub struct OpenedSession {
    pub cookie_value: String,
    pub session: Session,
}

impl Platform {
    /// Opens a session for an account that just proved who it is.
    pub async fn open_session(&self, account: AccountRef) -> Result<OpenedSession> {
        let cookie_value = miniplat_crypto::random::hex(32);
        let now = self.clock.now();
        let session = Session {
            id_hash: miniplat_crypto::sha256_hex(cookie_value.as_bytes()),
            account,
            csrf_token: miniplat_crypto::random::hex(16),
            created_at: now,
            expires_at: now + self.config.session_ttl_secs,
        };
        self.store.create_session(&session).await?;
        Ok(OpenedSession { cookie_value, session })
    }

    /// The live session a cookie value names.
    pub async fn session(&self, cookie_value: &str) -> Result<Session> {
        let hash = miniplat_crypto::sha256_hex(cookie_value.as_bytes());
        match self.store.session_by_hash(&hash).await? {
            Some(session) if session.expires_at > self.clock.now() => Ok(session),
            _ => Err(Error::Unauthenticated),
        }
    }

    pub async fn close_session(&self, cookie_value: &str) -> Result<()> {
        let hash = miniplat_crypto::sha256_hex(cookie_value.as_bytes());
        self.store.delete_session(&hash).await?;
        Ok(())
    }
}
