//! Schema, settings, the audit log and housekeeping.

use super::*;
use miniplat_core::store::PlatformStore;

#[async_trait]
impl PlatformStore for SqlStore {
    async fn migrate(&self) -> StoreResult<usize> {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs()
                as i64;
        self.read(move |c| crate::migrations::migrate(c, now)).await
    }

    fn backend(&self) -> &'static str {
        match &*self.pool {
            crate::Pool::Sqlite(_) => "sqlite",
            crate::Pool::Postgres(_) => "postgres",
        }
    }

    // ---- settings and audit ----

    async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        let key = key.to_owned();
        self.read(move |c| {
            Ok(c.query_opt("SELECT value FROM settings WHERE key = ?", params![key])?.map(|r| r.text(0)))
        })
        .await
    }

    async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        let (key, value) = (key.to_owned(), value.to_owned());
        self.write(move |c| {
            c.exec(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(drop)
        })
        .await
    }

    async fn append_audit(&self, entry: &NewAuditEntry) -> StoreResult<AuditEntry> {
        let entry = entry.clone();
        self.write(move |c| {
            if c.dialect() == Dialect::Postgres {
                // Serialise appends so the chain never forks (SQLite's write lock already does).
                c.query("SELECT pg_advisory_xact_lock(7243412)", &[])?;
            }
            let last = c.query_opt("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", &[])?;
            let (seq, prev_hash) = last.map_or((1, GENESIS.to_owned()), |r| (r.int(0) + 1, r.text(1)));
            let hash = chain_hash(&prev_hash, seq, &entry);
            c.exec(
                "INSERT INTO audit_log (seq, at, actor, action, target, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                params![seq, entry.at, entry.actor.clone(), entry.action.clone(), entry.target.clone(), entry.detail.clone(), prev_hash.clone(), hash.clone()],
            )?;
            Ok(AuditEntry {
                seq,
                at: entry.at,
                actor: entry.actor,
                action: entry.action,
                target: entry.target,
                detail: entry.detail,
                prev_hash,
                hash,
            })
        })
        .await
    }

    async fn audit_tail(&self, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        self.read(move |c| {
            let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT ?");
            let mut entries: Vec<AuditEntry> =
                c.query(&sql, params![limit])?.iter().map(audit_entry).collect();
            entries.reverse();
            Ok(entries)
        })
        .await
    }

    async fn purge_expired(&self, now: Timestamp) -> StoreResult<u64> {
        self.write(move |c| {
            let mut purged = c.exec("DELETE FROM sessions WHERE expires_at <= ?", params![now])?;
            purged += c.exec("DELETE FROM sign_in_links WHERE expires_at <= ?", params![now])?;
            purged += c.exec("DELETE FROM access_tokens WHERE expires_at <= ?", params![now - 86_400])?;
            purged +=
                c.exec("DELETE FROM request_records WHERE invoke_time <= ?", params![now - 7 * 86_400])?;
            Ok(purged)
        })
        .await
    }
}
