//! Mini programs in the console: registering one (the AppSecret is shown once), its overview,
//! editing the introduction and icon, and resetting the AppSecret after re-entering the
//! password. Non-members get the 404 page, so unreleased mini programs stay invisible (2.3).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use miniplat_core::apps::{App, MemberRole};
use miniplat_core::Error;
use serde::Deserialize;

use super::auth::NoticeQuery;
use super::csrf::{Posted, Uploaded};
use super::dashboard::{role_label, status_label};
use super::pages::{
    form_status, notice_text, page, page_with, see_other, Chrome, FormError, PageError, PageResult,
};
use super::session::SignedIn;
use crate::AppState;

// ---- registering ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "console/app_new.html")]
struct NewAppPage {
    chrome: Chrome,
    csrf: String,
    verified: bool,
    name: String,
    introduction: String,
    contact_email: String,
    error: FormError,
}

pub async fn new_app_page(signed_in: SignedIn) -> Response {
    let SignedIn { developer, session } = &signed_in;
    page(&NewAppPage {
        chrome: Chrome::console(developer, session, "apps"),
        csrf: session.csrf_token.clone(),
        verified: developer.is_verified(),
        name: String::new(),
        introduction: String::new(),
        contact_email: String::new(),
        error: FormError::none(),
    })
}

#[derive(Deserialize)]
pub struct NewAppForm {
    name: String,
    #[serde(default)]
    introduction: String,
    #[serde(default)]
    contact_email: String,
}

#[derive(Template)]
#[template(path = "console/app_created.html")]
struct AppCreatedPage {
    chrome: Chrome,
    name: String,
    appid: String,
    secret: String,
}

/// Registers the mini program and shows its AppSecret, in this response only (it is stored
/// hashed); the page is never cached.
pub async fn create_app(State(state): State<AppState>, posted: Posted<SignedIn, NewAppForm>) -> PageResult {
    let SignedIn { developer, session } = &posted.auth;
    let form = posted.form;
    match state
        .platform
        .create_app(developer, &form.name, &form.introduction, Some(form.contact_email.as_str()))
        .await
    {
        Ok(created) => Ok(page(&AppCreatedPage {
            chrome: Chrome::console(developer, session, "apps"),
            name: created.app.name.as_str().to_owned(),
            appid: created.app.appid.to_string(),
            secret: created.secret,
        })),
        Err(error @ Error::Store(_)) => Err(error.into()),
        Err(error) => {
            let page_view = NewAppPage {
                chrome: Chrome::console(developer, session, "apps"),
                csrf: session.csrf_token.clone(),
                verified: developer.is_verified(),
                error: FormError::from_error(&error),
                name: form.name,
                introduction: form.introduction,
                contact_email: form.contact_email,
            };
            Ok(page_with(form_status(&error), &page_view))
        }
    }
}

// ---- overview -----------------------------------------------------------------------------------

/// What the overview shows of a mini program.
pub struct AppView {
    pub name: String,
    pub appid: String,
    pub introduction: String,
    pub contact_email: Option<String>,
    /// The icon URL, versioned by the stored key so a new upload shows at once.
    pub icon_url: Option<String>,
    pub status: &'static str,
    pub status_class: &'static str,
    pub role: &'static str,
    pub created: String,
}

impl AppView {
    pub fn new(app: &App, role: MemberRole) -> Self {
        let (status, status_class) = status_label(app.status);
        let icon_url = app.icon_key.as_ref().map(|key| {
            let version = &miniplat_crypto::sha256_hex(key.as_bytes())[..12];
            format!("/console/apps/{}/icon?v={version}", app.appid)
        });
        Self {
            name: app.name.as_str().to_owned(),
            appid: app.appid.to_string(),
            introduction: app.introduction.clone(),
            contact_email: app.contact_email.as_ref().map(ToString::to_string),
            icon_url,
            status,
            status_class,
            role: role_label(role),
            created: super::pages::when(app.created_at),
        }
    }
}

