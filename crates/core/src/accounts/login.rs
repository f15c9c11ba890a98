//! Logging in to mini programs (`wechat-api.md` §3.1–3.4). A host mints a `js_code` for a user
//! it authenticated (`wx.login`); the mini program's server trades it once, within 5 minutes,
//! for the user's openid, unionid and a new session key (`/sns/jscode2session`). The session
//! key is sealed at rest and never reaches a host or a mini program's front end; the server
//! proves it holds it with HMAC signatures (`checksession`, `resetusersessionkey`,
//! `getuserencryptkey`).
//!
//! Codes (login and phone-number codes alike) are random, stored as SHA-256, single use, bound
//! to one user and one mini program.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::identities::ServiceUser;
use super::{EndUser, EndUserId};
use crate::apps::access::{Access, EnvVersion, Viewer};
use crate::apps::{App, AppId, AppKey};
use crate::error::{Error, Result};
use crate::tokens::TokenContext;
use crate::wx::WxError;
use crate::Platform;
use crate::Timestamp;

/// How long a login or phone-number code lives.
pub const CODE_TTL_SECS: i64 = 300;
/// How long an encrypt key of `getuserencryptkey` lives; the last three are listed.
pub const ENCRYPT_KEY_TTL_SECS: i64 = 3600;

/// What a code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    Login,
    Phone,
}

impl CodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Phone => "phone",
        }
    }
}

/// A stored code.
#[derive(Debug, Clone)]
pub struct UserCode {
    pub hash: String,
    pub kind: CodeKind,
    pub app: AppKey,
    pub user: EndUserId,
    pub expires_at: Timestamp,
}

/// The outcome of using a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeTake {
    /// Used now, by this user.
    Taken(EndUserId),
    AlreadyUsed,
    Expired,
    /// Minted for another mini program.
    OtherApp,
    /// Minted for another user than the one named.
    OtherUser,
    Unknown,
}

/// Decides a login inside the store's unit of work that used its code: the service user to
/// record for the code's end user (with a new sealed session key), or `None` to refuse it
/// (45011, the per-user login limit). The store may ask again for the same login when it has to
/// replay its unit of work (see the store's group commit); the limit then counts it twice.
pub type LoginDecision = Box<dyn FnMut(EndUserId) -> Option<ServiceUser> + Send>;

/// The outcome of a login with a code ([`crate::store::IdentityStore::log_in_with_code`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeLogin {
    /// Logged in: the login the decision named, now recorded (on a later login the stored
    /// `first_seen` stays the first one).
    LoggedIn(ServiceUser),
    /// The code was not used: why (never `Taken`).
    NotTaken(CodeTake),
    /// The code was used, but its end user is blocked.
    Blocked,
    /// The code was used, but the decision refused the login.
    Refused,
}

/// `jscode2session` as it arrives; `None` means the parameter was absent.
#[derive(Debug, Default)]
pub struct CodeToSession<'a> {
    pub appid: Option<&'a str>,
    pub secret: Option<&'a str>,
    pub js_code: Option<&'a str>,
    pub grant_type: Option<&'a str>,
}

/// What `jscode2session` returns.
#[derive(Debug, Clone)]
pub struct LoginSession {
    pub openid: String,
    pub session_key: String,
    pub unionid: String,
}

/// A user-login-state signed request (`checksession` and friends).
#[derive(Debug, Default)]
pub struct SignedRequest<'a> {
    pub openid: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub sig_method: Option<&'a str>,
}

/// One key of `getuserencryptkey`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptKey {
    pub encrypt_key: String,
    pub version: i64,
    pub expire_in: i64,
    pub iv: String,
    pub create_time: Timestamp,
}

/// The keys and in-memory state logins use, derived from the master key.
pub(crate) struct LoginKeys {
    pub session_keys: miniplat_crypto::seal::Sealer,
    pub encrypt_keys: [u8; 32],
}

/// The answer to a code that was not used: 40163 when used before, 40013 for a phone code of
/// another mini program, 40029 otherwise (unknown, expired, minted for someone else).
fn code_refusal(kind: CodeKind, take: CodeTake) -> WxError {
    match take {
        CodeTake::AlreadyUsed => WxError::code_been_used(),
        CodeTake::OtherApp if kind == CodeKind::Phone => WxError::code_of_other_appid(),
        CodeTake::Taken(_)
        | CodeTake::Expired
        | CodeTake::OtherApp
        | CodeTake::OtherUser
        | CodeTake::Unknown => WxError::invalid_code(),
    }
}

fn session_key_binding(app: AppKey, user: EndUserId) -> Vec<u8> {
    format!("session-key|{}|{}", app.0, user.0).into_bytes()
}

