//! SQLite's WAL checkpoints, on a thread of the store's own.
//!
//! By default the connection whose commit takes the WAL past 1,000 pages copies the WAL back
//! into the database file and syncs it, inside that commit. Under a write load that connection
//! is the group-commit writer, and every login queued behind it waits out the copy and the
//! `fsync`: the tail of the login latency. Here no pooled connection checkpoints; this thread
//! does, every [`INTERVAL`], in two steps:
//!
//! - a passive checkpoint copies what the WAL holds while writers go on committing;
//! - a restarting one copies the little committed meanwhile, holding writers off for that
//!   long, and lets the next writer start the WAL from its beginning. Passive checkpoints
//!   alone never catch up with a steady writer, and a WAL that never restarts grows without
//!   end, making every page lookup in it slower.

use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use miniplat_core::error::StoreError;

/// How often the WAL is copied back. Between two checkpoints the WAL grows by what was
/// committed in the meantime, a few hundred pages at the highest login rates measured.
const INTERVAL: Duration = Duration::from_millis(100);
/// How long a restarting checkpoint waits for the writer and for readers of the WAL.
const RESTART_WAIT: Duration = Duration::from_millis(100);

/// The checkpointing thread; dropping this stops it.
pub(crate) struct Checkpointer {
    _stop: Sender<()>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path` over a connection of its own.
    pub(crate) fn start(path: &Path) -> Result<Self, StoreError> {
        let connection = rusqlite::Connection::open(path)
            .and_then(|c| c.busy_timeout(RESTART_WAIT).map(|()| c))
            .map_err(|e| StoreError::Backend(format!("opening the checkpoint connection: {e}")))?;
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("miniplat-checkpoints".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(INTERVAL) {
                    for mode in ["PASSIVE", "RESTART"] {
                        // Busy when readers stayed longer than RESTART_WAIT; the next round
                        // catches up.
                        let sql = format!("PRAGMA wal_checkpoint({mode})");
                        if let Err(error) = connection.query_row(&sql, [], |_| Ok(())) {
                            tracing::debug!(%error, mode, "a WAL checkpoint did not finish");
                        }
                    }
                }
            })
            .map_err(|e| StoreError::Backend(format!("starting the checkpoint thread: {e}")))?;
        Ok(Self { _stop: stop })
    }
}

#[cfg(test)]
mod tests {
    use crate::{params, SqlStore};

    const MARKER: &[u8] = b"committed to the WAL, then checkpointed";

    #[tokio::test]
    async fn commits_reach_the_database_file_through_the_checkpoint_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("miniplat.db");
        let store = SqlStore::open_sqlite(&path).unwrap();
        store
            .write(|c| {
                c.batch("CREATE TABLE notes (text BLOB)")?;
                c.exec("INSERT INTO notes VALUES (?)", params![MARKER.to_vec()])?;
                Ok(())
            })
            .await
            .unwrap();
        // No pooled connection checkpoints on commit, and the store stays open: only the
        // checkpoint thread can copy the row from the WAL into the database file.
        let in_database_file = || std::fs::read(&path).unwrap().windows(MARKER.len()).any(|w| w == MARKER);
        let mut waited = 0;
        while !in_database_file() {
            assert!(waited < 50, "the row never reached the database file");
            tokio::time::sleep(super::INTERVAL).await;
            waited += 1;
        }
        drop(store);
    }
}
