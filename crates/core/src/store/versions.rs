//! Develop versions, the trial version and testers of a mini program, and the collection of
//! the package blobs versions share.

use async_trait::async_trait;

use crate::accounts::EndUserId;
use crate::apps::testers::{BindTesterError, Tester};
use crate::apps::upload_keys::UploadKey;
use crate::apps::versions::{DevelopVersion, TrialVersion};
use crate::apps::AppKey;
use crate::Timestamp;

use super::StoreResult;

/// Why `put_develop_version` or `set_trial_version` refused: a purge claimed the package blob
/// the version names and is deleting it.
pub const PACKAGE_BLOB_CLAIMED: &str = "package blob claimed by a purge";

#[async_trait]
pub trait VersionStore: Send + Sync {
    // Develop versions.
    /// Stores a develop version, replacing the previous one of the same uploader slot; returns
    /// it with its id. The replaced version's package blob is touched at `created_at`. Refused
    /// with [`PACKAGE_BLOB_CLAIMED`] when a purge has claimed the new version's blob.
    async fn put_develop_version(&self, version: &DevelopVersion) -> StoreResult<DevelopVersion>;
    /// Develop versions of the app, newest first (file lists and reports left empty).
    async fn develop_versions(&self, app: AppKey) -> StoreResult<Vec<DevelopVersion>>;
    /// One develop version with its file list and report.
    async fn develop_version(&self, app: AppKey, id: i64) -> StoreResult<Option<DevelopVersion>>;
    /// Deletes a develop version, touching its package blob at `now`; `false` when there was
    /// none. The trial copy stays.
    async fn delete_develop_version(&self, app: AppKey, id: i64, now: Timestamp) -> StoreResult<bool>;

    // The trial version.
    /// Copies a develop version's metadata into the app's single trial version; the replaced
    /// trial's package blob is touched at `chosen_at`. Refused with [`PACKAGE_BLOB_CLAIMED`]
    /// when a purge has claimed the blob.
    async fn set_trial_version(&self, trial: &TrialVersion) -> StoreResult<()>;
    async fn trial_version(&self, app: AppKey) -> StoreResult<Option<TrialVersion>>;

    // Package blobs (`Platform::purge_package_blobs` tells the whole protocol).
    /// Notes that an upload is about to write the package blob with this digest, so that no
    /// purge takes it for the grace period from `now`. Takes over a purge's claim made at or
    /// before `abandoned_at`; `false` while a newer claim stands (the blob is being deleted).
    async fn touch_package_blob(
        &self,
        sha256: &str,
        now: Timestamp,
        abandoned_at: Timestamp,
    ) -> StoreResult<bool>;
    /// Claims, at `now`, up to `limit` package blobs that were last touched at or before
    /// `touched_by` and that no version references (claims made at or before `abandoned_at`
    /// are taken over); returns their digests. Blobs referenced again are forgotten.
    async fn claim_package_blobs(
        &self,
        now: Timestamp,
        touched_by: Timestamp,
        abandoned_at: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<String>>;
    /// Ends the claim made at `claimed_at`: forgets the blob once `deleted`, else releases it
    /// for a later purge. Does nothing when the claim was taken over meanwhile.
    async fn end_package_blob_claim(
        &self,
        sha256: &str,
        claimed_at: Timestamp,
        deleted: bool,
    ) -> StoreResult<()>;

    // Upload keys.
    /// Stores a new key; returns it with its id.
    async fn create_upload_key(&self, key: &UploadKey) -> StoreResult<UploadKey>;
    async fn upload_keys(&self, app: AppKey) -> StoreResult<Vec<UploadKey>>;
    async fn upload_key_by_hash(&self, hash: &str) -> StoreResult<Option<UploadKey>>;
    /// Revokes a live key; `false` when there was none.
    async fn revoke_upload_key(&self, app: AppKey, id: i64, now: Timestamp) -> StoreResult<bool>;
    async fn touch_upload_key(&self, id: i64, now: Timestamp) -> StoreResult<()>;

    // Testers.
    /// Binds a tester unless already bound or a cap is reached, in one unit of work.
    async fn bind_tester(&self, tester: &Tester, per_app: i64, per_user: i64) -> Result<(), BindTesterError>;
    /// Unbinds by user or by userstr; `false` when no such tester was bound.
    async fn unbind_tester(
        &self,
        app: AppKey,
        user: Option<EndUserId>,
        userstr: Option<&str>,
    ) -> StoreResult<bool>;
    async fn testers(&self, app: AppKey) -> StoreResult<Vec<Tester>>;
    async fn is_tester(&self, app: AppKey, user: EndUserId) -> StoreResult<bool>;
}
