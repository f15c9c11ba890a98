//! Release reviews: submissions, their states and conclusions; the media they show.

use async_trait::async_trait;

use crate::apps::AppKey;
use crate::jobs::NewJob;
use crate::media::Media;
use crate::review::{Review, ReviewId, ReviewState};
use crate::Timestamp;

use super::StoreResult;

/// Why `insert_review` refused: the mini program already has a review in progress (85009).
pub const REVIEW_IN_PROGRESS: &str = "a review is in progress";

/// A state change of one review, applied only while the review is in one of `from`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewUpdate {
    pub app: AppKey,
    pub review: ReviewId,
    pub from: Vec<ReviewState>,
    pub to: ReviewState,
    /// Set on rejection; cleared otherwise.
    pub reason: Option<String>,
    pub screenshots: Vec<String>,
    /// When it happened: `decided_at` for approvals, rejections and withdrawals.
    pub at: Timestamp,
}

#[async_trait]
pub trait ReviewStore: Send + Sync {
    /// Stores a new review (its `id` is ignored) and returns it with its id. Refused with
    /// [`REVIEW_IN_PROGRESS`] when the app has an open review.
    async fn insert_review(&self, review: &Review) -> StoreResult<Review>;
    /// One review of the app, with the version's file list and report.
    async fn review(&self, app: AppKey, id: ReviewId) -> StoreResult<Option<Review>>;
    /// The app's newest review.
    async fn latest_review(&self, app: AppKey) -> StoreResult<Option<Review>>;
    /// The app's reviews, newest first, at most `limit` (file lists and reports left empty).
    async fn reviews(&self, app: AppKey, limit: i64) -> StoreResult<Vec<Review>>;
    /// Applies `update` if the review is still in one of its `from` states, queueing `push`
    /// in the same unit of work; `false` (nothing changed, nothing queued) otherwise.
    async fn update_review(&self, update: &ReviewUpdate, push: Option<&NewJob>) -> StoreResult<bool>;

    // Media for reviews, categories and reviewers (`crate::media`).
    async fn insert_media(&self, media: &Media) -> StoreResult<()>;
    /// A medium of the app, expired or not.
    async fn media(&self, app: AppKey, media_id: &str) -> StoreResult<Option<Media>>;
}
