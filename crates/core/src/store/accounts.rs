//! Accounts: the shared email namespace, developers, end users, sessions, API keys.

use async_trait::async_trait;

use crate::accounts::developers::NewDeveloper;
use crate::accounts::end_users::NewEndUser;
use crate::accounts::{AccountRef, Developer, DeveloperId, EndUser, EndUserId, Session, Subject};
use crate::api_keys::ApiKey;
use crate::email::Email;
use crate::Timestamp;

use super::StoreResult;

#[async_trait]
pub trait AccountStore: Send + Sync {
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
}
