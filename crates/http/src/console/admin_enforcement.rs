//! Enforcement by platform staff (`/admin/enforcement`, clauses 2.5, 4.12): ban a released
//! mini program (short-term, long-term, permanently), restrict its releases, order a
//! rectification by a deadline and turn an overdue one into a ban, lift actions, and decide
//! developers' appeals. Every step is in the audit log.

use askama::Template;
use axum::extract::{Path, Query, State};
use miniplat_core::clock::parse_utc_date;
use miniplat_core::release::enforcement::{AppealDecision, BanTerm, EnforcementId, Order};
use miniplat_core::Error;
use serde::Deserialize;

use super::auth::{NoFields, NoticeQuery};
use super::csrf::Posted;
use super::pages::{notice_text, page, see_other, when, Chrome, PageResult};
use super::session::Operator;
use super::violations::RecordView;
use crate::AppState;

pub struct AppealRow {
    pub id: i64,
    pub app_name: String,
    pub appid: String,
    pub action_id: i64,
    pub text: String,
    pub submitted: String,
    pub decision: &'static str,
    pub pending: bool,
}

#[derive(Template)]
#[template(path = "admin/enforcement.html")]
struct EnforcementPage {
    chrome: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    /// `(record, app name, appid)`.
    actions: Vec<(RecordView, String, String)>,
    appeals: Vec<AppealRow>,
}

pub async fn list(
    State(state): State<AppState>,
    operator: Operator,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let Operator(signed_in) = &operator;
    let (actions, appeals) = state.platform.enforcement_overview(&signed_in.developer).await?;
    let now = state.platform.clock.now();
    let actions = actions
        .iter()
        .map(|(action, app)| {
            let appeal = appeals
                .iter()
                .find(|(a, _)| a.action == action.id)
                .map(|(a, _)| (a.text.as_str(), a.decision));
            (RecordView::new(action, appeal, now), app.name.as_str().to_owned(), app.appid.to_string())
        })
        .collect();
    let appeals = appeals
        .into_iter()
        .map(|(appeal, app)| AppealRow {
            id: appeal.id,
            app_name: app.name.as_str().to_owned(),
            appid: app.appid.to_string(),
            action_id: appeal.action.0,
            text: appeal.text,
            submitted: when(appeal.submitted_at),
            decision: appeal.decision.as_str(),
            pending: appeal.decision == AppealDecision::Pending,
        })
        .collect();
    Ok(page(&EnforcementPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "admin-enforcement"),
        csrf: signed_in.session.csrf_token.clone(),
        notice: notice_text(query.notice.as_deref()),
        actions,
        appeals,
    }))
}

/// The order form: `kind` is ban-short, ban-long, ban-permanent, restrict or rectify; `until`
/// a date (`YYYY-MM-DD`), empty for permanent bans and open-ended restrictions.
#[derive(Deserialize)]
pub struct OrderForm {
    #[serde(default)]
    appid: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    reason: String,
}

fn until_of(text: &str) -> Result<Option<i64>, Error> {
    match text.trim() {
        "" => Ok(None),
        date => parse_utc_date(date)
            .map(Some)
            .ok_or_else(|| Error::invalid("until", "must be a date like 2026-12-31")),
    }
}

fn ban_term(kind: &str) -> Option<BanTerm> {
    BanTerm::parse(kind.strip_prefix("ban-")?)
}

pub async fn order(State(state): State<AppState>, posted: Posted<Operator, OrderForm>) -> PageResult {
    let Operator(signed_in) = &posted.auth;
    let form = &posted.form;
    let until = until_of(&form.until)?;
    let order = match form.kind.as_str() {
        "restrict" => Order::RestrictRelease { until },
        "rectify" => Order::Rectify {
            deadline: until.ok_or_else(|| Error::invalid("until", "is the deadline: required"))?,
        },
        kind => Order::Ban {
            term: ban_term(kind).ok_or_else(|| Error::invalid("kind", "is not an action staff can order"))?,
            until,
        },
    };
    state.platform.enforce(&signed_in.developer, form.appid.trim(), order, &form.reason).await?;
    Ok(see_other("/admin/enforcement?notice=enforcement-ordered", posted.htmx))
}

pub async fn lift(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<Operator, NoFields>,
) -> PageResult {
    let Operator(signed_in) = &posted.auth;
    state.platform.lift_enforcement(&signed_in.developer, EnforcementId(id)).await?;
    Ok(see_other("/admin/enforcement?notice=enforcement-lifted", posted.htmx))
}

#[derive(Deserialize)]
pub struct EscalateForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    until: String,
}

pub async fn escalate(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<Operator, EscalateForm>,
) -> PageResult {
    let Operator(signed_in) = &posted.auth;
    let term = ban_term(&posted.form.kind).ok_or_else(|| Error::invalid("kind", "is not a ban term"))?;
    let until = until_of(&posted.form.until)?;
    state.platform.escalate_rectification(&signed_in.developer, EnforcementId(id), term, until).await?;
    Ok(see_other("/admin/enforcement?notice=enforcement-ordered", posted.htmx))
}

#[derive(Deserialize)]
pub struct AppealDecisionForm {
    decision: String,
    #[serde(default)]
    note: String,
}

pub async fn decide_appeal(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<Operator, AppealDecisionForm>,
) -> PageResult {
    let Operator(signed_in) = &posted.auth;
    let lift = match posted.form.decision.as_str() {
        "lift" => true,
        "uphold" => false,
        _ => return Err(Error::invalid("decision", "is lift or uphold").into()),
    };
    state.platform.decide_appeal(&signed_in.developer, id, lift, &posted.form.note).await?;
    Ok(see_other("/admin/enforcement?notice=appeal-decided", posted.htmx))
}
