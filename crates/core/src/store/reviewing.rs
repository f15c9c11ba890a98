//! Human release review: reviewer organisations and reviewers, the queue and its assignments,
//! the deadline sweep and the rejection-reason
//! catalogue.

use async_trait::async_trait;

use crate::accounts::DeveloperId;
use crate::apps::AppKey;
use crate::jobs::NewJob;
use crate::review::ReviewId;
use crate::reviewing::{Assignment, QueueEntry, RejectionReason, ReviewOrg, ReviewOrgId, Reviewer};
use crate::Timestamp;

use super::StoreResult;

/// Which reviews [`ReviewingStore::review_queue`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueFilter {
    /// Every review still in progress (staff's view).
    Open,
    /// Every review assigned to this reviewer, open or decided.
    AssignedTo(DeveloperId),
}

#[async_trait]
pub trait ReviewingStore: Send + Sync {
    /// Every organisation, the platform's own first.
    async fn review_orgs(&self) -> StoreResult<Vec<ReviewOrg>>;
    /// A new active third-party organisation; `UniqueViolation` when the name is taken.
    async fn insert_review_org(&self, name: &str, at: Timestamp) -> StoreResult<ReviewOrg>;
    async fn set_review_org_active(&self, org: ReviewOrgId, active: bool) -> StoreResult<bool>;

    /// Every reviewer with the organisation they belong to.
    async fn reviewers(&self) -> StoreResult<Vec<Reviewer>>;
    async fn reviewer(&self, developer: DeveloperId) -> StoreResult<Option<Reviewer>>;
    /// Makes `developer` an active reviewer of `org` (moving them from another organisation).
    async fn put_reviewer(
        &self,
        developer: DeveloperId,
        org: ReviewOrgId,
        added_by: DeveloperId,
        at: Timestamp,
    ) -> StoreResult<()>;
    /// Activates or deactivates a reviewer; deactivating (or removing) returns their open
    /// reviews to their organisation's pool in the same unit of work.
    async fn set_reviewer_active(&self, developer: DeveloperId, active: bool) -> StoreResult<bool>;
    async fn remove_reviewer(&self, developer: DeveloperId) -> StoreResult<bool>;

    /// Reviews in queue order: expedited first, then by submission time.
    async fn review_queue(&self, filter: QueueFilter, limit: i64) -> StoreResult<Vec<QueueEntry>>;
    /// The mini program a review belongs to.
    async fn review_app(&self, review: ReviewId) -> StoreResult<Option<AppKey>>;
    async fn review_assignment(&self, review: ReviewId) -> StoreResult<Option<Assignment>>;
    /// Assigns (or reassigns) a review while it is queued; `false` otherwise.
    async fn assign_review(&self, assignment: &Assignment) -> StoreResult<bool>;
    /// Gives `reviewer` the first queued review that is unassigned or in `org`'s pool, in
    /// queue order, skipping mini programs `reviewer` is a member of. Two concurrent claims
    /// never get the same review.
    async fn claim_next_review(
        &self,
        org: ReviewOrgId,
        reviewer: DeveloperId,
        at: Timestamp,
    ) -> StoreResult<Option<ReviewId>>;
    /// Moves an open review to the front of the queue (sets `expedited_at`, outside any
    /// quota); `false` if it is not open or already expedited.
    async fn expedite_review_as_staff(&self, review: ReviewId, at: Timestamp) -> StoreResult<bool>;

    /// Open, not yet delayed reviews submitted before `submitted_before`, oldest first.
    async fn overdue_reviews(
        &self,
        submitted_before: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<(AppKey, ReviewId)>>;
    /// Marks an open review delayed, once, queueing `push` in the same unit of work; `false`
    /// (nothing changed, nothing queued) when it is decided or already delayed.
    async fn mark_review_delayed(
        &self,
        app: AppKey,
        review: ReviewId,
        at: Timestamp,
        reason: &str,
        push: Option<&NewJob>,
    ) -> StoreResult<bool>;

    /// The catalogue, in its published order.
    async fn rejection_reasons(&self) -> StoreResult<Vec<RejectionReason>>;
    /// Adds or replaces the entry with this code.
    async fn put_rejection_reason(&self, reason: &RejectionReason, at: Timestamp) -> StoreResult<()>;
    async fn delete_rejection_reason(&self, code: &str) -> StoreResult<bool>;
}
