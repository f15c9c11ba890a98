//! Staff pages for release review: the organisations entrusted with review and their
//! reviewers (`/admin/reviewers`, clause 2.6), and the catalogue of common rejection reasons
//! (`/admin/rejection-reasons`, clause 2.5) that `/review-guidelines` publishes.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::Router;
use miniplat_core::accounts::DeveloperId;
use miniplat_core::reviewing::{RejectionReason, ReviewOrgId};
use serde::Deserialize;

use super::auth::{NoFields, NoticeQuery};
use super::csrf::Posted;
use super::pages::{page, see_other, when, Chrome, PageResult};
use super::session::Operator;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/reviewers", get(reviewers).post(add_reviewer))
        .route("/admin/reviewers/orgs", post(create_org))
        .route("/admin/reviewers/orgs/{id}", post(set_org_active))
        .route("/admin/reviewers/{developer}", post(change_reviewer))
        .route("/admin/rejection-reasons", get(reasons).post(save_reason))
        .route("/admin/rejection-reasons/{code}/delete", post(delete_reason))
}

fn notice(key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "org-created" => "The organisation was added.",
        "org-changed" => "The organisation was changed.",
        "reviewer-added" => "The reviewer was added.",
        "reviewer-changed" => "The reviewer was changed; their open reviews went back to the pool.",
        "reason-saved" => "The rejection reason was saved.",
        "reason-deleted" => "The rejection reason was removed.",
        _ => return None,
    })
}

pub struct OrgRow {
    pub id: i64,
    pub name: String,
    pub is_platform: bool,
    pub active: bool,
    pub created: String,
}

pub struct ReviewerRow {
    pub developer: i64,
    pub email: String,
    pub org: String,
    pub active: bool,
    pub added: String,
}

#[derive(Template)]
#[template(path = "admin/reviewers.html")]
struct ReviewersPage {
    chrome: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    orgs: Vec<OrgRow>,
    reviewers: Vec<ReviewerRow>,
}

async fn reviewers(
    State(state): State<AppState>,
    operator: Operator,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let Operator(signed_in) = &operator;
    let orgs = state.platform.review_orgs(&signed_in.developer).await?;
    let reviewers = state.platform.reviewers(&signed_in.developer).await?;
    Ok(page(&ReviewersPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "admin-reviewers"),
        csrf: signed_in.session.csrf_token.clone(),
        notice: notice(query.notice.as_deref()),
        orgs: orgs
            .into_iter()
            .map(|o| OrgRow {
                id: o.id.0,
                name: o.name,
                is_platform: o.is_platform,
                active: o.active,
                created: when(o.created_at),
            })
            .collect(),
        reviewers: reviewers
            .into_iter()
            .map(|r| ReviewerRow {
                developer: r.developer.0,
                email: r.email.to_string(),
                org: r.org_name,
                active: r.active,
                added: when(r.added_at),
            })
            .collect(),
    }))
}

#[derive(Deserialize)]
struct OrgForm {
    name: String,
}

async fn create_org(State(state): State<AppState>, posted: Posted<Operator, OrgForm>) -> PageResult {
    state.platform.create_review_org(&posted.auth.0.developer, &posted.form.name).await?;
    Ok(see_other("/admin/reviewers?notice=org-created", posted.htmx))
}

#[derive(Deserialize)]
struct ActiveForm {
    /// `activate` or `deactivate` (reviewers also `remove`).
    action: String,
}

async fn set_org_active(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<Operator, ActiveForm>,
) -> PageResult {
    let active = match posted.form.action.as_str() {
        "activate" => true,
        "deactivate" => false,
        _ => return Err(miniplat_core::Error::invalid("action", "is activate or deactivate").into()),
    };
    state.platform.set_review_org_active(&posted.auth.0.developer, ReviewOrgId(id), active).await?;
    Ok(see_other("/admin/reviewers?notice=org-changed", posted.htmx))
}

#[derive(Deserialize)]
struct ReviewerForm {
    email: String,
    org: i64,
}

async fn add_reviewer(State(state): State<AppState>, posted: Posted<Operator, ReviewerForm>) -> PageResult {
    let form = &posted.form;
    state.platform.add_reviewer(&posted.auth.0.developer, &form.email, ReviewOrgId(form.org)).await?;
    Ok(see_other("/admin/reviewers?notice=reviewer-added", posted.htmx))
}

async fn change_reviewer(
    State(state): State<AppState>,
    Path(developer): Path<i64>,
    posted: Posted<Operator, ActiveForm>,
) -> PageResult {
    let staff = &posted.auth.0.developer;
    let developer = DeveloperId(developer);
    match posted.form.action.as_str() {
        "activate" => state.platform.set_reviewer_active(staff, developer, true).await?,
        "deactivate" => state.platform.set_reviewer_active(staff, developer, false).await?,
        "remove" => state.platform.remove_reviewer(staff, developer).await?,
        _ => return Err(miniplat_core::Error::invalid("action", "is activate, deactivate or remove").into()),
    }
    Ok(see_other("/admin/reviewers?notice=reviewer-changed", posted.htmx))
}

pub struct ReasonRow {
    pub code: String,
    pub title: String,
    pub description: String,
    pub clause: String,
    pub position: i64,
}

impl From<RejectionReason> for ReasonRow {
    fn from(r: RejectionReason) -> Self {
        Self {
            code: r.code,
            title: r.title,
            description: r.description,
            clause: r.clause,
            position: r.position,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/rejection_reasons.html")]
struct ReasonsPage {
    chrome: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    reasons: Vec<ReasonRow>,
}

async fn reasons(
    State(state): State<AppState>,
    operator: Operator,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let Operator(signed_in) = &operator;
    let reasons = state.platform.rejection_reasons().await?;
    Ok(page(&ReasonsPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "admin-reviewers"),
        csrf: signed_in.session.csrf_token.clone(),
        notice: notice(query.notice.as_deref()),
        reasons: reasons.into_iter().map(ReasonRow::from).collect(),
    }))
}

#[derive(Deserialize)]
struct ReasonForm {
    code: String,
    title: String,
    description: String,
    #[serde(default)]
    clause: String,
    position: i64,
}

async fn save_reason(State(state): State<AppState>, posted: Posted<Operator, ReasonForm>) -> PageResult {
    let f = &posted.form;
    let reason = RejectionReason::new(&f.code, &f.title, &f.description, &f.clause, f.position)?;
    state.platform.save_rejection_reason(&posted.auth.0.developer, &reason).await?;
    Ok(see_other("/admin/rejection-reasons?notice=reason-saved", posted.htmx))
}

async fn delete_reason(
    State(state): State<AppState>,
    Path(code): Path<String>,
    posted: Posted<Operator, NoFields>,
) -> PageResult {
    state.platform.delete_rejection_reason(&posted.auth.0.developer, &code).await?;
    Ok(see_other("/admin/rejection-reasons?notice=reason-deleted", posted.htmx))
}
