//! End-user accounts: the identities testers, logins and consents attach to. People sign up on
//! the web host; native hosts create theirs through the Host API ([`super::hosts`]), with a
//! reserved address that no mail reaches and a password nobody can enter.

use serde::{Deserialize, Serialize};

use super::check_password_rules;
use super::developers::email_conflict;
use super::phone::Phone;
use super::sign_in::{judge, SignInState, Verdict};
use crate::audit::Actor;
use crate::email::Email;
use crate::error::{Error, Result};
use crate::Platform;
use crate::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EndUserId(pub i64);

#[derive(Debug, Clone)]
pub struct EndUser {
    pub id: EndUserId,
    pub email: Email,
    pub password_hash: String,
    pub nickname: String,
    /// Blob key of the avatar image.
    pub avatar_key: Option<String>,
    pub sign_in: SignInState,
    pub created_at: Timestamp,
    /// Shared with a mini program only through `getPhoneNumber`.
    pub phone: Option<Phone>,
    /// Set by the operator: the user cannot log in to mini programs (40226).
    pub blocked: bool,
}

#[derive(Debug, Clone)]
pub struct NewEndUser {
    pub email: Email,
    pub password_hash: String,
    pub nickname: String,
    pub created_at: Timestamp,
}

/// Nicknames: 1–32 printable characters.
pub fn check_nickname(nickname: &str) -> Result<String> {
    let nickname = nickname.trim();
    let length = nickname.chars().count();
    if length == 0 || length > 32 || nickname.chars().any(char::is_control) {
        return Err(Error::invalid("nickname", "must be 1 to 32 printable characters"));
    }
    Ok(nickname.to_owned())
}

impl Platform {
    pub async fn sign_up_end_user(&self, email: &str, password: &str, nickname: &str) -> Result<EndUser> {
        let email = Email::parse_deliverable(email)?;
        check_password_rules(password)?;
        let nickname = check_nickname(nickname)?;
        let new = NewEndUser {
            email,
            password_hash: miniplat_crypto::password::hash_password(password),
            nickname,
            created_at: self.clock.now(),
        };
        let user = self.store.create_end_user(&new).await.map_err(email_conflict)?;
        self.audit(Actor::EndUser(user.id), "end_user.sign_up", &format!("end_user:{}", user.id.0), "")
            .await?;
        Ok(user)
    }

    pub async fn sign_in_end_user(&self, email: &str, password: &str, client: &str) -> Result<EndUser> {
        let now = self.clock.now();
        self.sign_in_limiter.attempt(client, now)?;
        let found = match Email::parse(email) {
            Ok(email) => self.store.end_user_by_email(&email).await?,
            Err(_) => None,
        };
        let Some(mut user) = found else {
            miniplat_crypto::password::burn_verification_time(password);
            return Err(Error::BadCredentials);
        };
        match judge(&user.sign_in, Some(&user.password_hash), password, now, &self.config)? {
            Verdict::Accepted(state) => {
                if user.sign_in != state {
                    user.sign_in = state;
                    self.store.update_end_user(&user).await?;
                }
                Ok(user)
            }
            Verdict::Rejected(state) => {
                user.sign_in = state;
                self.store.update_end_user(&user).await?;
                Err(Error::BadCredentials)
            }
        }
    }

    pub async fn end_user(&self, id: EndUserId) -> Result<EndUser> {
        self.store.end_user_by_id(id).await?.ok_or(Error::NotFound("end user"))
    }

    /// Updates the profile; `avatar` is an image upload checked like icons are; an empty
    /// `phone` removes the number.
    pub async fn update_end_user_profile(
        &self,
        user: &EndUser,
        nickname: &str,
        phone: &str,
        avatar: Option<&[u8]>,
    ) -> Result<EndUser> {
        let mut updated = user.clone();
        updated.nickname = check_nickname(nickname)?;
        updated.phone = optional_phone(phone)?;
        if let Some(bytes) = avatar {
            let image = self.check_image(bytes, "avatar")?;
            let key = format!("avatars/{}.{}", user.id.0, image.extension);
            self.blobs.put(&key, bytes.to_vec()).await.map_err(crate::blobs::store_error)?;
            updated.avatar_key = Some(key);
        }
        self.store.update_end_user(&updated).await?;
        Ok(updated)
    }
}

/// A phone number from a form or the Host API; empty means none.
pub fn optional_phone(raw: &str) -> Result<Option<Phone>> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        Phone::parse(raw).map(Some)
    }
}
