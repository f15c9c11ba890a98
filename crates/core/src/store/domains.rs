//! A mini program's server and web-view domains, its monthly change count and its web-view
//! confirm file: one row per app, saved with a revision check.

use async_trait::async_trait;

use crate::apps::AppKey;
use crate::domains::AppDomains;

use super::StoreResult;

#[async_trait]
pub trait DomainStore: Send + Sync {
    /// The app's domains; `None` before the first save.
    async fn app_domains(&self, app: AppKey) -> StoreResult<Option<AppDomains>>;
    /// Saves `domains` if the stored revision is still `domains.revision - 1` (no row for
    /// revision 1); false, changing nothing, when another save came first.
    async fn save_app_domains(&self, domains: &AppDomains) -> StoreResult<bool>;
}
