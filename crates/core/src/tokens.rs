//! WeChat access tokens (`wechat-api.md` §2): `/cgi-bin/token` issues a new token per call and
//! lets the previous one live on for a grace period; `/cgi-bin/stable_token` hands out the same
//! token while it is fresh. Tokens are stored as SHA-256 hashes. A stable token is derived with
//! a keyed hash from a stored nonce, so the same value can be returned again without keeping it.
//!
//! Validation is on the hot path of every WeChat endpoint, so validated tokens are cached in
//! memory for a few seconds; revocations on this node clear the cache at once, and the short
//! lifetime bounds how long another node may still accept a revoked token.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::apps::{App, AppId, AppKey};
use crate::error::StoreError;
use crate::quota::{self, Api};
use crate::wx::WxError;
use crate::Platform;
use crate::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// From `/cgi-bin/token`.
    Basic,
    /// From `/cgi-bin/stable_token`.
    Stable,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Basic => "basic",
            Self::Stable => "stable",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "basic" => Some(Self::Basic),
            "stable" => Some(Self::Stable),
            _ => None,
        }
    }
}

/// A stored token (its hash and lifetime).
#[derive(Debug, Clone)]
pub struct AccessTokenRecord {
    pub hash: String,
    pub app: AppKey,
    pub kind: TokenKind,
    /// For stable tokens: the nonce the value is derived from.
    pub nonce: Option<String>,
    pub forced: bool,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
    /// Set when superseded (end of grace) or revoked.
    pub invalid_after: Option<Timestamp>,
}

/// What a token endpoint returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: i64,
}

/// The mini program a valid token speaks for.
#[derive(Debug, Clone)]
pub struct TokenContext {
    pub app: AppKey,
    pub appid: AppId,
}

/// Credentials as they arrive on the wire; `None` means the parameter was absent.
#[derive(Debug, Default)]
pub struct TokenRequest<'a> {
    pub grant_type: Option<&'a str>,
    pub appid: Option<&'a str>,
    pub secret: Option<&'a str>,
}

const CACHE_SECONDS: i64 = 5;
const CACHE_CAPACITY: usize = 100_000;

#[derive(Clone)]
struct CachedToken {
    context: TokenContext,
    expires_at: Timestamp,
    invalid_after: Option<Timestamp>,
    cached_at: Timestamp,
}

/// Recently validated tokens, keyed by the token itself: the cache lives only in memory (the
/// store keeps hashes), and a hit then costs no hashing. Also the mini programs recently read
/// by appid to check an AppSecret (`/cgi-bin/token`, `jscode2session`), for the same
/// lifetime: a changed app is forgotten at once on this node, and another node may accept a
/// reset secret for at most those seconds, as it may a revoked token.
#[derive(Default)]
pub struct TokenCache {
    entries: RwLock<HashMap<String, CachedToken>>,
    apps: RwLock<HashMap<AppId, (Arc<App>, Timestamp)>>,
}

impl TokenCache {
    fn get(&self, token: &str, now: Timestamp) -> Option<CachedToken> {
        let entries = self.entries.read().expect("token cache lock");
        entries.get(token).filter(|e| now - e.cached_at < CACHE_SECONDS).cloned()
    }

    fn put(&self, token: String, entry: CachedToken) {
        let mut entries = self.entries.write().expect("token cache lock");
        if entries.len() >= CACHE_CAPACITY {
            entries.clear();
        }
        entries.insert(token, entry);
    }

    fn app(&self, appid: &AppId, now: Timestamp) -> Option<Arc<App>> {
        let apps = self.apps.read().expect("app cache lock");
        apps.get(appid).filter(|(_, cached_at)| now - cached_at < CACHE_SECONDS).map(|(app, _)| app.clone())
    }

    fn put_app(&self, app: Arc<App>, now: Timestamp) {
        let mut apps = self.apps.write().expect("app cache lock");
        if apps.len() >= CACHE_CAPACITY {
            apps.clear();
        }
        apps.insert(app.appid.clone(), (app, now));
    }

