//! Testers (clause 2.3, `wechat-api.md` §7.1 rows 19–21): end-user accounts a mini program lets
//! open its trial version. The WeChat API names a tester by `wechatid`, which on this platform is
//! the end user's email (its public user handle), and answers with a `userstr`: an opaque id,
//! stable per (app, user), derived with a keyed hash so it reveals nothing about the user.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{App, AppId, AppKey, MemberRole};
use crate::accounts::{Developer, EndUserId};
use crate::audit::Actor;
use crate::email::Email;
use crate::error::{Error, Result, StoreError};
use crate::tokens::TokenContext;
use crate::wx::WxError;
use crate::Platform;
use crate::Timestamp;

/// A bound tester.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tester {
    pub app: AppKey,
    pub user: EndUserId,
    /// The user's email, for the console (filled by the store when listing).
    pub email: Option<Email>,
    pub userstr: String,
    pub bound_at: Timestamp,
}

/// Why the store refused to bind a tester.
#[derive(Debug)]
pub enum BindTesterError {
    AlreadyBound,
    AppLimit,
    UserLimit,
    Store(StoreError),
}

impl From<StoreError> for BindTesterError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

impl BindTesterError {
    /// The WeChat error for this refusal (85002–85004).
    pub fn to_wx(self) -> WxError {
        match self {
            Self::AlreadyBound => WxError::tester_already_bound(),
            Self::AppLimit => WxError::tester_app_limit(),
            Self::UserLimit => WxError::tester_user_limit(),
            Self::Store(e) => e.into(),
        }
    }
}

/// How a tester is named when unbinding.
#[derive(Debug, Clone, Copy)]
pub enum TesterRef<'a> {
    WechatId(&'a str),
    UserStr(&'a str),
}

impl Platform {
    /// The opaque, stable id of `user` as a tester of `app`.
    pub fn userstr(&self, appid: &AppId, user: EndUserId) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.tester_key).expect("HMAC takes any key length");
        mac.update(appid.as_str().as_bytes());
        mac.update(b"|");
        mac.update(&user.0.to_be_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// `POST /wxa/bind_tester`: binds the end user whose email is `wechatid`.
    pub async fn bind_tester(&self, app: &TokenContext, wechatid: &str) -> Result<String, WxError> {
        let user = self.tester_user(wechatid).await?;
        let tester = Tester {
            app: app.app,
            user,
            email: None,
            userstr: self.userstr(&app.appid, user),
            bound_at: self.clock.now(),
        };
        self.store
            .bind_tester(&tester, self.config.testers_per_app, self.config.tester_apps_per_user)
            .await
            .map_err(BindTesterError::to_wx)?;
        Ok(tester.userstr)
    }

    /// `POST /wxa/unbind_tester`. Unbinding someone who is not a tester succeeds, as there is
    /// nothing left to do; an unknown `wechatid` is 85001.
    pub async fn unbind_tester(&self, app: AppKey, tester: TesterRef<'_>) -> Result<(), WxError> {
        match tester {
            TesterRef::WechatId(wechatid) => {
                let user = self.tester_user(wechatid).await?;
                self.store.unbind_tester(app, Some(user), None).await?;
            }
            TesterRef::UserStr(userstr) => {
                self.store.unbind_tester(app, None, Some(userstr)).await?;
            }
        }
        Ok(())
    }

    /// `POST /wxa/memberauth` `get_experiencer`: the userstrs of the app's testers.
    pub async fn tester_userstrs(&self, app: AppKey) -> Result<Vec<String>, WxError> {
        Ok(self.store.testers(app).await?.into_iter().map(|t| t.userstr).collect())
    }

    async fn tester_user(&self, wechatid: &str) -> Result<EndUserId, WxError> {
        let email = Email::parse(wechatid).map_err(|_| WxError::tester_not_found())?;
        let user = self.store.end_user_by_email(&email).await?.ok_or_else(WxError::tester_not_found)?;
        Ok(user.id)
    }

    // ---- the console ----

    /// The app's testers, for a member.
    pub async fn testers(&self, actor: &Developer, appid: &str) -> Result<(App, Vec<Tester>)> {
        let (app, _) = self.app_for_member(actor, appid).await?;
        let testers = self.store.testers(app.key).await?;
        Ok((app, testers))
    }

    /// Adds a tester by end-user email; needs the developer role.
    pub async fn add_tester(&self, actor: &Developer, appid: &str, email: &str) -> Result<()> {
        actor.ensure_active()?;
        let (app, role) = self.app_for_member(actor, appid).await?;
        role.ensure(MemberRole::Developer)?;
        let context = TokenContext { app: app.key, appid: app.appid.clone() };
        self.bind_tester(&context, email).await.map_err(tester_error)?;
        self.audit(Actor::Developer(actor.id), "tester.bind", app.appid.as_str(), email.trim()).await
    }

    /// Removes a tester by userstr; needs the developer role.
    pub async fn remove_tester(&self, actor: &Developer, appid: &str, userstr: &str) -> Result<()> {
        actor.ensure_active()?;
        let (app, role) = self.app_for_member(actor, appid).await?;
        role.ensure(MemberRole::Developer)?;
        if !self.store.unbind_tester(app.key, None, Some(userstr)).await? {
            return Err(Error::NotFound("tester"));
        }
        self.audit(Actor::Developer(actor.id), "tester.unbind", app.appid.as_str(), userstr).await
    }
}

/// A WeChat tester refusal as a platform error, for the console.
fn tester_error(error: WxError) -> Error {
    match error.errcode {
        85001 => Error::invalid("email", "belongs to no end-user account"),
        85002 => Error::forbidden("the mini program has reached its tester limit"),
        85003 => Error::forbidden("this user is a tester of too many mini programs"),
        85004 => Error::invalid("email", "belongs to someone who is already a tester"),
        _ => Error::Store(StoreError::Backend(error.errmsg)),
    }
}
