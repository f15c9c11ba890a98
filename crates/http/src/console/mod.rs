//! The web console for developers and operators (`/console`, `/admin`): server-rendered HTML
//! (askama templates in `crates/http/templates`) with htmx for small in-place updates. Every
//! form also works as a plain POST followed by a redirect.
//!
//! Layout:
//! - [`session`]: who is signed in (`SignedIn`, `Operator` extractors);
//! - [`csrf`]: the CSRF check every POST passes through (`Posted`, `Uploaded`);
//! - [`cookies`], [`pages`]: cookies, the page frame, error pages (shared with the web host);
//! - one module per group of pages: [`auth`], [`dashboard`], [`apps`], [`members`],
//!   [`account`], [`admin`].

pub mod auth;
pub mod cookies;
pub mod csrf;
pub mod pages;
pub mod session;

use axum::routing::{get, post};
use axum::Router;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/signup", get(auth::signup_page).post(auth::sign_up))
        .route("/console/signup/sent", get(auth::signup_sent))
        .route("/console/signin", get(auth::signin_page).post(auth::sign_in))
        .route("/console/signout", post(auth::sign_out))
        .route("/console/forgot", get(auth::forgot_page).post(auth::forgot))
        .route("/console/forgot/sent", get(auth::forgot_sent))
        .route("/console/reset/{token}", get(auth::reset_page).post(auth::reset))
        .route("/console/verify/resend", post(auth::resend_verification))
        .route("/console/verify/{token}", get(auth::verify))
        .route("/console/link/{token}", get(auth::link_page).post(auth::use_link))
        .route("/console/account/password", get(auth::password_page).post(auth::set_password))
}
