//! The console's home: the developer's mini programs, and what still needs doing on the account
//! (verifying the email address, recording subject information).

use askama::Template;
use axum::extract::{Query, State};
use miniplat_core::apps::{App, AppStatus, MemberRole};

use super::auth::NoticeQuery;
use super::pages::{notice_text, page, Chrome, PageResult};
use super::session::SignedIn;
use crate::AppState;

/// One mini program in a list.
pub struct AppRow {
    pub name: String,
    pub appid: String,
    pub role: &'static str,
    pub status: &'static str,
    pub status_class: &'static str,
}

impl AppRow {
    pub fn new(app: &App, role: MemberRole) -> Self {
        let (status, status_class) = status_label(app.status);
        Self {
            name: app.name.as_str().to_owned(),
            appid: app.appid.to_string(),
            role: role_label(role),
            status,
            status_class,
        }
    }
}

/// A status as people read it, with the badge colour.
pub fn status_label(status: AppStatus) -> (&'static str, &'static str) {
    match status {
        AppStatus::Unreleased => ("Unreleased", "neutral"),
        AppStatus::Released => ("Released", "success"),
    }
}

pub fn role_label(role: MemberRole) -> &'static str {
    match role {
        MemberRole::Admin => "Admin",
        MemberRole::Developer => "Developer",
        MemberRole::Operator => "Operator",
        MemberRole::Analyst => "Analyst",
    }
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    email: String,
    verified: bool,
    has_subject: bool,
    apps: Vec<AppRow>,
}

pub async fn dashboard(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let SignedIn { developer, session } = &signed_in;
    let apps = state.platform.apps_of(developer).await?;
    let has_subject = state.platform.subject(developer.id).await?.is_some();
    Ok(page(&DashboardPage {
        chrome: Chrome::console(developer, session, "apps"),
        csrf: session.csrf_token.clone(),
        notice: notice_text(query.notice.as_deref()),
        email: developer.email.to_string(),
        verified: developer.is_verified(),
        has_subject,
        apps: apps.iter().map(|(app, role)| AppRow::new(app, *role)).collect(),
    }))
}
