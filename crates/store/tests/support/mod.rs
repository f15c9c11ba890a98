//! The conformance harness: a fresh, migrated database per test on one backend, torn down
//! afterwards (also when the story panics), plus builders for the domain values stories store.
//!
//! SQLite lives in a temporary directory. PostgreSQL runs when `MINIPLAT_TEST_POSTGRES_URL`
//! names a server: each test gets a schema of its own (selected through the connection's
//! `search_path`), dropped at the end. Once the variable is set, failing to reach the server
//! fails the test; only an unset variable skips.
//!
//! The sync `postgres` client drives its own small runtime, so it must neither run nor be
//! dropped on a tokio worker thread: every direct connection here lives on the blocking pool
//! or a plain thread. Teardown closes the store's pool before it drops the schema.

/// Declares every story once; each becomes one test per backend (`on_sqlite::…`, `on_postgres::…`).
macro_rules! conformance_suite {
    ($($story:ident),* $(,)?) => {
        conformance_suite!(@backend on_sqlite, Sqlite, $($story),*);
        conformance_suite!(@backend on_postgres, Postgres, $($story),*);
    };
    (@backend $module:ident, $backend:ident, $($story:ident),*) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $story() {
                    crate::support::run(crate::support::Backend::$backend, super::$story).await;
                }
            )*
        }
    };
}

use std::fmt::Debug;
use std::future::Future;
use std::path::PathBuf;

use miniplat_core::accounts::developers::NewDeveloper;
use miniplat_core::accounts::end_users::NewEndUser;
use miniplat_core::accounts::{Developer, PlatformRole};
use miniplat_core::apps::{App, AppId, AppName, NewApp};
use miniplat_core::email::Email;
use miniplat_core::store::prelude::*;
use miniplat_core::tokens::{AccessTokenRecord, TokenKind};
use miniplat_core::Timestamp;
use miniplat_store::SqlStore;
use tempfile::TempDir;

/// Names the PostgreSQL server to run the suite against, e.g.
/// `postgres://postgres@127.0.0.1:5432/test`.
pub const POSTGRES_URL_VAR: &str = "MINIPLAT_TEST_POSTGRES_URL";

/// A fixed instant for stories that pass their own time to the store.
pub const T0: Timestamp = 1_750_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// What `Store::backend` answers, and the folder of the backend's migrations.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }

    /// The number of migration files the backend ships.
    pub fn migration_files(self) -> usize {
        let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations").join(self.name());
        std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("reading {}: {e}", folder.display()))
            .filter(|entry| entry.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql")))
            .count()
    }
}

/// What a story gets: the store under test, and a way around it to the same database.
#[derive(Clone)]
pub struct Db {
    pub store: SqlStore,
    pub backend: Backend,
    /// What the first `migrate` (run by the harness) returned.
    pub applied: usize,
    direct: Direct,
}

/// How to reach the store's database without the store.
#[derive(Clone)]
enum Direct {
    Sqlite(PathBuf),
    /// A URL whose `search_path` is the test's schema.
    Postgres(String),
}

impl Db {
    /// Runs SQL on a new connection of its own to the store's database (for checks the database
    /// itself must enforce); on failure, the database's message.
    pub async fn execute_directly(&self, sql: &str) -> Result<(), String> {
        let (direct, sql) = (self.direct.clone(), sql.to_owned());
        tokio::task::spawn_blocking(move || match direct {
            Direct::Sqlite(path) => {
                let connection = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
                connection.execute_batch(&sql).map_err(|e| e.to_string())
            }
            Direct::Postgres(url) => {
                let mut client =
                    postgres::Client::connect(&url, postgres::NoTls).map_err(|e| e.to_string())?;
                // The server's message, not the driver's bare "db error".
                client
                    .batch_execute(&sql)
                    .map_err(|e| e.as_db_error().map_or_else(|| e.to_string(), |db| db.message().to_owned()))
            }
        })
        .await
        .expect("direct connection task")
    }
}

/// Runs one story on a fresh, migrated database of `backend`; returns without running it when
/// the backend is PostgreSQL and no server is configured.
pub async fn run<F, Fut>(backend: Backend, story: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(fixture) = Fixture::open(backend).await else {
        eprintln!("skipped: set {POSTGRES_URL_VAR} to run the PostgreSQL conformance suite");
        return;
    };
    let db = fixture.db.clone().expect("opened fixture has a store");
    story(db).await;
    // `fixture` drops here (or while unwinding), after the story's handles are gone.
}

/// One test's database and what removes it.
struct Fixture {
    db: Option<Db>,
    cleanup: Option<Cleanup>,
}

enum Cleanup {
    Sqlite(TempDir),
    Postgres { admin_url: String, schema: String },
}

