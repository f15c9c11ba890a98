//! Developer accounts (clauses 1.3, 2.1, 4.2, 6.2): sign-up under the operator's registration
//! mode, email verification, sign-in, password reset, and the operator's suspend / refuse.

use serde::{Deserialize, Serialize};

use super::sign_in::{judge, SignInState, Verdict};
use super::{check_password_rules, AccountRef};
use crate::audit::Actor;
use crate::email::Email;
use crate::error::{Conflict, Error, Result, StoreError};
use crate::mail::OutgoingMail;
use crate::Platform;
use crate::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(transparent)]
pub struct DeveloperId(pub i64);

/// What the platform lets an account do (clauses 4.2, 6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Active,
    /// Temporarily stopped by the operator; can be reinstated.
    Suspended,
    /// Service refused (6.2): the account cannot be used again.
    Refused,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Refused => "refused",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Active, Self::Suspended, Self::Refused].into_iter().find(|s| s.as_str() == text)
    }
}

/// Platform staff role of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlatformRole {
    Developer,
    /// Runs the platform: registration mode, suspensions, staff pages.
    Operator,
}

impl PlatformRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Developer => "developer",
            Self::Operator => "operator",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Developer, Self::Operator].into_iter().find(|s| s.as_str() == text)
    }
}

/// How new developers may join (set by the operator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationMode {
    Open,
    InviteOnly,
    Closed,
}

impl RegistrationMode {
    pub const SETTING: &'static str = "registration_mode";
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InviteOnly => "invite_only",
            Self::Closed => "closed",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Open, Self::InviteOnly, Self::Closed].into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone)]
pub struct Developer {
    pub id: DeveloperId,
    pub email: Email,
    /// None until a password is set (the bootstrap operator signs in by link first).
    pub password_hash: Option<String>,
    pub email_verified_at: Option<Timestamp>,
    pub status: AccountStatus,
    pub role: PlatformRole,
    pub sign_in: SignInState,
    pub created_at: Timestamp,
}

impl Developer {
    pub fn is_verified(&self) -> bool {
        self.email_verified_at.is_some()
    }
    pub fn is_operator(&self) -> bool {
        self.role == PlatformRole::Operator
    }
    /// Refuses accounts the operator stopped.
    pub fn ensure_active(&self) -> Result<()> {
        match self.status {
            AccountStatus::Active => Ok(()),
            AccountStatus::Suspended | AccountStatus::Refused => Err(Error::AccountSuspended),
        }
    }
}

/// What a new developer row holds.
#[derive(Debug, Clone)]
pub struct NewDeveloper {
    pub email: Email,
    pub password_hash: Option<String>,
    pub email_verified_at: Option<Timestamp>,
    pub role: PlatformRole,
    pub created_at: Timestamp,
}

const VERIFY_PURPOSE: &str = "developer-verify-email";
const RESET_PURPOSE: &str = "developer-reset-password";
const INVITE_PURPOSE: &str = "developer-registration-invite";

/// Maps a unique violation on the email namespace to the conflict people understand.
pub(crate) fn email_conflict(error: StoreError) -> Error {
    match error {
        StoreError::UniqueViolation => Error::Conflict(Conflict::EmailTaken),
        other => Error::Store(other),
    }
}

impl Platform {
    pub async fn registration_mode(&self) -> Result<RegistrationMode> {
        let stored = self.store.setting(RegistrationMode::SETTING).await?;
        Ok(stored.as_deref().and_then(RegistrationMode::parse).unwrap_or(RegistrationMode::Open))
    }

    pub async fn set_registration_mode(&self, actor: &Developer, mode: RegistrationMode) -> Result<()> {
        ensure_operator(actor)?;
        self.store.set_setting(RegistrationMode::SETTING, mode.as_str()).await?;
        self.audit(Actor::Developer(actor.id), "registration_mode.set", "platform", mode.as_str()).await
    }

