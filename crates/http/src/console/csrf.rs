//! Cross-site request forgery protection for every POST of the console and the web host.
//!
//! - Signed-in forms carry the session's CSRF token (created with the session and stored with
//!   it) in the hidden field `csrf`; htmx requests may send it as the `X-CSRF-Token` header
//!   instead (`console.js` sets it from `<meta name="csrf-token">`).
//! - Anonymous forms (sign-up, sign-in, forgotten password, reset) have no session yet, so they
//!   use a double-submit token: a random `mp_csrf` cookie and the same value in the form. A page
//!   on another site can make the browser send the cookie but cannot read it to fill the form.
//!
//! [`Posted`] and [`Uploaded`] are the extractors for POST bodies: they authenticate the caller,
//! read the body, and refuse it with the 403 page, before any handler code runs, unless the token
//! matches. A handler that takes one of them cannot forget the check.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::cookies;
use super::pages::{is_htmx, PageError};
use crate::AppState;

/// A caller that holds a CSRF token a POST must repeat.
pub trait CsrfHolder {
    fn csrf_token(&self) -> &str;
}

/// True when `given` is the expected token (compared in constant time).
pub(crate) fn token_matches(given: Option<&str>, expected: &str) -> bool {
    given.is_some_and(|given| {
        !expected.is_empty() && miniplat_crypto::constant_time_eq(given.as_bytes(), expected.as_bytes())
    })
}

fn is_token_shaped(value: &str) -> bool {
    value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The visitor of an anonymous form, identified by nothing but the double-submit cookie.
pub struct Anonymous {
    token: String,
}

impl CsrfHolder for Anonymous {
    fn csrf_token(&self) -> &str {
        &self.token
    }
}

impl FromRequestParts<AppState> for Anonymous {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        match cookies::get(&parts.headers, cookies::ANONYMOUS_CSRF).filter(|v| is_token_shaped(v)) {
            Some(token) => Ok(Self { token: token.to_owned() }),
            None => Err(PageError::CsrfRejected.into_response()),
        }
    }
}

/// The double-submit token to embed in an anonymous form being shown, with the cookie to set
/// when the browser does not hold one yet.
pub struct AnonymousToken {
    pub token: String,
    set_cookie: Option<HeaderValue>,
}

impl AnonymousToken {
    /// Adds the cookie (if new) to the response that shows the form.
    pub fn with_cookie(self, mut response: Response) -> Response {
        if let Some(cookie) = self.set_cookie {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
        response
    }
}

impl FromRequestParts<AppState> for AnonymousToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(token) =
            cookies::get(&parts.headers, cookies::ANONYMOUS_CSRF).filter(|v| is_token_shaped(v))
        {
            return Ok(Self { token: token.to_owned(), set_cookie: None });
        }
        let token = miniplat_crypto::random::hex(16);
        let cookie = cookies::set(cookies::ANONYMOUS_CSRF, &token, None, state.web.secure_cookies);
        Ok(Self { token, set_cookie: Some(cookie) })
    }
}

#[derive(Deserialize)]
struct CsrfField {
    csrf: Option<String>,
}

fn header_token(parts: &Parts) -> Option<String> {
    parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// An `application/x-www-form-urlencoded` POST from `A` whose CSRF token matched.
pub struct Posted<A, T> {
    pub auth: A,
    pub form: T,
    /// Sent by htmx: answer with a fragment or `HX-Redirect`.
    pub htmx: bool,
}

impl<A, T> FromRequest<AppState> for Posted<A, T>
where
    A: FromRequestParts<AppState, Rejection = Response> + CsrfHolder + Send,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let auth = A::from_request_parts(&mut parts, state).await?;
        let htmx = is_htmx(&parts.headers);
        let from_header = header_token(&parts);
        let bytes =
            Bytes::from_request(Request::from_parts(parts, body), state).await.map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    PageError::TooLarge.into_response()
                } else {
                    PageError::BadForm.into_response()
                }
            })?;
        let field = serde_urlencoded::from_bytes::<CsrfField>(&bytes).ok().and_then(|f| f.csrf);
        if !token_matches(field.or(from_header).as_deref(), auth.csrf_token()) {
            return Err(PageError::CsrfRejected.into_response());
        }
        let form =
            serde_urlencoded::from_bytes::<T>(&bytes).map_err(|_| PageError::BadForm.into_response())?;
        Ok(Self { auth, form, htmx })
    }
}

/// A `multipart/form-data` POST (file uploads) from `A` whose CSRF token matched.
pub struct Uploaded<A> {
    pub auth: A,
    /// Text fields by name.
    pub fields: HashMap<String, String>,
    /// Files by field name; a file input left empty is absent.
    pub files: HashMap<String, Vec<u8>>,
}

impl<A> Uploaded<A> {
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

impl<A> FromRequest<AppState> for Uploaded<A>
where
    A: FromRequestParts<AppState, Rejection = Response> + CsrfHolder + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let auth = A::from_request_parts(&mut parts, state).await?;
        let from_header = header_token(&parts);
        let mut multipart = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|_| PageError::BadForm.into_response())?;
        let mut fields = HashMap::new();
        let mut files = HashMap::new();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return Err(PageError::TooLarge.into_response())
                }
                Err(_) => return Err(PageError::BadForm.into_response()),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let is_file = field.file_name().is_some();
            let bytes = field.bytes().await.map_err(|error| {
                if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    PageError::TooLarge.into_response()
                } else {
                    PageError::BadForm.into_response()
                }
            })?;
            if is_file {
                if !bytes.is_empty() {
                    files.insert(name, bytes.to_vec());
                }
            } else {
                let text =
                    String::from_utf8(bytes.to_vec()).map_err(|_| PageError::BadForm.into_response())?;
                fields.insert(name, text);
            }
        }
        let field = fields.get("csrf").cloned();
        if !token_matches(field.or(from_header).as_deref(), auth.csrf_token()) {
            return Err(PageError::CsrfRejected.into_response());
        }
        Ok(Self { auth, fields, files })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_must_match_exactly() {
        assert!(token_matches(Some("abc"), "abc"));
        assert!(!token_matches(Some("abd"), "abc"));
        assert!(!token_matches(None, "abc"));
        assert!(!token_matches(Some(""), ""));
    }
}
