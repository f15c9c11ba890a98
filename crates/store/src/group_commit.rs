//! Group commit: small write units that arrive concurrently (logins) share one transaction.
//!
//! Each unit of work through [`SqlStore::run`] is a trip to tokio's blocking pool and its own
//! `BEGIN … COMMIT` (on PostgreSQL its own WAL flush); under load the hand-offs and the commits
//! dominate. Here a writer thread owned by the store takes every unit waiting at that moment (up
//! to [`MAX_BATCH`]) into one transaction and answers every unit once the transaction has
//! committed.
//!
//! Units almost never fail, so a group first runs them one after another with nothing in
//! between. Should one fail, the whole transaction is rolled back and the group runs again, this
//! time each unit in a savepoint of its own, so that the failing unit rolls back alone. A
//! savepoint per unit on every group would cost each unit two more statements (on PostgreSQL
//! two more round trips) and, on SQLite, a copy of every page it touches.

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

/// A write unit waiting in (or running with) a group.
trait Unit: Send {
    /// Runs the unit inside the group's transaction, keeping its result in place of an earlier
    /// run's; says whether it succeeded. May run twice when the group is replayed.
    fn run(&mut self, conn: &mut dyn Conn) -> bool;
    /// Answers the caller: the unit's last result if the transaction committed, else the
    /// commit's error.
    fn answer(self: Box<Self>, commit_error: Option<&StoreError>);
}

struct GroupedWrite<T, F> {
    work: F,
    result: Option<Result<T, StoreError>>,
    answer: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Unit for GroupedWrite<T, F>
where
    T: Send,
    F: FnMut(&mut dyn Conn) -> Result<T, StoreError> + Send,
{
    fn run(&mut self, conn: &mut dyn Conn) -> bool {
        self.result = None; // a panic leaves no result of an earlier run behind
        let result = (self.work)(conn);
        let succeeded = result.is_ok();
        self.result = Some(result);
        succeeded
    }

    fn answer(self: Box<Self>, commit_error: Option<&StoreError>) {
        let result = match (commit_error, self.result) {
            (None, Some(result)) => result,
            (Some(error), _) => Err(StoreError::Backend(format!("group commit: {error}"))),
            // It panicked: dropping the sender answers with an error.
            (None, None) => return,
        };
        // The caller may have gone away (a dropped request); nothing to tell then.
        let _ = self.answer.send(result);
    }
}

/// The queue of the writer thread, started on first use (opening a store needs no runtime).
pub(crate) struct GroupCommit {
    queue: OnceLock<Sender<Box<dyn Unit>>>,
}

impl GroupCommit {
    pub(crate) fn new() -> Self {
        Self { queue: OnceLock::new() }
    }

    fn sender(&self, pool: &Arc<Pool>) -> &Sender<Box<dyn Unit>> {
        self.queue.get_or_init(|| {
            let (sender, receiver) = mpsc::channel();
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
    /// its answer comes after the shared commit. `work` runs a second time (with its first
    /// run's changes rolled back) when another unit of its group fails, so whatever it does
    /// besides its SQL must bear repeating.
    pub(crate) async fn write_grouped<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&mut dyn Conn) -> Result<T, StoreError> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let unit = Box::new(GroupedWrite { work, result: None, answer });
        self.group_commit
            .sender(&self.pool)
            .send(unit)
            .map_err(|_| StoreError::Backend("group-commit writer stopped".into()))?;
        // A unit that panicked, or found the writer without a connection, drops its answer unsent.
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

    fn commit(&mut self, units: &mut [Box<dyn Unit>]) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(connection) => {
                commit(&mut crate::sql::SqliteConn(connection), "BEGIN IMMEDIATE", units)
            }
            Self::Postgres(connection) => commit(&mut crate::sql::PostgresConn(connection), "BEGIN", units),
        }
    }
}

/// A writer thread: until the store is dropped (the queue closes), takes what is waiting and
/// commits it as one transaction.
fn write_batches(pool: &Pool, receiver: &Receiver<Box<dyn Unit>>) {
    let mut held: Option<Held> = None;
    loop {
        let Ok(first) = receiver.recv() else { return };
        let mut units = vec![first];
        while units.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(unit) => units.push(unit),
                Err(_) => break,
            }
        }
        let connection = match held.take().map_or_else(|| Held::take(pool), Ok) {
            Ok(connection) => held.insert(connection),
            Err(error) => {
                tracing::error!(%error, "a group commit found no connection");
                drop(units); // answers each unit with an error
                continue;
            }
        };
        let outcome = connection.commit(&mut units);
        if let Err(error) = &outcome {
            tracing::error!(%error, "a group commit failed");
            // The connection may be broken; the next batch takes another.
            held = None;
        }
        for unit in units {
            unit.answer(outcome.as_ref().err());
        }
    }
}

/// Commits `units` in one transaction: all together if none fails, else again with a
/// savepoint each.
fn commit(conn: &mut dyn Conn, begin: &str, units: &mut [Box<dyn Unit>]) -> Result<(), StoreError> {
    let mut replay = false;
    let together = in_transaction(conn, true, begin, |conn| {
        for unit in units.iter_mut() {
            if !run_caught(unit.as_mut(), conn) {
                replay = true;
                return Err(StoreError::Backend("a unit of the group failed".into()));
            }
        }
        Ok(())
    });
    if !replay {
        return together;
    }
    in_transaction(conn, true, begin, |conn| {
        for unit in units.iter_mut() {
            // Statements rather than `batch`, so that they are prepared once per connection.
            conn.exec("SAVEPOINT unit", &[])?;
            if !run_caught(unit.as_mut(), conn) {
                conn.exec("ROLLBACK TO SAVEPOINT unit", &[])?;
            }
            conn.exec("RELEASE SAVEPOINT unit", &[])?;
        }
        Ok(())
    })
}

/// Runs a unit; a panic counts as a failure (its result is dropped, so is its answer).
fn run_caught(unit: &mut dyn Unit, conn: &mut dyn Conn) -> bool {
    catch_unwind(AssertUnwindSafe(|| unit.run(conn))).unwrap_or_else(|_| {
        tracing::error!("a grouped write unit panicked");
        false
    })
}
