//! Mini program codes (QR codes), URL Schemes and URL Links: what their tickets open.

use async_trait::async_trait;

use crate::apps::AppKey;
use crate::codes::links::Link;
use crate::codes::Code;
use crate::Timestamp;

use super::StoreResult;

#[async_trait]
pub trait CodeStore: Send + Sync {
    /// Stores an unlimited or trial code; a code with the same ticket is kept as it is.
    async fn insert_code(&self, code: &Code) -> StoreResult<()>;
    /// Stores an unlimited code like `insert_code`, refusing with `codes::page_cap_reached()`
    /// — storing nothing — when its page would be past the app's `page_cap` distinct pages of
    /// unlimited codes. Pages already used and tickets already stored always pass.
    async fn insert_unlimited_code(&self, code: &Code, page_cap: i64) -> StoreResult<()>;
    /// Counts one code of the limited kinds against the app's lifetime `cap` and stores it
    /// (unless already stored); returns the count used so far. Refuses with
    /// `codes::cap_reached()` — counting nothing — once `cap` codes were made.
    async fn insert_limited_code(&self, code: &Code, cap: i64) -> StoreResult<i64>;
    async fn code_by_ticket(&self, ticket: &str) -> StoreResult<Option<Code>>;
}

/// URL Schemes and URL Links, and their daily counts.
#[async_trait]
pub trait LinkStore: Send + Sync {
    async fn insert_link(&self, link: &Link) -> StoreResult<()>;
    async fn link_by_ticket(&self, ticket: &str) -> StoreResult<Option<Link>>;
    /// The app's links, newest first (at most 200).
    async fn links_of(&self, app: AppKey) -> StoreResult<Vec<Link>>;
    /// Sets the expiry of the app's link `ticket` to `at` if it expires later; returns whether
    /// a link changed.
    async fn expire_link(&self, app: AppKey, ticket: &str, at: Timestamp) -> StoreResult<bool>;
    /// Counts one `event` ("generate", "visit") of `day` unless `cap` is reached; returns the
    /// new count. Refuses with `links::daily_limit_reached()`, counting nothing.
    async fn count_link_event(&self, app: AppKey, day: i64, event: &str, cap: i64) -> StoreResult<i64>;
    async fn link_events(&self, app: AppKey, day: i64, event: &str) -> StoreResult<i64>;
}
