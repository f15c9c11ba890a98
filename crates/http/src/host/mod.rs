//! The web host for end users (`/`): the landing page, end-user accounts (sign-up, sign-in,
//! profile with avatar), developers' public profiles (clause 2.7), and the HTML 404 page every
//! unknown path gets. It shares the page frame, cookies and CSRF check of the console
//! ([`crate::console::pages`], [`crate::console::csrf`]).

mod accounts;
mod cards;
mod codes;
mod developers;
mod directory;
mod guidelines;
mod privacy;
mod profile;
mod session;

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::console::pages::{page, Chrome, PageError, PageResult};
use crate::AppState;

pub use session::{current as current_user, SignedInUser};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(landing))
        .route("/signup", get(accounts::signup_page).post(accounts::sign_up))
        .route("/signin", get(accounts::signin_page).post(accounts::sign_in))
        .route("/signout", post(accounts::sign_out))
        .route("/profile", get(profile::profile).post(profile::update))
        .route("/profile/avatar", get(profile::avatar))
        .route("/developers/{id}", get(developers::public_profile))
        .route("/mini-programs", get(directory::list))
        .route("/mini-programs/{appid}", get(directory::open))
        .route("/mini-programs/{appid}/icon", get(directory::icon))
        .route("/s/{ticket}", get(codes::open_code))
        .route("/s/{ticket}/icon", get(codes::code_icon))
        .route("/l/{ticket}", get(codes::open_link))
        .route("/apps/{appid}/card", get(cards::card))
        .route("/apps/{appid}/card.png", get(cards::card_png))
        .route("/apps/{appid}/card/icon", get(cards::card_icon))
        .route("/apps/{appid}/privacy", get(privacy::policy))
        .route("/privacy", get(privacy::centre))
        .route("/privacy/{appid}/withdraw", post(privacy::withdraw))
        .route("/privacy/{appid}/revoke", post(privacy::revoke_scope))
        .route("/review-guidelines", get(guidelines::guidelines))
}

#[derive(Template)]
#[template(path = "host/landing.html")]
struct LandingPage {
    chrome: Chrome,
    nickname: Option<String>,
}

/// What Miniplat is, how to join, and the released mini programs (none until release lands).
async fn landing(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let signed_in = session::current(&headers, &state).await?;
    let (chrome, nickname) = match &signed_in {
        Some(s) => (Chrome::host(&s.user, &s.session, "home"), Some(s.user.nickname.clone())),
        None => (Chrome::host_anonymous(), None),
    };
    Ok(page(&LandingPage { chrome, nickname }))
}

/// The HTML 404 page: the fallback for every path no surface serves.
pub async fn not_found() -> Response {
    PageError::NotFound.into_response()
}
