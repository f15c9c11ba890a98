//! Operator pages (`/admin`): developer accounts (suspend, reinstate, refuse: clauses 4.2 and
//! 6.2) and how registration works. Only operators reach them; everyone else gets the 404 page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use miniplat_core::accounts::{AccountStatus, Developer, DeveloperId, RegistrationMode};
use miniplat_core::Error;
use serde::Deserialize;

use super::auth::NoticeQuery;
use super::csrf::Posted;
use super::pages::{
    form_status, notice_text, page, page_with, see_other, when, Chrome, FormError, PageResult,
};
use super::session::Operator;
use crate::AppState;

pub async fn index() -> Response {
    see_other("/admin/developers", false)
}

pub struct DeveloperRow {
    pub id: i64,
    pub email: String,
    pub role: &'static str,
    pub status: &'static str,
    pub status_class: &'static str,
    pub verified: bool,
    pub created: String,
    pub is_me: bool,
}

fn status_badge(status: AccountStatus) -> (&'static str, &'static str) {
    match status {
        AccountStatus::Active => ("Active", "success"),
        AccountStatus::Suspended => ("Suspended", "warning"),
        AccountStatus::Refused => ("Refused", "danger"),
    }
}

impl DeveloperRow {
    fn new(developer: &Developer, me: DeveloperId) -> Self {
        let (status, status_class) = status_badge(developer.status);
        Self {
            id: developer.id.0,
            email: developer.email.to_string(),
            role: if developer.is_operator() { "Operator" } else { "Developer" },
            status,
            status_class,
            verified: developer.is_verified(),
            created: when(developer.created_at),
            is_me: developer.id == me,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/developers.html")]
struct DevelopersPage {
    chrome: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    error: FormError,
    developers: Vec<DeveloperRow>,
}

async fn developers_page(state: &AppState, operator: &Operator) -> Result<DevelopersPage, Error> {
    let Operator(signed_in) = operator;
    let developers = state.platform.list_developers(&signed_in.developer).await?;
    Ok(DevelopersPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "admin-developers"),
        csrf: signed_in.session.csrf_token.clone(),
        notice: None,
        error: FormError::none(),
        developers: developers.iter().map(|d| DeveloperRow::new(d, signed_in.developer.id)).collect(),
    })
}

pub async fn developers(
    State(state): State<AppState>,
    operator: Operator,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let mut page_view = developers_page(&state, &operator).await?;
    page_view.notice = notice_text(query.notice.as_deref());
    Ok(page(&page_view))
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
    /// Refusing service cannot be undone, so it is confirmed on a page of its own.
    #[serde(default)]
    confirmed: String,
}

#[derive(Template)]
#[template(path = "admin/refuse.html")]
struct RefusePage {
    chrome: Chrome,
    csrf: String,
    id: i64,
    email: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<Operator, StatusForm>,
) -> PageResult {
    let Operator(signed_in) = &posted.auth;
    let Some(status) = AccountStatus::parse(&posted.form.status) else {
        return Err(Error::invalid("status", "is not an account status").into());
    };
    if status == AccountStatus::Refused && posted.form.confirmed != "yes" {
        let target = state.platform.developer(DeveloperId(id)).await?;
        return Ok(page(&RefusePage {
            chrome: Chrome::console(&signed_in.developer, &signed_in.session, "admin-developers"),
            csrf: signed_in.session.csrf_token.clone(),
            id,
            email: target.email.to_string(),
        }));
    }
    match state.platform.set_developer_status(&signed_in.developer, DeveloperId(id), status).await {
        Ok(_) => Ok(see_other("/admin/developers?notice=status-changed", false)),
        Err(error @ (Error::Store(_) | Error::NotFound(_))) => Err(error.into()),
        Err(error) => {
            let mut page_view = developers_page(&state, &posted.auth).await?;
            page_view.error = FormError::from_error(&error);
            Ok(page_with(form_status(&error), &page_view))
        }
    }
}

// ---- registration -------------------------------------------------------------------------------

pub struct ModeOption {
    pub value: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "admin/registration.html")]
struct RegistrationPage {
    chrome: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    modes: Vec<ModeOption>,
    invite_email: String,
    invite_error: FormError,
    /// The link of an invitation just sent, shown to the operator too.
    invite_link: Option<String>,
}

async fn registration_page(state: &AppState, operator: &Operator) -> Result<RegistrationPage, Error> {
    let Operator(signed_in) = operator;
    let current = state.platform.registration_mode().await?;
    let modes = [
        (RegistrationMode::Open, "Open", "Anyone can sign up as a developer."),
        (RegistrationMode::InviteOnly, "Invite only", "Only people with an invitation link can sign up."),
        (RegistrationMode::Closed, "Closed", "Nobody can sign up."),
    ]
    .into_iter()
    .map(|(mode, label, description)| ModeOption {
        value: mode.as_str(),
        label,
        description,
        selected: mode == current,
    })
    .collect();
    Ok(RegistrationPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "admin-registration"),
        csrf: signed_in.session.csrf_token.clone(),
        notice: None,
        modes,
        invite_email: String::new(),
        invite_error: FormError::none(),
        invite_link: None,
    })
}

pub async fn registration(
    State(state): State<AppState>,
    operator: Operator,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let mut page_view = registration_page(&state, &operator).await?;
    page_view.notice = notice_text(query.notice.as_deref());
    Ok(page(&page_view))
}

#[derive(Deserialize)]
pub struct ModeForm {
    mode: String,
}

pub async fn set_registration(
    State(state): State<AppState>,
    posted: Posted<Operator, ModeForm>,
) -> PageResult {
    let Operator(signed_in) = &posted.auth;
    let mode = RegistrationMode::parse(&posted.form.mode)
        .ok_or_else(|| Error::invalid("mode", "is not a registration mode"))?;
    state.platform.set_registration_mode(&signed_in.developer, mode).await?;
    Ok(see_other("/admin/registration?notice=mode-changed", false))
}

#[derive(Deserialize)]
pub struct InviteForm {
    email: String,
}

/// Emails an invitation to sign up, and shows its link to the operator as well.
pub async fn invite(State(state): State<AppState>, posted: Posted<Operator, InviteForm>) -> PageResult {
    let Operator(signed_in) = &posted.auth;
    let outcome = state.platform.invite_developer(&signed_in.developer, &posted.form.email).await;
    let mut page_view = registration_page(&state, &posted.auth).await?;
    match outcome {
        Ok(link) => {
            page_view.invite_link = Some(link);
            page_view.invite_email = posted.form.email.trim().to_owned();
            Ok(page(&page_view))
        }
        Err(error @ Error::Store(_)) => Err(error.into()),
        Err(error) => {
            page_view.invite_email = posted.form.email.clone();
            page_view.invite_error = FormError::from_error(&error);
            let status =
                if matches!(error, Error::Conflict(_)) { StatusCode::CONFLICT } else { form_status(&error) };
            Ok(page_with(status, &page_view))
        }
    }
}
