//! Collection of package blobs. Packages are stored once per content (`packages/<sha256>.zip`)
//! and shared by every develop and trial version with that content, so a blob may go only when
//! no version names it any more — and never while an upload of the same content is writing it
//! again, since an upload writes the blob first and the version row second.
//!
//! The protocol (the store keeps one collection row per blob that may be garbage):
//!
//! 1. Removing or replacing a version row touches its blob's row, in the same unit of work.
//! 2. An upload touches the blob's row before writing the blob, waiting while a purge is
//!    deleting it, and the unit of work that inserts the version row refuses if a purge has
//!    claimed the blob since.
//! 3. The purge claims rows untouched for the grace period whose blob no version names (the
//!    claim locks the row, so it and a new reference are ordered by the database), deletes
//!    those blobs, and then forgets the rows. A referenced row is simply forgotten.
//!
//! So a blob is deleted only when nothing has referenced it, removed a reference to it or
//! announced an upload of it for the whole grace period, and an upload of the same content
//! writes the blob only after a purge deleting it has finished. The grace period must outlast
//! the slowest upload between its touch and its row (seconds, normally).

use std::time::Duration;

use super::versions::package_blob_key;
use crate::error::{Result, StoreError};
use crate::store::PACKAGE_BLOB_CLAIMED;
use crate::Platform;

/// A claim this old belongs to a purge that died: uploads take it over, purges take it again.
const CLAIM_ABANDONED_SECS: i64 = 600;
/// Blobs one purge round claims; a purge runs rounds while they come back full.
const PURGE_BATCH: i64 = 200;
/// How an upload waits for a purge deleting the same content to finish (one blob delete).
const CLAIM_WAIT: Duration = Duration::from_millis(50);
const CLAIM_WAIT_ROUNDS: u32 = 100;

impl Platform {
    /// Announces that an upload is about to write the package blob with this digest, so that
    /// no purge deletes it for the grace period; waits while a purge is deleting it.
    pub(crate) async fn hold_package_blob(&self, sha256: &str) -> Result<()> {
        for _ in 0..CLAIM_WAIT_ROUNDS {
            let now = self.clock.now();
            if self.store.touch_package_blob(sha256, now, now - CLAIM_ABANDONED_SECS).await? {
                return Ok(());
            }
            tokio::time::sleep(CLAIM_WAIT).await;
        }
        Err(StoreError::Refused(PACKAGE_BLOB_CLAIMED).into())
    }

    /// Deletes the package blobs no version has named for the grace period
    /// (`package_blob_grace_secs`); returns how many. Run by every serving node's background
    /// work; safe to run on several nodes at once.
    pub async fn purge_package_blobs(&self) -> Result<usize> {
        let grace = self.config.package_blob_grace_secs;
        let mut deleted = 0;
        loop {
            let now = self.clock.now();
            let claimed = self
                .store
                .claim_package_blobs(now, now - grace, now - CLAIM_ABANDONED_SECS, PURGE_BATCH)
                .await?;
            let mut failed = false;
            for sha256 in &claimed {
                // A purge held up for as long as claims last may have lost this one to an
                // upload; it leaves the blob to the next purge.
                let outcome = if self.clock.now() - now < CLAIM_ABANDONED_SECS / 2 {
                    self.blobs.delete(&package_blob_key(sha256)).await
                } else {
                    Err("the claim is too old".to_owned())
                };
                if let Err(error) = &outcome {
                    tracing::warn!(%error, sha256, "deleting a package blob failed; a later purge retries");
                    failed = true;
                }
                self.store.end_package_blob_claim(sha256, now, outcome.is_ok()).await?;
                deleted += usize::from(outcome.is_ok());
            }
            if failed || claimed.len() < PURGE_BATCH as usize {
                return Ok(deleted);
            }
        }
    }
}
