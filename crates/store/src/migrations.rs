//! Schema migrations, one ordered list per backend. A landed migration is never edited; changes
//! come as new files.

use miniplat_core::error::StoreError;

use crate::params;
use crate::sql::{Conn, Dialect};

const SQLITE: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_foundation.sql")),
    (2, include_str!("../migrations/sqlite/0002_versions.sql")),
    (3, include_str!("../migrations/sqlite/0003_links.sql")),
    (4, include_str!("../migrations/sqlite/0004_code_pages.sql")),
    (5, include_str!("../migrations/sqlite/0005_package_blob_gc.sql")),
    (6, include_str!("../migrations/sqlite/0006_push.sql")),
    (7, include_str!("../migrations/sqlite/0007_identities.sql")),
    (8, include_str!("../migrations/sqlite/0008_privacy.sql")),
    (9, include_str!("../migrations/sqlite/0009_reviews.sql")),
    (10, include_str!("../migrations/sqlite/0010_categories.sql")),
    (11, include_str!("../migrations/sqlite/0011_content_domains.sql")),
    (12, include_str!("../migrations/sqlite/0012_review_submissions.sql")),
    (13, include_str!("../migrations/sqlite/0013_human_review.sql")),
    (14, include_str!("../migrations/sqlite/0014_releases.sql")),
];
const POSTGRES: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_foundation.sql")),
    (2, include_str!("../migrations/postgres/0002_versions.sql")),
    (3, include_str!("../migrations/postgres/0003_links.sql")),
    (4, include_str!("../migrations/postgres/0004_code_pages.sql")),
    (5, include_str!("../migrations/postgres/0005_package_blob_gc.sql")),
    (6, include_str!("../migrations/postgres/0006_push.sql")),
    (7, include_str!("../migrations/postgres/0007_identities.sql")),
    (8, include_str!("../migrations/postgres/0008_privacy.sql")),
    (9, include_str!("../migrations/postgres/0009_reviews.sql")),
    (10, include_str!("../migrations/postgres/0010_categories.sql")),
    (11, include_str!("../migrations/postgres/0011_content_domains.sql")),
    (12, include_str!("../migrations/postgres/0012_review_submissions.sql")),
    (13, include_str!("../migrations/postgres/0013_human_review.sql")),
    (14, include_str!("../migrations/postgres/0014_releases.sql")),
];

/// Applies the migrations not yet applied, each in its own transaction; returns how many ran.
/// On Postgres an advisory lock keeps nodes that start together from migrating twice.
pub(crate) fn migrate(conn: &mut dyn Conn, now: i64) -> Result<usize, StoreError> {
    let (list, lock, unlock) = match conn.dialect() {
        Dialect::Sqlite => (SQLITE, None, None),
        Dialect::Postgres => {
            (POSTGRES, Some("SELECT pg_advisory_lock(7243411)"), Some("SELECT pg_advisory_unlock(7243411)"))
        }
    };
    if let Some(lock) = lock {
        conn.query(lock, &[])?;
    }
    let result = apply(conn, list, now);
    if let Some(unlock) = unlock {
        conn.query(unlock, &[])?;
    }
    result
}

fn apply(conn: &mut dyn Conn, list: &[(i64, &str)], now: i64) -> Result<usize, StoreError> {
    conn.batch("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")?;
    let applied: Vec<i64> =
        conn.query("SELECT version FROM schema_migrations", &[])?.iter().map(|r| r.int(0)).collect();
    let mut count = 0;
    for (version, script) in list {
        if applied.contains(version) {
            continue;
        }
        let begin = if conn.dialect() == Dialect::Sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" };
        conn.batch(begin)?;
        let outcome = conn.batch(script).and_then(|()| {
            conn.exec(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                params![*version, now],
            )
        });
        match outcome {
            Ok(_) => conn.batch("COMMIT")?,
            Err(error) => {
                conn.batch("ROLLBACK")?;
                return Err(StoreError::Backend(format!("migration {version} failed: {error}")));
            }
        }
        count += 1;
    }
    Ok(count)
}
