//! Hosts: the apps mini programs run inside (clause 1.2, issue 5). The built-in **web host** is
//! the platform's own site; its users are the end users who signed up there, and it is not a
//! row. A **native host** is an app the operator registers: it gets a host key and a secret
//! (shown once, stored as SHA-256) for the Host API, and names its users by its own user ids.
//! Each (host, host user id) is one end user, created on first sight with a reserved address
//! (`<random>@<host key>.host.invalid`) and a password hash nothing verifies against, so the
//! account can never sign in on the web host.

use serde::{Deserialize, Serialize};

use super::developers::ensure_operator;
use super::end_users::{check_nickname, optional_phone, NewEndUser};
use super::{Developer, DeveloperId, EndUser};
use crate::audit::Actor;
use crate::email::Email;
use crate::error::{Error, Result, StoreError};
use crate::Platform;
use crate::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HostId(pub i64);

/// A registered native host.
#[derive(Debug, Clone)]
pub struct Host {
    pub id: HostId,
    /// Public identifier: `hk` and 16 hex digits.
    pub key: String,
    pub name: String,
    pub secret_hash: String,
    /// The operator who registered it; `None` when registered on the command line.
    pub created_by: Option<DeveloperId>,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct NewHost {
    pub key: String,
    pub name: String,
    pub secret_hash: String,
    pub created_by: Option<DeveloperId>,
    pub created_at: Timestamp,
}

/// A host just registered, with its secret in plain text (never stored or shown again).
#[derive(Debug)]
pub struct CreatedHost {
    pub host: Host,
    pub secret: String,
}

/// A host's own id for one of its users: 1–64 characters of `[A-Za-z0-9._:@-]` (it travels in a
/// URL path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostUserId(String);

impl HostUserId {
    pub fn parse(raw: &str) -> Result<Self> {
        let ok = (1..=64).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b".:_@-".contains(&b));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(Error::invalid("user", "must be 1 to 64 characters of letters, digits and . _ : @ -"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the store puts in a new host user's `end_users` row, and the profile fields a host sets.
#[derive(Debug, Clone)]
pub struct HostUserProfile {
    pub new: NewEndUser,
    pub phone: Option<super::Phone>,
}

/// A password hash in no format any verifier accepts: host users cannot sign in on the web.
pub const UNUSABLE_PASSWORD: &str = "!host-user";

fn check_host_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(Error::invalid("name", "must be 1 to 64 printable characters"));
    }
    Ok(name.to_owned())
}

fn is_well_formed_secret(secret: &str) -> bool {
    secret.len() == 32 && secret.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Platform {
    /// Registers a native host (operators only); the secret is returned this once.
    pub async fn create_host(&self, actor: &Developer, name: &str) -> Result<CreatedHost> {
        ensure_operator(actor)?;
        actor.ensure_active()?;
        self.register_host(Some(actor.id), name).await
    }

    /// Registers a native host for `created_by`, or from the command line (`None`), which has
    /// the machine and needs no account.
    pub async fn register_host(&self, created_by: Option<DeveloperId>, name: &str) -> Result<CreatedHost> {
        let name = check_host_name(name)?;
        let secret = miniplat_crypto::random::hex(16);
        let new = NewHost {
            key: format!("hk{}", miniplat_crypto::random::hex(8)),
            name,
            secret_hash: miniplat_crypto::sha256_hex(secret.as_bytes()),
            created_by,
            created_at: self.clock.now(),
        };
        let host = self.store.create_host(&new).await?;
        let actor = created_by.map_or(Actor::System, Actor::Developer);
        self.audit(actor, "host.create", &host.key, &host.name).await?;
        Ok(CreatedHost { host, secret })
    }

    /// Every registered host, revoked ones included (operators only).
    pub async fn hosts(&self, actor: &Developer) -> Result<Vec<Host>> {
        ensure_operator(actor)?;
        Ok(self.store.list_hosts().await?)
    }

    /// Revokes a host: its secret stops working at once (operators only).
    pub async fn revoke_host(&self, actor: &Developer, key: &str) -> Result<()> {
        ensure_operator(actor)?;
        actor.ensure_active()?;
        self.withdraw_host(Some(actor.id), key).await
    }

    /// Revokes a host for `by`, or from the command line (`None`).
    pub async fn withdraw_host(&self, by: Option<DeveloperId>, key: &str) -> Result<()> {
        if !self.store.revoke_host(key, self.clock.now()).await? {
            return Err(Error::NotFound("host"));
        }
        self.audit(by.map_or(Actor::System, Actor::Developer), "host.revoke", key, "").await
    }

    /// The live host whose key and secret these are; any mismatch is `Unauthenticated`.
    pub async fn authenticate_host(&self, key: &str, secret: &str) -> Result<Host> {
        let host = self.store.host_by_key(key).await?.filter(|h| h.revoked_at.is_none());
        let given = miniplat_crypto::sha256_hex(secret.as_bytes());
        match host {
            Some(host)
                if is_well_formed_secret(secret)
                    && miniplat_crypto::constant_time_eq(given.as_bytes(), host.secret_hash.as_bytes()) =>
            {
                Ok(host)
            }
            _ => Err(Error::Unauthenticated),
        }
    }

    /// Creates the end user a host names `user`, or updates its nickname and phone number.
    pub async fn upsert_host_user(
        &self,
        host: &Host,
        user: &str,
        nickname: &str,
        phone: &str,
    ) -> Result<(EndUser, bool)> {
        let user = HostUserId::parse(user)?;
        let profile = HostUserProfile {
            new: NewEndUser {
                email: self.host_user_email(host)?,
                password_hash: UNUSABLE_PASSWORD.into(),
                nickname: check_nickname(nickname)?,
                created_at: self.clock.now(),
            },
            phone: optional_phone(phone)?,
        };
        // Two first sightings of one user can race; the loser finds the winner's row.
        match self.store.upsert_host_user(host.id, user.as_str(), &profile).await {
            Err(StoreError::UniqueViolation) => {
                Ok(self.store.upsert_host_user(host.id, user.as_str(), &profile).await?)
            }
            other => Ok(other?),
        }
    }

    /// The end user a host names `user`; `NotFound` until the host created it.
    pub async fn host_user(&self, host: &Host, user: &str) -> Result<EndUser> {
        let user = HostUserId::parse(user)?;
        self.store.host_user(host.id, user.as_str()).await?.ok_or(Error::NotFound("user"))
    }

    fn host_user_email(&self, host: &Host) -> Result<Email> {
        Email::parse(&format!("{}@{}.host.invalid", miniplat_crypto::random::hex(12), host.key))
    }

    /// Blocks or unblocks an end user's logins to every mini program (operators only).
    pub async fn set_end_user_blocked(
        &self,
        actor: &Developer,
        user: super::EndUserId,
        blocked: bool,
    ) -> Result<()> {
        ensure_operator(actor)?;
        actor.ensure_active()?;
        if !self.store.set_end_user_blocked(user, blocked).await? {
            return Err(Error::NotFound("end user"));
        }
        let action = if blocked { "end_user.block" } else { "end_user.unblock" };
        self.audit(Actor::Developer(actor.id), action, &format!("end_user:{}", user.0), "").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_user_ids() {
        for good in ["1", "user-42", "a.b:c_d@e", &"x".repeat(64)] {
            assert!(HostUserId::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "a b", "a/b", "ü", &"x".repeat(65), "a?b"] {
            assert!(HostUserId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn host_user_addresses_are_reserved() {
        let email = Email::parse("0123abcd@hk0011223344556677.host.invalid").unwrap();
        assert!(email.is_reserved());
        assert!(Email::parse_deliverable(email.as_str()).is_err());
        assert!(!miniplat_crypto::password::verify_password("", UNUSABLE_PASSWORD));
    }
}
