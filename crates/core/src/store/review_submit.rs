//! Submitting for review and what surrounds it: the submission with its quota, fee and checks
//! job in one unit of work; the checks' results; withdrawing and expediting within their
//! limits; suspensions of the review service; fees, invoicing details and invoices.

use async_trait::async_trait;

use crate::accounts::DeveloperId;
use crate::apps::AppKey;
use crate::jobs::NewJob;
use crate::review::fees::{Invoice, InvoicingDetails, ReviewFee};
use crate::review::quota::{QuotaUse, ReviewSuspension};
use crate::review::{CheckResult, Review, ReviewId};
use crate::Timestamp;

use super::StoreResult;

/// Refusals of [`ReviewSubmitStore`]'s units of work (besides `REVIEW_IN_PROGRESS`).
pub const REVIEW_SUSPENDED: &str = "the review service is suspended for this account";
pub const SUBMIT_QUOTA_USED: &str = "the monthly submission quota is used up";
pub const UNDO_LIMIT_REACHED: &str = "the withdrawal limit is reached";
pub const NOT_IN_QUEUE: &str = "the review is not waiting in the queue";
pub const ALREADY_EXPEDITED: &str = "the review is already expedited";
pub const SPEEDUP_QUOTA_USED: &str = "the monthly expedite quota is used up";

/// The submit quota a submission counts against: the subject's submissions since
/// `month_start`, at most `limit`; beyond it `fee` is charged, or the submission is refused
/// when there is none.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmitQuota {
    pub subject: DeveloperId,
    pub month_start: Timestamp,
    pub limit: i64,
    /// `(amount in cents, currency)`.
    pub fee: Option<(i64, String)>,
}

/// A limit over a window: at most `limit` events since `since`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub since: Timestamp,
    pub limit: i64,
}

#[async_trait]
pub trait ReviewSubmitStore: Send + Sync {
    /// Stores a new review with its checks job, counted against `quota`, in one unit of work;
    /// returns it with its id, and the fee charged when it was over the quota. Refused with
    /// [`REVIEW_SUSPENDED`], [`SUBMIT_QUOTA_USED`] or `REVIEW_IN_PROGRESS`.
    async fn submit_review(
        &self,
        review: &Review,
        quota: &SubmitQuota,
        checks: &NewJob,
    ) -> StoreResult<(Review, Option<ReviewFee>)>;
    /// Submissions and expedites of the subject's mini programs since `month_start`.
    async fn review_quota_use(&self, subject: DeveloperId, month_start: Timestamp) -> StoreResult<QuotaUse>;
    /// Replaces the review's check results with `checks`, in order.
    async fn put_review_checks(
        &self,
        app: AppKey,
        review: ReviewId,
        checks: &[CheckResult],
    ) -> StoreResult<()>;
    async fn review_checks(&self, app: AppKey, review: ReviewId) -> StoreResult<Vec<CheckResult>>;
    /// Withdraws the app's open review if the app's withdrawals stay within every window;
    /// returns the review withdrawn, `None` when none was open. Refused with
    /// [`UNDO_LIMIT_REACHED`].
    async fn withdraw_review(
        &self,
        app: AppKey,
        at: Timestamp,
        windows: &[Window],
    ) -> StoreResult<Option<ReviewId>>;
    /// Marks an open review expedited, within the subject's monthly expedite quota. Refused
    /// with [`NOT_IN_QUEUE`], [`ALREADY_EXPEDITED`] or [`SPEEDUP_QUOTA_USED`].
    async fn expedite_review(
        &self,
        app: AppKey,
        review: ReviewId,
        subject: DeveloperId,
        quota: Window,
        at: Timestamp,
    ) -> StoreResult<()>;

    /// Suspends (`Some`) or resumes (`None`) the developer's review service.
    async fn set_review_suspension(
        &self,
        developer: DeveloperId,
        suspension: Option<&ReviewSuspension>,
    ) -> StoreResult<()>;
    async fn review_suspension(&self, developer: DeveloperId) -> StoreResult<Option<ReviewSuspension>>;

    /// The developer's fees, newest first.
    async fn review_fees(&self, developer: DeveloperId) -> StoreResult<Vec<ReviewFee>>;
    async fn put_invoicing_details(
        &self,
        developer: DeveloperId,
        details: &InvoicingDetails,
        at: Timestamp,
    ) -> StoreResult<()>;
    async fn invoicing_details(&self, developer: DeveloperId) -> StoreResult<Option<InvoicingDetails>>;
    /// Collects the developer's uninvoiced fees (of the oldest one's currency) into a new
    /// invoice made out with `details`; `None` when there is nothing to invoice.
    async fn issue_invoice(
        &self,
        developer: DeveloperId,
        details: &InvoicingDetails,
        issued_by: DeveloperId,
        at: Timestamp,
    ) -> StoreResult<Option<Invoice>>;
    /// The developer's invoices, newest first.
    async fn invoices(&self, developer: DeveloperId) -> StoreResult<Vec<Invoice>>;
    /// One invoice of the developer with the fees it collects.
    async fn invoice(
        &self,
        developer: DeveloperId,
        id: i64,
    ) -> StoreResult<Option<(Invoice, Vec<ReviewFee>)>>;
}