    /// Signs up a developer. `invitation` is the token from an invitation email, needed when
    /// registration is invite-only (it must be for this email).
    pub async fn sign_up_developer(
        &self,
        email: &str,
        password: &str,
        invitation: Option<&str>,
    ) -> Result<Developer> {
        let email = Email::parse_deliverable(email)?;
        match self.registration_mode().await? {
            RegistrationMode::Open => {}
            RegistrationMode::Closed => return Err(Error::RegistrationClosed),
            RegistrationMode::InviteOnly => {
                let token = invitation.filter(|t| !t.is_empty()).ok_or(Error::InvitationRequired)?;
                self.links.verify(INVITE_PURPOSE, token, self.clock.now(), email.as_str().as_bytes())?;
            }
        }
        check_password_rules(password)?;
        let new = NewDeveloper {
            email,
            password_hash: Some(miniplat_crypto::password::hash_password(password)),
            email_verified_at: None,
            role: PlatformRole::Developer,
            created_at: self.clock.now(),
        };
        let developer = self.store.create_developer(&new).await.map_err(email_conflict)?;
        self.audit(Actor::Developer(developer.id), "developer.sign_up", &target(developer.id), "").await?;
        self.send_developer_verification(&developer).await?;
        Ok(developer)
    }

    /// Creates an active, verified developer directly (operator tooling and the admin CLI).
    pub async fn create_verified_developer(&self, email: &str, role: PlatformRole) -> Result<Developer> {
        let new = NewDeveloper {
            email: Email::parse(email)?,
            password_hash: None,
            email_verified_at: Some(self.clock.now()),
            role,
            created_at: self.clock.now(),
        };
        let developer = self.store.create_developer(&new).await.map_err(email_conflict)?;
        self.audit(Actor::System, "developer.create", &target(developer.id), role.as_str()).await?;
        Ok(developer)
    }

    pub async fn developer(&self, id: DeveloperId) -> Result<Developer> {
        self.store.developer_by_id(id).await?.ok_or(Error::NotFound("developer"))
    }

    /// Emails a signed verification link (valid for `email_verification_ttl_secs`); a few a
    /// minute per address at most, so the platform cannot be used to flood a mailbox.
    pub async fn send_developer_verification(&self, developer: &Developer) -> Result<()> {
        self.mail_limiter.attempt(developer.email.as_str(), self.clock.now())?;
        let expires = self.clock.now() + self.config.email_verification_ttl_secs;
        let token = self.links.sign(
            VERIFY_PURPOSE,
            &developer.id.0.to_string(),
            expires,
            developer.email.as_str().as_bytes(),
        );
        let link = format!("{}/console/verify/{token}", self.config.public_url);
        self.mailer
            .send(OutgoingMail::verify_email(&developer.email, &link))
            .await
            .map_err(|e| Error::Store(StoreError::Backend(format!("mail: {e}"))))
    }

    /// Confirms an email address from a verification link.
    pub async fn verify_developer_email(&self, token: &str) -> Result<Developer> {
        let id = parse_id(miniplat_crypto::signed::LinkSigner::payload(token)?)?;
        let mut developer = self.store.developer_by_id(DeveloperId(id)).await?.ok_or(Error::LinkInvalid)?;
        self.links.verify(VERIFY_PURPOSE, token, self.clock.now(), developer.email.as_str().as_bytes())?;
        if developer.email_verified_at.is_none() {
            developer.email_verified_at = Some(self.clock.now());
            self.store.update_developer(&developer).await?;
            self.audit(Actor::Developer(developer.id), "developer.verify_email", &target(developer.id), "")
                .await?;
        }
        Ok(developer)
    }

    /// Checks credentials under the lockout and rate rules; `client` is the caller's address.
    pub async fn sign_in_developer(&self, email: &str, password: &str, client: &str) -> Result<Developer> {
        let now = self.clock.now();
        self.sign_in_limiter.attempt(client, now)?;
        let found = match Email::parse(email) {
            Ok(email) => self.store.developer_by_email(&email).await?,
            Err(_) => None,
        };
        let Some(mut developer) = found else {
            miniplat_crypto::password::burn_verification_time(password);
            return Err(Error::BadCredentials);
        };
        match judge(&developer.sign_in, developer.password_hash.as_deref(), password, now, &self.config)? {
            Verdict::Accepted(state) => {
                developer.ensure_active()?;
                if developer.sign_in != state {
                    developer.sign_in = state;
                    self.store.update_developer(&developer).await?;
                }
                Ok(developer)
            }
            Verdict::Rejected(state) => {
                let locked = state.locked_until.is_some();
                developer.sign_in = state;
                self.store.update_developer(&developer).await?;
                if locked {
                    self.audit(Actor::System, "developer.locked", &target(developer.id), "").await?;
                }
                Err(Error::BadCredentials)
            }
        }
    }

