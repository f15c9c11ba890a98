//! Develop versions, the trial version and testers of a mini program.

use async_trait::async_trait;

use crate::accounts::EndUserId;
use crate::apps::testers::{BindTesterError, Tester};
use crate::apps::upload_keys::UploadKey;
use crate::apps::versions::{DevelopVersion, TrialVersion};
use crate::apps::AppKey;
use crate::Timestamp;

use super::StoreResult;

#[async_trait]
pub trait VersionStore: Send + Sync {
    // Develop versions.
    /// Stores a develop version, replacing the previous one of the same uploader slot; returns
    /// it with its id.
    async fn put_develop_version(&self, version: &DevelopVersion) -> StoreResult<DevelopVersion>;
    /// Develop versions of the app, newest first (file lists and reports left empty).
    async fn develop_versions(&self, app: AppKey) -> StoreResult<Vec<DevelopVersion>>;
    /// One develop version with its file list and report.
    async fn develop_version(&self, app: AppKey, id: i64) -> StoreResult<Option<DevelopVersion>>;
    /// Deletes a develop version; `false` when there was none. The trial copy stays.
    async fn delete_develop_version(&self, app: AppKey, id: i64) -> StoreResult<bool>;

    // The trial version.
    /// Copies a develop version's metadata into the app's single trial version.
    async fn set_trial_version(&self, trial: &TrialVersion) -> StoreResult<()>;
    async fn trial_version(&self, app: AppKey) -> StoreResult<Option<TrialVersion>>;

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
