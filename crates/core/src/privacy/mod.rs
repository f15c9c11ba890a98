//! Privacy guides (clause 4.4 (2), `wechat-api.md` §6): what personal information a mini
//! program collects and why, as the developer declares it through `setprivacysetting`.
//!
//! Each mini program has two guides: the *development* one (`privacy_ver` 2), which the
//! developer edits and which applies to its develop and trial versions, and the *live* one
//! (`privacy_ver` 1), which applies to released versions and is published from the development
//! guide when a version is released. Every change to a guide is stored as a new policy version;
//! a user's consent names the version they agreed to ([`consent`]).

pub mod catalogue;
pub mod consent;
pub mod interfaces;

use serde::{Deserialize, Serialize};

use crate::accounts::Developer;
use crate::apps::access::{Access, EnvVersion, Viewer};
use crate::apps::{App, AppKey, MemberRole};
use crate::audit::Actor;
use crate::error::{Error, Result, StoreError};
use crate::tokens::TokenContext;
use crate::wx::WxError;
use crate::{Platform, Timestamp};

/// Which guide: `privacy_ver` 1 (live) or 2 (development) on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    Live,
    Development,
}

impl PolicyKind {
    pub fn from_privacy_ver(privacy_ver: i64) -> Option<Self> {
        match privacy_ver {
            1 => Some(Self::Live),
            2 => Some(Self::Development),
            _ => None,
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "live" => Some(Self::Live),
            "development" => Some(Self::Development),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Development => "development",
        }
    }
    /// The guide that applies to a version of the mini program: released versions show the
    /// live guide, develop and trial versions the one being prepared.
    pub fn for_env(env: EnvVersion) -> Self {
        match env {
            EnvVersion::Release => Self::Live,
            EnvVersion::Trial | EnvVersion::Develop => Self::Development,
        }
    }
}

/// Who runs the mini program and how users reach them (`owner_setting`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerSetting {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_qq: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_weixin: Option<String>,
    /// A custom guide file from `uploadprivacyextfile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext_file_media_id: Option<String>,
    /// How users are told (free text, e.g. "pop-up").
    #[serde(default)]
    pub notice_method: String,
    /// How long the data is kept (free text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_expire_timestamp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_region: Option<i64>,
}

/// One kind of information collected and its purpose (`setting_list[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyItem {
    pub privacy_key: String,
    /// The purpose; hosts render it as "to {privacy_text}".
    pub privacy_text: String,
}

/// The content of one version of a guide.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PolicyDocument {
    pub owner_setting: OwnerSetting,
    pub setting_list: Vec<PrivacyItem>,
    /// Third-party SDK declarations, kept as the developer sent them.
    #[serde(default)]
    pub sdk_privacy_info_list: Vec<serde_json::Value>,
}

impl PolicyDocument {
    pub fn declares(&self, privacy_key: &str) -> bool {
        self.setting_list.iter().any(|item| item.privacy_key == privacy_key)
    }
    pub fn privacy_keys(&self) -> Vec<String> {
        self.setting_list.iter().map(|item| item.privacy_key.clone()).collect()
    }
}

/// A stored version of a guide.
#[derive(Debug, Clone, PartialEq)]
pub struct PrivacyPolicy {
    pub app: AppKey,
    pub kind: PolicyKind,
    /// 1, 2, … per app and kind.
    pub version: i64,
    pub document: PolicyDocument,
    pub created_at: Timestamp,
}

/// A custom guide file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacyExtFile {
    pub media_id: String,
    pub app: AppKey,
    pub blob_key: String,
    pub bytes: i64,
    pub created_at: Timestamp,
}

/// What the public policy page shows.
#[derive(Debug, Clone)]
pub struct PolicyPage {
    pub app: App,
    pub policy: PrivacyPolicy,
    /// Every version of this guide with when it was saved, newest first.
    pub versions: Vec<(i64, Timestamp)>,
    /// The custom guide file's text, if the guide names one.
    pub ext_text: Option<String>,
}

/// A `setprivacysetting` request as parsed from the wire; [`Platform::set_privacy_settings`]
/// checks it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PrivacySettingsChange {
    pub privacy_ver: Option<i64>,
    pub owner_setting: Option<OwnerSetting>,
    pub setting_list: Option<Vec<PrivacyItem>>,
    pub sdk_privacy_info_list: Option<Vec<serde_json::Value>>,
}

/// The largest custom guide file (WeChat's limit).
pub const EXT_FILE_LIMIT: usize = 100 * 1024;
const MAX_ITEMS: usize = 100;
const MAX_SDKS: usize = 50;
const MAX_SDK_BYTES: usize = 4096;

