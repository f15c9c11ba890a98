//! The "Violations" tab (clauses 2.5, 4.12): what platform staff ordered against the mini
//! program, and one appeal per record (members with the Operator role; admins too).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use miniplat_core::apps::MemberRole;
use miniplat_core::release::enforcement::{
    AppealDecision, EnforcementAction, EnforcementId, EnforcementKind,
};
use miniplat_core::Error;
use serde::Deserialize;

use super::apps::AppView;
use super::auth::NoticeQuery;
use super::csrf::Posted;
use super::pages::{notice_text, page, page_with, see_other, sentence, when, Chrome, PageResult};
use super::session::SignedIn;
use crate::AppState;

/// One enforcement record as developers and staff read it.
pub struct RecordView {
    pub id: i64,
    pub label: &'static str,
    pub reason: String,
    pub created: String,
    pub ends: Option<String>,
    /// "until" for bans and restrictions, "deadline" for rectifications.
    pub end_label: &'static str,
    pub state: &'static str,
    pub in_force: bool,
    pub overdue: bool,
    /// The appeal and how it stands, in words.
    pub appeal: Option<String>,
}

impl RecordView {
    pub fn new(action: &EnforcementAction, appeal: Option<(&str, AppealDecision)>, now: i64) -> Self {
        let in_force = action.in_force(now);
        let state = match (action.kind, in_force) {
            (_, _) if action.resolved_by.is_some() => "Turned into a ban",
            (EnforcementKind::Rectification, true) if action.overdue(now) => "Overdue",
            (EnforcementKind::Rectification, true) => "Open",
            (EnforcementKind::Rectification, false) => "Done",
            (_, true) => "In force",
            (_, false) if action.lifted_at.is_some() => "Lifted",
            (_, false) => "Ended",
        };
        let term = match action.term {
            Some(term) => match term.as_str() {
                "short" => "Short-term ban",
                "long" => "Long-term ban",
                _ => "Permanent ban",
            },
            None => action.kind.label(),
        };
        Self {
            id: action.id.0,
            label: term,
            reason: action.reason.clone(),
            created: when(action.created_at),
            ends: action.ends_at.map(when),
            end_label: if action.kind == EnforcementKind::Rectification { "deadline" } else { "until" },
            state,
            in_force,
            overdue: action.overdue(now),
            appeal: appeal.map(|(text, decision)| {
                let outcome = match decision {
                    AppealDecision::Pending => "waiting for a decision",
                    AppealDecision::Upheld => "upheld: the action stands",
                    AppealDecision::Lifted => "accepted: the action was lifted",
                };
                format!("\u{201c}{text}\u{201d} ({outcome})")
            }),
        }
    }
}

#[derive(Template)]
#[template(path = "console/violations.html")]
struct ViolationsPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    error: Option<String>,
    app: AppView,
    csrf: String,
    can_appeal: bool,
    records: Vec<RecordView>,
}

async fn violations_page(
    state: &AppState,
    signed_in: &SignedIn,
    appid: &str,
) -> Result<ViolationsPage, Error> {
    let (app, role, records) = state.platform.violations(&signed_in.developer, appid).await?;
    let now = state.platform.clock.now();
    Ok(ViolationsPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "apps"),
        notice: None,
        error: None,
        app: AppView::new(&app, role),
        csrf: signed_in.session.csrf_token.clone(),
        can_appeal: role.ensure(MemberRole::Operator).is_ok(),
        records: records
            .iter()
            .map(|(action, appeal)| {
                RecordView::new(action, appeal.as_ref().map(|a| (a.text.as_str(), a.decision)), now)
            })
            .collect(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(appid): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let mut view = violations_page(&state, &signed_in, &appid).await?;
    view.notice = notice_text(query.notice.as_deref());
    Ok(page(&view))
}

#[derive(Deserialize)]
pub struct AppealForm {
    #[serde(default)]
    text: String,
}

pub async fn appeal(
    State(state): State<AppState>,
    Path((appid, id)): Path<(String, i64)>,
    posted: Posted<SignedIn, AppealForm>,
) -> PageResult {
    let signed_in = &posted.auth;
    let filed =
        state.platform.appeal(&signed_in.developer, &appid, EnforcementId(id), &posted.form.text).await;
    match filed {
        Ok(_) => Ok(see_other(&format!("/console/apps/{appid}/violations?notice=appeal-sent"), posted.htmx)),
        Err(error @ Error::Invalid { .. }) => {
            let mut view = violations_page(&state, signed_in, &appid).await?;
            view.error = Some(sentence(&error));
            Ok(page_with(StatusCode::BAD_REQUEST, &view))
        }
        Err(error) => Err(error.into()),
    }
}
