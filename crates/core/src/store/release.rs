//! Releases, gray release plans, the service and search switches, and enforcement by staff.

use async_trait::async_trait;

use crate::accounts::DeveloperId;
use crate::apps::{App, AppKey};
use crate::release::enforcement::{Appeal, AppealDecision, EnforcementAction, EnforcementId};
use crate::release::{GrayPlan, GrayStatus, Release, ReleaseSettings};
use crate::Timestamp;

use super::StoreResult;

/// Why `insert_release` refused: the review was released before (85052).
pub const ALREADY_RELEASED: &str = "the version is already released";
/// Why `start_gray_plan` refused: a plan is running already.
pub const GRAY_PLAN_RUNNING: &str = "a gray release is running";
/// Why `insert_appeal` refused: the action was appealed before.
pub const ALREADY_APPEALED: &str = "the action was already appealed";
/// Why `insert_enforcement` refused: the rectification it resolves is no longer open.
pub const RECTIFICATION_CLOSED: &str = "the rectification is no longer open";

/// How a unit of work that releases a version ends a gray plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndGray {
    pub plan: i64,
    pub status: GrayStatus,
}

#[async_trait]
pub trait ReleaseStore: Send + Sync {
    /// Stores a release (its `id` and `app_version` are assigned: the app's next number), marks
    /// the app released, and ends the running gray plan `end_gray` in the same unit of work.
    /// Refused with [`ALREADY_RELEASED`] when the review has a release.
    async fn insert_release(&self, release: &Release, end_gray: Option<EndGray>) -> StoreResult<Release>;
    /// The app's releases, newest first, at most `limit`, reverted ones included (file lists
    /// and reports left empty).
    async fn releases(&self, app: AppKey, limit: i64) -> StoreResult<Vec<Release>>;
    /// The live release: the newest not reverted, with its file list and report.
    async fn live_release(&self, app: AppKey) -> StoreResult<Option<Release>>;
    /// Rolls back: stamps `reverted_at` on every unreverted release newer than `to`, if the
    /// live release is still `expected_live`; `false` (nothing changed) otherwise.
    async fn revert_releases(
        &self,
        app: AppKey,
        expected_live: i64,
        to: i64,
        at: Timestamp,
    ) -> StoreResult<bool>;

    /// The app's newest gray plan, whatever its status.
    async fn gray_plan(&self, app: AppKey) -> StoreResult<Option<GrayPlan>>;
    /// Starts a plan (its `id` is assigned). Refused with [`GRAY_PLAN_RUNNING`].
    async fn start_gray_plan(&self, plan: &GrayPlan) -> StoreResult<GrayPlan>;
    /// Raises a running plan's percentage (and flags) if it is still running at
    /// `from_percentage`; `false` otherwise.
    async fn raise_gray_plan(&self, plan: &GrayPlan, from_percentage: i64) -> StoreResult<bool>;
    /// Ends a running plan with `status`; `false` when it was not running.
    async fn end_gray_plan(
        &self,
        app: AppKey,
        plan: i64,
        status: GrayStatus,
        at: Timestamp,
    ) -> StoreResult<bool>;

    async fn release_settings(&self, app: AppKey) -> StoreResult<ReleaseSettings>;
    async fn put_release_settings(
        &self,
        app: AppKey,
        settings: &ReleaseSettings,
        at: Timestamp,
    ) -> StoreResult<()>;

    /// The public directory: released, running, searchable mini programs under no ban in force
    /// at `now`, whose name key contains `name_key` (empty matches all), by name.
    async fn directory(&self, name_key: &str, now: Timestamp, limit: i64) -> StoreResult<Vec<App>>;
}

#[async_trait]
pub trait EnforcementStore: Send + Sync {
    /// Stores an action (its `id` is assigned); when `resolves` names an open rectification of
    /// the same app, marks it resolved by the new action in the same unit of work (refused with
    /// [`RECTIFICATION_CLOSED`] when it is not open).
    async fn insert_enforcement(
        &self,
        action: &EnforcementAction,
        resolves: Option<EnforcementId>,
    ) -> StoreResult<EnforcementAction>;
    async fn enforcement_action(&self, id: EnforcementId) -> StoreResult<Option<EnforcementAction>>;
    /// Actions against one app (or all apps), newest first.
    async fn enforcement_actions(
        &self,
        app: Option<AppKey>,
        limit: i64,
    ) -> StoreResult<Vec<EnforcementAction>>;
    /// Lifts an action not lifted yet; `false` otherwise.
    async fn lift_enforcement(&self, id: EnforcementId, by: DeveloperId, at: Timestamp) -> StoreResult<bool>;

    /// Files an appeal; refused with [`ALREADY_APPEALED`].
    async fn insert_appeal(&self, appeal: &Appeal) -> StoreResult<Appeal>;
    async fn appeal(&self, id: i64) -> StoreResult<Option<Appeal>>;
    /// Appeals of one app (or all), newest first.
    async fn appeals(&self, app: Option<AppKey>, limit: i64) -> StoreResult<Vec<Appeal>>;
    /// Decides a pending appeal; a `Lifted` decision lifts its action in the same unit of
    /// work. `false` when the appeal was decided before.
    async fn decide_appeal(
        &self,
        id: i64,
        decision: AppealDecision,
        note: &str,
        by: DeveloperId,
        at: Timestamp,
    ) -> StoreResult<bool>;
}