impl Platform {
    /// `POST /cgi-bin/component/setprivacysetting`. A development change replaces the whole
    /// development guide; a live change (`privacy_ver` 1) may only change the contact and
    /// notice details and takes effect at once. A guide that did not change gets no new version.
    pub async fn set_privacy_settings(
        &self,
        caller: &TokenContext,
        change: PrivacySettingsChange,
    ) -> Result<(), WxError> {
        self.change_privacy_settings(caller, change, Actor::System).await
    }

    async fn change_privacy_settings(
        &self,
        caller: &TokenContext,
        change: PrivacySettingsChange,
        actor: Actor,
    ) -> Result<(), WxError> {
        let kind = match change.privacy_ver {
            None => PolicyKind::Development,
            Some(ver) => PolicyKind::from_privacy_ver(ver).ok_or_else(WxError::invalid_privacy_ver)?,
        };
        let owner = check_owner_setting(change.owner_setting)?;
        if let Some(media_id) = &owner.ext_file_media_id {
            if self.store.privacy_ext_file(caller.app, media_id).await?.is_none() {
                return Err(WxError::invalid_media_id());
            }
        }
        let document = match kind {
            PolicyKind::Development => {
                let items =
                    change.setting_list.ok_or_else(|| WxError::malformed_body("setting_list missing"))?;
                PolicyDocument {
                    owner_setting: owner,
                    setting_list: check_items(items)?,
                    sdk_privacy_info_list: check_sdks(change.sdk_privacy_info_list.unwrap_or_default())?,
                }
            }
            PolicyKind::Live => {
                if change.setting_list.is_some() || change.sdk_privacy_info_list.is_some() {
                    return Err(WxError::invalid_args(
                        "setting_list and sdk_privacy_info_list change only with privacy_ver 2",
                    ));
                }
                let live = self
                    .store
                    .privacy_policy(caller.app, PolicyKind::Live, None)
                    .await?
                    .ok_or_else(WxError::no_live_privacy_guide)?;
                // The custom file of a live guide changes only through a release.
                let owner_setting = OwnerSetting {
                    ext_file_media_id: live.document.owner_setting.ext_file_media_id,
                    ..owner
                };
                PolicyDocument { owner_setting, ..live.document }
            }
        };
        let saved = self.save_policy(caller.app, kind, document).await?;
        if let Some(policy) = saved {
            let detail = format!("{} v{}", kind.as_str(), policy.version);
            self.audit(actor, "privacy.settings", caller.appid.as_str(), &detail).await?;
        }
        Ok(())
    }

    /// The console's way to save the development guide: as `setprivacysetting` with
    /// `privacy_ver` 2, for a member with the developer role.
    pub async fn save_development_guide(
        &self,
        actor: &Developer,
        appid: &str,
        owner_setting: OwnerSetting,
        setting_list: Vec<PrivacyItem>,
    ) -> Result<()> {
        actor.ensure_active()?;
        let (app, role) = self.app_for_member(actor, appid).await?;
        role.ensure(MemberRole::Developer)?;
        let caller = TokenContext { app: app.key, appid: app.appid.clone() };
        // Third-party SDK declarations are kept: the console does not edit them.
        let current = self.store.privacy_policy(app.key, PolicyKind::Development, None).await?;
        let change = PrivacySettingsChange {
            privacy_ver: Some(2),
            owner_setting: Some(owner_setting),
            setting_list: Some(setting_list),
            sdk_privacy_info_list: current.map(|c| c.document.sdk_privacy_info_list),
        };
        self.change_privacy_settings(&caller, change, Actor::Developer(actor.id)).await.map_err(|e| {
            match e.errcode {
                -1 => Error::Store(StoreError::Backend(e.errmsg)),
                86069 | 86072 => Error::invalid("owner_setting", e.errmsg),
                _ => Error::invalid("setting_list", e.errmsg),
            }
        })
    }

    /// Stores `document` as the next version of the guide unless it equals the current one;
    /// returns the new version.
    async fn save_policy(
        &self,
        app: AppKey,
        kind: PolicyKind,
        document: PolicyDocument,
    ) -> Result<Option<PrivacyPolicy>> {
        let current = self.store.privacy_policy(app, kind, None).await?;
        if current.as_ref().is_some_and(|c| c.document == document) {
            return Ok(None);
        }
        let policy = PrivacyPolicy {
            app,
            kind,
            version: current.map_or(1, |c| c.version + 1),
            document,
            created_at: self.clock.now(),
        };
        // Of two concurrent saves of the same version one fails on the primary key and reports
        // "system busy", which clients retry.
        self.store.insert_privacy_policy(&policy).await?;
        Ok(Some(policy))
    }

