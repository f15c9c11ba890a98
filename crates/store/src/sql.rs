//! A thin, uniform layer over the two drivers: values, rows, and a connection trait that runs
//! `?`-placeholder SQL on either backend. Repository code is written once against [`Conn`];
//! where the dialects differ (schema, locking) the backend modules say so.

use std::collections::HashMap;

use miniplat_core::error::StoreError;

/// A bound parameter or a column value. Nulls are typed because Postgres checks parameter types.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Blob(Option<Vec<u8>>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Self::Int(Some(v))
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Self::Int(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Self::Int(Some(i64::from(v)))
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::Text(Some(v.to_owned()))
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Self::Text(Some(v))
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Self::Text(Some(v.clone()))
    }
}
impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Self {
        Self::Text(v.map(str::to_owned))
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Self::Text(v)
    }
}
impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Self::Blob(Some(v.to_vec()))
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Self::Blob(Some(v))
    }
}

/// Builds a parameter list: `params![a, b, c]`.
#[macro_export]
macro_rules! params {
    ($($value:expr),* $(,)?) => { &[$($crate::sql::Value::from($value)),*][..] };
}

/// One result row; getters panic only on a schema/code mismatch, which tests catch.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Value>);

impl Row {
    pub fn int(&self, index: usize) -> i64 {
        self.opt_int(index).unwrap_or_else(|| panic!("column {index} is NULL"))
    }
    pub fn opt_int(&self, index: usize) -> Option<i64> {
        match &self.0[index] {
            Value::Int(v) => *v,
            other => panic!("column {index} is not an integer: {other:?}"),
        }
    }
    pub fn bool(&self, index: usize) -> bool {
        self.int(index) != 0
    }
    pub fn text(&self, index: usize) -> String {
        self.opt_text(index).unwrap_or_else(|| panic!("column {index} is NULL"))
    }
    pub fn opt_text(&self, index: usize) -> Option<String> {
        match &self.0[index] {
            Value::Text(v) => v.clone(),
            Value::Int(None) | Value::Blob(None) => None,
            other => panic!("column {index} is not text: {other:?}"),
        }
    }
    pub fn opt_blob(&self, index: usize) -> Option<Vec<u8>> {
        match &self.0[index] {
            Value::Blob(v) => v.clone(),
            Value::Int(None) | Value::Text(None) => None,
            other => panic!("column {index} is not a blob: {other:?}"),
        }
    }
    pub fn blob(&self, index: usize) -> Vec<u8> {
        match &self.0[index] {
            Value::Blob(Some(v)) => v.clone(),
            other => panic!("column {index} is not a blob: {other:?}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A connection inside a unit of work.
pub trait Conn {
    fn dialect(&self) -> Dialect;
    /// Runs a statement; returns the number of rows changed.
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError>;
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError>;
    /// Runs several statements without parameters (migrations).
    fn batch(&mut self, sql: &str) -> Result<(), StoreError>;

    fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Row, StoreError> {
        self.query_opt(sql, params)?.ok_or_else(|| StoreError::Backend(format!("no row returned by: {sql}")))
    }
}

// ---- SQLite ----

pub(crate) struct SqliteConn<'a>(pub &'a rusqlite::Connection);

fn sqlite_error(error: rusqlite::Error) -> StoreError {
    match &error {
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            StoreError::UniqueViolation
        }
        _ => StoreError::Backend(format!("sqlite: {error}")),
    }
}

fn sqlite_params(params: &[Value]) -> Vec<rusqlite::types::Value> {
    use rusqlite::types::Value as V;
    params
        .iter()
        .map(|p| match p {
            Value::Int(Some(v)) => V::Integer(*v),
            Value::Text(Some(v)) => V::Text(v.clone()),
            Value::Blob(Some(v)) => V::Blob(v.clone()),
            Value::Int(None) | Value::Text(None) | Value::Blob(None) => V::Null,
        })
        .collect()
}

impl Conn for SqliteConn<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let mut statement = self.0.prepare_cached(sql).map_err(sqlite_error)?;
        let changed =
            statement.execute(rusqlite::params_from_iter(sqlite_params(params))).map_err(sqlite_error)?;
        Ok(changed as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        use rusqlite::types::ValueRef;
        let mut statement = self.0.prepare_cached(sql).map_err(sqlite_error)?;
        let columns = statement.column_count();
        let mut rows =
            statement.query(rusqlite::params_from_iter(sqlite_params(params))).map_err(sqlite_error)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(sqlite_error)? {
            let mut values = Vec::with_capacity(columns);
            for index in 0..columns {
                values.push(match row.get_ref(index).map_err(sqlite_error)? {
                    ValueRef::Null => Value::Int(None),
                    ValueRef::Integer(v) => Value::Int(Some(v)),
                    ValueRef::Real(v) => Value::Int(Some(v as i64)),
                    ValueRef::Text(v) => Value::Text(Some(String::from_utf8_lossy(v).into_owned())),
                    ValueRef::Blob(v) => Value::Blob(Some(v.to_vec())),
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.0.execute_batch(sql).map_err(sqlite_error)
    }
}

// ---- PostgreSQL ----

/// How many prepared statements a PostgreSQL connection keeps. The repository's SQL is a fixed
/// set of texts (values always go in parameters), well under this; should it ever grow past it,
/// the cache is simply emptied and refilled.
const STATEMENT_CACHE_SIZE: usize = 256;

/// A pooled PostgreSQL connection with its prepared statements, keyed by the SQL the repository
/// code passes (before placeholder numbering, which is a function of that text): each statement
/// is parsed once per connection, after which a call is one round trip instead of two.
pub(crate) struct PostgresClient {
    // Declared first so the connection closes before the statements drop (they then send
    // nothing: a statement only asks to be closed while its connection is still open).
    client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

/// The r2d2 connection manager for [`PostgresClient`], behaving as `r2d2_postgres`'s does
/// (validity is an empty simple query; a connection is broken once the client is closed).
#[derive(Debug)]
pub(crate) struct PostgresManager {
    config: postgres::Config,
}

impl PostgresManager {
    pub(crate) fn new(config: postgres::Config) -> Self {
        Self { config }
    }
}

impl r2d2::ManageConnection for PostgresManager {
    type Connection = PostgresClient;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PostgresClient, postgres::Error> {
        let client = self.config.connect(postgres::NoTls)?;
        Ok(PostgresClient { client, statements: HashMap::new() })
    }

    fn is_valid(&self, conn: &mut PostgresClient) -> Result<(), postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut PostgresClient) -> bool {
        conn.client.is_closed()
    }
}

pub(crate) struct PostgresConn<'a>(pub &'a mut PostgresClient);

fn postgres_error(error: postgres::Error) -> StoreError {
    if error.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) {
        StoreError::UniqueViolation
    } else if let Some(db) = error.as_db_error() {
        // The driver's own message for server errors is just "db error"; keep the cause.
        StoreError::Backend(format!("postgres: {}: {} ({})", db.severity(), db.message(), db.code().code()))
    } else {
        StoreError::Backend(format!("postgres: {error}"))
    }
}

/// Rewrites `?` placeholders as `$1, $2, …` (our SQL has no `?` inside literals).
pub(crate) fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

fn postgres_params(params: &[Value]) -> Vec<Box<dyn postgres::types::ToSql + Sync>> {
    params
        .iter()
        .map(|p| -> Box<dyn postgres::types::ToSql + Sync> {
            match p {
                Value::Int(v) => Box::new(*v),
                Value::Text(v) => Box::new(v.clone()),
                Value::Blob(v) => Box::new(v.clone()),
            }
        })
        .collect()
}

impl PostgresConn<'_> {
    /// The connection's prepared statement for `sql`, prepared now if it is not cached yet.
    fn prepare(&mut self, sql: &str) -> Result<postgres::Statement, StoreError> {
        let PostgresClient { client, statements } = &mut *self.0;
        if let Some(statement) = statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = client.prepare(&numbered_placeholders(sql)).map_err(postgres_error)?;
        if statements.len() >= STATEMENT_CACHE_SIZE {
            statements.clear();
        }
        statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    /// Maps a failed execution, forgetting the statement unless the failure was a unique
    /// violation (an expected outcome): the server may have dropped the statement or changed
    /// what it returns (a schema change made by another node), and preparing it afresh next
    /// time recovers from either. Other failures are rare, so re-preparing costs nothing.
    fn failed(&mut self, sql: &str, error: postgres::Error) -> StoreError {
        if error.code() != Some(&postgres::error::SqlState::UNIQUE_VIOLATION) {
            self.0.statements.remove(sql);
        }
        postgres_error(error)
    }
}

impl Conn for PostgresConn<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let statement = self.prepare(sql)?;
        let boxed = postgres_params(params);
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = boxed.iter().map(|b| b.as_ref()).collect();
        self.0.client.execute(&statement, &refs).map_err(|e| self.failed(sql, e))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        use postgres::types::Type;
        let statement = self.prepare(sql)?;
        let boxed = postgres_params(params);
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = boxed.iter().map(|b| b.as_ref()).collect();
        let rows = self.0.client.query(&statement, &refs).map_err(|e| self.failed(sql, e))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut values = Vec::with_capacity(row.len());
            for (index, column) in row.columns().iter().enumerate() {
                let ty = column.type_();
                let value = if *ty == Type::INT8 {
                    Value::Int(row.try_get::<_, Option<i64>>(index).map_err(postgres_error)?)
                } else if *ty == Type::INT4 {
                    Value::Int(row.try_get::<_, Option<i32>>(index).map_err(postgres_error)?.map(i64::from))
                } else if *ty == Type::INT2 {
                    Value::Int(row.try_get::<_, Option<i16>>(index).map_err(postgres_error)?.map(i64::from))
                } else if *ty == Type::BOOL {
                    Value::Int(row.try_get::<_, Option<bool>>(index).map_err(postgres_error)?.map(i64::from))
                } else if *ty == Type::BYTEA {
                    Value::Blob(row.try_get::<_, Option<Vec<u8>>>(index).map_err(postgres_error)?)
                } else if *ty == Type::VOID {
                    // `SELECT pg_advisory_lock(…)` and friends: a row without a value.
                    Value::Int(None)
                } else {
                    Value::Text(row.try_get::<_, Option<String>>(index).map_err(postgres_error)?)
                };
                values.push(value);
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.0.client.batch_execute(sql).map_err(postgres_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(numbered_placeholders("a = ? AND b IN (?, ?)"), "a = $1 AND b IN ($2, $3)");
    }

    /// Runs against `MINIPLAT_TEST_POSTGRES_URL` when it is set (a plain thread: the sync client
    /// must not run on a tokio worker), like the conformance suite.
    #[test]
    fn postgres_statements_are_prepared_once_per_connection_and_bounded() {
        let Some(url) = std::env::var("MINIPLAT_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()) else {
            return;
        };
        let manager = PostgresManager::new(url.parse().expect("a valid database url"));
        let mut client = r2d2::ManageConnection::connect(&manager).expect("the server is reachable");
        r2d2::ManageConnection::is_valid(&manager, &mut client).expect("a fresh connection is valid");
        assert!(!r2d2::ManageConnection::has_broken(&manager, &mut client));

        let mut conn = PostgresConn(&mut client);
        for n in 0..3 {
            let row = conn.query_one("SELECT ?::BIGINT + 1", params![n]).expect("query runs");
            assert_eq!(row.int(0), n + 1);
        }
        assert_eq!(conn.0.statements.len(), 1, "one statement, reused");

        // A statement that failed (other than on a unique violation) is prepared afresh next time.
        assert!(conn.query("SELECT 1 / ?::BIGINT", params![0]).is_err());
        assert_eq!(conn.0.statements.len(), 1);
        assert_eq!(conn.query_one("SELECT 1 / ?::BIGINT", params![1]).expect("query runs").int(0), 1);
        assert_eq!(conn.0.statements.len(), 2);

        // The cache never holds more than its bound; statements keep working across a clear.
        for n in 0..(STATEMENT_CACHE_SIZE as i64 + 10) {
            let row = conn.query_one(&format!("SELECT {n}::BIGINT + ?"), params![1]).expect("query runs");
            assert_eq!(row.int(0), n + 1);
            assert!(conn.0.statements.len() <= STATEMENT_CACHE_SIZE);
        }
        assert_eq!(conn.query_one("SELECT ?::BIGINT + 1", params![41]).expect("query runs").int(0), 42);
    }
}
