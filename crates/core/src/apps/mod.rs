//! The mini program registry (clauses 2.1, 2.3): appids, platform-unique names, icons, the
//! AppSecret, and members with roles.

pub mod access;
pub mod icon;
pub mod members;
pub mod name;
pub mod package_blobs;
pub mod testers;
pub mod upload_keys;
pub mod versions;

use serde::{Deserialize, Serialize};

pub use members::{Invitation, Member, MemberRole};
pub use name::AppName;

use crate::accounts::{Developer, DeveloperId};
use crate::audit::Actor;
use crate::email::Email;
use crate::error::{Conflict, Error, Result, StoreError};
use crate::Platform;
use crate::Timestamp;

/// A mini program's public id: `wx` followed by 16 lower-case hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AppId(String);

impl AppId {
    pub fn parse(raw: &str) -> Option<Self> {
        let hex = raw.strip_prefix("wx")?;
        (hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
            .then(|| Self(raw.to_owned()))
    }
    pub fn generate() -> Self {
        Self(format!("wx{}", miniplat_crypto::random::hex(8)))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AppId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for AppId {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        Self::parse(&value).ok_or_else(|| Error::invalid("appid", "is not a valid appid"))
    }
}

impl From<AppId> for String {
    fn from(value: AppId) -> Self {
        value.0
    }
}

/// Internal row id of a mini program (never shown; the appid is the public id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(transparent)]
pub struct AppKey(pub i64);

/// Release state of a mini program. Pausing, bans and rollbacks are told by the release
/// module (`crate::release`); this says whether a version was ever released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppStatus {
    /// Not released: invisible to everyone but its members (clause 2.3).
    Unreleased,
    /// A version was released (set by the first release).
    Released,
}

impl AppStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unreleased => "unreleased",
            Self::Released => "released",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Unreleased, Self::Released].into_iter().find(|status| status.as_str() == text)
    }
}

#[derive(Debug, Clone)]
pub struct App {
    pub key: AppKey,
    pub appid: AppId,
    pub name: AppName,
    pub introduction: String,
    pub icon_key: Option<String>,
    /// The mini program's own account email (clause 2.1), in the shared namespace.
    pub contact_email: Option<Email>,
    pub status: AppStatus,
    /// SHA-256 of the AppSecret.
    pub secret_hash: String,
    /// Bumped on every secret reset; tokens carry the generation they were issued under.
    pub secret_generation: i64,
    pub created_by: DeveloperId,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewApp {
    pub appid: AppId,
    pub name: AppName,
    pub introduction: String,
    pub contact_email: Option<Email>,
    pub secret_hash: String,
    pub created_by: DeveloperId,
    pub created_at: Timestamp,
}

/// Which uniqueness rule a store insert of an app ran into.
#[derive(Debug)]
pub enum CreateAppError {
    NameTaken,
    EmailTaken,
    Store(StoreError),
}

/// A created app with its AppSecret, which exists in clear only here.
pub struct CreatedApp {
    pub app: App,
    pub secret: String,
}

/// Introductions: up to 120 characters, no control characters other than newlines.
pub fn check_introduction(text: &str) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > 120 || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::invalid("introduction", "must be at most 120 characters"));
    }
    Ok(text.to_owned())
}

fn new_secret() -> String {
    miniplat_crypto::random::hex(16)
}

impl Platform {
    /// Registers a mini program. The creator becomes its admin. Needs a verified, active account.
    pub async fn create_app(
        &self,
        creator: &Developer,
        name: &str,
        introduction: &str,
        contact_email: Option<&str>,
    ) -> Result<CreatedApp> {
        creator.ensure_active()?;
        if !creator.is_verified() {
            return Err(Error::EmailNotVerified);
        }
        let name = AppName::parse(name)?;
        let introduction = check_introduction(introduction)?;
        let contact_email = contact_email.filter(|e| !e.trim().is_empty()).map(Email::parse).transpose()?;
        let secret = new_secret();
        let new = NewApp {
            appid: AppId::generate(),
            name,
            introduction,
            contact_email,
            secret_hash: miniplat_crypto::sha256_hex(secret.as_bytes()),
            created_by: creator.id,
            created_at: self.clock.now(),
        };
        let app = self.store.create_app(&new).await.map_err(|e| match e {
            CreateAppError::NameTaken => Error::Conflict(Conflict::AppNameTaken),
            CreateAppError::EmailTaken => Error::Conflict(Conflict::EmailTaken),
            CreateAppError::Store(e) => Error::Store(e),
        })?;
        self.audit(Actor::Developer(creator.id), "app.create", app.appid.as_str(), app.name.as_str()).await?;
        Ok(CreatedApp { app, secret })
    }

