//! Native hosts and the end users they name.

use async_trait::async_trait;

use crate::accounts::hosts::{HostUserProfile, NewHost};
use crate::accounts::{EndUser, Host, HostId};
use crate::Timestamp;

use super::StoreResult;

#[async_trait]
pub trait HostStore: Send + Sync {
    async fn create_host(&self, new: &NewHost) -> StoreResult<Host>;
    async fn host_by_key(&self, key: &str) -> StoreResult<Option<Host>>;
    async fn list_hosts(&self) -> StoreResult<Vec<Host>>;
    /// Revokes a live host; false when there is no such live host.
    async fn revoke_host(&self, key: &str, at: Timestamp) -> StoreResult<bool>;
    /// Creates the end user `external_id` of the host from `profile.new` (claiming its email),
    /// or sets the nickname and phone of the existing one; true when created. A concurrent
    /// creation of the same user is a `UniqueViolation`.
    async fn upsert_host_user(
        &self,
        host: HostId,
        external_id: &str,
        profile: &HostUserProfile,
    ) -> StoreResult<(EndUser, bool)>;
    async fn host_user(&self, host: HostId, external_id: &str) -> StoreResult<Option<EndUser>>;
}