impl Platform {
    /// The mini program `appid` if `user` may open its `env` version; why not otherwise.
    pub async fn app_open_to(&self, appid: &str, env: EnvVersion, user: EndUserId) -> Result<App> {
        let appid = AppId::parse(appid).ok_or(Error::NotFound("mini program"))?;
        let app = self.store.app_by_appid(&appid).await?.ok_or(Error::NotFound("mini program"))?;
        match self.access_to(&app, env, &Viewer::EndUser(user)).await? {
            Access::Open => Ok(app),
            Access::NotReleased => Err(Error::forbidden("the mini program has no released version")),
            Access::NoTrialVersion => Err(Error::forbidden("the mini program has no trial version")),
            Access::Paused => Err(Error::forbidden("the mini program's service is paused")),
            Access::Banned => Err(Error::forbidden("the mini program is banned")),
            Access::NotPermitted => {
                Err(Error::forbidden("this version of the mini program is not open to the user"))
            }
        }
    }

    /// `wx.login`: a new js_code for `user` in the mini program, single use, for 5 minutes.
    pub async fn mint_login_code(&self, appid: &str, env: EnvVersion, user: &EndUser) -> Result<String> {
        let app = self.app_open_to(appid, env, user.id).await?;
        self.mint_code(CodeKind::Login, app.key, user.id).await
    }

    pub(crate) async fn mint_code(&self, kind: CodeKind, app: AppKey, user: EndUserId) -> Result<String> {
        let code = miniplat_crypto::random::token_chars(32);
        let now = self.clock.now();
        let record = UserCode {
            hash: miniplat_crypto::sha256_hex(code.as_bytes()),
            kind,
            app,
            user,
            expires_at: now + CODE_TTL_SECS,
        };
        // A used or expired code is only kept until it would have expired anyway.
        self.store.put_user_code(&record, now).await?;
        Ok(code)
    }

    /// Uses a code: 40029 when unknown, expired or minted for someone else, 40163 when used
    /// before; a phone code of another mini program is 40013.
    pub(crate) async fn take_code(
        &self,
        kind: CodeKind,
        code: &str,
        app: AppKey,
        user: Option<EndUserId>,
    ) -> Result<EndUserId, WxError> {
        let hash = miniplat_crypto::sha256_hex(code.as_bytes());
        match self.store.take_user_code(&hash, kind.as_str(), app, user, self.clock.now()).await? {
            CodeTake::Taken(user) => Ok(user),
            not_taken => Err(code_refusal(kind, not_taken)),
        }
    }

    /// `GET /sns/jscode2session`: trades a js_code for the user's identities and a new session
    /// key. A wrong secret is 40125 (as `stable_token` answers), a blocked user 40226, more than
    /// `logins_per_user_per_minute` logins of one user 45011.
    pub async fn code_to_session(&self, request: CodeToSession<'_>) -> Result<LoginSession, WxError> {
        if request.grant_type.is_some_and(|g| g != "authorization_code") {
            return Err(WxError::invalid_grant_type());
        }
        let app = self.app_by_credentials(request.appid, request.secret, WxError::invalid_appsecret).await?;
        let code = request.js_code.filter(|c| !c.is_empty()).ok_or_else(WxError::missing_code)?;
        if code.len() > 128 {
            return Err(WxError::invalid_code());
        }
        let hash = miniplat_crypto::sha256_hex(code.as_bytes());
        let now = self.clock.now();
        let session_key = miniplat_crypto::open_data::new_session_key();
        // Using the code and recording the login are one unit of work in the store.
        let decide = self.login_decision(&app, now, &session_key);
        match self.store.log_in_with_code(&hash, app.key, now, decide).await? {
            CodeLogin::LoggedIn(login) => {
                Ok(LoginSession { openid: login.openid, session_key, unionid: login.unionid })
            }
            CodeLogin::NotTaken(take) => Err(code_refusal(CodeKind::Login, take)),
            CodeLogin::Blocked => Err(WxError::code_blocked()),
            CodeLogin::Refused => Err(WxError::minute_quota_reached()),
        }
    }

    /// What a login with a code of `app` records once the code is used (run by the store inside
    /// its unit of work, so it owns what it needs): the service user with `session_key` sealed
    /// for it, unless the user is over `logins_per_user_per_minute`.
    fn login_decision(&self, app: &App, now: Timestamp, session_key: &str) -> LoginDecision {
        let (app_key, appid, subject) = (app.key, app.appid.clone(), app.created_by);
        let identity_keys = self.identity_keys.clone();
        let sealer = self.login_keys.session_keys.clone();
        let limiter = self.login_limiter.clone();
        let session_key = session_key.to_owned();
        Box::new(move |user| {
            limiter.attempt(&user.0.to_string(), now).ok()?;
            let sealed = sealer.seal(session_key.as_bytes(), &session_key_binding(app_key, user));
            Some(ServiceUser {
                app: app_key,
                user,
                openid: identity_keys.openid(&appid, user),
                unionid: identity_keys.unionid(subject, user),
                first_seen: now,
                last_login: now,
                sealed_session_key: Some(sealed),
                session_key_issued_at: Some(now),
            })
        })
    }

