//! Durable background jobs: a row per job in the store, due at `run_at`, claimed by a worker
//! under a lease so that several workers (and nodes) never run one job at once, and a job whose
//! worker died runs again once its lease expires. Failures retry with exponential backoff up to
//! a number of attempts, then the job is dead. Each kind of job (push delivery, …) has its own
//! worker that decides what an attempt does.

use crate::apps::AppKey;
use crate::Timestamp;

/// A job to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: String,
    /// The mini program the job works for, if any (kept for isolation and clean-up).
    pub app: Option<AppKey>,
    /// What the job's worker needs, as JSON.
    pub payload: String,
    pub run_at: Timestamp,
    pub max_attempts: i64,
    pub created_at: Timestamp,
}

/// A claimed job: its worker holds the lease for this attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub app: Option<AppKey>,
    pub payload: String,
    /// The number of this attempt (1 for the first).
    pub attempt: i64,
    pub max_attempts: i64,
    pub created_at: Timestamp,
}

/// Where a stored job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for `run_at`, or leased to a worker.
    Queued,
    /// Failed its last attempt.
    Dead,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Dead => "dead",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Queued, Self::Dead].into_iter().find(|s| s.as_str() == text)
    }
}

/// A stored job as it is, for inspection.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    pub id: i64,
    pub state: JobState,
    pub run_at: Timestamp,
    pub attempts: i64,
    pub locked_until: Option<Timestamp>,
    pub last_error: Option<String>,
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Finished: the job is deleted.
    Done,
    /// Runs again at `run_at`.
    Retry { run_at: Timestamp, error: String },
    /// Given up.
    Dead { error: String },
}

/// The outcome of the attempt `attempt` of job `id`. It only applies while that attempt still
/// holds the job (no other worker claimed it after its lease expired).
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    pub id: i64,
    pub attempt: i64,
    pub outcome: Outcome,
}

/// How a failed attempt continues: retried after `base_secs · 2^(attempt-1)` (at most an hour)
/// while attempts remain, dead after the last.
pub fn after_failure(job: &Job, now: Timestamp, base_secs: i64, error: String) -> Outcome {
    if job.attempt >= job.max_attempts {
        return Outcome::Dead { error };
    }
    let exponent = u32::try_from(job.attempt - 1).unwrap_or(0).min(20);
    let delay = base_secs.max(1).saturating_mul(1 << exponent).min(3600);
    Outcome::Retry { run_at: now + delay, error }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(attempt: i64) -> Job {
        Job {
            id: 1,
            kind: "k".into(),
            app: None,
            payload: String::new(),
            attempt,
            max_attempts: 5,
            created_at: 0,
        }
    }

    #[test]
    fn backoff_doubles_then_caps_and_the_last_attempt_is_dead() {
        let delays: Vec<_> = (1..5)
            .map(|a| match after_failure(&job(a), 100, 5, "x".into()) {
                Outcome::Retry { run_at, .. } => run_at - 100,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(delays, [5, 10, 20, 40]);
        assert_eq!(after_failure(&job(5), 100, 5, "x".into()), Outcome::Dead { error: "x".into() });
        let long = Job { max_attempts: 50, ..job(30) };
        assert_eq!(
            after_failure(&long, 0, 5, "x".into()),
            Outcome::Retry { run_at: 3600, error: "x".into() }
        );
    }
}