#[derive(Template)]
#[template(path = "console/app.html")]
struct AppPage {
    chrome: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    app: AppView,
    is_admin: bool,
    /// The introduction in the edit form (the user's input after an error).
    introduction: String,
    profile_error: FormError,
    secret_error: FormError,
}

impl AppPage {
    fn new(signed_in: &SignedIn, app: &App, role: MemberRole) -> Self {
        Self {
            chrome: Chrome::console(&signed_in.developer, &signed_in.session, "apps"),
            csrf: signed_in.session.csrf_token.clone(),
            notice: None,
            app: AppView::new(app, role),
            is_admin: role == MemberRole::Admin,
            introduction: app.introduction.clone(),
            profile_error: FormError::none(),
            secret_error: FormError::none(),
        }
    }
}

pub async fn app_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(appid): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let (app, role) = state.platform.app_for_member(&signed_in.developer, &appid).await?;
    let mut page_view = AppPage::new(&signed_in, &app, role);
    page_view.notice = notice_text(query.notice.as_deref());
    Ok(page(&page_view))
}

pub async fn icon(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(appid): Path<String>,
) -> PageResult {
    let (app, _) = state.platform.app_for_member(&signed_in.developer, &appid).await?;
    let key = app.icon_key.as_deref().ok_or(PageError::NotFound)?;
    super::pages::stored_image(&state, key, "private, max-age=86400").await
}

/// Saves the introduction and, when a file was chosen, the icon (multipart form).
pub async fn update_profile(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    upload: Uploaded<SignedIn>,
) -> PageResult {
    let developer = &upload.auth.developer;
    let (app, role) = state.platform.app_for_member(developer, &appid).await?;
    let introduction = upload.field("introduction");
    let icon = upload.files.get("icon").map(Vec::as_slice);
    match state.platform.update_app_profile(developer, &appid, Some(introduction), icon).await {
        Ok(_) => Ok(see_other(&format!("/console/apps/{}?notice=profile-saved", app.appid), false)),
        Err(error @ Error::Store(_)) => Err(error.into()),
        Err(error) => {
            let mut page_view = AppPage::new(&upload.auth, &app, role);
            page_view.introduction = introduction.to_owned();
            page_view.profile_error = FormError::from_error(&error);
            Ok(page_with(form_status(&error), &page_view))
        }
    }
}

// ---- the AppSecret ------------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct PasswordConfirmation {
    #[serde(default)]
    password: String,
}

#[derive(Template)]
#[template(path = "console/secret.html")]
struct SecretPage {
    chrome: Chrome,
    name: String,
    appid: String,
    secret: String,
}

/// Resets the AppSecret once the password is re-entered, and shows the new one this once.
pub async fn reset_secret(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    posted: Posted<SignedIn, PasswordConfirmation>,
) -> PageResult {
    let signed_in = &posted.auth;
    let (app, role) = state.platform.app_for_member(&signed_in.developer, &appid).await?;
    let outcome = match state.platform.confirm_developer_password(&signed_in.developer, &posted.form.password)
    {
        Ok(()) => state.platform.reset_app_secret(&signed_in.developer, &appid).await,
        Err(_) => Err(Error::invalid("password", "is wrong; the secret was not reset")),
    };
    match outcome {
        Ok(created) => Ok(page(&SecretPage {
            chrome: Chrome::console(&signed_in.developer, &signed_in.session, "apps"),
            name: created.app.name.as_str().to_owned(),
            appid: created.app.appid.to_string(),
            secret: created.secret,
        })),
        Err(error @ Error::Store(_)) => Err(error.into()),
        Err(error) => {
            let mut page_view = AppPage::new(signed_in, &app, role);
            page_view.secret_error = FormError::from_error(&error);
            Ok(page_with(form_status(&error), &page_view))
        }
    }
}

/// `GET` of a POST-only console path (after a reload, say): back to the overview.
pub async fn back_to_app(Path(appid): Path<String>) -> Response {
    see_other(&format!("/console/apps/{}", urlencode_path(&appid)), false)
}

fn urlencode_path(segment: &str) -> String {
    segment.chars().filter(char::is_ascii_alphanumeric).collect()
}
