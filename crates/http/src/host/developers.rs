//! Developers' public profiles (clause 2.7): the registered subject's public name, its type and
//! verification state. The sealed identifying details are never read here.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use miniplat_core::accounts::subject::VerificationStatus;
use miniplat_core::accounts::DeveloperId;

use super::session;
use crate::console::pages::{page, Chrome, PageError, PageResult};
use crate::AppState;

#[derive(Template)]
#[template(path = "host/developer.html")]
struct DeveloperPage {
    chrome: Chrome,
    public_name: String,
    subject_type: &'static str,
    verification: &'static str,
}

pub async fn public_profile(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let subject = state.platform.public_subject(DeveloperId(id)).await?.ok_or(PageError::NotFound)?;
    let chrome = match session::current(&headers, &state).await? {
        Some(s) => Chrome::host(&s.user, &s.session, "developers"),
        None => Chrome::host_anonymous(),
    };
    let verification = match subject.verification {
        VerificationStatus::Unverified => "Unverified",
    };
    Ok(page(&DeveloperPage {
        chrome,
        public_name: subject.public_name,
        subject_type: subject.subject_type.label(),
        verification,
    }))
}
