//! End users in mini programs: blocking, service users (openid, unionid, sealed session key),
//! and single-use login and phone-number codes.

use async_trait::async_trait;

use crate::accounts::identities::ServiceUser;
use crate::accounts::login::{CodeLogin, CodeTake, LoginDecision, UserCode};
use crate::accounts::EndUserId;
use crate::apps::AppKey;
use crate::Timestamp;

use super::StoreResult;

#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// False when there is no such end user.
    async fn set_end_user_blocked(&self, user: EndUserId, blocked: bool) -> StoreResult<bool>;

    /// Stores a new code, dropping codes that expired before `purge_before`.
    async fn put_user_code(&self, code: &UserCode, purge_before: Timestamp) -> StoreResult<()>;
    /// Uses a code of `code.kind` for `code.app` (and `code.user`, when given) at `now` if it is
    /// unused and unexpired; otherwise says why not, changing nothing.
    async fn take_user_code(
        &self,
        hash: &str,
        kind: &str,
        app: AppKey,
        user: Option<EndUserId>,
        now: Timestamp,
    ) -> StoreResult<CodeTake>;

    /// A login with a login code, as one unit of work: uses the code as `take_user_code` does
    /// (for whichever user it was minted for); when that end user exists and is not blocked,
    /// lets `decide` name the service user to record and records it as `record_login` does. A
    /// refused or blocked login still uses the code; a failure changes nothing.
    async fn log_in_with_code(
        &self,
        hash: &str,
        app: AppKey,
        now: Timestamp,
        decide: LoginDecision,
    ) -> StoreResult<CodeLogin>;
    /// Records a login: creates the service user on first sight, else updates `last_login`; in
    /// both cases stores the new sealed session key, issued now.
    async fn record_login(&self, login: &ServiceUser) -> StoreResult<()>;
    async fn service_user_by_openid(&self, app: AppKey, openid: &str) -> StoreResult<Option<ServiceUser>>;
    async fn service_user(&self, app: AppKey, user: EndUserId) -> StoreResult<Option<ServiceUser>>;
    /// Replaces the session key keeping its issue time (resetusersessionkey).
    async fn replace_session_key(&self, app: AppKey, user: EndUserId, sealed: &[u8]) -> StoreResult<()>;
    /// The mini programs the user has logged in to, without session keys, oldest first.
    async fn service_users_of(&self, user: EndUserId) -> StoreResult<Vec<ServiceUser>>;
}
