//! Who is using the web host: [`SignedInUser`], an end user with a live `mp_host` session.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use miniplat_core::accounts::{AccountRef, EndUser, Session};
use miniplat_core::Error;

use crate::console::cookies;
use crate::console::csrf::CsrfHolder;
use crate::console::pages::{is_htmx, PageError};
use crate::AppState;

pub struct SignedInUser {
    pub user: EndUser,
    pub session: Session,
}

impl CsrfHolder for SignedInUser {
    fn csrf_token(&self) -> &str {
        &self.session.csrf_token
    }
}

/// The end user behind the request's host cookie, if the session is live.
pub async fn current(headers: &HeaderMap, state: &AppState) -> Result<Option<SignedInUser>, Error> {
    let Some(cookie) = cookies::get(headers, cookies::HOST_SESSION) else { return Ok(None) };
    let session = match state.platform.session(cookie).await {
        Ok(session) => session,
        Err(Error::Unauthenticated) => return Ok(None),
        Err(other) => return Err(other),
    };
    let AccountRef::EndUser(id) = session.account else { return Ok(None) };
    match state.platform.end_user(id).await {
        Ok(user) => Ok(Some(SignedInUser { user, session })),
        Err(Error::NotFound(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

impl FromRequestParts<AppState> for SignedInUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match current(&parts.headers, state).await {
            Ok(Some(user)) => Ok(user),
            Ok(None) if is_htmx(&parts.headers) => {
                Err((StatusCode::OK, [("hx-redirect", "/signin")]).into_response())
            }
            Ok(None) => {
                let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/signin")]).into_response();
                if cookies::get(&parts.headers, cookies::HOST_SESSION).is_some() {
                    let clear = cookies::clear(cookies::HOST_SESSION, state.web.secure_cookies);
                    response.headers_mut().append(header::SET_COOKIE, clear);
                }
                Err(response)
            }
            Err(error) => Err(PageError::from(error).into_response()),
        }
    }
}
