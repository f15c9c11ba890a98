//! Develop versions and the trial version (clause 2.3). Each uploader slot — a member, or an
//! upload key's robot number — holds at most one develop version; a new upload replaces it.
//! Members pick one develop version as the app's single trial version, a copy of its metadata
//! that shares the content-addressed package blob (collected by [`super::package_blobs`] once
//! no version names it).

use serde::{Deserialize, Serialize};

use miniplat_package::{IngestError, PackagePath, Report};

use super::{App, AppKey, MemberRole};
use crate::accounts::{Developer, DeveloperId};
use crate::audit::Actor;
use crate::error::{Error, Result, StoreError};
use crate::store::PACKAGE_BLOB_CLAIMED;
use crate::Platform;
use crate::Timestamp;

/// Robot numbers of upload keys, as miniprogram-ci numbers them.
pub const ROBOTS: std::ops::RangeInclusive<u8> = 1..=30;

/// Who a develop version belongs to: one slot per member, one per robot number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum UploaderSlot {
    Member(DeveloperId),
    Robot(u8),
}

impl UploaderSlot {
    /// A robot slot; the number must be 1–30.
    pub fn robot(number: i64) -> Result<Self> {
        parse_robot(number).map(Self::Robot)
    }

    /// How the slot is stored: `member:<id>` or `robot:<n>`.
    pub fn key(&self) -> String {
        match self {
            Self::Member(id) => format!("member:{}", id.0),
            Self::Robot(n) => format!("robot:{n}"),
        }
    }

    pub fn parse_key(text: &str) -> Option<Self> {
        let (kind, value) = text.split_once(':')?;
        match kind {
            "member" => value.parse().ok().map(|id| Self::Member(DeveloperId(id))),
            "robot" => value.parse().ok().filter(|n| ROBOTS.contains(n)).map(Self::Robot),
            _ => None,
        }
    }
}

/// A robot number: 1–30.
pub fn parse_robot(number: i64) -> Result<u8> {
    u8::try_from(number)
        .ok()
        .filter(|n| ROBOTS.contains(n))
        .ok_or_else(|| Error::invalid("robot", "must be a number from 1 to 30"))
}

/// The uploader's version string: 1–64 printable characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserVersion(String);

impl UserVersion {
    pub fn parse(raw: &str) -> Result<Self> {
        let text = raw.trim();
        let count = text.chars().count();
        if !(1..=64).contains(&count) || text.chars().any(char::is_control) {
            return Err(Error::invalid("version", "must be 1 to 64 printable characters"));
        }
        Ok(Self(text.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A version description: at most 200 characters, newlines allowed.
pub fn check_description(text: &str) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > 200 || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::invalid("description", "must be at most 200 characters"));
    }
    Ok(text.to_owned())
}

/// One file of an uploaded package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VersionFile {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// The size of the main package or of one subpackage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PackageSize {
    /// `""` for the main package, else the subpackage root.
    pub root: String,
    pub bytes: u64,
}

/// An uploaded package held by one uploader slot.
#[derive(Debug, Clone, PartialEq)]
pub struct DevelopVersion {
    /// Assigned by the store.
    pub id: i64,
    pub app: AppKey,
    pub slot: UploaderSlot,
    pub user_version: UserVersion,
    pub description: String,
    /// The member who uploaded, or `None` for an upload key.
    pub uploaded_by: Option<DeveloperId>,
    /// The upload key used, if any.
    pub upload_key: Option<i64>,
    /// SHA-256 of the zip; the blob is `packages/<sha256>.zip`.
    pub package_sha256: String,
    pub zip_bytes: u64,
    pub packages: Vec<PackageSize>,
    pub files: Vec<VersionFile>,
    /// The package crate's validation report, as JSON.
    pub report: serde_json::Value,
    pub created_at: Timestamp,
}

impl DevelopVersion {
    /// Where the zip lives in the blob store.
    pub fn blob_key(&self) -> String {
        package_blob_key(&self.package_sha256)
    }
}

/// The blob key of a package with this SHA-256.
pub fn package_blob_key(sha256: &str) -> String {
    format!("packages/{sha256}.zip")
}

/// The app's trial version: a copy of a develop version's metadata (the develop version may be
/// deleted later; the trial stays).
#[derive(Debug, Clone, PartialEq)]
pub struct TrialVersion {
    /// The copied develop version (its `id` names where it came from).
    pub version: DevelopVersion,
    pub chosen_by: DeveloperId,
    pub chosen_at: Timestamp,
}