impl Fixture {
    async fn open(backend: Backend) -> Option<Self> {
        let opened = tokio::task::spawn_blocking(move || Self::open_unmigrated(backend)).await;
        let mut fixture = opened.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))?;
        let db = fixture.db.as_mut().expect("opened fixture has a store");
        db.applied =
            db.store.migrate().await.unwrap_or_else(|e| panic!("{} migrations failed: {e}", backend.name()));
        Some(fixture)
    }

    fn open_unmigrated(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = TempDir::new().expect("temporary directory");
                let path = dir.path().join("miniplat.db");
                let store =
                    SqlStore::open(&format!("sqlite://{}", path.display())).expect("open SQLite store");
                let db = Db { store, backend, applied: 0, direct: Direct::Sqlite(path) };
                Some(Self { db: Some(db), cleanup: Some(Cleanup::Sqlite(dir)) })
            }
            Backend::Postgres => {
                let admin_url = std::env::var(POSTGRES_URL_VAR).ok()?;
                let schema = format!("conformance_{}", miniplat_crypto::random::hex(8));
                let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).unwrap_or_else(|e| {
                    panic!("{POSTGRES_URL_VAR} is set, but connecting to it failed: {e:?}")
                });
                admin.batch_execute(&format!("CREATE SCHEMA {schema}")).expect("create the test schema");
                let url = with_search_path(&admin_url, &schema);
                // From here on, dropping the fixture drops the schema.
                let mut fixture = Self { db: None, cleanup: Some(Cleanup::Postgres { admin_url, schema }) };
                let store = SqlStore::open(&url).unwrap_or_else(|e| panic!("open PostgreSQL store: {e}"));
                fixture.db = Some(Db { store, backend, applied: 0, direct: Direct::Postgres(url) });
                Some(fixture)
            }
        }
    }
}

/// The server URL with the connection option that makes `schema` the only one searched.
fn with_search_path(url: &str, schema: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-c%20search_path%3D{schema}")
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let (db, cleanup) = (self.db.take(), self.cleanup.take());
        // Off the runtime, as the direct connections are; the pool closes before the schema goes.
        let teardown = std::thread::spawn(move || {
            drop(db);
            match cleanup {
                Some(Cleanup::Postgres { admin_url, schema }) => drop_schema(&admin_url, &schema),
                Some(Cleanup::Sqlite(dir)) => drop(dir),
                None => {}
            }
        });
        if teardown.join().is_err() && !std::thread::panicking() {
            panic!("tearing the test database down failed");
        }
    }
}

/// Best effort: a schema left behind is harmless, so failures are only reported.
fn drop_schema(admin_url: &str, schema: &str) {
    let dropped = postgres::Client::connect(admin_url, postgres::NoTls)
        .and_then(|mut admin| admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")));
    if let Err(e) = dropped {
        eprintln!("could not drop test schema {schema}: {e}");
    }
}

// ---- assertions ----

/// Asserts two stored records are equal field by field. Core's records do not implement
/// `PartialEq` (production code never compares them whole); their `Debug` form shows every field.
#[track_caller]
pub fn assert_same<T: Debug>(actual: &T, expected: &T) {
    assert_eq!(format!("{actual:#?}"), format!("{expected:#?}"));
}

// ---- builders ----

pub fn email(text: &str) -> Email {
    Email::parse(text).expect("valid email")
}

pub fn new_developer(address: &str) -> NewDeveloper {
    NewDeveloper {
        email: email(address),
        password_hash: Some(format!("hash-of-{address}")),
        email_verified_at: Some(T0),
        role: PlatformRole::Developer,
        created_at: T0,
    }
}

pub fn new_end_user(address: &str) -> NewEndUser {
    NewEndUser {
        email: email(address),
        password_hash: format!("hash-of-{address}"),
        nickname: "Nick".into(),
        created_at: T0,
    }
}

pub async fn developer(store: &SqlStore, address: &str) -> Developer {
    store.create_developer(&new_developer(address)).await.expect("create developer")
}

/// A new app without contact email, with a fresh appid.
pub fn new_app(name: &str, creator: &Developer) -> NewApp {
    NewApp {
        appid: AppId::generate(),
        name: AppName::parse(name).expect("valid app name"),
        introduction: format!("About {name}"),
        contact_email: None,
        secret_hash: format!("secret-hash-of-{name}"),
        created_by: creator.id,
        created_at: T0,
    }
}

pub async fn app(store: &SqlStore, name: &str, creator: &Developer) -> App {
    store.create_app(&new_app(name, creator)).await.unwrap_or_else(|e| panic!("create app {name}: {e:?}"))
}

/// A valid token as issued: stable tokens carry a nonce, none is forced.
pub fn token(
    hash: &str,
    app: &App,
    kind: TokenKind,
    issued_at: Timestamp,
    expires_at: Timestamp,
) -> AccessTokenRecord {
    AccessTokenRecord {
        hash: hash.into(),
        app: app.key,
        kind,
        nonce: (kind == TokenKind::Stable).then(|| format!("nonce-{hash}")),
        forced: false,
        issued_at,
        expires_at,
        invalid_after: None,
    }
}
