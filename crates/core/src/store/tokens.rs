//! WeChat access tokens.

use async_trait::async_trait;

use crate::apps::AppKey;
use crate::tokens::AccessTokenRecord;
use crate::Timestamp;

use super::StoreResult;

#[async_trait]
pub trait TokenStore: Send + Sync {
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
}