    /// Drops every cached token of an app and the app itself (after a secret reset,
    /// revocation or any other change of the app).
    pub fn forget_app(&self, app: AppKey) {
        self.entries.write().expect("token cache lock").retain(|_, e| e.context.app != app);
        self.apps.write().expect("app cache lock").retain(|_, (cached, _)| cached.key != app);
    }
}

fn is_well_formed_secret(secret: &str) -> bool {
    secret.len() == 32 && secret.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Platform {
    /// Resolves and checks the appid and secret of a token request. `wrong_secret` is the error
    /// for a well-formed secret that does not match (the two endpoints differ).
    async fn token_app(
        &self,
        request: &TokenRequest<'_>,
        wrong_secret: fn() -> WxError,
    ) -> Result<Arc<App>, WxError> {
        if request.grant_type != Some("client_credential") {
            return Err(WxError::invalid_grant_type());
        }
        self.app_by_credentials(request.appid, request.secret, wrong_secret).await
    }

    /// Resolves and checks an appid and AppSecret pair (41002, 40013, 41004, 40125 for a
    /// malformed secret, `wrong_secret` for one that does not match).
    pub(crate) async fn app_by_credentials(
        &self,
        appid: Option<&str>,
        secret: Option<&str>,
        wrong_secret: fn() -> WxError,
    ) -> Result<Arc<App>, WxError> {
        let appid = appid.filter(|a| !a.is_empty()).ok_or_else(WxError::missing_appid)?;
        let appid = AppId::parse(appid).ok_or_else(WxError::invalid_appid)?;
        let now = self.clock.now();
        let app = match self.tokens.app(&appid, now) {
            Some(app) => app,
            None => {
                let app =
                    Arc::new(self.store.app_by_appid(&appid).await?.ok_or_else(WxError::invalid_appid)?);
                self.tokens.put_app(app.clone(), now);
                app
            }
        };
        let secret = secret.filter(|s| !s.is_empty()).ok_or_else(WxError::missing_secret)?;
        if !is_well_formed_secret(secret) {
            return Err(WxError::invalid_appsecret());
        }
        if !Platform::secret_matches(&app, secret) {
            return Err(wrong_secret());
        }
        Ok(app)
    }

    /// Checks an appid and AppSecret pair as `/cgi-bin/token` does (40001 for a wrong secret).
    pub async fn authenticate_app_secret(&self, request: TokenRequest<'_>) -> Result<Arc<App>, WxError> {
        self.token_app(&request, || WxError::invalid_credential("invalid appsecret or invalid access_token"))
            .await
    }

    /// `GET /cgi-bin/token`: a new token on every call; earlier basic tokens stay valid for the
    /// grace period.
    pub async fn issue_access_token(&self, request: TokenRequest<'_>) -> Result<IssuedToken, WxError> {
        let app = self.authenticate_app_secret(request).await?;
        self.charge_quota(app.key, quota::TOKEN).await?;
        let now = self.clock.now();
        let token = miniplat_crypto::random::token_chars(136);
        let record = AccessTokenRecord {
            hash: miniplat_crypto::sha256_hex(token.as_bytes()),
            app: app.key,
            kind: TokenKind::Basic,
            nonce: None,
            forced: false,
            issued_at: now,
            expires_at: now + self.config.access_token_ttl_secs,
            invalid_after: None,
        };
        self.store.insert_access_token(&record, Some(now + self.config.access_token_grace_secs)).await?;
        Ok(IssuedToken { access_token: token, expires_in: self.config.access_token_ttl_secs })
    }

    /// `POST /cgi-bin/stable_token`: the current stable token with its remaining lifetime, or a
    /// new one when it is close to expiry (5 minutes) or `force_refresh` is set (which also ends
    /// the previous one, within the force-refresh limits).
    pub async fn stable_access_token(
        &self,
        request: TokenRequest<'_>,
        force_refresh: bool,
    ) -> Result<IssuedToken, WxError> {
        let app = self.token_app(&request, WxError::invalid_appsecret).await?;
        self.charge_quota(app.key, quota::STABLE_TOKEN).await?;
        let now = self.clock.now();
        let current = self.store.current_stable_token(app.key, now).await?;
        if !force_refresh {
            if let Some(record) = current.filter(|r| r.expires_at - now > 300) {
                let nonce = record.nonce.as_deref().unwrap_or_default();
                let token = self.stable_token_value(&app.appid, nonce);
                return Ok(IssuedToken { access_token: token, expires_in: record.expires_at - now });
            }
        } else {
            let (today, last) =
                self.store.forced_stable_refreshes(app.key, crate::clock::day_of(now) * 86_400).await?;
            if today >= self.config.stable_force_refresh_per_day {
                return Err(WxError::daily_quota_reached());
            }
            if last.is_some_and(|at| now - at < self.config.stable_force_refresh_min_interval_secs) {
                return Err(WxError::minute_quota_reached());
            }
        }
        let nonce = miniplat_crypto::random::hex(16);
        let token = self.stable_token_value(&app.appid, &nonce);
        let record = AccessTokenRecord {
            hash: miniplat_crypto::sha256_hex(token.as_bytes()),
            app: app.key,
            kind: TokenKind::Stable,
            nonce: Some(nonce),
            forced: force_refresh,
            issued_at: now,
            expires_at: now + self.config.access_token_ttl_secs,
            invalid_after: None,
        };
        // A forced refresh ends the previous stable token now; a rotation lets it run out.
        let supersede = force_refresh.then_some(now);
        self.store.insert_access_token(&record, supersede).await?;
        if force_refresh {
            self.tokens.forget_app(app.key);
        }
        Ok(IssuedToken { access_token: token, expires_in: self.config.access_token_ttl_secs })
    }

    fn stable_token_value(&self, appid: &AppId, nonce: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.stable_token_key).expect("HMAC takes any key length");
        mac.update(appid.as_str().as_bytes());
        mac.update(b"|");
        mac.update(nonce.as_bytes());
        let digest = mac.finalize().into_bytes();
        // Map the 32 bytes onto the token alphabet, twice over, for a WeChat-like length.
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        let mut value = String::with_capacity(128);
        for round in 0..4u8 {
            for byte in digest.iter() {
                value.push(ALPHABET[usize::from(byte.rotate_left(u32::from(round) * 2) & 63)] as char);
            }
        }
        value
    }

    /// Checks an `access_token` query value: 41001 when absent, 40001 when unknown, superseded or
    /// revoked, 42001 when expired.
    pub async fn authenticate_access_token(&self, token: Option<&str>) -> Result<TokenContext, WxError> {
        let token = token.filter(|t| !t.is_empty()).ok_or_else(WxError::missing_access_token)?;
        if token.len() > 512 {
            return Err(WxError::invalid_credential("access_token is invalid or not latest"));
        }
        let now = self.clock.now();
        let cached =
            match self.tokens.get(token, now) {
                Some(hit) => hit,
                None => {
                    let hash = miniplat_crypto::sha256_hex(token.as_bytes());
                    let record = self.store.access_token_by_hash(&hash).await?.ok_or_else(|| {
                        WxError::invalid_credential("access_token is invalid or not latest")
                    })?;
                    let app =
                        self.store.app_by_key(record.app).await?.ok_or_else(|| {
                            WxError::from(StoreError::Backend("token of a missing app".into()))
                        })?;
                    let entry = CachedToken {
                        context: TokenContext { app: app.key, appid: app.appid },
                        expires_at: record.expires_at,
                        invalid_after: record.invalid_after,
                        cached_at: now,
                    };
                    self.tokens.put(token.to_owned(), entry.clone());
                    entry
                }
            };
        if cached.invalid_after.is_some_and(|at| now >= at) {
            return Err(WxError::invalid_credential("access_token is invalid or not latest"));
        }
        if now >= cached.expires_at {
            return Err(WxError::access_token_expired());
        }
        Ok(cached.context)
    }

    /// Authenticates a token and charges the call to `api`'s quota: what every token-bearing
    /// WeChat endpoint does first.
    pub async fn authorize_wx_call(
        &self,
        token: Option<&str>,
        api: &'static Api,
    ) -> Result<TokenContext, WxError> {
        let context = self.authenticate_access_token(token).await?;
        self.charge_quota(context.app, api).await?;
        Ok(context)
    }
}
