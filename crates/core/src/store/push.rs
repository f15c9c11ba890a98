//! Push to the developer's server: the per-app configuration (secrets sealed) and the log of
//! delivery attempts. Queued pushes are jobs ([`super::JobStore`]).

use async_trait::async_trait;

use crate::apps::AppKey;
use crate::push::{PushDelivery, StoredPushConfig};
use crate::Timestamp;

use super::StoreResult;

#[async_trait]
pub trait PushStore: Send + Sync {
    /// Stores the app's configuration, replacing any earlier one.
    async fn put_push_config(&self, config: &StoredPushConfig) -> StoreResult<()>;
    async fn push_config(&self, app: AppKey) -> StoreResult<Option<StoredPushConfig>>;
    /// Removes the app's configuration; returns whether there was one.
    async fn delete_push_config(&self, app: AppKey) -> StoreResult<bool>;
    async fn record_push_deliveries(&self, deliveries: &[PushDelivery]) -> StoreResult<()>;
    /// The app's delivery attempts, newest first, at most `limit`.
    async fn push_deliveries(&self, app: AppKey, limit: i64) -> StoreResult<Vec<PushDelivery>>;
    /// Forgets delivery attempts made before `before`; returns how many.
    async fn purge_push_deliveries(&self, before: Timestamp) -> StoreResult<u64>;
}
