//! The "Testers" tab: end users (by their email) who may open the trial version.

use askama::Template;
use axum::extract::{Path, Query, State};
use miniplat_core::apps::MemberRole;
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

pub struct TesterRow {
    pub email: String,
    pub userstr: String,
    pub added: String,
}

#[derive(Template)]
#[template(path = "console/testers.html")]
struct TestersPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    app: AppView,
    csrf: String,
    can_change: bool,
    testers: Vec<TesterRow>,
    email: String,
    error: FormError,
}

async fn testers_page(state: &AppState, signed_in: &SignedIn, appid: &str) -> Result<TestersPage, Error> {
    let (app, role) = state.platform.app_for_member(&signed_in.developer, appid).await?;
    let (_, testers) = state.platform.testers(&signed_in.developer, appid).await?;
    Ok(TestersPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "apps"),
        notice: None,
        app: AppView::new(&app, role),
        csrf: signed_in.session.csrf_token.clone(),
        can_change: role.ensure(MemberRole::Developer).is_ok(),
        testers: testers
            .iter()
            .map(|t| TesterRow {
                email: t.email.as_ref().map(ToString::to_string).unwrap_or_default(),
                userstr: t.userstr.clone(),
                added: when(t.bound_at),
            })
            .collect(),
        email: String::new(),
        error: FormError::none(),
    })
}

pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(appid): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let mut page_view = testers_page(&state, &signed_in, &appid).await?;
    page_view.notice = notice_text(query.notice.as_deref());
    Ok(page(&page_view))
}

#[derive(Deserialize)]
pub struct AddForm {
    email: String,
}

pub async fn add(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    posted: Posted<SignedIn, AddForm>,
) -> PageResult {
    let signed_in = &posted.auth;
    match state.platform.add_tester(&signed_in.developer, &appid, &posted.form.email).await {
        Ok(()) => Ok(see_other(&format!("/console/apps/{appid}/testers?notice=tester-added"), false)),
        Err(error @ (Error::Store(_) | Error::NotFound(_))) => Err(error.into()),
        Err(error) => {
            let mut page_view = testers_page(&state, signed_in, &appid).await?;
            page_view.email = posted.form.email.clone();
            page_view.error = FormError::from_error(&error);
            Ok(page_with(form_status(&error), &page_view))
        }
    }
}

#[derive(Deserialize)]
pub struct RemoveForm {
    userstr: String,
}

pub async fn remove(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    posted: Posted<SignedIn, RemoveForm>,
) -> PageResult {
    state.platform.remove_tester(&posted.auth.developer, &appid, &posted.form.userstr).await?;
    Ok(see_other(&format!("/console/apps/{appid}/testers?notice=tester-removed"), posted.htmx))
}
