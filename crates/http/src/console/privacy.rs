//! The "Privacy" tab: the mini program's privacy guides (clause 4.4 (2)). Members see the
//! development guide (what the trial version shows) and the live one; developers edit the
//! development guide, which becomes live with the next release.

use askama::Template;
use axum::extract::{Path, Query, State};
use miniplat_core::apps::MemberRole;
use miniplat_core::privacy::{catalogue, OwnerSetting, PolicyKind, PrivacyItem, PrivacyPolicy};
use miniplat_core::Error;
use serde::Deserialize;

use super::apps::AppView;
use super::auth::NoticeQuery;
use super::csrf::Posted;
use super::pages::{
    form_status, notice_text, page, page_with, see_other, when, Chrome, FormError, PageResult,
};
use super::session::SignedIn;
use crate::AppState;

/// A guide as the tab shows it.
pub struct GuideView {
    pub version: i64,
    pub saved: String,
    /// `(key, name, purpose)`.
    pub items: Vec<(String, String, String)>,
}

impl GuideView {
    fn new(policy: &PrivacyPolicy) -> Self {
        Self {
            version: policy.version,
            saved: when(policy.created_at),
            items: policy
                .document
                .setting_list
                .iter()
                .map(|item| {
                    let name = catalogue::english_label(&item.privacy_key).to_owned();
                    (item.privacy_key.clone(), name, item.privacy_text.clone())
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "console/privacy.html")]
struct PrivacyPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    app: AppView,
    csrf: String,
    can_change: bool,
    /// `(title, guide, query of its public page)`: the development guide, then the live one.
    guides: Vec<(&'static str, Option<GuideView>, &'static str)>,
    /// Privacy keys the newest uploaded code uses but the development guide does not declare.
    undeclared: Vec<String>,
    form: GuideForm,
    error: FormError,
    catalogue: &'static [(&'static str, &'static str, &'static str)],
}

/// The edit form: owner details and one "Key: purpose" line per item.
#[derive(Deserialize, Default)]
pub struct GuideForm {
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    contact_qq: String,
    #[serde(default)]
    contact_weixin: String,
    #[serde(default)]
    notice_method: String,
    #[serde(default)]
    store_expire_timestamp: String,
    #[serde(default)]
    items: String,
}

impl GuideForm {
    fn from_policy(policy: &PrivacyPolicy) -> Self {
        let owner = &policy.document.owner_setting;
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        Self {
            contact_email: text(&owner.contact_email),
            contact_phone: text(&owner.contact_phone),
            contact_qq: text(&owner.contact_qq),
            contact_weixin: text(&owner.contact_weixin),
            notice_method: owner.notice_method.clone(),
            store_expire_timestamp: text(&owner.store_expire_timestamp),
            items: policy
                .document
                .setting_list
                .iter()
                .map(|item| format!("{}: {}", item.privacy_key, item.privacy_text))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    fn owner_setting(&self, ext_file_media_id: Option<String>) -> OwnerSetting {
        let optional = |value: &str| Some(value.trim().to_owned()).filter(|v| !v.is_empty());
        OwnerSetting {
            contact_email: optional(&self.contact_email),
            contact_phone: optional(&self.contact_phone),
            contact_qq: optional(&self.contact_qq),
            contact_weixin: optional(&self.contact_weixin),
            ext_file_media_id,
            notice_method: self.notice_method.clone(),
            store_expire_timestamp: optional(&self.store_expire_timestamp),
            store_region: None,
        }
    }

    /// The items, one `Key: purpose` per line; blank lines are skipped.
    fn setting_list(&self) -> Result<Vec<PrivacyItem>, Error> {
        self.items
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(|line| {
                let (key, purpose) = line.split_once(':').ok_or_else(|| {
                    Error::invalid("items", format!("line \"{line}\" should read \"Key: purpose\""))
                })?;
                Ok(PrivacyItem {
                    privacy_key: key.trim().to_owned(),
                    privacy_text: purpose.trim().to_owned(),
                })
            })
            .collect()
    }
}

async fn privacy_page(state: &AppState, signed_in: &SignedIn, appid: &str) -> Result<PrivacyPage, Error> {
    let platform = &state.platform;
    let (app, role) = platform.app_for_member(&signed_in.developer, appid).await?;
    let development = platform.privacy_policy(app.key, PolicyKind::Development).await?;
    let live = platform.privacy_policy(app.key, PolicyKind::Live).await?;
    let in_code = platform.privacy_keys_in_code(app.key).await?.unwrap_or_default();
    let undeclared = in_code
        .into_iter()
        .filter(|key| !development.as_ref().is_some_and(|d| d.document.declares(key)))
        .collect();
    Ok(PrivacyPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "apps"),
        notice: None,
        app: AppView::new(&app, role),
        csrf: signed_in.session.csrf_token.clone(),
        can_change: role.ensure(MemberRole::Developer).is_ok(),
        form: development.as_ref().map(GuideForm::from_policy).unwrap_or_default(),
        guides: vec![
            ("Development guide", development.as_ref().map(GuideView::new), "?guide=development"),
            ("Live guide", live.as_ref().map(GuideView::new), ""),
        ],
        undeclared,
        error: FormError::none(),
        catalogue: catalogue::PRIVACY_KEYS,
    })
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(appid): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let mut page_view = privacy_page(&state, &signed_in, &appid).await?;
    page_view.notice = notice_text(query.notice.as_deref());
    Ok(page(&page_view))
}

pub async fn save(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    posted: Posted<SignedIn, GuideForm>,
) -> PageResult {
    let signed_in = &posted.auth;
    let platform = &state.platform;
    let (app, _) = platform.app_for_member(&signed_in.developer, &appid).await?;
    // The custom guide file is uploaded through the API; the form keeps the current one.
    let current = platform.privacy_policy(app.key, PolicyKind::Development).await?;
    let ext_file = current.and_then(|c| c.document.owner_setting.ext_file_media_id);
    let owner = posted.form.owner_setting(ext_file);
    let saved = match posted.form.setting_list() {
        Ok(items) => platform.save_development_guide(&signed_in.developer, &appid, owner, items).await,
        Err(error) => Err(error),
    };
    match saved {
        Ok(()) => Ok(see_other(&format!("/console/apps/{appid}/privacy?notice=privacy-saved"), false)),
        Err(error @ (Error::Store(_) | Error::NotFound(_) | Error::Forbidden(_))) => Err(error.into()),
        Err(error) => {
            let mut page_view = privacy_page(&state, signed_in, &appid).await?;
            page_view.form = posted.form;
            page_view.error = FormError::from_error(&error);
            Ok(page_with(form_status(&error), &page_view))
        }
    }
}