    /// Emails a reset link if the address belongs to a developer. Says nothing either way, so
    /// the answer does not reveal which addresses are registered.
    pub async fn request_developer_password_reset(&self, email: &str) -> Result<()> {
        let Ok(email) = Email::parse(email) else { return Ok(()) };
        self.mail_limiter.attempt(email.as_str(), self.clock.now())?;
        let Some(developer) = self.store.developer_by_email(&email).await? else { return Ok(()) };
        let expires = self.clock.now() + self.config.password_reset_ttl_secs;
        let token =
            self.links.sign(RESET_PURPOSE, &developer.id.0.to_string(), expires, &reset_binding(&developer));
        let link = format!("{}/console/reset/{token}", self.config.public_url);
        self.mailer
            .send(OutgoingMail::reset_password(&developer.email, &link))
            .await
            .map_err(|e| Error::Store(StoreError::Backend(format!("mail: {e}"))))
    }

    /// Sets a new password from a reset link. The link is bound to the old password hash, so it
    /// works once; all sessions of the account end.
    pub async fn reset_developer_password(&self, token: &str, new_password: &str) -> Result<Developer> {
        let id = parse_id(miniplat_crypto::signed::LinkSigner::payload(token)?)?;
        let mut developer = self.store.developer_by_id(DeveloperId(id)).await?.ok_or(Error::LinkInvalid)?;
        self.links.verify(RESET_PURPOSE, token, self.clock.now(), &reset_binding(&developer))?;
        check_password_rules(new_password)?;
        developer.password_hash = Some(miniplat_crypto::password::hash_password(new_password));
        developer.sign_in = SignInState::default();
        // Receiving the link proves control of the mailbox.
        developer.email_verified_at.get_or_insert(self.clock.now());
        self.store.update_developer(&developer).await?;
        self.store.delete_sessions_of(AccountRef::Developer(developer.id)).await?;
        self.audit(Actor::Developer(developer.id), "developer.reset_password", &target(developer.id), "")
            .await?;
        Ok(developer)
    }

    /// Changes the password of a signed-in developer after re-checking the current one.
    pub async fn change_developer_password(
        &self,
        developer: &Developer,
        current: &str,
        new: &str,
    ) -> Result<()> {
        self.confirm_developer_password(developer, current)?;
        check_password_rules(new)?;
        let mut updated = developer.clone();
        updated.password_hash = Some(miniplat_crypto::password::hash_password(new));
        self.store.update_developer(&updated).await?;
        self.audit(Actor::Developer(developer.id), "developer.change_password", &target(developer.id), "")
            .await
    }

    /// Re-authentication before sensitive actions (revealing or resetting a secret). A developer
    /// without a password yet (bootstrap operator) cannot pass it until they set one.
    pub fn confirm_developer_password(&self, developer: &Developer, password: &str) -> Result<()> {
        // Re-entry is a password check like sign-in, so it gets the same attempt budget.
        self.sign_in_limiter.attempt(&format!("confirm:{}", developer.id.0), self.clock.now())?;
        match developer.password_hash.as_deref() {
            Some(hash) if miniplat_crypto::password::verify_password(password, hash) => Ok(()),
            _ => Err(Error::invalid("password", "is wrong")),
        }
    }

    /// Sets the first password of an account created without one (the bootstrap operator).
    pub async fn set_initial_developer_password(&self, developer: &Developer, password: &str) -> Result<()> {
        if developer.password_hash.is_some() {
            return Err(Error::forbidden("a password is already set; use change password"));
        }
        check_password_rules(password)?;
        let mut updated = developer.clone();
        updated.password_hash = Some(miniplat_crypto::password::hash_password(password));
        self.store.update_developer(&updated).await?;
        self.audit(Actor::Developer(developer.id), "developer.set_password", &target(developer.id), "").await
    }

