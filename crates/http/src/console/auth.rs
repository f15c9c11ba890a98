//! Developer accounts in the console: sign-up (under the operator's registration mode), email
//! verification, sign-in and sign-out, forgotten passwords, one-time sign-in links and setting or
//! changing a password.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use miniplat_core::accounts::{AccountRef, RegistrationMode};
use miniplat_core::Error;
use serde::Deserialize;

use super::cookies;
use super::csrf::{Anonymous, AnonymousToken, CsrfHolder, Posted};
use super::pages::{
    end_session, form_status, notice_text, page, page_with, see_other, Chrome, FormError, PageResult,
};
use super::session::{self, return_path, SignedIn};
use crate::{AppState, ClientAddr};

/// A form whose only field is the CSRF token.
#[derive(Deserialize)]
pub struct NoFields {}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    pub notice: Option<String>,
}

/// A page with a title, a few sentences and one link onwards.
#[derive(Template)]
#[template(path = "console/message.html")]
pub struct MessagePage {
    pub chrome: Chrome,
    pub title: &'static str,
    pub lines: Vec<String>,
    pub link: Option<(&'static str, &'static str)>,
}

/// Sets the console session cookie for a freshly opened session.
fn session_cookie(state: &AppState, value: &str) -> axum::http::HeaderValue {
    let max_age = state.platform.config.session_ttl_secs;
    cookies::set(cookies::CONSOLE_SESSION, value, Some(max_age), state.web.secure_cookies)
}

/// Opens a session for `developer` and sends them on to `location`.
async fn start_session(
    state: &AppState,
    id: miniplat_core::accounts::DeveloperId,
    location: &str,
) -> PageResult {
    let opened = state.platform.open_session(AccountRef::Developer(id)).await?;
    let mut response = see_other(location, false);
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, session_cookie(state, &opened.cookie_value));
    headers.append(header::SET_COOKIE, cookies::clear(cookies::RETURN_TO, state.web.secure_cookies));
    Ok(response)
}

// ---- sign-up --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "console/signup.html")]
struct SignupPage {
    chrome: Chrome,
    csrf: String,
    mode: RegistrationMode,
    invitation: String,
    email: String,
    error: FormError,
}

impl SignupPage {
    /// Whether the form can succeed at all under the current mode.
    fn form_open(&self) -> bool {
        match self.mode {
            RegistrationMode::Open => true,
            RegistrationMode::InviteOnly => !self.invitation.is_empty(),
            RegistrationMode::Closed => false,
        }
    }
}

#[derive(Deserialize)]
pub struct InvitationQuery {
    invitation: Option<String>,
}

pub async fn signup_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    token: AnonymousToken,
    Query(query): Query<InvitationQuery>,
) -> PageResult {
    if session::current(&headers, &state).await?.is_some() {
        return Ok(see_other("/console", false));
    }
    let page_view = SignupPage {
        chrome: Chrome::console_anonymous(),
        csrf: token.token.clone(),
        mode: state.platform.registration_mode().await?,
        invitation: query.invitation.unwrap_or_default(),
        email: String::new(),
        error: FormError::none(),
    };
    Ok(token.with_cookie(page(&page_view)))
}

#[derive(Deserialize)]
pub struct SignupForm {
    email: String,
    password: String,
    #[serde(default)]
    invitation: String,
}

pub async fn sign_up(State(state): State<AppState>, posted: Posted<Anonymous, SignupForm>) -> PageResult {
    let form = posted.form;
    let invitation = Some(form.invitation.as_str()).filter(|t| !t.is_empty());
    match state.platform.sign_up_developer(&form.email, &form.password, invitation).await {
        Ok(_) => Ok(see_other("/console/signup/sent", false)),
        Err(error @ Error::Store(_)) => Err(error.into()),
        Err(error) => {
            let page_view = SignupPage {
                chrome: Chrome::console_anonymous(),
                csrf: posted.auth.csrf_token().to_owned(),
                mode: state.platform.registration_mode().await?,
                invitation: form.invitation,
                email: form.email,
                error: FormError::from_error(&error),
            };
            Ok(page_with(form_status(&error), &page_view))
        }
    }
}

pub async fn signup_sent() -> Response {
    page(&MessagePage {
        chrome: Chrome::console_anonymous(),
        title: "Check your inbox",
        lines: vec![
            "We sent a verification link to the email address you signed up with.".into(),
            "Open the link to confirm the address, then sign in. The link expires in 48 hours.".into(),
        ],
        link: Some(("/console/signin", "Go to sign in")),
    })
}

