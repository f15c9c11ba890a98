//! Bearer API keys for the platform API and the CLI: scoped, revocable, shown once, stored as
//! SHA-256 hashes.

use serde::{Deserialize, Serialize};

use crate::accounts::{Developer, DeveloperId};
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::Platform;
use crate::Timestamp;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Scope {
    /// Read mini programs and members.
    #[serde(rename = "apps:read")]
    AppsRead,
    /// Create and change mini programs, secrets, members.
    #[serde(rename = "apps:write")]
    AppsWrite,
    /// Read and change the account itself: subject info, API keys.
    #[serde(rename = "account")]
    Account,
    /// Operator functions; only keys of operator accounts may carry it.
    #[serde(rename = "admin")]
    Admin,
}

impl Scope {
    pub const ALL: [Self; 4] = [Self::AppsRead, Self::AppsWrite, Self::Account, Self::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AppsRead => "apps:read",
            Self::AppsWrite => "apps:write",
            Self::Account => "account",
            Self::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Every scope the developer's role allows.
    pub fn all_for(developer: &Developer) -> Vec<Self> {
        Self::ALL.into_iter().filter(|s| *s != Self::Admin || developer.is_operator()).collect()
    }
}

#[derive(Debug, Clone)]
pub struct ApiKey {
    pub id: i64,
    pub developer_id: DeveloperId,
    pub name: String,
    /// The first characters of the key, so people can tell their keys apart.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl ApiKey {
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// A new key with its plaintext, which exists only here.
pub struct CreatedApiKey {
    pub key: ApiKey,
    pub plaintext: String,
}

const KEY_PREFIX: &str = "mpk_";

impl Platform {
    pub async fn create_api_key(
        &self,
        developer: &Developer,
        name: &str,
        scopes: &[Scope],
    ) -> Result<CreatedApiKey> {
        developer.ensure_active()?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(Error::invalid("name", "must be 1 to 64 printable characters"));
        }
        if scopes.is_empty() {
            return Err(Error::invalid("scopes", "must name at least one scope"));
        }
        if scopes.contains(&Scope::Admin) && !developer.is_operator() {
            return Err(Error::forbidden("only operator accounts may create keys with the admin scope"));
        }
        let mut scopes = scopes.to_vec();
        scopes.sort_by_key(|s| s.as_str());
        scopes.dedup();
        let plaintext = format!("{KEY_PREFIX}{}", miniplat_crypto::random::hex(32));
        let key = ApiKey {
            id: 0,
            developer_id: developer.id,
            name: name.to_owned(),
            prefix: plaintext[..KEY_PREFIX.len() + 8].to_owned(),
            scopes,
            created_at: self.clock.now(),
            last_used_at: None,
            revoked_at: None,
        };
        let key = self.store.create_api_key(&key, &miniplat_crypto::sha256_hex(plaintext.as_bytes())).await?;
        self.audit(
            Actor::Developer(developer.id),
            "api_key.create",
            &format!("api_key:{}", key.id),
            &key.name,
        )
        .await?;
        Ok(CreatedApiKey { key, plaintext })
    }

    /// Resolves a bearer key to its live key and active developer.
    pub async fn authenticate_api_key(&self, plaintext: &str) -> Result<(Developer, ApiKey)> {
        if !plaintext.starts_with(KEY_PREFIX) || plaintext.len() > 100 {
            return Err(Error::Unauthenticated);
        }
        let hash = miniplat_crypto::sha256_hex(plaintext.as_bytes());
        let key = self.store.api_key_by_hash(&hash).await?.ok_or(Error::Unauthenticated)?;
        if key.revoked_at.is_some() {
            return Err(Error::Unauthenticated);
        }
        let developer = self.developer(key.developer_id).await?;
        developer.ensure_active()?;
        let now = self.clock.now();
        // Recording every use would add a write to every request; a minute's precision is enough.
        if key.last_used_at.is_none_or(|at| now - at >= 60) {
            self.store.touch_api_key(key.id, now).await?;
        }
        Ok((developer, key))
    }

    pub async fn api_keys(&self, developer: &Developer) -> Result<Vec<ApiKey>> {
        Ok(self.store.api_keys_of(developer.id).await?)
    }

    pub async fn revoke_api_key(&self, developer: &Developer, id: i64) -> Result<()> {
        if !self.store.revoke_api_key(developer.id, id, self.clock.now()).await? {
            return Err(Error::NotFound("API key"));
        }
        self.audit(Actor::Developer(developer.id), "api_key.revoke", &format!("api_key:{id}"), "").await
    }
}