    /// An invitation link for invite-only registration, emailed to `email`.
    pub async fn invite_developer(&self, actor: &Developer, email: &str) -> Result<String> {
        ensure_operator(actor)?;
        let email = Email::parse(email)?;
        if self.store.email_in_use(&email).await? {
            return Err(Error::Conflict(Conflict::EmailTaken));
        }
        let expires = self.clock.now() + self.config.invitation_ttl_secs;
        let token = self.links.sign(INVITE_PURPOSE, "invite", expires, email.as_str().as_bytes());
        let link = format!("{}/console/signup?invitation={token}", self.config.public_url);
        self.mailer
            .send(OutgoingMail::registration_invitation(&email, &link))
            .await
            .map_err(|e| Error::Store(StoreError::Backend(format!("mail: {e}"))))?;
        self.audit(Actor::Developer(actor.id), "developer.invite", email.as_str(), "").await?;
        Ok(link)
    }

    pub async fn list_developers(&self, actor: &Developer) -> Result<Vec<Developer>> {
        ensure_operator(actor)?;
        Ok(self.store.list_developers().await?)
    }

    /// Suspends, reinstates or refuses an account (6.2, 4.2). Ends its sessions unless active.
    pub async fn set_developer_status(
        &self,
        actor: &Developer,
        id: DeveloperId,
        status: AccountStatus,
    ) -> Result<Developer> {
        ensure_operator(actor)?;
        if actor.id == id {
            return Err(Error::forbidden("operators cannot change the status of their own account"));
        }
        let mut developer = self.developer(id).await?;
        if developer.status == AccountStatus::Refused && status != AccountStatus::Refused {
            return Err(Error::forbidden("a refused account cannot be reinstated"));
        }
        developer.status = status;
        self.store.update_developer(&developer).await?;
        if status != AccountStatus::Active {
            self.store.delete_sessions_of(AccountRef::Developer(id)).await?;
            self.store.revoke_api_keys_of(id, self.clock.now()).await?;
        }
        self.audit(Actor::Developer(actor.id), "developer.set_status", &target(id), status.as_str()).await?;
        Ok(developer)
    }

    /// On first start: creates the operator account if none exists and returns a one-time
    /// sign-in link for it.
    pub async fn bootstrap_operator(&self, email: &str) -> Result<Option<String>> {
        if self.store.operator_exists().await? {
            return Ok(None);
        }
        let operator = self.create_verified_developer(email, PlatformRole::Operator).await?;
        Ok(Some(self.create_sign_in_link(&operator).await?))
    }

    /// A one-time sign-in link (24 h) for an account, stored hashed.
    pub async fn create_sign_in_link(&self, developer: &Developer) -> Result<String> {
        let token = miniplat_crypto::random::hex(24);
        let expires = self.clock.now() + 86_400;
        self.store
            .create_sign_in_link(&miniplat_crypto::sha256_hex(token.as_bytes()), developer.id, expires)
            .await?;
        Ok(format!("{}/console/link/{token}", self.config.public_url))
    }

    /// Consumes a one-time sign-in link.
    pub async fn use_sign_in_link(&self, token: &str) -> Result<Developer> {
        let hash = miniplat_crypto::sha256_hex(token.as_bytes());
        let id = self.store.take_sign_in_link(&hash, self.clock.now()).await?.ok_or(Error::LinkInvalid)?;
        let developer = self.developer(id).await?;
        developer.ensure_active()?;
        self.audit(Actor::Developer(id), "developer.sign_in_link", &target(id), "").await?;
        Ok(developer)
    }
}

pub fn ensure_operator(actor: &Developer) -> Result<()> {
    if actor.is_operator() {
        Ok(())
    } else {
        Err(Error::forbidden("only platform operators may do this"))
    }
}

fn target(id: DeveloperId) -> String {
    format!("developer:{}", id.0)
}

fn parse_id(text: &str) -> Result<i64> {
    text.parse().map_err(|_| Error::LinkInvalid)
}

fn reset_binding(developer: &Developer) -> Vec<u8> {
    developer.password_hash.clone().unwrap_or_default().into_bytes()
}