    /// Publishes the development guide as the live one (done when a version is released).
    /// Returns the new live version, or `None` when nothing changed.
    pub async fn publish_privacy_policy(&self, app: AppKey) -> Result<Option<PrivacyPolicy>> {
        let Some(development) = self.store.privacy_policy(app, PolicyKind::Development, None).await? else {
            return Ok(None);
        };
        self.save_policy(app, PolicyKind::Live, development.document).await
    }

    /// The current guide of a kind.
    pub async fn privacy_policy(&self, app: AppKey, kind: PolicyKind) -> Result<Option<PrivacyPolicy>> {
        Ok(self.store.privacy_policy(app, kind, None).await?)
    }

    /// One version of a guide (the public policy page shows old versions users agreed to).
    pub async fn privacy_policy_version(
        &self,
        app: AppKey,
        kind: PolicyKind,
        version: i64,
    ) -> Result<Option<PrivacyPolicy>> {
        Ok(self.store.privacy_policy(app, kind, Some(version)).await?)
    }

    /// A version of a mini program's guide (the current one when `version` is `None`) for its
    /// public page. The live guide is public once the mini program is released; the
    /// development guide is shown to those who may open the trial version (members and
    /// testers), who must read it before they agree. Anyone else gets "not found".
    pub async fn policy_page(
        &self,
        appid: &str,
        kind: PolicyKind,
        version: Option<i64>,
        viewer: &Viewer,
    ) -> Result<PolicyPage> {
        let not_found = || Error::NotFound("privacy policy");
        let app = self.app_by_appid(appid).await?;
        let env = match kind {
            PolicyKind::Live => EnvVersion::Release,
            PolicyKind::Development => EnvVersion::Trial,
        };
        let visible = match self.access_to(&app, env, viewer).await? {
            // A released guide stays readable while the service is paused or banned.
            Access::Open | Access::NoTrialVersion | Access::Paused | Access::Banned => true,
            Access::NotReleased => match viewer {
                Viewer::Developer(id) => self.store.member_role(app.key, *id).await?.is_some(),
                Viewer::EndUser(_) | Viewer::Anonymous => false,
            },
            Access::NotPermitted => false,
        };
        if !visible {
            return Err(not_found());
        }
        let policy = self.store.privacy_policy(app.key, kind, version).await?.ok_or_else(not_found)?;
        let versions = self.store.privacy_policy_versions(app.key, kind).await?;
        let ext_text = match &policy.document.owner_setting.ext_file_media_id {
            Some(media_id) => self.privacy_ext_file_text(app.key, media_id).await?,
            None => None,
        };
        Ok(PolicyPage { app, policy, versions, ext_text })
    }

    /// The `privacy_key`s the newest develop version's code uses (`privacy_list` of
    /// `getprivacysetting`); `None` when no code was uploaded.
    pub async fn privacy_keys_in_code(&self, app: AppKey) -> Result<Option<Vec<String>>> {
        let report = self.newest_report(app).await?;
        Ok(report.map(|r| r.privacy_keys().into_iter().map(str::to_owned).collect()))
    }

    /// The validation report of the newest develop version.
    pub(crate) async fn newest_report(&self, app: AppKey) -> Result<Option<miniplat_package::Report>> {
        let Some(newest) = self.store.develop_versions(app).await?.into_iter().next() else {
            return Ok(None);
        };
        let Some(version) = self.store.develop_version(app, newest.id).await? else {
            return Ok(None);
        };
        let report = serde_json::from_value(version.report)
            .map_err(|e| StoreError::Backend(format!("stored validation report: {e}")))?;
        Ok(Some(report))
    }

    /// `POST /cgi-bin/component/uploadprivacyextfile`: a plain-text custom guide, at most
    /// 100 KB; returns its `ext_file_media_id`.
    pub async fn upload_privacy_ext_file(
        &self,
        caller: &TokenContext,
        bytes: Vec<u8>,
    ) -> Result<String, WxError> {
        if bytes.is_empty() || bytes.len() > EXT_FILE_LIMIT {
            return Err(WxError::invalid_args("the file must be 1 byte to 100 KB of text"));
        }
        if std::str::from_utf8(&bytes).is_err() {
            return Err(WxError::invalid_args("the file must be UTF-8 text"));
        }
        let media_id = miniplat_crypto::random::hex(16);
        let blob_key = format!("privacy/{}/{media_id}.txt", caller.appid.as_str());
        let file = PrivacyExtFile {
            media_id: media_id.clone(),
            app: caller.app,
            blob_key: blob_key.clone(),
            bytes: bytes.len() as i64,
            created_at: self.clock.now(),
        };
        self.blobs.put(&blob_key, bytes).await.map_err(|e| WxError::from(crate::blobs::store_error(e)))?;
        self.store.insert_privacy_ext_file(&file).await?;
        Ok(media_id)
    }

