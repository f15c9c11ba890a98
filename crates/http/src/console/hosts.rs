//! Operator page `/admin/hosts`: native hosts (register — the secret is shown once — and
//! revoke), and blocking end users from logging in to mini programs.

use askama::Template;
use axum::extract::{Path, Query, State};
use miniplat_core::accounts::{EndUserId, Host};
use miniplat_core::email::Email;
use miniplat_core::Error;
use serde::Deserialize;

use super::auth::NoticeQuery;
use super::csrf::Posted;
use super::pages::{
    form_status, notice_text, page, page_with, see_other, when, Chrome, FormError, PageResult,
};
use super::session::Operator;
use crate::AppState;

pub struct HostRow {
    pub key: String,
    pub name: String,
    pub created: String,
    pub revoked: bool,
}

impl From<&Host> for HostRow {
    fn from(host: &Host) -> Self {
        Self {
            key: host.key.clone(),
            name: host.name.clone(),
            created: when(host.created_at),
            revoked: host.revoked_at.is_some(),
        }
    }
}

/// A host just registered: its secret, shown on this one page.
pub struct NewHostSecret {
    pub key: String,
    pub secret: String,
}

#[derive(Template)]
#[template(path = "admin/hosts.html")]
struct HostsPage {
    chrome: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    hosts: Vec<HostRow>,
    created: Option<NewHostSecret>,
    name: String,
    host_error: FormError,
    user: String,
    user_error: FormError,
}

async fn hosts_page(state: &AppState, operator: &Operator) -> Result<HostsPage, Error> {
    let Operator(signed_in) = operator;
    let hosts = state.platform.hosts(&signed_in.developer).await?;
    Ok(HostsPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "admin-hosts"),
        csrf: signed_in.session.csrf_token.clone(),
        notice: None,
        hosts: hosts.iter().map(HostRow::from).collect(),
        created: None,
        name: String::new(),
        host_error: FormError::none(),
        user: String::new(),
        user_error: FormError::none(),
    })
}

pub async fn hosts(
    State(state): State<AppState>,
    operator: Operator,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let mut page_view = hosts_page(&state, &operator).await?;
    page_view.notice = notice_text(query.notice.as_deref());
    Ok(page(&page_view))
}

#[derive(Deserialize)]
pub struct HostForm {
    name: String,
}

pub async fn create_host(State(state): State<AppState>, posted: Posted<Operator, HostForm>) -> PageResult {
    let Operator(signed_in) = &posted.auth;
    let outcome = state.platform.create_host(&signed_in.developer, &posted.form.name).await;
    let mut page_view = hosts_page(&state, &posted.auth).await?;
    match outcome {
        Ok(created) => {
            page_view.created = Some(NewHostSecret { key: created.host.key, secret: created.secret });
            Ok(page(&page_view))
        }
        Err(error @ Error::Store(_)) => Err(error.into()),
        Err(error) => {
            page_view.name = posted.form.name.clone();
            page_view.host_error = FormError::from_error(&error);
            Ok(page_with(form_status(&error), &page_view))
        }
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn revoke_host(
    State(state): State<AppState>,
    Path(key): Path<String>,
    posted: Posted<Operator, Empty>,
) -> PageResult {
    let Operator(signed_in) = &posted.auth;
    state.platform.revoke_host(&signed_in.developer, &key).await?;
    Ok(see_other("/admin/hosts?notice=host-revoked", false))
}

#[derive(Deserialize)]
pub struct BlockForm {
    /// An end user's email, or `#` and their id.
    user: String,
    blocked: String,
}

async fn end_user_named(state: &AppState, name: &str) -> Result<EndUserId, Error> {
    let name = name.trim();
    if let Some(id) = name.strip_prefix('#') {
        let id =
            id.parse().map_err(|_| Error::invalid("user", "must be an email or # and an end-user id"))?;
        return Ok(state.platform.end_user(EndUserId(id)).await?.id);
    }
    let email = Email::parse(name)?;
    let user = state.platform.store.end_user_by_email(&email).await?;
    user.map(|u| u.id).ok_or(Error::invalid("user", "belongs to no end-user account"))
}

pub async fn set_blocked(State(state): State<AppState>, posted: Posted<Operator, BlockForm>) -> PageResult {
    let Operator(signed_in) = &posted.auth;
    let blocked = posted.form.blocked == "yes";
    let outcome = match end_user_named(&state, &posted.form.user).await {
        Ok(user) => state.platform.set_end_user_blocked(&signed_in.developer, user, blocked).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) => {
            let notice = if blocked { "user-blocked" } else { "user-unblocked" };
            Ok(see_other(&format!("/admin/hosts?notice={notice}"), false))
        }
        Err(error @ Error::Store(_)) => Err(error.into()),
        Err(error) => {
            let mut page_view = hosts_page(&state, &posted.auth).await?;
            page_view.user = posted.form.user.clone();
            let error = if matches!(error, Error::NotFound(_)) {
                Error::invalid("user", "belongs to no end-user account")
            } else {
                error
            };
            page_view.user_error = FormError::from_error(&error);
            Ok(page_with(form_status(&error), &page_view))
        }
    }
}
