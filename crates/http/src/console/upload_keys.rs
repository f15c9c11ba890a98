//! The "Upload keys" tab: create a key (shown once), with an optional IP allow-list; revoke.

use askama::Template;
use axum::extract::{Path, Query, State};
use miniplat_core::apps::upload_keys::{parse_allowed, UploadKey};
use miniplat_core::apps::MemberRole;
use miniplat_core::Error;
use serde::Deserialize;

use super::apps::AppView;
use super::auth::{NoFields, NoticeQuery};
use super::csrf::Posted;
use super::pages::{
    form_status, notice_text, page, page_with, see_other, when, Chrome, FormError, PageResult,
};
use super::session::SignedIn;
use crate::AppState;

pub struct KeyRow {
    pub id: i64,
    pub label: String,
    pub prefix: String,
    pub allowed: String,
    pub created: String,
    pub last_used: String,
    pub revoked: bool,
}

impl From<&UploadKey> for KeyRow {
    fn from(k: &UploadKey) -> Self {
        let allowed: Vec<String> = k.allowed.iter().map(ToString::to_string).collect();
        Self {
            id: k.id,
            label: k.label.clone(),
            prefix: k.prefix.clone(),
            allowed: if allowed.is_empty() { "Any address".into() } else { allowed.join(", ") },
            created: when(k.created_at),
            last_used: k.last_used_at.map_or_else(|| "Never".into(), when),
            revoked: k.revoked_at.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "console/upload_keys.html")]
struct UploadKeysPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    app: AppView,
    csrf: String,
    is_admin: bool,
    keys: Vec<KeyRow>,
    /// A key just created, shown this once.
    created: Option<String>,
    label: String,
    allowed_ips: String,
    error: FormError,
}

async fn keys_page(state: &AppState, signed_in: &SignedIn, appid: &str) -> Result<UploadKeysPage, Error> {
    let (app, role) = state.platform.app_for_member(&signed_in.developer, appid).await?;
    let (_, keys) = state.platform.upload_keys(&signed_in.developer, appid).await?;
    Ok(UploadKeysPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "apps"),
        notice: None,
        app: AppView::new(&app, role),
        csrf: signed_in.session.csrf_token.clone(),
        is_admin: role == MemberRole::Admin,
        keys: keys.iter().map(KeyRow::from).collect(),
        created: None,
        label: String::new(),
        allowed_ips: String::new(),
        error: FormError::none(),
    })
}

pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(appid): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let mut page_view = keys_page(&state, &signed_in, &appid).await?;
    page_view.notice = notice_text(query.notice.as_deref());
    Ok(page(&page_view))
}

#[derive(Deserialize)]
pub struct CreateForm {
    label: String,
    /// Addresses or CIDR blocks, separated by spaces, commas or new lines.
    #[serde(default)]
    allowed_ips: String,
}

/// Creates a key and shows it once, on this response (not after a redirect).
pub async fn create(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    posted: Posted<SignedIn, CreateForm>,
) -> PageResult {
    let signed_in = &posted.auth;
    let form = &posted.form;
    let allowed: Result<Vec<_>, _> = form
        .allowed_ips
        .split([' ', ',', '\n', '\r'])
        .filter(|e| !e.trim().is_empty())
        .map(parse_allowed)
        .collect();
    let outcome = match allowed {
        Ok(allowed) => {
            state.platform.create_upload_key(&signed_in.developer, &appid, &form.label, allowed).await
        }
        Err(error) => Err(error),
    };
    match outcome {
        Ok(created) => {
            let mut page_view = keys_page(&state, signed_in, &appid).await?;
            page_view.created = Some(created.plaintext);
            Ok(page(&page_view))
        }
        Err(error @ (Error::Store(_) | Error::NotFound(_))) => Err(error.into()),
        Err(error) => {
            let mut page_view = keys_page(&state, signed_in, &appid).await?;
            page_view.label = form.label.clone();
            page_view.allowed_ips = form.allowed_ips.clone();
            page_view.error = FormError::from_error(&error);
            Ok(page_with(form_status(&error), &page_view))
        }
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    Path((appid, id)): Path<(String, i64)>,
    posted: Posted<SignedIn, NoFields>,
) -> PageResult {
    state.platform.revoke_upload_key(&posted.auth.developer, &appid, id).await?;
    Ok(see_other(&format!("/console/apps/{appid}/upload-keys?notice=upload-key-revoked"), posted.htmx))
}
