//! The job queue. Claiming is one statement that picks due rows and leases them: on PostgreSQL
//! the picked rows are locked with `FOR UPDATE SKIP LOCKED`, so concurrent workers take
//! different jobs instead of waiting; on SQLite the write transaction (`BEGIN IMMEDIATE`)
//! already serialises claims.

use super::*;
use miniplat_core::jobs::{Finished, Job, JobRecord, JobState, NewJob, Outcome};
use miniplat_core::store::JobStore;

const QUEUED: &str = "queued";

/// Queues a job inside the caller's unit of work (so a state change and the push announcing it
/// commit together); returns its id.
pub(super) fn insert_job(c: &mut dyn Conn, job: &NewJob) -> StoreResult<i64> {
    let row = c.query_one(
        "INSERT INTO jobs (kind, app_id, payload, state, run_at, attempts, max_attempts, created_at) \
         VALUES (?, ?, ?, ?, ?, 0, ?, ?) RETURNING id",
        params![
            job.kind.as_str(),
            job.app.map(|a| a.0),
            job.payload.as_str(),
            QUEUED,
            job.run_at,
            job.max_attempts,
            job.created_at
        ],
    )?;
    Ok(row.int(0))
}

#[async_trait]
impl JobStore for SqlStore {
    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<i64> {
        let job = job.clone();
        self.write(move |c| insert_job(c, &job)).await
    }

    async fn claim_jobs(
        &self,
        kind: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<Job>> {
        let kind = kind.to_owned();
        self.write(move |c| {
            // A worker that died on the last attempt leaves a job no one may retry.
            c.exec(
                "UPDATE jobs SET state = 'dead', last_error = 'the worker stopped during the last attempt', \
                 finished_at = ?, locked_until = NULL \
                 WHERE kind = ? AND state = ? AND attempts >= max_attempts AND locked_until <= ?",
                params![now, kind.clone(), QUEUED, now],
            )?;
            let lock = if c.dialect() == Dialect::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
            let sql = format!(
                "UPDATE jobs SET attempts = attempts + 1, locked_until = ? WHERE id IN (\
                   SELECT id FROM jobs WHERE kind = ? AND state = ? AND run_at <= ? \
                   AND (locked_until IS NULL OR locked_until <= ?) AND attempts < max_attempts \
                   ORDER BY run_at, id LIMIT ? {lock}) \
                 RETURNING id, kind, app_id, payload, attempts, max_attempts, created_at, run_at"
            );
            let rows = c.query(&sql, params![lease_until, kind, QUEUED, now, now, limit])?;
            let mut jobs: Vec<(i64, Job)> = rows
                .iter()
                .map(|row| {
                    let job = Job {
                        id: row.int(0),
                        kind: row.text(1),
                        app: row.opt_int(2).map(AppKey),
                        payload: row.text(3),
                        attempt: row.int(4),
                        max_attempts: row.int(5),
                        created_at: row.int(6),
                    };
                    (row.int(7), job)
                })
                .collect();
            // RETURNING gives no order; hand them out oldest due first.
            jobs.sort_by_key(|(run_at, job)| (*run_at, job.id));
            Ok(jobs.into_iter().map(|(_, job)| job).collect())
        })
        .await
    }

    async fn finish_jobs(&self, finished: &[Finished], now: Timestamp) -> StoreResult<usize> {
        let finished = finished.to_vec();
        self.write(move |c| {
            let mut applied = 0;
            for item in &finished {
                // The attempt still holds the job only if no later claim raised `attempts`.
                let held = "WHERE id = ? AND attempts = ? AND state = 'queued'";
                let changed = match &item.outcome {
                    Outcome::Done => c.exec(&format!("DELETE FROM jobs {held}"), params![item.id, item.attempt])?,
                    Outcome::Retry { run_at, error } => c.exec(
                        &format!("UPDATE jobs SET run_at = ?, locked_until = NULL, last_error = ? {held}"),
                        params![*run_at, error.clone(), item.id, item.attempt],
                    )?,
                    Outcome::Dead { error } => c.exec(
                        &format!(
                            "UPDATE jobs SET state = 'dead', locked_until = NULL, last_error = ?, finished_at = ? {held}"
                        ),
                        params![error.clone(), now, item.id, item.attempt],
                    )?,
                };
                applied += changed as usize;
            }
            Ok(applied)
        })
        .await
    }

    async fn job(&self, id: i64) -> StoreResult<Option<JobRecord>> {
        self.read(move |c| {
            let Some(row) = c.query_opt(
                "SELECT id, state, run_at, attempts, locked_until, last_error FROM jobs WHERE id = ?",
                params![id],
            )?
            else {
                return Ok(None);
            };
            let state = row.text(1);
            Ok(Some(JobRecord {
                id: row.int(0),
                state: JobState::parse(&state).ok_or_else(|| corrupt("job state", &state))?,
                run_at: row.int(2),
                attempts: row.int(3),
                locked_until: row.opt_int(4),
                last_error: row.opt_text(5),
            }))
        })
        .await
    }
}
