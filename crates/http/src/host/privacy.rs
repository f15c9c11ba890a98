//! Privacy on the web host (clause 4.4 (2)–(4)): each mini program's public privacy policy,
//! rendered from its privacy settings (`/apps/{appid}/privacy`), and the signed-in user's
//! privacy centre (`/privacy`): every mini program they used or gave consent or a permission
//! to, what each may access, the history of their decisions, and a way to withdraw.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use miniplat_core::privacy::catalogue;
use miniplat_core::privacy::consent::AppPrivacy;
use miniplat_core::privacy::{PolicyKind, PolicyPage};
use serde::Deserialize;

use super::codes::viewer;
use super::session::SignedInUser;
use crate::console::auth::{NoFields, NoticeQuery};
use crate::console::csrf::Posted;
use crate::console::pages::{notice_text, page, see_other, when, Chrome, PageError, PageResult};
use crate::AppState;

/// A declared item as the policy page lists it.
pub struct ItemView {
    pub key: String,
    pub name: String,
    pub purpose: String,
}

#[derive(Template)]
#[template(path = "host/privacy_policy.html")]
struct PolicyView {
    chrome: Chrome,
    appid: String,
    name: String,
    development: bool,
    version: i64,
    saved: String,
    is_current: bool,
    contacts: Vec<(&'static str, String)>,
    notice_method: String,
    retention: Option<String>,
    items: Vec<ItemView>,
    sdks: Vec<String>,
    ext_text: Option<String>,
    versions: Vec<(i64, String)>,
}

#[derive(Deserialize)]
pub struct PolicyQuery {
    /// `development` for the guide of the trial version; the live guide otherwise.
    guide: Option<String>,
    version: Option<i64>,
}

pub async fn policy(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(appid): Path<String>,
    Query(query): Query<PolicyQuery>,
) -> PageResult {
    let (viewer, chrome) = viewer(&headers, &state).await?;
    let kind = match query.guide.as_deref() {
        None | Some("live") => PolicyKind::Live,
        Some("development") => PolicyKind::Development,
        Some(_) => return Err(PageError::NotFound),
    };
    let found = state.platform.policy_page(&appid, kind, query.version, &viewer).await?;
    Ok(page(&policy_view(chrome, found)))
}

fn policy_view(chrome: Chrome, found: PolicyPage) -> PolicyView {
    let PolicyPage { app, policy, versions, ext_text } = found;
    let owner = &policy.document.owner_setting;
    let contacts = [
        ("Email", &owner.contact_email),
        ("Phone", &owner.contact_phone),
        ("QQ", &owner.contact_qq),
        ("WeChat", &owner.contact_weixin),
    ]
    .into_iter()
    .filter_map(|(label, value)| value.clone().map(|v| (label, v)))
    .collect();
    let items = policy
        .document
        .setting_list
        .iter()
        .map(|item| ItemView {
            key: item.privacy_key.clone(),
            name: catalogue::english_label(&item.privacy_key).to_owned(),
            purpose: item.privacy_text.clone(),
        })
        .collect();
    let sdks = policy.document.sdk_privacy_info_list.iter().map(|sdk| sdk.to_string()).collect();
    PolicyView {
        chrome,
        appid: app.appid.to_string(),
        name: app.name.as_str().to_owned(),
        development: policy.kind == PolicyKind::Development,
        version: policy.version,
        saved: when(policy.created_at),
        is_current: versions.first().is_some_and(|(v, _)| *v == policy.version),
        contacts,
        notice_method: owner.notice_method.clone(),
        retention: owner.store_expire_timestamp.clone(),
        items,
        sdks,
        ext_text,
        versions: versions.into_iter().map(|(v, at)| (v, when(at))).collect(),
    }
}

/// One mini program in the privacy centre.
pub struct AppRow {
    pub appid: String,
    pub name: String,
    pub last_login: Option<String>,
    /// `(guide, version, what was agreed, when)`.
    pub consents: Vec<(&'static str, i64, String, String)>,
    /// `(scope, granted, when)`.
    pub grants: Vec<(String, bool, String)>,
}

/// One recorded decision in the history list.
pub struct EventRow {
    pub at: String,
    pub app: String,
    pub action: &'static str,
    pub items: String,
    pub channel: String,
}

#[derive(Template)]
#[template(path = "host/privacy_centre.html")]
struct CentreView {
    chrome: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    apps: Vec<AppRow>,
    history: Vec<EventRow>,
}

pub async fn centre(
    State(state): State<AppState>,
    signed_in: SignedInUser,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let platform = &state.platform;
    let apps = platform.privacy_centre(signed_in.user.id).await?;
    let history = platform
        .consent_history(signed_in.user.id, 50)
        .await?
        .into_iter()
        .map(|(event, app)| EventRow {
            at: when(event.at),
            app,
            action: event.action.as_str(),
            items: event.items.join(", "),
            channel: event.channel,
        })
        .collect();
    Ok(page(&CentreView {
        chrome: Chrome::host(&signed_in.user, &signed_in.session, "privacy"),
        csrf: signed_in.session.csrf_token.clone(),
        notice: notice_text(query.notice.as_deref()),
        apps: apps.into_iter().map(app_row).collect(),
        history,
    }))
}

fn app_row(entry: AppPrivacy) -> AppRow {
    let named = |keys: &[String]| {
        keys.iter().map(|k| catalogue::english_label(k).to_owned()).collect::<Vec<_>>().join(", ")
    };
    AppRow {
        appid: entry.app.appid.to_string(),
        name: entry.app.name.as_str().to_owned(),
        last_login: entry.last_login.map(when),
        consents: entry
            .consents
            .iter()
            .map(|c| (c.kind.as_str(), c.version, named(&c.items), when(c.agreed_at)))
            .collect(),
        grants: entry.grants.iter().map(|g| (g.scope.clone(), g.granted, when(g.updated_at))).collect(),
    }
}

#[derive(Deserialize)]
pub struct ScopeForm {
    scope: String,
}

/// Withdraws every consent and permission the user gave the mini program.
pub async fn withdraw(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    posted: Posted<SignedInUser, NoFields>,
) -> PageResult {
    let app = state.platform.app_by_appid(&appid).await?;
    state.platform.withdraw_privacy_consent(&app, posted.auth.user.id, CENTRE).await?;
    Ok(see_other("/privacy?notice=consent-withdrawn", posted.htmx))
}

/// Takes back one permission.
pub async fn revoke_scope(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    posted: Posted<SignedInUser, ScopeForm>,
) -> PageResult {
    let app = state.platform.app_by_appid(&appid).await?;
    let user = posted.auth.user.id;
    // Which guide applies does not matter for taking a permission back.
    let env = miniplat_core::apps::access::EnvVersion::Release;
    state.platform.answer_scope(&app, env, user, &posted.form.scope, false, CENTRE).await?;
    Ok(see_other("/privacy?notice=permission-revoked", posted.htmx))
}

/// The channel the privacy centre records decisions under.
const CENTRE: &str = "privacy-centre";
