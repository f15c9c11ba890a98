//! Mini programs, their members and invitations.

use async_trait::async_trait;

use crate::accounts::DeveloperId;
use crate::apps::{App, AppId, AppKey, CreateAppError, Invitation, Member, MemberRole, NewApp};
use crate::Timestamp;

use super::StoreResult;

#[async_trait]
pub trait AppStore: Send + Sync {
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
}