    /// The text of a custom guide file of `app`.
    pub async fn privacy_ext_file_text(&self, app: AppKey, media_id: &str) -> Result<Option<String>> {
        let Some(file) = self.store.privacy_ext_file(app, media_id).await? else {
            return Ok(None);
        };
        let bytes = self.blobs.get(&file.blob_key).await.map_err(crate::blobs::store_error)?;
        Ok(bytes.map(|b| String::from_utf8_lossy(&b).into_owned()))
    }
}

fn check_owner_setting(owner: Option<OwnerSetting>) -> Result<OwnerSetting, WxError> {
    let missing = |field: &str| WxError::owner_setting_incomplete(field);
    let mut owner = owner.ok_or_else(|| missing("owner_setting"))?;
    for field in
        [&mut owner.contact_email, &mut owner.contact_phone, &mut owner.contact_qq, &mut owner.contact_weixin]
    {
        *field = field.take().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    }
    let contacts = [&owner.contact_email, &owner.contact_phone, &owner.contact_qq, &owner.contact_weixin];
    if contacts.iter().all(|c| c.is_none()) {
        return Err(missing("one of contact_email, contact_phone, contact_qq, contact_weixin"));
    }
    if contacts.iter().flat_map(|c| c.as_deref()).any(|c| too_long(c, 64)) {
        return Err(WxError::invalid_args("owner_setting contacts are at most 64 characters"));
    }
    if let Some(email) = &owner.contact_email {
        if crate::email::Email::parse(email).is_err() {
            return Err(WxError::invalid_args("contact_email is not an email address"));
        }
    }
    owner.notice_method = owner.notice_method.trim().to_owned();
    if owner.notice_method.is_empty() {
        return Err(missing("notice_method"));
    }
    if too_long(&owner.notice_method, 200) {
        return Err(WxError::invalid_args("notice_method is at most 200 characters"));
    }
    if let Some(retention) = &owner.store_expire_timestamp {
        if retention.trim().is_empty() || too_long(retention, 100) {
            return Err(WxError::invalid_store_expire_timestamp());
        }
    }
    owner.ext_file_media_id = owner.ext_file_media_id.filter(|id| !id.is_empty());
    Ok(owner)
}

fn check_items(items: Vec<PrivacyItem>) -> Result<Vec<PrivacyItem>, WxError> {
    if items.len() > MAX_ITEMS {
        return Err(WxError::invalid_args("setting_list has at most 100 items"));
    }
    let mut checked: Vec<PrivacyItem> = Vec::with_capacity(items.len());
    for item in items {
        let key = item.privacy_key.trim();
        let valid_key =
            !key.is_empty() && key.len() <= 64 && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid_key {
            return Err(WxError::invalid_args("privacy_key must be 1 to 64 letters, digits or _"));
        }
        let text = item.privacy_text.trim();
        if text.is_empty() || too_long(text, 200) || text.chars().any(char::is_control) {
            return Err(WxError::invalid_args("privacy_text must be 1 to 200 printable characters"));
        }
        if checked.iter().any(|c| c.privacy_key == key) {
            return Err(WxError::invalid_args("privacy_key listed twice in setting_list"));
        }
        checked.push(PrivacyItem { privacy_key: key.to_owned(), privacy_text: text.to_owned() });
    }
    Ok(checked)
}

fn check_sdks(sdks: Vec<serde_json::Value>) -> Result<Vec<serde_json::Value>, WxError> {
    if sdks.len() > MAX_SDKS {
        return Err(WxError::invalid_args("sdk_privacy_info_list has at most 50 items"));
    }
    for sdk in &sdks {
        if !sdk.is_object() || sdk.to_string().len() > MAX_SDK_BYTES {
            return Err(WxError::invalid_args("sdk_privacy_info_list items are objects of at most 4 KB"));
        }
    }
    Ok(sdks)
}

fn too_long(text: &str, chars: usize) -> bool {
    text.chars().count() > chars
}
