//! Consent and authorisation (clause 4.4 (3)–(4)). Before a mini program gets personal data the
//! user must have agreed to the current version of the guide that applies, the guide must
//! declare that data, and for data behind a `wx.authorize` scope the user must have granted the
//! scope. Every agreement, grant, refusal and withdrawal is recorded as a [`ConsentEvent`];
//! withdrawals and revoked scopes are pushed to the developer's server as
//! `user_authorization_revoke`.

use serde::Serialize;

use super::{PolicyKind, PrivacyPolicy};
use crate::accounts::EndUserId;
use crate::apps::access::EnvVersion;
use crate::apps::{App, AppKey};
use crate::error::{Error, Result};
use crate::{Platform, Timestamp};

/// A user's standing agreement to one guide of a mini program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub app: AppKey,
    pub user: EndUserId,
    pub kind: PolicyKind,
    /// The policy version agreed to.
    pub version: i64,
    /// The `privacy_key`s that version declared.
    pub items: Vec<String>,
    pub channel: String,
    pub agreed_at: Timestamp,
}

/// A user's answer to a `wx.authorize` scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScopeGrant {
    #[serde(skip)]
    pub app: AppKey,
    #[serde(skip)]
    pub user: EndUserId,
    pub scope: String,
    pub granted: bool,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentAction {
    /// Agreed to a policy version.
    Agree,
    /// Withdrew consent to the mini program's guide (and every grant with it).
    Withdraw,
    /// Granted a scope.
    Grant,
    /// Refused a scope when asked.
    Refuse,
    /// Took back a granted scope.
    Revoke,
}

impl ConsentAction {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "agree" => Some(Self::Agree),
            "withdraw" => Some(Self::Withdraw),
            "grant" => Some(Self::Grant),
            "refuse" => Some(Self::Refuse),
            "revoke" => Some(Self::Revoke),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agree => "agree",
            Self::Withdraw => "withdraw",
            Self::Grant => "grant",
            Self::Refuse => "refuse",
            Self::Revoke => "revoke",
        }
    }
}

/// One recorded consent decision: who, which mini program, which policy version, which items,
/// when and through which channel (the web host, a native host, the privacy centre).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentEvent {
    pub id: i64,
    pub app: AppKey,
    pub user: EndUserId,
    pub action: ConsentAction,
    pub policy: Option<(PolicyKind, i64)>,
    /// Privacy keys agreed to, or the scopes granted, refused or revoked.
    pub items: Vec<String>,
    pub channel: String,
    pub at: Timestamp,
}

/// Why a privacy-relevant request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PrivacyRefusal {
    #[error("the mini program's privacy guide does not declare this information")]
    NotDeclared,
    #[error("the user has not agreed to the mini program's current privacy guide")]
    ConsentRequired,
    #[error("the privacy guide changed; show the current version and ask again")]
    PolicyChanged,
    #[error("the user has not granted this scope")]
    ScopeNotGranted,
    #[error("unknown scope")]
    UnknownScope,
}

impl PrivacyRefusal {
    /// The stable code of the error catalogue (docs/API.md).
    pub fn code(self) -> &'static str {
        match self {
            Self::NotDeclared => "privacy_not_declared",
            Self::ConsentRequired => "privacy_consent_required",
            Self::PolicyChanged => "privacy_policy_changed",
            Self::ScopeNotGranted => "scope_not_granted",
            Self::UnknownScope => "unknown_scope",
        }
    }
}

/// What a host shows before personal data is requested (`wx.getPrivacySetting`).
#[derive(Debug, Clone)]
pub struct PrivacyPrompt {
    /// The guide that applies; `None` when the mini program has none (it may then ask for
    /// nothing personal).
    pub policy: Option<PrivacyPolicy>,
    /// True when the user must agree before any personal data flows.
    pub needs_agreement: bool,
}

/// What one mini program may access, for the privacy centre.
#[derive(Debug, Clone)]
pub struct AppPrivacy {
    pub app: App,
    /// When the user last logged in to it; `None` if they never did.
    pub last_login: Option<Timestamp>,
    pub consents: Vec<Consent>,
    pub grants: Vec<ScopeGrant>,
}

const MAX_CHANNEL: usize = 64;

impl Platform {
    /// The guide that applies to `env` and whether `user` still has to agree to it.
    pub async fn privacy_prompt(&self, app: &App, env: EnvVersion, user: EndUserId) -> Result<PrivacyPrompt> {
        let kind = PolicyKind::for_env(env);
        let policy = self.store.privacy_policy(app.key, kind, None).await?;
        let needs_agreement = match &policy {
            None => false,
            Some(policy) => {
                let consent = self.store.privacy_consent(app.key, user, kind).await?;
                consent.is_none_or(|c| c.version != policy.version)
            }
        };
        Ok(PrivacyPrompt { policy, needs_agreement })
    }

