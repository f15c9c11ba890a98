//! API quota counts and request records for `rid/get`.

use async_trait::async_trait;

use crate::apps::AppKey;
use crate::quota::RequestRecord;

use super::StoreResult;

#[async_trait]
pub trait QuotaStore: Send + Sync {
    // Quotas and request records.
    async fn quota_used(&self, app: AppKey, api: &str, day: i64) -> StoreResult<i64>;
    /// Adds to a day's count and returns the new total.
    async fn add_quota_used(&self, app: AppKey, api: &str, day: i64, delta: i64) -> StoreResult<i64>;
    async fn reset_quota_used(&self, app: AppKey, day: i64) -> StoreResult<()>;
    /// Counts one clear in `month` unless `limit` is reached; false when refused.
    async fn record_quota_clear(&self, app: AppKey, month: i64, limit: i64) -> StoreResult<bool>;
    async fn insert_request_record(&self, record: &RequestRecord) -> StoreResult<()>;
    async fn request_record(&self, rid: &str) -> StoreResult<Option<RequestRecord>>;
}