// ---- sign-in and sign-out ---------------------------------------------------------------

#[derive(Template)]
#[template(path = "console/signin.html")]
struct SigninPage {
    chrome: Chrome,
    csrf: String,
    email: String,
    notice: Option<&'static str>,
    error: FormError,
}

pub async fn signin_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    token: AnonymousToken,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    if session::current(&headers, &state).await?.is_some() {
        return Ok(see_other(&return_path(&headers), false));
    }
    let page_view = SigninPage {
        chrome: Chrome::console_anonymous(),
        csrf: token.token.clone(),
        email: String::new(),
        notice: notice_text(query.notice.as_deref()),
        error: FormError::none(),
    };
    Ok(token.with_cookie(page(&page_view)))
}

#[derive(Deserialize)]
pub struct SigninForm {
    email: String,
    password: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    posted: Posted<Anonymous, SigninForm>,
) -> PageResult {
    let form = posted.form;
    match state.platform.sign_in_developer(&form.email, &form.password, &client).await {
        Ok(developer) => start_session(&state, developer.id, &return_path(&headers)).await,
        Err(error @ Error::Store(_)) => Err(error.into()),
        Err(error) => {
            let page_view = SigninPage {
                chrome: Chrome::console_anonymous(),
                csrf: posted.auth.csrf_token().to_owned(),
                email: form.email,
                notice: None,
                error: FormError::from_error(&error),
            };
            Ok(page_with(form_status(&error), &page_view))
        }
    }
}

pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    posted: Posted<SignedIn, NoFields>,
) -> PageResult {
    // `Posted<SignedIn, _>` proved the cookie names a live session; end it on the server.
    end_session(&state, &headers, cookies::CONSOLE_SESSION, "/console/signin?notice=signed-out", posted.htmx)
        .await
}

// ---- forgotten password and reset -------------------------------------------------------

#[derive(Template)]
#[template(path = "console/forgot.html")]
struct ForgotPage {
    chrome: Chrome,
    csrf: String,
}

pub async fn forgot_page(token: AnonymousToken) -> Response {
    let page_view = ForgotPage { chrome: Chrome::console_anonymous(), csrf: token.token.clone() };
    token.with_cookie(page(&page_view))
}

#[derive(Deserialize)]
pub struct ForgotForm {
    email: String,
}

/// Answers the same whether or not the address is registered.
pub async fn forgot(State(state): State<AppState>, posted: Posted<Anonymous, ForgotForm>) -> PageResult {
    state.platform.request_developer_password_reset(&posted.form.email).await?;
    Ok(see_other("/console/forgot/sent", false))
}

pub async fn forgot_sent() -> Response {
    page(&MessagePage {
        chrome: Chrome::console_anonymous(),
        title: "Check your inbox",
        lines: vec![
            "If the address is registered, we sent a link to choose a new password.".into(),
            "The link works once and expires in one hour.".into(),
        ],
        link: Some(("/console/signin", "Back to sign in")),
    })
}

#[derive(Template)]
#[template(path = "console/reset.html")]
struct ResetPage {
    chrome: Chrome,
    csrf: String,
    error: FormError,
}

pub async fn reset_page(token: AnonymousToken, Path(_link): Path<String>) -> Response {
    let page_view = ResetPage {
        chrome: Chrome::console_anonymous(),
        csrf: token.token.clone(),
        error: FormError::none(),
    };
    token.with_cookie(page(&page_view))
}

#[derive(Deserialize)]
pub struct NewPasswordForm {
    password: String,
    confirm: String,
}

pub async fn reset(
    State(state): State<AppState>,
    Path(link): Path<String>,
    posted: Posted<Anonymous, NewPasswordForm>,
) -> PageResult {
    let form = &posted.form;
    let result = if form.password != form.confirm {
        Err(FormError::on("confirm", "The two passwords differ."))
    } else {
        match state.platform.reset_developer_password(&link, &form.password).await {
            Ok(_) => Ok(()),
            Err(error @ (Error::LinkExpired | Error::LinkInvalid | Error::Store(_))) => {
                return Err(error.into())
            }
            Err(error) => Err(FormError::from_error(&error)),
        }
    };
    match result {
        Ok(()) => Ok(see_other("/console/signin?notice=password-reset", false)),
        Err(error) => {
            let page_view = ResetPage {
                chrome: Chrome::console_anonymous(),
                csrf: posted.auth.csrf_token().to_owned(),
                error,
            };
            Ok(page_with(axum::http::StatusCode::UNPROCESSABLE_ENTITY, &page_view))
        }
    }
}