    /// Records that `user` agreed to `version` of the guide that applies to `env`. Agreeing to
    /// anything but the current version is refused: the user must see what they agree to.
    pub async fn agree_to_privacy_policy(
        &self,
        app: &App,
        env: EnvVersion,
        user: EndUserId,
        version: i64,
        channel: &str,
    ) -> Result<Consent> {
        let channel = check_channel(channel)?;
        let kind = PolicyKind::for_env(env);
        let policy = self
            .store
            .privacy_policy(app.key, kind, None)
            .await?
            .ok_or(Error::Privacy(PrivacyRefusal::NotDeclared))?;
        if policy.version != version {
            return Err(Error::Privacy(PrivacyRefusal::PolicyChanged));
        }
        let now = self.clock.now();
        let consent = Consent {
            app: app.key,
            user,
            kind,
            version,
            items: policy.document.privacy_keys(),
            channel: channel.clone(),
            agreed_at: now,
        };
        let event = ConsentEvent {
            id: 0,
            app: app.key,
            user,
            action: ConsentAction::Agree,
            policy: Some((kind, version)),
            items: consent.items.clone(),
            channel,
            at: now,
        };
        self.store.record_consent(&consent, &event).await?;
        Ok(consent)
    }

    /// Withdraws `user`'s consent to every guide of `app`, and every scope grant with it. Returns
    /// the scopes and items given up (empty when there was nothing to withdraw).
    pub async fn withdraw_privacy_consent(
        &self,
        app: &App,
        user: EndUserId,
        channel: &str,
    ) -> Result<Vec<String>> {
        let channel = check_channel(channel)?;
        let mut items: Vec<String> = Vec::new();
        for kind in [PolicyKind::Live, PolicyKind::Development] {
            if let Some(consent) = self.store.privacy_consent(app.key, user, kind).await? {
                items.extend(consent.items);
            }
        }
        let granted = self.store.scope_grants(app.key, user).await?;
        items.extend(granted.into_iter().filter(|g| g.granted).map(|g| g.scope));
        items.sort();
        items.dedup();
        let event = ConsentEvent {
            id: 0,
            app: app.key,
            user,
            action: ConsentAction::Withdraw,
            policy: None,
            items: items.clone(),
            channel,
            at: self.clock.now(),
        };
        if !self.store.withdraw_privacy_consent(app.key, user, &event).await? {
            return Ok(Vec::new());
        }
        self.push_revocation(app, user, &items).await;
        Ok(items)
    }

    /// Tells the developer's server (when push is configured) that `user` took back `items`:
    /// WeChat's `user_authorization_revoke` event with `OpenID`, `AppID` and `RevokeInfo` (here
    /// the privacy keys and scopes given up, comma-separated). The decision is already stored;
    /// a failure to queue the event is logged, not turned into a failed withdrawal.
    async fn push_revocation(&self, app: &App, user: EndUserId, items: &[String]) {
        let event = crate::push::PushEvent::new("user_authorization_revoke")
            .text("OpenID", self.openid(&app.appid, user))
            .text("AppID", app.appid.as_str())
            .text("RevokeInfo", items.join(","));
        if let Err(error) = self.push_event(app, event).await {
            tracing::error!(%error, appid = %app.appid, "queuing user_authorization_revoke failed");
        }
    }

    /// Records the user's answer to a scope (`wx.authorize`, or a switch in the settings page).
    /// Granting needs the scope's data declared and agreed to; refusing and revoking always work.
    pub async fn answer_scope(
        &self,
        app: &App,
        env: EnvVersion,
        user: EndUserId,
        scope: &str,
        granted: bool,
        channel: &str,
    ) -> Result<ScopeGrant> {
        let channel = check_channel(channel)?;
        let privacy_key =
            miniplat_package::scope_privacy_key(scope).ok_or(Error::Privacy(PrivacyRefusal::UnknownScope))?;
        if granted {
            self.ensure_consented(app, env, user, privacy_key).await?;
        }
        let previous = self.store.scope_grants(app.key, user).await?.into_iter().find(|g| g.scope == scope);
        let action = match (granted, previous.map(|g| g.granted)) {
            (true, _) => ConsentAction::Grant,
            (false, Some(true)) => ConsentAction::Revoke,
            (false, _) => ConsentAction::Refuse,
        };
        let now = self.clock.now();
        let grant = ScopeGrant { app: app.key, user, scope: scope.to_owned(), granted, updated_at: now };
        let event = ConsentEvent {
            id: 0,
            app: app.key,
            user,
            action,
            policy: None,
            items: vec![scope.to_owned()],
            channel,
            at: now,
        };
        self.store.set_scope_grant(&grant, &event).await?;
        if action == ConsentAction::Revoke {
            self.push_revocation(app, user, &event.items).await;
        }
        Ok(grant)
    }

