//! Restricted privacy interfaces (`wechat-api.md` §6.4): the location APIs a mini program may
//! only call after the platform approved its application, with the reason and evidence it gave.
//! The operator's staff decide applications in the admin console.

use serde::{Deserialize, Serialize};

use crate::accounts::developers::ensure_operator;
use crate::accounts::{Developer, DeveloperId};
use crate::apps::{App, AppKey};
use crate::audit::Actor;
use crate::error::{Error, Result, StoreError};
use crate::tokens::TokenContext;
use crate::wx::WxError;
use crate::{Platform, Timestamp};

/// The interfaces that need an approved application: `(api_name, Chinese name, description)`.
pub const RESTRICTED_INTERFACES: &[(&str, &str, &str)] = &[
    ("wx.getFuzzyLocation", "获取模糊地理位置", "approximate location"),
    ("wx.getLocation", "获取当前的地理位置、速度", "precise location and speed"),
    ("wx.onLocationChange", "监听实时地理位置变化事件", "location updates"),
    ("wx.startLocationUpdate", "接收位置消息（前台）", "location updates in the foreground"),
    ("wx.startLocationUpdateBackground", "接收位置消息（前后台）", "location updates in the background"),
    ("wx.chooseLocation", "打开地图选择位置", "picking a place on a map"),
    ("wx.choosePoi", "打开POI列表选择位置", "picking a nearby place"),
    ("wx.chooseAddress", "获取用户收货地址", "the user's postal address"),
];

/// Where an application stands (the wire `status`: 3, 4, 5; 1 is "never applied").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterfaceStatus {
    Applying,
    Rejected,
    Enabled,
}

impl InterfaceStatus {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "applying" => Some(Self::Applying),
            "rejected" => Some(Self::Rejected),
            "enabled" => Some(Self::Enabled),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applying => "applying",
            Self::Rejected => "rejected",
            Self::Enabled => "enabled",
        }
    }
    /// The `status` of `get_privacy_interface`.
    pub fn wire(self) -> i64 {
        match self {
            Self::Applying => 3,
            Self::Rejected => 4,
            Self::Enabled => 5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceApplication {
    /// The `audit_id`.
    pub id: i64,
    pub app: AppKey,
    pub api_name: String,
    pub content: String,
    pub url_list: Vec<String>,
    pub pic_list: Vec<String>,
    pub video_list: Vec<String>,
    pub status: InterfaceStatus,
    pub fail_reason: Option<String>,
    pub applied_at: Timestamp,
    pub decided_at: Option<Timestamp>,
    pub decided_by: Option<DeveloperId>,
}

/// An `apply_privacy_interface` body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InterfaceRequest {
    pub api_name: Option<String>,
    pub content: Option<String>,
    #[serde(default)]
    pub url_list: Vec<String>,
    #[serde(default)]
    pub pic_list: Vec<String>,
    #[serde(default)]
    pub video_list: Vec<String>,
}

/// One restricted interface as `get_privacy_interface` lists it.
#[derive(Debug, Clone)]
pub struct InterfaceState {
    pub api_name: &'static str,
    pub chinese_name: &'static str,
    pub description: &'static str,
    /// The newest application, if any.
    pub application: Option<InterfaceApplication>,
}

/// What `get_code_privacy_info` reports about the newest uploaded code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodePrivacyInfo {
    /// Restricted interfaces the code uses without an approved application.
    pub without_auth: Vec<String>,
    /// Restricted interfaces the code uses without declaring them in `requiredPrivateInfos`.
    pub without_conf: Vec<String>,
}

/// The store refuses a second application while one for the same interface is under review.
pub const ALREADY_APPLYING: &str = "an application for this interface is under review";

/// Whether `api_name` may be called given the app's applications (newest first): unrestricted
/// interfaces always, restricted ones when the newest application was approved.
fn enabled_in(applications: &[InterfaceApplication], api_name: &str) -> bool {
    if !RESTRICTED_INTERFACES.iter().any(|(name, ..)| *name == api_name) {
        return true;
    }
    applications.iter().find(|a| a.api_name == api_name).is_some_and(|a| a.status == InterfaceStatus::Enabled)
}

const MAX_CONTENT: usize = 300;
const MAX_PICTURES: usize = 10;
const MAX_URL: usize = 1024;

