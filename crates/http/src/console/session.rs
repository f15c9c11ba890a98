//! Who is using the console: [`SignedIn`] (a developer with a live `mp_console` session) and
//! [`Operator`] (one who runs the platform). A handler's signature says which it needs.
//!
//! A visitor who is not signed in is sent to the sign-in page; the page they wanted is kept in a
//! short-lived cookie rather than a query string, so invitation tokens in console paths never
//! reach a log line or a `Referer`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use miniplat_core::accounts::{AccountRef, Developer, Session};
use miniplat_core::Error;

use super::cookies;
use super::csrf::CsrfHolder;
use super::pages::{is_htmx, PageError};
use crate::AppState;

/// A signed-in, active developer.
pub struct SignedIn {
    pub developer: Developer,
    pub session: Session,
}

impl CsrfHolder for SignedIn {
    fn csrf_token(&self) -> &str {
        &self.session.csrf_token
    }
}

/// The developer behind the request's console cookie, if the session is live and the account
/// active. A suspended or refused account has no sessions, but is checked here too.
pub async fn current(headers: &HeaderMap, state: &AppState) -> Result<Option<SignedIn>, Error> {
    let Some(cookie) = cookies::get(headers, cookies::CONSOLE_SESSION) else { return Ok(None) };
    let session = match state.platform.session(cookie).await {
        Ok(session) => session,
        Err(Error::Unauthenticated) => return Ok(None),
        Err(other) => return Err(other),
    };
    let AccountRef::Developer(id) = session.account else { return Ok(None) };
    let developer = match state.platform.developer(id).await {
        Ok(developer) => developer,
        Err(Error::NotFound(_)) => return Ok(None),
        Err(other) => return Err(other),
    };
    if developer.ensure_active().is_err() {
        return Ok(None);
    }
    Ok(Some(SignedIn { developer, session }))
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match current(&parts.headers, state).await {
            Ok(Some(signed_in)) => Ok(signed_in),
            Ok(None) => Err(to_sign_in(parts, state)),
            Err(error) => Err(PageError::from(error).into_response()),
        }
    }
}

/// A signed-in operator. Anyone else signed in gets the 404 page: staff pages are not advertised.
pub struct Operator(pub SignedIn);

impl CsrfHolder for Operator {
    fn csrf_token(&self) -> &str {
        self.0.csrf_token()
    }
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        if signed_in.developer.is_operator() {
            Ok(Self(signed_in))
        } else {
            Err(PageError::NotFound.into_response())
        }
    }
}

/// Sends the visitor to the sign-in page, remembering a page they asked for with GET.
fn to_sign_in(parts: &Parts, state: &AppState) -> Response {
    let secure = state.web.secure_cookies;
    if is_htmx(&parts.headers) {
        return (StatusCode::OK, [("hx-redirect", "/console/signin")]).into_response();
    }
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/console/signin")]).into_response();
    let wanted = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/console");
    if parts.method == Method::GET && safe_return_path(wanted) {
        response
            .headers_mut()
            .append(header::SET_COOKIE, cookies::set(cookies::RETURN_TO, wanted, Some(3600), secure));
    }
    if cookies::get(&parts.headers, cookies::CONSOLE_SESSION).is_some() {
        // The cookie names a session that ended (signed out elsewhere, expired, suspended).
        response.headers_mut().append(header::SET_COOKIE, cookies::clear(cookies::CONSOLE_SESSION, secure));
    }
    response
}

/// Only console, staff and review paths of this site, in characters that are safe in a cookie.
pub fn safe_return_path(path: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/-_.?=&".contains(c);
    (path == "/console"
        || path.starts_with("/console/")
        || path.starts_with("/admin/")
        || path == "/review"
        || path.starts_with("/review/"))
        && !path.contains("//")
        && !path.contains("/signout")
        && path.len() <= 512
        && path.chars().all(allowed)
}

/// Where to go after signing in: the remembered page, else the dashboard.
pub fn return_path(headers: &HeaderMap) -> String {
    cookies::get(headers, cookies::RETURN_TO)
        .filter(|path| safe_return_path(path))
        .unwrap_or("/console")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_paths_stay_inside_the_console() {
        assert!(safe_return_path("/console/invitations/abc123"));
        assert!(safe_return_path("/admin/developers"));
        assert!(safe_return_path("/review/12"));
        assert!(!safe_return_path("/reviewx"));
        assert!(!safe_return_path("//evil.example/console"));
        assert!(!safe_return_path("https://evil.example/console"));
        assert!(!safe_return_path("/console/../x; Secure"));
        assert!(!safe_return_path("/consolex"));
        assert!(!safe_return_path("/console/signout"));
    }
}