    /// The user's answers to scopes of `app` (`wx.getSetting`).
    pub async fn scope_grants(&self, app: &App, user: EndUserId) -> Result<Vec<ScopeGrant>> {
        Ok(self.store.scope_grants(app.key, user).await?)
    }

    /// The gate in front of every privacy-relevant request: `privacy_key` must be declared in
    /// the guide that applies to `env`, and `user` must have agreed to its current version.
    pub async fn ensure_consented(
        &self,
        app: &App,
        env: EnvVersion,
        user: EndUserId,
        privacy_key: &str,
    ) -> Result<()> {
        let kind = PolicyKind::for_env(env);
        let policy = self.store.privacy_policy(app.key, kind, None).await?;
        let Some(policy) = policy.filter(|p| p.document.declares(privacy_key)) else {
            return Err(Error::Privacy(PrivacyRefusal::NotDeclared));
        };
        match self.store.privacy_consent(app.key, user, kind).await? {
            Some(consent) if consent.version == policy.version => Ok(()),
            _ => Err(Error::Privacy(PrivacyRefusal::ConsentRequired)),
        }
    }

    /// The gate for data behind a scope: consent as [`Self::ensure_consented`], plus the grant.
    pub async fn ensure_scope_granted(
        &self,
        app: &App,
        env: EnvVersion,
        user: EndUserId,
        scope: &str,
    ) -> Result<()> {
        let privacy_key =
            miniplat_package::scope_privacy_key(scope).ok_or(Error::Privacy(PrivacyRefusal::UnknownScope))?;
        self.ensure_consented(app, env, user, privacy_key).await?;
        let grants = self.store.scope_grants(app.key, user).await?;
        if grants.iter().any(|g| g.scope == scope && g.granted) {
            Ok(())
        } else {
            Err(Error::Privacy(PrivacyRefusal::ScopeNotGranted))
        }
    }

    /// Every mini program `user` used, agreed to or granted something, for the privacy centre.
    pub async fn privacy_centre(&self, user: EndUserId) -> Result<Vec<AppPrivacy>> {
        let used = self.store.service_users_of(user).await?;
        let consents = self.store.consents_of_user(user).await?;
        let grants = self.store.scope_grants_of_user(user).await?;
        let mut keys: Vec<AppKey> = used
            .iter()
            .map(|u| u.app)
            .chain(consents.iter().map(|c| c.app))
            .chain(grants.iter().map(|g| g.app))
            .collect();
        keys.sort_by_key(|k| k.0);
        keys.dedup();
        let mut apps = Vec::with_capacity(keys.len());
        for key in keys {
            let Some(app) = self.store.app_by_key(key).await? else { continue };
            apps.push(AppPrivacy {
                app,
                last_login: used.iter().find(|u| u.app == key).map(|u| u.last_login),
                consents: consents.iter().filter(|c| c.app == key).cloned().collect(),
                grants: grants.iter().filter(|g| g.app == key).cloned().collect(),
            });
        }
        apps.sort_by(|a, b| a.app.name.as_str().cmp(b.app.name.as_str()));
        Ok(apps)
    }

    /// The user's consent history, newest first, each event with its mini program's name.
    pub async fn consent_history(&self, user: EndUserId, limit: i64) -> Result<Vec<(ConsentEvent, String)>> {
        let events = self.store.consent_events_of_user(user, limit.clamp(1, 500)).await?;
        let mut names: Vec<(AppKey, String)> = Vec::new();
        let mut history = Vec::with_capacity(events.len());
        for event in events {
            let name = match names.iter().find(|(key, _)| *key == event.app) {
                Some((_, name)) => name.clone(),
                None => {
                    let app = self.store.app_by_key(event.app).await?;
                    let name = app.map(|a| a.name.as_str().to_owned()).unwrap_or_default();
                    names.push((event.app, name.clone()));
                    name
                }
            };
            history.push((event, name));
        }
        Ok(history)
    }
}

fn check_channel(channel: &str) -> Result<String> {
    if channel.is_empty() || channel.len() > MAX_CHANNEL || !channel.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid("channel", "must be 1 to 64 visible ASCII characters"));
    }
    Ok(channel.to_owned())
}