/// What an upload asks for, before validation.
pub struct Upload<'a> {
    pub version: &'a str,
    pub description: &'a str,
    pub zip: Vec<u8>,
}

/// Who uploads: a member (their own slot), or an upload key as one of its robots.
#[derive(Debug, Clone, Copy)]
pub enum Uploader<'a> {
    Member(&'a Developer),
    Robot { key_id: i64, robot: u8 },
}

impl Platform {
    /// Uploads a package as a develop version of the member's slot, replacing what the slot
    /// held. Needs the developer role. A package that does not validate is refused with its
    /// report and nothing is stored.
    pub async fn upload_develop_version(
        &self,
        actor: &Developer,
        appid: &str,
        upload: Upload<'_>,
    ) -> Result<(DevelopVersion, Report)> {
        actor.ensure_active()?;
        let (app, role) = self.app_for_member(actor, appid).await?;
        role.ensure(MemberRole::Developer)?;
        self.store_upload(&app, Uploader::Member(actor), upload).await
    }

    /// Ingests, validates and stores an upload for an already authorised uploader.
    pub(crate) async fn store_upload(
        &self,
        app: &App,
        uploader: Uploader<'_>,
        upload: Upload<'_>,
    ) -> Result<(DevelopVersion, Report)> {
        let user_version = UserVersion::parse(upload.version)?;
        let description = check_description(upload.description)?;
        let limits = &self.config.packages;
        let package = miniplat_package::ingest_zip(&upload.zip, limits).map_err(|e| match e {
            IngestError::ArchiveTooLarge { size, limit } => Error::PackageTooLarge { size, limit },
            other => Error::PackageRejected(other.to_string()),
        })?;
        let report = miniplat_package::validate(&package);
        if !report.ok() {
            return Err(Error::PackageInvalid(Box::new(report)));
        }
        let sha256 = miniplat_crypto::sha256_hex(&upload.zip);
        let zip_bytes = upload.zip.len() as u64;
        // Content-addressed: the same package uploaded twice is one blob. Announced before it is
        // written, so that a purge of the same content cannot delete it under this upload.
        self.hold_package_blob(&sha256).await?;
        self.blobs.put(&package_blob_key(&sha256), upload.zip).await.map_err(crate::blobs::store_error)?;
        let (slot, uploaded_by, upload_key, actor) = match uploader {
            Uploader::Member(developer) => {
                (UploaderSlot::Member(developer.id), Some(developer.id), None, Actor::Developer(developer.id))
            }
            Uploader::Robot { key_id, robot } => {
                (UploaderSlot::Robot(robot), None, Some(key_id), Actor::System)
            }
        };
        let version = DevelopVersion {
            id: 0,
            app: app.key,
            slot,
            user_version,
            description,
            uploaded_by,
            upload_key,
            package_sha256: sha256,
            zip_bytes,
            packages: report
                .package_sizes
                .iter()
                .map(|p| PackageSize { root: p.root.clone(), bytes: p.bytes })
                .collect(),
            files: report
                .files
                .iter()
                .map(|f| VersionFile { path: f.path.clone(), size: f.size, sha256: f.sha256.clone() })
                .collect(),
            report: serde_json::to_value(&report)
                .map_err(|e| Error::Store(crate::error::StoreError::Backend(e.to_string())))?,
            created_at: self.clock.now(),
        };
        let version = self.store.put_develop_version(&version).await?;
        let key_note = upload_key.map(|id| format!(" with upload key {id}")).unwrap_or_default();
        let detail = format!("{} {} as {}{key_note}", version.id, version.user_version.as_str(), slot.key());
        self.audit(actor, "version.upload", app.appid.as_str(), &detail).await?;
        Ok((version, report))
    }

    /// The app's develop versions (without file lists and reports) and its trial version.
    pub async fn develop_versions(
        &self,
        actor: &Developer,
        appid: &str,
    ) -> Result<(App, Vec<DevelopVersion>, Option<TrialVersion>)> {
        let (app, _) = self.app_for_member(actor, appid).await?;
        let versions = self.store.develop_versions(app.key).await?;
        let trial = self.store.trial_version(app.key).await?;
        Ok((app, versions, trial))
    }

    /// One develop version with its report and file list.
    pub async fn develop_version(
        &self,
        actor: &Developer,
        appid: &str,
        id: i64,
    ) -> Result<(App, DevelopVersion)> {
        let (app, _) = self.app_for_member(actor, appid).await?;
        let version = self.store.develop_version(app.key, id).await?.ok_or(Error::NotFound("version"))?;
        Ok((app, version))
    }

