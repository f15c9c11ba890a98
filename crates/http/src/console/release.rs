//! The "Release" tab (clauses 2.3–2.5, 4.12): the approved version ready to release, gray
//! release (the percentage only rises), reverting a gray release, rollback to a version of the
//! history, pausing the service and hiding from search. Everyone in the mini program sees the
//! tab; changing anything needs the Operator role (admins too). The rules, and the codes of the
//! refusals shown here, are those of the wire API (`miniplat_core::release`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use miniplat_core::apps::{App, MemberRole};
use miniplat_core::audit::Actor;
use miniplat_core::release::gray::GrayRule;
use miniplat_core::release::{GrayStatus, ReleaseError};
use miniplat_core::Error;
use serde::Deserialize;

use super::apps::AppView;
use super::auth::NoticeQuery;
use super::csrf::Posted;
use super::pages::{notice_text, page, page_with, see_other, sentence, when, Chrome, PageResult};
use super::session::SignedIn;
use crate::AppState;

pub struct ReleaseRow {
    pub app_version: i64,
    pub user_version: String,
    pub description: String,
    pub released: String,
    pub reverted: bool,
    pub live: bool,
}

pub struct GrayView {
    pub status: &'static str,
    pub running: bool,
    pub percentage: i64,
    pub members_first: bool,
    pub testers_first: bool,
    pub started: String,
}

#[derive(Template)]
#[template(path = "console/release.html")]
struct ReleasePage {
    chrome: Chrome,
    notice: Option<&'static str>,
    error: Option<String>,
    app: AppView,
    csrf: String,
    can_change: bool,
    /// `(user version, description, approved at)` of the approved, unreleased version.
    candidate: Option<(String, String, String)>,
    releases: Vec<ReleaseRow>,
    /// `(app_version, user_version)` a rollback may return to.
    history: Vec<(i64, String)>,
    gray: Option<GrayView>,
    paused: bool,
    hidden: bool,
    /// Why the platform banned the mini program, when a ban is in force.
    banned: Option<String>,
}

async fn release_page(state: &AppState, signed_in: &SignedIn, appid: &str) -> Result<ReleasePage, Error> {
    let platform = &state.platform;
    let (app, role) = platform.app_for_member(&signed_in.developer, appid).await?;
    let candidate = platform.release_candidate(&app).await?.map(|review| {
        (
            review.version.user_version.as_str().to_owned(),
            review.version.description.clone(),
            review.decided_at.map(when).unwrap_or_default(),
        )
    });
    let releases = platform.releases(&app).await?;
    let live_id = releases.iter().find(|r| r.reverted_at.is_none()).map(|r| r.id);
    let history =
        platform.release_history(&app).await?.into_iter().map(|v| (v.app_version, v.user_version)).collect();
    let gray = platform.gray_plan(&app).await?.map(|plan| GrayView {
        status: match plan.status {
            GrayStatus::Running => "Running",
            GrayStatus::Finished => "Finished",
            GrayStatus::Reverted => "Reverted",
        },
        running: plan.status == GrayStatus::Running,
        percentage: plan.rule.percentage,
        members_first: plan.rule.members_first,
        testers_first: plan.rule.testers_first,
        started: when(plan.created_at),
    });
    let settings = platform.release_settings(&app).await?;
    let banned = platform.ban_in_force(&app).await?.map(|ban| ban.reason);
    Ok(ReleasePage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "apps"),
        notice: None,
        error: None,
        app: AppView::new(&app, role),
        csrf: signed_in.session.csrf_token.clone(),
        can_change: role.ensure(MemberRole::Operator).is_ok(),
        candidate,
        releases: releases
            .into_iter()
            .map(|r| ReleaseRow {
                live: Some(r.id) == live_id,
                app_version: r.app_version,
                user_version: r.version.user_version.as_str().to_owned(),
                description: r.version.description,
                released: when(r.released_at),
                reverted: r.reverted_at.is_some(),
            })
            .collect(),
        history,
        gray,
        paused: settings.visit_paused,
        hidden: settings.search_hidden,
        banned,
    })
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(appid): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let mut view = release_page(&state, &signed_in, &appid).await?;
    view.notice = notice_text(query.notice.as_deref());
    Ok(page(&view))
}

/// One form for every action; `action` says which.
#[derive(Deserialize)]
pub struct ReleaseForm {
    action: String,
    #[serde(default)]
    percentage: String,
    #[serde(default)]
    members_first: Option<String>,
    #[serde(default)]
    testers_first: Option<String>,
    #[serde(default)]
    app_version: String,
}

async fn apply(
    state: &AppState,
    app: &App,
    actor: Actor,
    form: &ReleaseForm,
) -> Result<&'static str, ReleaseError> {
    let platform = &state.platform;
    match form.action.as_str() {
        "release" => platform.release(app, actor).await.map(|_| "released"),
        "gray" => {
            let percentage = form.percentage.trim().parse().map_err(|_| ReleaseError::InvalidPercentage)?;
            let rule = GrayRule {
                percentage,
                members_first: form.members_first.is_some(),
                testers_first: form.testers_first.is_some(),
            };
            platform.gray_release(app, rule, actor).await.map(|()| "gray-released")
        }
        "revert-gray" => platform.revert_gray_release(app, actor).await.map(|()| "gray-reverted"),
        "rollback" => {
            let version = match form.app_version.trim() {
                "" => None,
                text => Some(text.parse().map_err(|_| ReleaseError::CannotRevert)?),
            };
            platform.revert_release(app, version, actor).await.map(|_| "rolled-back")
        }
        "pause" => platform.change_visit_status(app, "close", actor).await.map(|()| "service-paused"),
        "resume" => platform.change_visit_status(app, "open", actor).await.map(|()| "service-resumed"),
        "hide" => platform.change_search_status(app, 1, actor).await.map(|()| "search-changed"),
        "show" => platform.change_search_status(app, 0, actor).await.map(|()| "search-changed"),
        _ => Err(ReleaseError::NotAllowed("unknown action")),
    }
}

pub async fn act(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    posted: Posted<SignedIn, ReleaseForm>,
) -> PageResult {
    let signed_in = &posted.auth;
    let app = state.platform.app_for_release(&signed_in.developer, &appid).await?;
    match apply(&state, &app, Actor::Developer(signed_in.developer.id), &posted.form).await {
        Ok(notice) => Ok(see_other(&format!("/console/apps/{appid}/release?notice={notice}"), posted.htmx)),
        Err(ReleaseError::Platform(message)) => {
            Err(Error::Store(miniplat_core::error::StoreError::Backend(message)).into())
        }
        Err(refusal) => {
            let mut view = release_page(&state, signed_in, &appid).await?;
            let code = refusal.errcode();
            let text = sentence(&Error::from(refusal));
            view.error = Some(format!("{} (errcode {code}).", text.trim_end_matches('.')));
            Ok(page_with(StatusCode::CONFLICT, &view))
        }
    }
}
