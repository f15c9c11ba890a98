//! The append-only, hash-chained audit log: every state change and every staff read of personal
//! data is recorded with who did it. Each entry's hash covers the previous entry's hash, so a
//! removed or edited entry breaks the chain from that point on.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::accounts::{DeveloperId, EndUserId};
use crate::error::Result;
use crate::Platform;
use crate::Timestamp;

/// Who performed an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    System,
    Developer(DeveloperId),
    EndUser(EndUserId),
}

impl Actor {
    pub fn label(&self) -> String {
        match self {
            Self::System => "system".into(),
            Self::Developer(id) => format!("developer:{}", id.0),
            Self::EndUser(id) => format!("end_user:{}", id.0),
        }
    }
}

/// An entry before the store places it in the chain.
#[derive(Debug, Clone, Serialize)]
pub struct NewAuditEntry {
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry placed after `prev_hash` at position `seq`.
pub fn chain_hash(prev_hash: &str, seq: i64, entry: &NewAuditEntry) -> String {
    let mut hasher = Sha256::new();
    for part in [
        prev_hash,
        &seq.to_string(),
        &entry.at.to_string(),
        &entry.actor,
        &entry.action,
        &entry.target,
        &entry.detail,
    ] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// The hash the chain starts from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Checks a run of consecutive entries (oldest first); returns the seq of the first bad one.
pub fn verify_chain(entries: &[AuditEntry]) -> std::result::Result<(), i64> {
    for (index, entry) in entries.iter().enumerate() {
        let prev_ok = index == 0 || entries[index - 1].hash == entry.prev_hash;
        let new = NewAuditEntry {
            at: entry.at,
            actor: entry.actor.clone(),
            action: entry.action.clone(),
            target: entry.target.clone(),
            detail: entry.detail.clone(),
        };
        if !prev_ok || chain_hash(&entry.prev_hash, entry.seq, &new) != entry.hash {
            return Err(entry.seq);
        }
    }
    Ok(())
}

impl Platform {
    pub async fn audit(&self, actor: Actor, action: &str, target: &str, detail: &str) -> Result<()> {
        let entry = NewAuditEntry {
            at: self.clock.now(),
            actor: actor.label(),
            action: action.into(),
            target: target.into(),
            detail: detail.into(),
        };
        self.store.append_audit(&entry).await?;
        Ok(())
    }
}
