//! The storage port. One implementation per backend lives in the `miniplat-store` crate; the
//! conformance suite there runs the same stories against each.
//!
//! Every method is one atomic unit of work. Methods that insert into a uniqueness namespace
//! report `StoreError::UniqueViolation` (or a specific error) rather than checking first, so
//! concurrent requests cannot both win.

use async_trait::async_trait;

use crate::accounts::developers::NewDeveloper;
use crate::accounts::end_users::NewEndUser;
use crate::accounts::{AccountRef, Developer, DeveloperId, EndUser, EndUserId, Session, Subject};
use crate::api_keys::ApiKey;
use crate::apps::{App, AppId, AppKey, CreateAppError, Invitation, Member, MemberRole, NewApp};
use crate::audit::{AuditEntry, NewAuditEntry};
use crate::email::Email;
use crate::error::StoreError;
use crate::quota::RequestRecord;
use crate::tokens::AccessTokenRecord;
use crate::Timestamp;

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait Store: Send + Sync {
    /// Brings the schema up to date; returns the number of migrations applied.
    async fn migrate(&self) -> StoreResult<usize>;
    /// Which backend this is ("sqlite" or "postgres").
    fn backend(&self) -> &'static str;

    // Email namespace (clause 2.1): developers, end users and mini program emails share it.
    async fn email_in_use(&self, email: &Email) -> StoreResult<bool>;

    // Developers.
    async fn create_developer(&self, new: &NewDeveloper) -> StoreResult<Developer>;
    async fn developer_by_id(&self, id: DeveloperId) -> StoreResult<Option<Developer>>;
    async fn developer_by_email(&self, email: &Email) -> StoreResult<Option<Developer>>;
    async fn list_developers(&self) -> StoreResult<Vec<Developer>>;
    /// Writes the mutable fields: password, verification, status, sign-in state.
    async fn update_developer(&self, developer: &Developer) -> StoreResult<()>;
    async fn operator_exists(&self) -> StoreResult<bool>;
    async fn put_subject(&self, subject: &Subject) -> StoreResult<()>;
    async fn subject(&self, id: DeveloperId) -> StoreResult<Option<Subject>>;
    async fn create_sign_in_link(
        &self,
        hash: &str,
        developer: DeveloperId,
        expires_at: Timestamp,
    ) -> StoreResult<()>;
    /// Marks the link used and returns its developer, if it is unused and unexpired.
    async fn take_sign_in_link(&self, hash: &str, now: Timestamp) -> StoreResult<Option<DeveloperId>>;

    // End users.
    async fn create_end_user(&self, new: &NewEndUser) -> StoreResult<EndUser>;
    async fn end_user_by_id(&self, id: EndUserId) -> StoreResult<Option<EndUser>>;
    async fn end_user_by_email(&self, email: &Email) -> StoreResult<Option<EndUser>>;
    async fn update_end_user(&self, user: &EndUser) -> StoreResult<()>;

    // Sessions.
    async fn create_session(&self, session: &Session) -> StoreResult<()>;
    async fn session_by_hash(&self, hash: &str) -> StoreResult<Option<Session>>;
    async fn delete_session(&self, hash: &str) -> StoreResult<()>;
    async fn delete_sessions_of(&self, account: AccountRef) -> StoreResult<()>;

    // API keys.
    async fn create_api_key(&self, key: &ApiKey, hash: &str) -> StoreResult<ApiKey>;
    async fn api_key_by_hash(&self, hash: &str) -> StoreResult<Option<ApiKey>>;
    async fn api_keys_of(&self, developer: DeveloperId) -> StoreResult<Vec<ApiKey>>;
    async fn touch_api_key(&self, id: i64, at: Timestamp) -> StoreResult<()>;
    /// Revokes one key of the developer; false when there is no such live key.
    async fn revoke_api_key(&self, developer: DeveloperId, id: i64, at: Timestamp) -> StoreResult<bool>;
    async fn revoke_api_keys_of(&self, developer: DeveloperId, at: Timestamp) -> StoreResult<()>;

    // Mini programs.
    /// Inserts the app, claims its name (and email, if any), and makes the creator its admin.
    async fn create_app(&self, new: &NewApp) -> Result<App, CreateAppError>;
    async fn app_by_appid(&self, appid: &AppId) -> StoreResult<Option<App>>;
    async fn app_by_key(&self, key: AppKey) -> StoreResult<Option<App>>;
    async fn apps_of(&self, developer: DeveloperId) -> StoreResult<Vec<(App, MemberRole)>>;
    async fn update_app_profile(&self, app: &App) -> StoreResult<()>;
    /// Stores a new secret hash, bumps the generation and invalidates every token of the app.
    async fn replace_app_secret(&self, app: AppKey, secret_hash: &str, now: Timestamp) -> StoreResult<App>;
    async fn member_role(&self, app: AppKey, developer: DeveloperId) -> StoreResult<Option<MemberRole>>;
    async fn members(&self, app: AppKey) -> StoreResult<Vec<Member>>;
    /// Changes a member's role, or removes the member when `role` is `None`.
    async fn set_member_role(
        &self,
        app: AppKey,
        developer: DeveloperId,
        role: Option<MemberRole>,
    ) -> StoreResult<()>;
    async fn create_invitation(&self, invitation: &Invitation) -> StoreResult<()>;
    async fn invitation_by_hash(&self, hash: &str) -> StoreResult<Option<Invitation>>;
    async fn invitations(&self, app: AppKey) -> StoreResult<Vec<Invitation>>;
    /// Marks the invitation accepted and adds the member, atomically.
    async fn accept_invitation(&self, invitation_id: i64, member: &Member) -> StoreResult<()>;

    // Access tokens.
    /// Inserts a token. With `supersede_at`, every other open-ended token (no `invalid_after`
    /// yet) of the same app and kind becomes invalid at that time. Tokens that already have an
    /// end keep it: time moves forward, so it is no later than `supersede_at`.
    async fn insert_access_token(
        &self,
        record: &AccessTokenRecord,
        supersede_at: Option<Timestamp>,
    ) -> StoreResult<()>;
    async fn access_token_by_hash(&self, hash: &str) -> StoreResult<Option<AccessTokenRecord>>;
    /// The newest stable token of the app that is valid at `now`.
    async fn current_stable_token(
        &self,
        app: AppKey,
        now: Timestamp,
    ) -> StoreResult<Option<AccessTokenRecord>>;
    /// Forced stable refreshes issued since `since`, and the time of the latest one.
    async fn forced_stable_refreshes(
        &self,
        app: AppKey,
        since: Timestamp,
    ) -> StoreResult<(i64, Option<Timestamp>)>;
    /// Invalidates every token of the app at `now`; returns how many were still valid.
    async fn revoke_tokens(&self, app: AppKey, now: Timestamp) -> StoreResult<u64>;

    // Quotas and request records.
    async fn quota_used(&self, app: AppKey, api: &str, day: i64) -> StoreResult<i64>;
    /// Adds to a day's count and returns the new total.
    async fn add_quota_used(&self, app: AppKey, api: &str, day: i64, delta: i64) -> StoreResult<i64>;
    async fn reset_quota_used(&self, app: AppKey, day: i64) -> StoreResult<()>;
    /// Counts one clear in `month` unless `limit` is reached; false when refused.
    async fn record_quota_clear(&self, app: AppKey, month: i64, limit: i64) -> StoreResult<bool>;
    async fn insert_request_record(&self, record: &RequestRecord) -> StoreResult<()>;
    async fn request_record(&self, rid: &str) -> StoreResult<Option<RequestRecord>>;

    // Settings and audit.
    async fn setting(&self, key: &str) -> StoreResult<Option<String>>;
    async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()>;
    /// Appends to the hash chain; returns the stored entry.
    async fn append_audit(&self, entry: &NewAuditEntry) -> StoreResult<AuditEntry>;
    /// The newest `limit` entries, oldest first.
    async fn audit_tail(&self, limit: i64) -> StoreResult<Vec<AuditEntry>>;

    /// Deletes what has outlived its purpose: expired sessions, sign-in links, tokens expired
    /// for a day, request records older than 7 days.
    async fn purge_expired(&self, now: Timestamp) -> StoreResult<u64>;
}
