//! Group commit: small write units that arrive concurrently (logins) share one transaction.
//!
//! Each unit of work through [`SqlStore::run`] is a trip to tokio's blocking pool and its own
//! `BEGIN … COMMIT` (on PostgreSQL its own WAL flush); under load the hand-offs and the commits
//! dominate. Here a writer thread owned by the store takes every unit waiting at that moment (up
//! to [`MAX_BATCH`]) into one transaction, each unit in a savepoint of its own so that a failing
//! unit rolls back alone, and answer every unit once the transaction has committed.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, OnceLock};

use miniplat_core::error::StoreError;
use tokio::sync::oneshot;

use crate::sql::Conn;
use crate::{in_transaction, Pool, SqlStore};

/// Units per transaction at most. Also bounds PostgreSQL's subtransactions per transaction
/// (a backend caches 64 before its snapshots overflow).
const MAX_BATCH: usize = 64;

/// Runs a unit inside the shared transaction and says whether it succeeded; what it returns
/// delivers the unit's answer once the transaction's outcome is known.
type Job = Box<dyn FnOnce(&mut dyn Conn) -> (bool, Finish) + Send>;
/// Delivers a unit's answer: its own result if the transaction committed, else the commit's
/// error.
type Finish = Box<dyn FnOnce(Option<&StoreError>) + Send>;

/// The queue of the writer thread, started on first use (opening a store needs no runtime).
pub(crate) struct GroupCommit {
    queue: OnceLock<Sender<Job>>,
}

impl GroupCommit {
    pub(crate) fn new() -> Self {
        Self { queue: OnceLock::new() }
    }

    fn sender(&self, pool: &Arc<Pool>) -> &Sender<Job> {
        self.queue.get_or_init(|| {
            let (sender, receiver) = mpsc::channel::<Job>();
            // One writer: SQLite has one writer at a time anyway, and on PostgreSQL two
            // concurrent groups could lock the same rows in opposite orders (two logins of
            // the same end users) and deadlock, which single-login transactions never do.
            let pool = pool.clone();
            std::thread::Builder::new()
                .name("miniplat-group-commit".into())
                .spawn(move || write_batches(&pool, &receiver))
                .expect("starting the group-commit writer thread");
            sender
        })
    }
}

impl SqlStore {
    /// Runs `work` as a write unit of its own that commits together with the other units
    /// queued at the same moment. `work` sees only its own changes rolled back if it fails;
    /// its answer comes after the shared commit.
    pub(crate) async fn write_grouped<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Conn) -> Result<T, StoreError> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = work(conn);
            let succeeded = result.is_ok();
            let finish: Finish = Box::new(move |commit_error| {
                let result = match commit_error {
                    None => result,
                    Some(error) => Err(StoreError::Backend(format!("group commit: {error}"))),
                };
                // The caller may have gone away (a dropped request); nothing to tell then.
                let _ = answer.send(result);
            });
            (succeeded, finish)
        });
        self.group_commit
            .sender(&self.pool)
            .send(job)
            .map_err(|_| StoreError::Backend("group-commit writer stopped".into()))?;
        // A unit that panicked or was cut off by a failed batch drops its answer unsent.
        answered.await.map_err(|_| StoreError::Backend("write unit failed in its group".into()))?
    }
}

/// The writer thread's connection, kept from batch to batch (and taken again after a failed
/// one): its page cache stays warm, where a different pooled connection each time would first
/// re-read every page that other connections' commits invalidated.
enum Held {
    Sqlite(r2d2::PooledConnection<r2d2_sqlite::SqliteConnectionManager>),
    Postgres(Box<r2d2::PooledConnection<crate::sql::PostgresManager>>),
}

impl Held {
    fn take(pool: &Pool) -> Result<Self, StoreError> {
        match pool {
            Pool::Sqlite(pool) => pool.get().map(Self::Sqlite),
            Pool::Postgres(pool) => pool.get().map(|connection| Self::Postgres(Box::new(connection))),
        }
        .map_err(crate::pool_error)
    }

    fn run_batch(&mut self, jobs: Vec<Job>) -> Result<Vec<Finish>, (StoreError, Vec<Finish>)> {
        match self {
            Self::Sqlite(connection) => {
                run_batch(&mut crate::sql::SqliteConn(connection), "BEGIN IMMEDIATE", jobs)
            }
            Self::Postgres(connection) => run_batch(&mut crate::sql::PostgresConn(connection), "BEGIN", jobs),
        }
    }
}

/// A writer thread: until the store is dropped (the queue closes), takes what is waiting and
/// commits it as one transaction.
fn write_batches(pool: &Pool, receiver: &Receiver<Job>) {
    let mut held: Option<Held> = None;
    loop {
        let Ok(first) = receiver.recv() else { return };
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let connection = match held.take().map_or_else(|| Held::take(pool), Ok) {
            Ok(connection) => held.insert(connection),
            Err(error) => {
                tracing::error!(%error, "a group commit found no connection");
                drop(jobs); // answers each unit with an error
                continue;
            }
        };
        match connection.run_batch(jobs) {
            Ok(finishes) => finishes.into_iter().for_each(|finish| finish(None)),
            Err((error, finishes)) => {
                tracing::error!(%error, "a group commit failed");
                // The connection may be broken; the next batch takes another.
                held = None;
                finishes.into_iter().for_each(|finish| finish(Some(&error)));
            }
        }
    }
}

/// One transaction over `jobs`, a savepoint each. On success, every unit's answer is ready to
/// be delivered; on failure of the transaction itself, the answers of the units that ran (the
/// others are dropped, which answers them with an error too).
fn run_batch(
    conn: &mut dyn Conn,
    begin: &str,
    jobs: Vec<Job>,
) -> Result<Vec<Finish>, (StoreError, Vec<Finish>)> {
    let mut finishes = Vec::with_capacity(jobs.len());
    let outcome = in_transaction(conn, true, begin, |conn| {
        for job in jobs {
            // Statements rather than `batch`, so that they are prepared once per connection.
            conn.exec("SAVEPOINT unit", &[])?;
            match catch_unwind(AssertUnwindSafe(|| job(conn))) {
                Ok((true, finish)) => {
                    finishes.push(finish);
                    conn.exec("RELEASE SAVEPOINT unit", &[])?;
                }
                Ok((false, finish)) => {
                    finishes.push(finish);
                    conn.exec("ROLLBACK TO SAVEPOINT unit", &[])?;
                    conn.exec("RELEASE SAVEPOINT unit", &[])?;
                }
                Err(_) => {
                    tracing::error!("a grouped write unit panicked");
                    conn.exec("ROLLBACK TO SAVEPOINT unit", &[])?;
                    conn.exec("RELEASE SAVEPOINT unit", &[])?;
                }
            }
        }
        Ok(())
    });
    match outcome {
        Ok(()) => Ok(finishes),
        Err(error) => Err((error, finishes)),
    }
}
