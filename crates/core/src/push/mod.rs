//! Push to the developer's server (clause 4.3, spec §9): each mini program may configure a URL,
//! a Token, an EncodingAESKey, a mode (plain, compatible, safe) and a format (XML, JSON). Saving
//! verifies the URL with WeChat's GET handshake; events are queued as jobs and delivered by
//! [`Platform::run_push_deliveries`] with retries, each attempt logged.
//!
//! - [`url`]: which URLs and addresses a push may reach;
//! - [`message`]: the wire form of a push, signatures and encryption;
//! - [`transport`]: the port requests leave through;
//! - [`delivery`]: queueing and the delivery worker.

pub mod delivery;
pub mod message;
pub mod transport;
pub mod url;

use miniplat_crypto::msg_crypt::{self, MsgKey};
use serde::{Deserialize, Serialize};

use crate::accounts::{Developer, DeveloperId};
use crate::apps::{App, AppKey, MemberRole};
use crate::audit::Actor;
use crate::error::{Error, Result, StoreError};
use crate::Platform;
use crate::Timestamp;

pub use message::{FieldValue, PushEvent};
pub use url::PushUrl;

use transport::{Method, PushRequest, TransportError};

/// How pushes are protected (WeChat's "消息加解密方式").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PushMode {
    /// Plain text, signed only.
    Plain,
    /// Plain fields and the ciphertext together.
    Compatible,
    /// Only the ciphertext (recommended).
    Safe,
}

impl PushMode {
    pub const ALL: [Self; 3] = [Self::Plain, Self::Compatible, Self::Safe];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plain => "plain",
            Self::Compatible => "compatible",
            Self::Safe => "safe",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PushFormat {
    Xml,
    Json,
}

impl PushFormat {
    pub const ALL: [Self; 2] = [Self::Xml, Self::Json];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Xml => "xml",
            Self::Json => "json",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }
}

/// The Token signatures are made with: 3–32 letters and digits (WeChat's rule).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushToken(String);

