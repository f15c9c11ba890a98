//! Who calls the Host API: a native host (HTTP Basic with its key and secret) or the web host's
//! signed-in end user (session cookie + CSRF header).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use miniplat_core::accounts::{EndUser, Host};
use miniplat_core::Error;

use crate::api::error::ApiError;
use crate::console::csrf::token_matches;
use crate::AppState;

/// A live native host, authenticated by `Authorization: Basic base64(key:secret)`.
pub struct NativeHost(pub Host);

fn basic_credentials(parts: &Parts) -> Option<(String, String)> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(BASE64.decode(encoded.trim()).ok()?).ok()?;
    let (key, secret) = decoded.split_once(':')?;
    Some((key.to_owned(), secret.to_owned()))
}

/// 401 with the challenge that names the scheme.
fn unauthenticated() -> Response {
    let mut response = ApiError::from(Error::Unauthenticated).into_response();
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"host\""));
    response
}

impl FromRequestParts<AppState> for NativeHost {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (key, secret) = basic_credentials(parts).ok_or_else(unauthenticated)?;
        match state.platform.authenticate_host(&key, &secret).await {
            Ok(host) => Ok(Self(host)),
            Err(Error::Unauthenticated) => Err(unauthenticated()),
            Err(other) => Err(ApiError::from(other).into_response()),
        }
    }
}

/// The web host's signed-in end user, on a request that repeats the session's CSRF token in
/// `X-CSRF-Token`.
pub struct WebHostUser(pub EndUser);

impl FromRequestParts<AppState> for WebHostUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let signed_in = crate::host::current_user(&parts.headers, state)
            .await
            .map_err(|error| ApiError::from(error).into_response())?
            .ok_or_else(|| ApiError::from(Error::Unauthenticated).into_response())?;
        let given = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
        if !token_matches(given, &signed_in.session.csrf_token) {
            return Err(ApiError::http(
                StatusCode::FORBIDDEN,
                "csrf_rejected",
                "missing or wrong X-CSRF-Token",
            )
            .into_response());
        }
        Ok(Self(signed_in.user))
    }
}
