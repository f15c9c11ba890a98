//! Schema, settings, the audit log and housekeeping.

use async_trait::async_trait;

use crate::audit::{AuditEntry, NewAuditEntry};
use crate::Timestamp;

use super::StoreResult;

#[async_trait]
pub trait PlatformStore: Send + Sync {
    /// Brings the schema up to date; returns the number of migrations applied.
    async fn migrate(&self) -> StoreResult<usize>;
    /// Which backend this is ("sqlite" or "postgres").
    fn backend(&self) -> &'static str;

    // Settings and audit.
    async fn setting(&self, key: &str) -> StoreResult<Option<String>>;
    async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()>;
    /// Appends to the hash chain; returns the stored entry.
    async fn append_audit(&self, entry: &NewAuditEntry) -> StoreResult<AuditEntry>;
    /// The newest `limit` entries, oldest first.
    async fn audit_tail(&self, limit: i64) -> StoreResult<Vec<AuditEntry>>;

    /// Deletes what has outlived its purpose: expired sessions, sign-in links, tokens expired
    /// for a day, request records older than 7 days.
    async fn purge_expired(&self, now: Timestamp) -> StoreResult<u64>;
}