impl PushToken {
    pub fn parse(raw: &str) -> Result<Self> {
        let raw = raw.trim();
        if !(3..=32).contains(&raw.len()) || !raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::invalid("token", "must be 3 to 32 letters and digits"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The EncodingAESKey: 43 letters and digits, naming a 32-byte AES key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncodingAesKey(String);

impl EncodingAesKey {
    pub fn parse(raw: &str) -> Result<Self> {
        let raw = raw.trim();
        let invalid = || Error::invalid("encoding_aes_key", "must be 43 letters and digits");
        if raw.len() != 43 || !raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(invalid());
        }
        MsgKey::from_encoding_aes_key(raw).map_err(|_| invalid())?;
        Ok(Self(raw.to_owned()))
    }

    /// A fresh random key, for forms that offer one.
    pub fn generate() -> Self {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let text = miniplat_crypto::random::bytes(43)
            .into_iter()
            .map(|b| ALPHABET[usize::from(b) % ALPHABET.len()] as char)
            .collect();
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn key(&self) -> MsgKey {
        MsgKey::from_encoding_aes_key(&self.0).expect("checked when parsed")
    }
}

/// Secrets are never shown back in full: only their first characters.
fn masked(secret: &str) -> String {
    format!("{}…", secret.chars().take(3).collect::<String>())
}

/// Token and EncodingAESKey, sealed together at rest.
#[derive(Clone, Serialize, Deserialize)]
pub struct PushSecrets {
    pub token: PushToken,
    pub encoding_aes_key: EncodingAesKey,
}

/// A mini program's push configuration with its secrets open.
#[derive(Clone)]
pub struct PushConfig {
    pub app: AppKey,
    pub url: PushUrl,
    pub mode: PushMode,
    pub format: PushFormat,
    pub secrets: PushSecrets,
    pub verified_at: Timestamp,
    pub updated_by: DeveloperId,
    pub updated_at: Timestamp,
}

impl PushConfig {
    pub fn token_hint(&self) -> String {
        masked(self.secrets.token.as_str())
    }

    pub fn encoding_aes_key_hint(&self) -> String {
        masked(self.secrets.encoding_aes_key.as_str())
    }
}

/// A push configuration as stored: the secrets sealed.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPushConfig {
    pub app: AppKey,
    pub url: String,
    pub mode: PushMode,
    pub format: PushFormat,
    pub sealed_secrets: Vec<u8>,
    pub verified_at: Timestamp,
    pub updated_by: DeveloperId,
    pub updated_at: Timestamp,
}

/// What a member submits. Token and key may be left out to keep the current ones.
#[derive(Debug, Clone, Default)]
pub struct PushConfigInput {
    pub url: String,
    pub token: Option<String>,
    pub encoding_aes_key: Option<String>,
    pub mode: Option<PushMode>,
    pub format: Option<PushFormat>,
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryOutcome {
    /// The server answered 2xx.
    Delivered,
    /// Failed; another attempt is scheduled.
    Retrying,
    /// Failed the last attempt.
    Dead,
    /// Not sent: push was switched off after the event was queued.
    Dropped,
}

impl DeliveryOutcome {
    pub const ALL: [Self; 4] = [Self::Delivered, Self::Retrying, Self::Dead, Self::Dropped];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Retrying => "retrying",
            Self::Dead => "dead",
            Self::Dropped => "dropped",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

/// One delivery attempt, as the delivery log shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PushDelivery {
    pub id: i64,
    pub app: AppKey,
    pub event_id: String,
    pub event: String,
    pub attempt: i64,
    pub at: Timestamp,
    pub outcome: DeliveryOutcome,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// Deliveries the log shows.
pub const DELIVERY_LOG_LIMIT: i64 = 200;

fn secrets_aad(app: AppKey) -> Vec<u8> {
    format!("push-config|{}", app.0).into_bytes()
}

impl Platform {
    fn seal_push_config(&self, config: &PushConfig) -> StoredPushConfig {
        let plaintext = serde_json::to_vec(&config.secrets).expect("secrets serialise");
        StoredPushConfig {
            app: config.app,
            url: config.url.as_str().to_owned(),
            mode: config.mode,
            format: config.format,
            sealed_secrets: self.push_sealer.seal(&plaintext, &secrets_aad(config.app)),
            verified_at: config.verified_at,
            updated_by: config.updated_by,
            updated_at: config.updated_at,
        }
    }

    /// The app's push configuration with its secrets opened, if it has one.
    pub(crate) async fn open_push_config(&self, app: AppKey) -> Result<Option<PushConfig>> {
        let Some(stored) = self.store.push_config(app).await? else { return Ok(None) };
        let corrupt =
            |what: &str| Error::Store(StoreError::Backend(format!("stored push {what} is invalid")));
        let plaintext = self
            .push_sealer
            .open(&stored.sealed_secrets, &secrets_aad(app))
            .map_err(|_| corrupt("secrets"))?;
        let secrets: PushSecrets = serde_json::from_slice(&plaintext).map_err(|_| corrupt("secrets"))?;
        // Stored URLs passed the rule when saved; the operator may have tightened it since,
        // which the transport enforces at connection time.
        let url = PushUrl::parse(&stored.url, true).map_err(|_| corrupt("url"))?;
        Ok(Some(PushConfig {
            app,
            url,
            mode: stored.mode,
            format: stored.format,
            secrets,
            verified_at: stored.verified_at,
            updated_by: stored.updated_by,
            updated_at: stored.updated_at,
        }))
    }

    /// The app's push configuration; any member may read it (secrets only as hints).
    pub async fn push_config(&self, actor: &Developer, appid: &str) -> Result<(App, Option<PushConfig>)> {
        let (app, _) = self.app_for_member(actor, appid).await?;
        let config = self.open_push_config(app.key).await?;
        Ok((app, config))
    }

    /// Saves the app's push configuration after the URL passed the handshake; needs the
    /// admin or developer role. On any refusal nothing is saved.
    pub async fn set_push_config(
        &self,
        actor: &Developer,
        appid: &str,
        input: PushConfigInput,
    ) -> Result<(App, PushConfig)> {
        actor.ensure_active()?;
        let (app, role) = self.app_for_member(actor, appid).await?;
        role.ensure(MemberRole::Developer)?;
        let url = PushUrl::parse(&input.url, self.config.push_allow_private_addresses)?;
        let current = self.open_push_config(app.key).await?;
        let token = match (input.token.as_deref().filter(|t| !t.trim().is_empty()), &current) {
            (Some(token), _) => PushToken::parse(token)?,
            (None, Some(current)) => current.secrets.token.clone(),
            (None, None) => return Err(Error::invalid("token", "is required")),
        };
        let encoding_aes_key =
            match (input.encoding_aes_key.as_deref().filter(|k| !k.trim().is_empty()), &current) {
                (Some(key), _) => EncodingAesKey::parse(key)?,
                (None, Some(current)) => current.secrets.encoding_aes_key.clone(),
                (None, None) => return Err(Error::invalid("encoding_aes_key", "is required")),
            };
        let mode = input.mode.or(current.as_ref().map(|c| c.mode)).unwrap_or(PushMode::Safe);
        let format = input.format.or(current.as_ref().map(|c| c.format)).unwrap_or(PushFormat::Json);
        self.verify_push_url(&url, &token).await?;
        let now = self.clock.now();
        let config = PushConfig {
            app: app.key,
            url,
            mode,
            format,
            secrets: PushSecrets { token, encoding_aes_key },
            verified_at: now,
            updated_by: actor.id,
            updated_at: now,
        };
        self.store.put_push_config(&self.seal_push_config(&config)).await?;
        let detail = format!("{} {} {}", config.url, mode.as_str(), format.as_str());
        self.audit(Actor::Developer(actor.id), "push.configure", app.appid.as_str(), &detail).await?;
        Ok((app, config))
    }

    /// Switches push off for the app; events already queued are dropped. Needs the admin or
    /// developer role.
    pub async fn delete_push_config(&self, actor: &Developer, appid: &str) -> Result<()> {
        actor.ensure_active()?;
        let (app, role) = self.app_for_member(actor, appid).await?;
        role.ensure(MemberRole::Developer)?;
        if !self.store.delete_push_config(app.key).await? {
            return Err(Error::NotFound("push configuration"));
        }
        self.audit(Actor::Developer(actor.id), "push.remove", app.appid.as_str(), "").await
    }

    /// WeChat's URL verification (§9.1): a GET with `signature`, `timestamp`, `nonce` and
    /// `echostr`; the server proves it holds the Token by answering with `echostr`.
    async fn verify_push_url(&self, url: &PushUrl, token: &PushToken) -> Result<()> {
        let timestamp = self.clock.now().to_string();
        let nonce = random_digits();
        let echostr = format!("{}{}", random_digits(), random_digits());
        let signature = msg_crypt::signature(token.as_str(), &timestamp, &nonce);
        let request = PushRequest {
            method: Method::Get,
            url: url.with_query(&[
                ("signature", &signature),
                ("echostr", &echostr),
                ("timestamp", &timestamp),
                ("nonce", &nonce),
            ]),
            headers: Vec::new(),
            body: Vec::new(),
        };
        let refused = |message: String| Error::invalid("url", message);
        let response = self.push_transport.send(request).await.map_err(|error| match error {
            TransportError::Forbidden(address) => refused(format!(
                "resolves to {address}, which is not a public address; the operator can allow private \
                 addresses for development (push_allow_private_addresses)"
            )),
            TransportError::Failed(reason) => {
                refused(format!("could not be reached for verification: {reason}"))
            }
        })?;
        if !(200..300).contains(&response.status) {
            return Err(refused(format!("answered the verification request with HTTP {}", response.status)));
        }
        if String::from_utf8_lossy(&response.body).trim() != echostr {
            return Err(refused(
                "did not answer the verification request with its echostr; check the server's Token and \
                 signature check"
                    .into(),
            ));
        }
        Ok(())
    }
}

/// A random decimal number, the shape of WeChat's nonces.
fn random_digits() -> String {
    (miniplat_crypto::random::fast_u64() % 1_000_000_000).to_string()
}
