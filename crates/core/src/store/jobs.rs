//! The durable job queue (see [`crate::jobs`]).

use async_trait::async_trait;

use crate::jobs::{Finished, Job, JobRecord, NewJob};
use crate::Timestamp;

use super::StoreResult;

#[async_trait]
pub trait JobStore: Send + Sync {
    /// Stores a queued job; returns its id.
    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<i64>;
    /// Claims up to `limit` due jobs of `kind` (queued, `run_at` ≤ `now`, lease free or
    /// expired), oldest due first: each gets its next attempt and a lease until `lease_until`.
    /// A job whose lease expired on its last attempt becomes dead instead. Concurrent claims
    /// never return the same job.
    async fn claim_jobs(
        &self,
        kind: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<Job>>;
    /// Applies the outcomes of claimed attempts in one unit of work; an outcome whose attempt
    /// no longer holds its job is skipped. Returns how many applied.
    async fn finish_jobs(&self, finished: &[Finished], now: Timestamp) -> StoreResult<usize>;
    /// A stored job (done jobs are gone).
    async fn job(&self, id: i64) -> StoreResult<Option<JobRecord>>;
}