    fn seal_session_key(&self, app: AppKey, user: EndUserId, session_key: &str) -> Vec<u8> {
        self.login_keys.session_keys.seal(session_key.as_bytes(), &session_key_binding(app, user))
    }

    /// The current session key of a service user, if it has one.
    pub(crate) fn open_session_key(&self, service_user: &ServiceUser) -> Option<String> {
        let sealed = service_user.sealed_session_key.as_deref()?;
        let binding = session_key_binding(service_user.app, service_user.user);
        match self.login_keys.session_keys.open(sealed, &binding) {
            Ok(bytes) => String::from_utf8(bytes).ok(),
            Err(_) => {
                tracing::error!(app = service_user.app.0, "a stored session key does not open");
                None
            }
        }
    }

    /// Checks a user-login-state signature over `message` (empty for GET): 87008 for another
    /// method than `hmac_sha256`, 87007 when the openid has no session key, 87009 when the
    /// signature is wrong. Returns the service user and its session key.
    pub async fn verify_login_state(
        &self,
        caller: &TokenContext,
        request: &SignedRequest<'_>,
        message: &[u8],
    ) -> Result<(ServiceUser, String), WxError> {
        if request.sig_method != Some("hmac_sha256") {
            return Err(WxError::invalid_sig_method());
        }
        let openid = request
            .openid
            .filter(|o| !o.is_empty())
            .ok_or_else(|| WxError::invalid_args("openid missing"))?;
        let signature = request.signature.unwrap_or_default();
        let service_user = self
            .store
            .service_user_by_openid(caller.app, openid)
            .await?
            .ok_or_else(WxError::session_key_missing)?;
        let session_key = self.open_session_key(&service_user).ok_or_else(WxError::session_key_missing)?;
        if !miniplat_crypto::open_data::verify_session_signature(&session_key, message, signature) {
            return Err(WxError::invalid_signature());
        }
        Ok((service_user, session_key))
    }

    /// `GET /wxa/resetusersessionkey`: a new session key in place of the signed one; it keeps
    /// the old one's issue time.
    pub async fn reset_session_key(
        &self,
        caller: &TokenContext,
        request: &SignedRequest<'_>,
    ) -> Result<(String, String), WxError> {
        let (service_user, _) = self.verify_login_state(caller, request, b"").await?;
        let session_key = miniplat_crypto::open_data::new_session_key();
        let sealed = self.seal_session_key(service_user.app, service_user.user, &session_key);
        self.store.replace_session_key(service_user.app, service_user.user, &sealed).await?;
        Ok((service_user.openid, session_key))
    }

    /// `GET /wxa/business/getuserencryptkey`: the user's last three network encrypt keys, newest
    /// first. Each lives an hour; they are derived (keyed hash of app, user and the hour), so
    /// nothing is stored and every node agrees.
    pub async fn user_encrypt_keys(
        &self,
        caller: &TokenContext,
        request: &SignedRequest<'_>,
    ) -> Result<Vec<EncryptKey>, WxError> {
        let (service_user, _) = self.verify_login_state(caller, request, b"").await?;
        let now = self.clock.now();
        let current = now.div_euclid(ENCRYPT_KEY_TTL_SECS);
        Ok((0..3).map(|age| self.encrypt_key(&service_user, current - age, now)).collect())
    }

    fn encrypt_key(&self, service_user: &ServiceUser, version: i64, now: Timestamp) -> EncryptKey {
        let derive = |label: &[u8]| {
            let mut mac = Hmac::<Sha256>::new_from_slice(&self.login_keys.encrypt_keys)
                .expect("HMAC takes any key length");
            mac.update(&service_user.app.0.to_be_bytes());
            mac.update(&service_user.user.0.to_be_bytes());
            mac.update(&version.to_be_bytes());
            mac.update(label);
            mac.finalize().into_bytes()
        };
        let create_time = version * ENCRYPT_KEY_TTL_SECS;
        EncryptKey {
            encrypt_key: BASE64.encode(&derive(b"key")[..16]),
            version,
            expire_in: (create_time + ENCRYPT_KEY_TTL_SECS - now).max(0),
            iv: hex::encode(&derive(b"iv")[..16]),
            create_time,
        }
    }
}