impl Platform {
    /// `POST /wxa/security/apply_privacy_interface`.
    pub async fn apply_privacy_interface(
        &self,
        caller: &TokenContext,
        request: InterfaceRequest,
    ) -> Result<i64, WxError> {
        let api_name =
            request.api_name.filter(|a| !a.is_empty()).ok_or_else(WxError::missing_interface_args)?;
        if !RESTRICTED_INTERFACES.iter().any(|(name, ..)| *name == api_name) {
            return Err(WxError::interface_needs_no_application());
        }
        let content = request.content.map(|c| c.trim().to_owned()).unwrap_or_default();
        if content.is_empty() {
            return Err(WxError::missing_interface_args());
        }
        if content.chars().count() > MAX_CONTENT {
            return Err(WxError::invalid_args("content is at most 300 characters"));
        }
        // Location interfaces need evidence: a page, a picture or a video of the feature.
        if request.url_list.is_empty() && request.pic_list.is_empty() && request.video_list.is_empty() {
            return Err(WxError::missing_interface_args());
        }
        if request.pic_list.len() > MAX_PICTURES || request.video_list.len() > 1 {
            return Err(WxError::invalid_args("at most 10 pictures and 1 video"));
        }
        let links = request.url_list.iter().chain(&request.pic_list).chain(&request.video_list);
        for link in links {
            let web = link.starts_with("https://") || link.starts_with("http://");
            if !web || link.len() > MAX_URL || link.chars().any(char::is_whitespace) {
                return Err(WxError::invalid_args("url_list, pic_list and video_list hold http(s) URLs"));
            }
        }
        if request
            .video_list
            .iter()
            .any(|v| !v.to_ascii_lowercase().split('?').next().unwrap_or("").ends_with(".mp4"))
        {
            return Err(WxError::video_not_mp4());
        }
        let application = InterfaceApplication {
            id: 0,
            app: caller.app,
            api_name: api_name.clone(),
            content,
            url_list: request.url_list,
            pic_list: request.pic_list,
            video_list: request.video_list,
            status: InterfaceStatus::Applying,
            fail_reason: None,
            applied_at: self.clock.now(),
            decided_at: None,
            decided_by: None,
        };
        let id = self.store.insert_interface_application(&application).await.map_err(|e| match e {
            StoreError::Refused(ALREADY_APPLYING) => WxError::interface_under_review(),
            e => e.into(),
        })?;
        self.audit(Actor::System, "privacy.interface.apply", caller.appid.as_str(), &api_name).await?;
        Ok(id)
    }

    /// `GET /wxa/security/get_privacy_interface`: every restricted interface with its newest
    /// application.
    pub async fn privacy_interfaces(&self, app: AppKey) -> Result<Vec<InterfaceState>> {
        let applications = self.store.interface_applications(app).await?;
        Ok(RESTRICTED_INTERFACES
            .iter()
            .map(|&(api_name, chinese_name, description)| InterfaceState {
                api_name,
                chinese_name,
                description,
                // Newest first from the store.
                application: applications.iter().find(|a| a.api_name == api_name).cloned(),
            })
            .collect())
    }

    /// Whether `app` may call the interface: unrestricted ones always, restricted ones once an
    /// application was approved.
    pub async fn interface_enabled(&self, app: AppKey, api_name: &str) -> Result<bool> {
        let applications = self.store.interface_applications(app).await?;
        Ok(enabled_in(&applications, api_name))
    }

    /// `GET /wxa/security/get_code_privacy_info` for the newest uploaded code; 61039 when
    /// there is none.
    pub async fn code_privacy_info(&self, app: AppKey) -> Result<CodePrivacyInfo, WxError> {
        let report = self.newest_report(app).await?.ok_or_else(WxError::code_privacy_check_pending)?;
        let applications = self.store.interface_applications(app).await?;
        let mut info = CodePrivacyInfo::default();
        for (api_name, ..) in RESTRICTED_INTERFACES {
            if !report.api_uses.iter().any(|u| u.name == *api_name) {
                continue;
            }
            if !enabled_in(&applications, api_name) {
                info.without_auth.push((*api_name).to_owned());
            }
            // Validation warns, naming the API first, about each undeclared one.
            let undeclared = report.diagnostics.iter().any(|d| {
                d.code == miniplat_package::codes::PRIVACY_UNDECLARED
                    && d.message.starts_with(&format!("{api_name} "))
            });
            if undeclared {
                info.without_conf.push((*api_name).to_owned());
            }
        }
        Ok(info)
    }

    // ---- the operator's review ----

    /// Applications waiting for a decision, oldest first, with their mini programs.
    pub async fn pending_interface_applications(
        &self,
        actor: &Developer,
    ) -> Result<Vec<(App, InterfaceApplication)>> {
        ensure_operator(actor)?;
        let mut pending = Vec::new();
        for application in self.store.pending_interface_applications(200).await? {
            if let Some(app) = self.store.app_by_key(application.app).await? {
                pending.push((app, application));
            }
        }
        Ok(pending)
    }

    /// Approves an application, or rejects it with a reason the developer sees.
    pub async fn decide_interface_application(
        &self,
        actor: &Developer,
        id: i64,
        approve: bool,
        reason: &str,
    ) -> Result<()> {
        ensure_operator(actor)?;
        let reason = reason.trim();
        let (status, fail_reason) = if approve {
            (InterfaceStatus::Enabled, None)
        } else if reason.is_empty() || reason.chars().count() > 500 {
            return Err(Error::invalid("reason", "is required to reject, at most 500 characters"));
        } else {
            (InterfaceStatus::Rejected, Some(reason.to_owned()))
        };
        let decided = self
            .store
            .decide_interface_application(id, status, fail_reason.as_deref(), self.clock.now(), actor.id)
            .await?;
        if !decided {
            return Err(Error::NotFound("pending application"));
        }
        let detail = format!("{id} {}", status.as_str());
        self.audit(Actor::Developer(actor.id), "privacy.interface.decide", &id.to_string(), &detail).await
    }
}
