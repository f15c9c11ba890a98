//! End-user accounts on the web host: sign-up, sign-in and sign-out. The email namespace is
//! shared with every other kind of account (clause 2.1), so a developer's address is refused.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use miniplat_core::accounts::{AccountRef, EndUserId};
use miniplat_core::Error;
use serde::Deserialize;

use super::session::{self, SignedInUser};
use crate::console::auth::NoFields;
use crate::console::cookies;
use crate::console::csrf::{Anonymous, AnonymousToken, CsrfHolder, Posted};
use crate::console::pages::{
    end_session, form_status, page, page_with, see_other, Chrome, FormError, PageResult,
};
use crate::{AppState, ClientAddr};

/// Opens a host session and goes home.
async fn start_session(state: &AppState, id: EndUserId, location: &str) -> PageResult {
    let opened = state.platform.open_session(AccountRef::EndUser(id)).await?;
    let mut response = see_other(location, false);
    let max_age = state.platform.config.session_ttl_secs;
    let cookie =
        cookies::set(cookies::HOST_SESSION, &opened.cookie_value, Some(max_age), state.web.secure_cookies);
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Template)]
#[template(path = "host/signup.html")]
struct SignupPage {
    chrome: Chrome,
    csrf: String,
    email: String,
    nickname: String,
    error: FormError,
}

pub async fn signup_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    token: AnonymousToken,
) -> PageResult {
    if session::current(&headers, &state).await?.is_some() {
        return Ok(see_other("/", false));
    }
    let page_view = SignupPage {
        chrome: Chrome::host_anonymous(),
        csrf: token.token.clone(),
        email: String::new(),
        nickname: String::new(),
        error: FormError::none(),
    };
    Ok(token.with_cookie(page(&page_view)))
}

#[derive(Deserialize)]
pub struct SignupForm {
    email: String,
    password: String,
    nickname: String,
}

pub async fn sign_up(State(state): State<AppState>, posted: Posted<Anonymous, SignupForm>) -> PageResult {
    let form = posted.form;
    match state.platform.sign_up_end_user(&form.email, &form.password, &form.nickname).await {
        Ok(user) => start_session(&state, user.id, "/").await,
        Err(error @ Error::Store(_)) => Err(error.into()),
        Err(error) => {
            let page_view = SignupPage {
                chrome: Chrome::host_anonymous(),
                csrf: posted.auth.csrf_token().to_owned(),
                email: form.email,
                nickname: form.nickname,
                error: FormError::from_error(&error),
            };
            Ok(page_with(form_status(&error), &page_view))
        }
    }
}

#[derive(Template)]
#[template(path = "host/signin.html")]
struct SigninPage {
    chrome: Chrome,
    csrf: String,
    email: String,
    error: FormError,
}

pub async fn signin_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    token: AnonymousToken,
) -> PageResult {
    if session::current(&headers, &state).await?.is_some() {
        return Ok(see_other("/", false));
    }
    let page_view = SigninPage {
        chrome: Chrome::host_anonymous(),
        csrf: token.token.clone(),
        email: String::new(),
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
    posted: Posted<Anonymous, SigninForm>,
) -> PageResult {
    let form = posted.form;
    match state.platform.sign_in_end_user(&form.email, &form.password, &client).await {
        Ok(user) => start_session(&state, user.id, "/").await,
        Err(error @ Error::Store(_)) => Err(error.into()),
        Err(error) => {
            let page_view = SigninPage {
                chrome: Chrome::host_anonymous(),
                csrf: posted.auth.csrf_token().to_owned(),
                email: form.email,
                error: FormError::from_error(&error),
            };
            Ok(page_with(form_status(&error), &page_view))
        }
    }
}

pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    posted: Posted<SignedInUser, NoFields>,
) -> PageResult {
    end_session(&state, &headers, cookies::HOST_SESSION, "/", posted.htmx).await
}