    /// Mini programs the developer is a member of, with their role in each.
    pub async fn apps_of(&self, developer: &Developer) -> Result<Vec<(App, MemberRole)>> {
        Ok(self.store.apps_of(developer.id).await?)
    }

    /// A mini program as seen by one of its members. Non-members get "not found", so the
    /// existence of unreleased mini programs does not leak (clause 2.3).
    /// A mini program by its appid, for surfaces that decide visibility themselves.
    pub async fn app_by_appid(&self, appid: &str) -> Result<App> {
        let not_found = || Error::NotFound("mini program");
        let appid = AppId::parse(appid).ok_or_else(not_found)?;
        self.store.app_by_appid(&appid).await?.ok_or_else(not_found)
    }

    pub async fn app_for_member(&self, developer: &Developer, appid: &str) -> Result<(App, MemberRole)> {
        let not_found = Error::NotFound("mini program");
        let appid = AppId::parse(appid).ok_or(Error::NotFound("mini program"))?;
        let app = self.store.app_by_appid(&appid).await?.ok_or(Error::NotFound("mini program"))?;
        let role = self.store.member_role(app.key, developer.id).await?.ok_or(not_found)?;
        Ok((app, role))
    }

    /// Replaces the AppSecret; every access token of the app stops working at once.
    pub async fn reset_app_secret(&self, actor: &Developer, appid: &str) -> Result<CreatedApp> {
        actor.ensure_active()?;
        let (app, role) = self.app_for_member(actor, appid).await?;
        role.ensure(MemberRole::Admin)?;
        let secret = new_secret();
        let app = self
            .store
            .replace_app_secret(app.key, &miniplat_crypto::sha256_hex(secret.as_bytes()), self.clock.now())
            .await?;
        self.tokens.forget_app(app.key);
        self.audit(Actor::Developer(actor.id), "app.reset_secret", app.appid.as_str(), "").await?;
        Ok(CreatedApp { app, secret })
    }

    /// Revokes every access token of the app (the secret stays).
    pub async fn revoke_app_tokens(&self, actor: &Developer, appid: &str) -> Result<u64> {
        actor.ensure_active()?;
        let (app, role) = self.app_for_member(actor, appid).await?;
        role.ensure(MemberRole::Admin)?;
        let revoked = self.store.revoke_tokens(app.key, self.clock.now()).await?;
        self.tokens.forget_app(app.key);
        self.audit(Actor::Developer(actor.id), "app.revoke_tokens", app.appid.as_str(), &revoked.to_string())
            .await?;
        Ok(revoked)
    }

    /// Edits the introduction and/or the icon.
    pub async fn update_app_profile(
        &self,
        actor: &Developer,
        appid: &str,
        introduction: Option<&str>,
        icon: Option<&[u8]>,
    ) -> Result<App> {
        actor.ensure_active()?;
        let (mut app, role) = self.app_for_member(actor, appid).await?;
        role.ensure(MemberRole::Admin)?;
        if let Some(text) = introduction {
            app.introduction = check_introduction(text)?;
        }
        if let Some(bytes) = icon {
            let image = self.check_image(bytes, "icon")?;
            let key = format!("icons/{}-{}.{}", app.appid, miniplat_crypto::random::hex(4), image.extension);
            self.blobs.put(&key, bytes.to_vec()).await.map_err(crate::blobs::store_error)?;
            app.icon_key = Some(key);
        }
        self.store.update_app_profile(&app).await?;
        self.tokens.forget_app(app.key);
        self.audit(Actor::Developer(actor.id), "app.update_profile", app.appid.as_str(), "").await?;
        Ok(app)
    }

    /// Checks an AppSecret for the token endpoints in constant time.
    pub fn secret_matches(app: &App, secret: &str) -> bool {
        let given = miniplat_crypto::sha256_hex(secret.as_bytes());
        miniplat_crypto::constant_time_eq(given.as_bytes(), app.secret_hash.as_bytes())
    }
}
