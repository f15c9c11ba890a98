//! Categories: the catalogue staff maintain, and the applications of mini programs.

use async_trait::async_trait;

use crate::accounts::DeveloperId;
use crate::apps::AppKey;
use crate::categories::{AppCategory, Category, CategoryLimits, CategoryState, Certificate};
use crate::jobs::NewJob;
use crate::Timestamp;

use super::StoreResult;

/// Why `add_app_categories` refused: the app would have more categories than allowed (53301).
pub const CATEGORY_LIMIT: &str = "too many categories";
/// Why `add_app_categories` refused: the app added its monthly allowance already (53300).
pub const CATEGORY_ADD_MONTHLY_LIMIT: &str = "monthly category additions used up";

#[async_trait]
pub trait CategoryStore: Send + Sync {
    /// The whole catalogue, delisted categories included, ordered by level then id.
    async fn categories(&self) -> StoreResult<Vec<Category>>;
    /// Adds a category with a new id (its `id` is ignored) and returns it. A sibling with the
    /// same name is a `UniqueViolation`.
    async fn insert_category(&self, category: &Category) -> StoreResult<Category>;
    /// Replaces a category's name, flags, documents and rules (its place in the tree stays);
    /// `false` when there is no such category. A sibling's name is a `UniqueViolation`.
    async fn update_category(&self, category: &Category) -> StoreResult<bool>;

    /// Every application of the app, oldest first.
    async fn app_categories(&self, app: AppKey) -> StoreResult<Vec<AppCategory>>;
    /// One application by id, whichever app it belongs to (for staff).
    async fn app_category_by_id(&self, id: i64) -> StoreResult<Option<AppCategory>>;
    /// Stores applications (their `id`s are ignored; all of one app) and counts them against
    /// the month, all or none. Refused with [`CATEGORY_LIMIT`] or
    /// [`CATEGORY_ADD_MONTHLY_LIMIT`]; an existing pair is a `UniqueViolation`.
    async fn add_app_categories(
        &self,
        applications: &[AppCategory],
        limits: CategoryLimits,
    ) -> StoreResult<()>;
    /// Categories the app added in `month`.
    async fn category_adds(&self, app: AppKey, month: i64) -> StoreResult<i64>;
    /// Deletes an application of the app unless it is under review; whether it did.
    async fn delete_app_category(&self, app: AppKey, id: i64) -> StoreResult<bool>;
    /// Puts a rejected application back under review with new documents; `false` when it is
    /// not (or no longer) rejected.
    async fn resubmit_app_category(
        &self,
        app: AppKey,
        id: i64,
        certificates: &[Certificate],
        at: Timestamp,
    ) -> StoreResult<bool>;
    /// Applications under review, oldest first, at most `limit`.
    async fn pending_app_categories(&self, limit: i64) -> StoreResult<Vec<AppCategory>>;
    /// Decides an application still under review (`to` is approved or rejected), queueing
    /// `push` in the same unit of work; `false` (nothing changed) otherwise.
    async fn decide_app_category(
        &self,
        id: i64,
        to: CategoryState,
        reason: Option<&str>,
        by: DeveloperId,
        at: Timestamp,
        push: Option<&NewJob>,
    ) -> StoreResult<bool>;
}
