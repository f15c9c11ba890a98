//! Operator review of restricted privacy interface applications (`/admin/interfaces`,
//! `wechat-api.md` §6.4): what a mini program asked for, its reason and evidence, and the
//! decision, which the developer reads back through `get_privacy_interface`.

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

use super::auth::NoticeQuery;
use super::csrf::Posted;
use super::pages::{notice_text, page, see_other, when, Chrome, PageResult};
use super::session::Operator;
use crate::AppState;

pub struct ApplicationRow {
    pub id: i64,
    pub app_name: String,
    pub appid: String,
    pub api_name: String,
    pub content: String,
    /// Links to the evidence: pages, pictures, the video.
    pub evidence: Vec<String>,
    pub applied: String,
}

#[derive(Template)]
#[template(path = "admin/interfaces.html")]
struct InterfacesPage {
    chrome: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    applications: Vec<ApplicationRow>,
}

pub async fn list(
    State(state): State<AppState>,
    operator: Operator,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let Operator(signed_in) = &operator;
    let pending = state.platform.pending_interface_applications(&signed_in.developer).await?;
    let applications = pending
        .into_iter()
        .map(|(app, a)| ApplicationRow {
            id: a.id,
            app_name: app.name.as_str().to_owned(),
            appid: app.appid.to_string(),
            api_name: a.api_name,
            content: a.content,
            evidence: a.url_list.into_iter().chain(a.pic_list).chain(a.video_list).collect(),
            applied: when(a.applied_at),
        })
        .collect();
    Ok(page(&InterfacesPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "admin-interfaces"),
        csrf: signed_in.session.csrf_token.clone(),
        notice: notice_text(query.notice.as_deref()),
        applications,
    }))
}

/// A staff decision on an application (this page's and the category reviews'): approve or
/// reject, with a reason.
#[derive(Deserialize)]
pub struct DecisionForm {
    decision: String,
    #[serde(default)]
    pub(super) reason: String,
}

impl DecisionForm {
    /// Whether the decision approves; anything but `approve` / `reject` is refused.
    pub(super) fn approves(&self) -> Result<bool, miniplat_core::Error> {
        match self.decision.as_str() {
            "approve" => Ok(true),
            "reject" => Ok(false),
            _ => Err(miniplat_core::Error::invalid("decision", "is approve or reject")),
        }
    }
}

pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<Operator, DecisionForm>,
) -> PageResult {
    let Operator(signed_in) = &posted.auth;
    let approve = posted.form.approves()?;
    state
        .platform
        .decide_interface_application(&signed_in.developer, id, approve, &posted.form.reason)
        .await?;
    Ok(see_other("/admin/interfaces?notice=application-decided", posted.htmx))
}
