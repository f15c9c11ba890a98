//! Storage backends of Miniplat: SQLite (the embedded default, one file in the data directory)
//! and PostgreSQL (for several `miniplat serve` nodes). Both run the same repository code
//! ([`repo`]) through the small driver layer in [`sql`]; each has its own migrations.
//!
//! The drivers are synchronous (rusqlite is several times faster than the async alternatives
//! on SQLite), so every unit of work runs on tokio's blocking pool with a pooled connection.

mod group_commit;
mod migrations;
mod repo;
pub mod sql;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use miniplat_core::error::StoreError;
use r2d2_sqlite::SqliteConnectionManager;

use sql::{Conn, PostgresConn, PostgresManager, SqliteConn};

enum Pool {
    Sqlite(r2d2::Pool<SqliteConnectionManager>),
    Postgres(PostgresPool),
}

/// The Postgres pool, closed off the async runtime: the sync driver closes each connection with
/// a blocking call, which panics (and, inside a destructor, aborts) on a tokio worker thread —
/// where the last `SqlStore` handle is usually dropped.
struct PostgresPool(Option<r2d2::Pool<PostgresManager>>);

impl PostgresPool {
    fn get(&self) -> Result<r2d2::PooledConnection<PostgresManager>, r2d2::Error> {
        self.0.as_ref().expect("the pool lives until dropped").get()
    }
}

impl Drop for PostgresPool {
    fn drop(&mut self) {
        let Some(pool) = self.0.take() else { return };
        if tokio::runtime::Handle::try_current().is_ok() {
            let closed = std::thread::spawn(move || drop(pool)).join();
            if closed.is_err() {
                tracing::error!("closing the PostgreSQL connection pool failed");
            }
        }
        // Off the runtime, the pool simply closes here.
    }
}

/// The store: a connection pool of one backend.
#[derive(Clone)]
pub struct SqlStore {
    pool: Arc<Pool>,
    group_commit: Arc<group_commit::GroupCommit>,
}

fn pool_error(error: r2d2::Error) -> StoreError {
    StoreError::Backend(format!("connection pool: {error}"))
}

impl SqlStore {
    /// Opens the database a URL names: `sqlite://PATH` (or a plain path) or `postgres://…`.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::open_postgres(url)
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            Self::open_sqlite(Path::new(path))
        }
    }

    /// SQLite in WAL mode with `secure_delete` on, so deleted personal data is overwritten.
    pub fn open_sqlite(path: &Path) -> Result<Self, StoreError> {
        let manager = SqliteConnectionManager::file(path).with_init(|c| {
            c.execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA secure_delete = ON;
                 PRAGMA foreign_keys = ON;
                 PRAGMA busy_timeout = 10000;",
            )
        });
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .connection_timeout(Duration::from_secs(10))
            .build(manager)
            .map_err(pool_error)?;
        Ok(Self::with_pool(Pool::Sqlite(pool)))
    }

    pub fn open_postgres(url: &str) -> Result<Self, StoreError> {
        let config: postgres::Config =
            url.parse().map_err(|e| StoreError::Backend(format!("database url: {e}")))?;
        let manager = PostgresManager::new(config);
        let pool = r2d2::Pool::builder()
            .max_size(16)
            .connection_timeout(Duration::from_secs(10))
            .build(manager)
            .map_err(pool_error)?;
        Ok(Self::with_pool(Pool::Postgres(PostgresPool(Some(pool)))))
    }

    fn with_pool(pool: Pool) -> Self {
        Self { pool: Arc::new(pool), group_commit: Arc::new(group_commit::GroupCommit::new()) }
    }

    /// Runs `work` on a pooled connection on the blocking pool. With `transaction`, the work
    /// runs inside one transaction (on SQLite `BEGIN IMMEDIATE`, which takes the write lock up
    /// front so two writers never deadlock on a lock upgrade).
    async fn run<T, F>(&self, transaction: bool, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Conn) -> Result<T, StoreError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || match &*pool {
            Pool::Sqlite(pool) => {
                let connection = pool.get().map_err(pool_error)?;
                let mut conn = SqliteConn(&connection);
                in_transaction(&mut conn, transaction, "BEGIN IMMEDIATE", work)
            }
            Pool::Postgres(pool) => {
                let mut connection = pool.get().map_err(pool_error)?;
                let mut conn = PostgresConn(&mut connection);
                in_transaction(&mut conn, transaction, "BEGIN", work)
            }
        })
        .await
        .map_err(|e| StoreError::Backend(format!("storage task failed: {e}")))?
    }

    async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Conn) -> Result<T, StoreError> + Send + 'static,
    {
        self.run(false, work).await
    }

    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Conn) -> Result<T, StoreError> + Send + 'static,
    {
        self.run(true, work).await
    }
}

fn in_transaction<T>(
    conn: &mut dyn Conn,
    transaction: bool,
    begin: &str,
    work: impl FnOnce(&mut dyn Conn) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    if !transaction {
        return work(conn);
    }
    conn.batch(begin)?;
    match work(conn) {
        Ok(value) => {
            conn.batch("COMMIT")?;
            Ok(value)
        }
        Err(error) => {
            if let Err(rollback) = conn.batch("ROLLBACK") {
                tracing::error!(%rollback, "rollback failed");
            }
            Err(error)
        }
    }
}