    /// The content of one file of a develop version. Only that entry is read from the stored
    /// zip: the package was checked in full when it was uploaded.
    pub async fn develop_version_file(
        &self,
        actor: &Developer,
        appid: &str,
        id: i64,
        path: &str,
    ) -> Result<Vec<u8>> {
        let (_, version) = self.develop_version(actor, appid, id).await?;
        self.version_file(&version, path).await
    }

    /// One file of a stored version's package (develop, trial or under review); callers check
    /// who may read it.
    pub(crate) async fn version_file(&self, version: &DevelopVersion, path: &str) -> Result<Vec<u8>> {
        // The stored file list is the authority on what may be read.
        if !version.files.iter().any(|f| f.path == path) {
            return Err(Error::NotFound("file"));
        }
        let path = PackagePath::parse(path).map_err(|_| Error::NotFound("file"))?;
        let zip = self
            .blobs
            .get(&version.blob_key())
            .await
            .map_err(crate::blobs::store_error)?
            .ok_or(Error::NotFound("package"))?;
        miniplat_package::read_package_file(&zip, &path, &self.config.packages)
            .map_err(|e| Error::PackageRejected(e.to_string()))?
            .ok_or(Error::NotFound("file"))
    }

    /// Deletes a develop version; the trial version, a copy, stays. Needs the developer role.
    pub async fn delete_develop_version(&self, actor: &Developer, appid: &str, id: i64) -> Result<()> {
        actor.ensure_active()?;
        let (app, role) = self.app_for_member(actor, appid).await?;
        role.ensure(MemberRole::Developer)?;
        if !self.store.delete_develop_version(app.key, id, self.clock.now()).await? {
            return Err(Error::NotFound("version"));
        }
        self.audit(Actor::Developer(actor.id), "version.delete", app.appid.as_str(), &id.to_string()).await
    }

    /// Makes a develop version the app's trial version. Needs the developer role.
    pub async fn choose_trial_version(
        &self,
        actor: &Developer,
        appid: &str,
        id: i64,
    ) -> Result<TrialVersion> {
        actor.ensure_active()?;
        let (app, role) = self.app_for_member(actor, appid).await?;
        role.ensure(MemberRole::Developer)?;
        let version = self.store.develop_version(app.key, id).await?.ok_or(Error::NotFound("version"))?;
        let trial = TrialVersion { version, chosen_by: actor.id, chosen_at: self.clock.now() };
        self.store.set_trial_version(&trial).await.map_err(|e| match e {
            // Deleted meanwhile, and its package is going too.
            StoreError::Refused(PACKAGE_BLOB_CLAIMED) => Error::NotFound("version"),
            other => other.into(),
        })?;
        self.audit(Actor::Developer(actor.id), "version.choose_trial", app.appid.as_str(), &id.to_string())
            .await?;
        Ok(trial)
    }

    /// The app's trial version, if one is chosen.
    pub async fn trial_version(&self, actor: &Developer, appid: &str) -> Result<Option<TrialVersion>> {
        let (app, _) = self.app_for_member(actor, appid).await?;
        Ok(self.store.trial_version(app.key).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robots_are_numbered_one_to_thirty() {
        assert!(UploaderSlot::robot(0).is_err());
        assert!(UploaderSlot::robot(31).is_err());
        assert!(UploaderSlot::robot(-1).is_err());
        assert_eq!(UploaderSlot::robot(30).unwrap(), UploaderSlot::Robot(30));
    }

    #[test]
    fn slot_keys_round_trip() {
        for slot in [UploaderSlot::Member(DeveloperId(7)), UploaderSlot::Robot(1)] {
            assert_eq!(UploaderSlot::parse_key(&slot.key()), Some(slot));
        }
        assert_eq!(UploaderSlot::parse_key("robot:31"), None);
        assert_eq!(UploaderSlot::parse_key("x:1"), None);
    }

    #[test]
    fn user_versions_are_short_and_printable() {
        assert_eq!(UserVersion::parse(" 1.0.0 ").unwrap().as_str(), "1.0.0");
        assert!(UserVersion::parse("").is_err());
        assert!(UserVersion::parse(&"9".repeat(65)).is_err());
        assert!(UserVersion::parse("1.0\n").is_ok(), "trailing whitespace is trimmed");
        assert!(UserVersion::parse("1.\u{7}0").is_err());
        assert!(check_description(&"x".repeat(201)).is_err());
        assert!(check_description("line one\nline two").is_ok());
    }
}
