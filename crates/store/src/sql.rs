//! A thin, uniform layer over the two drivers: values, rows, and a connection trait that runs
//! `?`-placeholder SQL on either backend. Repository code is written once against [`Conn`];
//! where the dialects differ (schema, locking) the backend modules say so.

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

pub(crate) struct PostgresConn<'a>(pub &'a mut postgres::Client);

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
    fn prepare(&mut self, sql: &str) -> Result<postgres::Statement, StoreError> {
        self.0.prepare(&numbered_placeholders(sql)).map_err(postgres_error)
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
        self.0.execute(&statement, &refs).map_err(postgres_error)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        use postgres::types::Type;
        let statement = self.prepare(sql)?;
        let boxed = postgres_params(params);
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = boxed.iter().map(|b| b.as_ref()).collect();
        let rows = self.0.query(&statement, &refs).map_err(postgres_error)?;
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
        self.0.batch_execute(sql).map_err(postgres_error)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(super::numbered_placeholders("a = ? AND b IN (?, ?)"), "a = $1 AND b IN ($2, $3)");
    }
}