// ---- email verification -------------------------------------------------------------------

pub async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(link): Path<String>,
) -> PageResult {
    let signed_in = session::current(&headers, &state).await?;
    let chrome = match &signed_in {
        Some(s) => Chrome::console(&s.developer, &s.session, "apps"),
        None => Chrome::console_anonymous(),
    };
    let continue_link = if signed_in.is_some() {
        ("/console", "Go to your mini programs")
    } else {
        ("/console/signin", "Sign in")
    };
    match state.platform.verify_developer_email(&link).await {
        Ok(developer) => Ok(page(&MessagePage {
            chrome,
            title: "Email address verified",
            lines: vec![format!("Thank you: {} is confirmed.", developer.email)],
            link: Some(continue_link),
        })),
        Err(error @ (Error::LinkExpired | Error::LinkInvalid)) => {
            let title = if matches!(error, Error::LinkExpired) {
                "This link has expired"
            } else {
                "This link is not valid"
            };
            let page_view = MessagePage {
                chrome,
                title,
                lines: vec![
                    "The verification link could not be used.".into(),
                    "Sign in to the console and ask for a new link; it will be sent to your address.".into(),
                ],
                link: Some(continue_link),
            };
            Ok(page_with(axum::http::StatusCode::GONE, &page_view))
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Template)]
#[template(path = "console/verification_sent.html")]
struct VerificationSentFragment;

pub async fn resend_verification(
    State(state): State<AppState>,
    posted: Posted<SignedIn, NoFields>,
) -> PageResult {
    let developer = &posted.auth.developer;
    if !developer.is_verified() {
        state.platform.send_developer_verification(developer).await?;
    }
    if posted.htmx {
        return Ok(page(&VerificationSentFragment));
    }
    Ok(see_other("/console?notice=verification-sent", false))
}

// ---- one-time sign-in links -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "console/link.html")]
struct LinkPage {
    chrome: Chrome,
    csrf: String,
}

/// Shows a button rather than signing in on GET: mail scanners that open links must not use up
/// the one-time link.
pub async fn link_page(token: AnonymousToken, Path(_link): Path<String>) -> Response {
    let page_view = LinkPage { chrome: Chrome::console_anonymous(), csrf: token.token.clone() };
    token.with_cookie(page(&page_view))
}

pub async fn use_link(
    State(state): State<AppState>,
    Path(link): Path<String>,
    _posted: Posted<Anonymous, NoFields>,
) -> PageResult {
    let developer = state.platform.use_sign_in_link(&link).await?;
    let next = if developer.password_hash.is_none() { "/console/account/password" } else { "/console" };
    start_session(&state, developer.id, next).await
}

// ---- passwords of signed-in developers -------------------------------------------------------

#[derive(Template)]
#[template(path = "console/password.html")]
struct PasswordPage {
    chrome: Chrome,
    csrf: String,
    /// No password yet (signed in by link): the form sets the first one.
    initial: bool,
    error: FormError,
}

pub async fn password_page(signed_in: SignedIn) -> Response {
    page(&PasswordPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "account"),
        csrf: signed_in.session.csrf_token.clone(),
        initial: signed_in.developer.password_hash.is_none(),
        error: FormError::none(),
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    password: String,
    confirm: String,
}

pub async fn set_password(
    State(state): State<AppState>,
    posted: Posted<SignedIn, PasswordForm>,
) -> PageResult {
    let SignedIn { developer, session } = &posted.auth;
    let form = &posted.form;
    let initial = developer.password_hash.is_none();
    let result = if form.password != form.confirm {
        Err(FormError::on("confirm", "The two new passwords differ."))
    } else {
        let outcome = if initial {
            state.platform.set_initial_developer_password(developer, &form.password).await
        } else {
            state.platform.change_developer_password(developer, &form.current, &form.password).await
        };
        outcome.map_err(|error| match error {
            Error::Invalid { field: "password", ref message } if message == "is wrong" => {
                FormError::on("current", "The current password is wrong.")
            }
            other => FormError::from_error(&other),
        })
    };
    match result {
        Ok(()) => {
            let notice = if initial { "password-set" } else { "password-changed" };
            Ok(see_other(&format!("/console/account?notice={notice}"), false))
        }
        Err(error) => {
            let page_view = PasswordPage {
                chrome: Chrome::console(developer, session, "account"),
                csrf: session.csrf_token.clone(),
                initial,
                error,
            };
            Ok(page_with(axum::http::StatusCode::UNPROCESSABLE_ENTITY, &page_view))
        }
    }
}
