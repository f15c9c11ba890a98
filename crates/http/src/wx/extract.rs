//! Extractors of the WeChat surface. They never reject with axum's own responses: every
//! failure is a [`WxFailure`] with the errcode SDKs expect.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use miniplat_core::quota::{self, Api};
use miniplat_core::tokens::TokenContext;
use miniplat_core::wx::WxError;
use serde::de::DeserializeOwned;

use super::WxFailure;
use crate::AppState;

/// Query parameters, leniently: SDKs send extras (wechatpy adds `access_token` everywhere).
/// A handful of pairs, so a list (no hashing); a repeated name counts with its last value.
pub struct WxQuery(pub Vec<(String, String)>);

impl WxQuery {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for WxQuery {
    type Rejection = WxFailure;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(WxQuery)
            .map_err(|_| WxError::invalid_args("malformed query string").into())
    }
}

/// A JSON body: empty → 44002, not JSON or wrong shape → 47001. Unknown fields are ignored,
/// as WeChat does, because SDKs send fields of other API versions.
pub struct WxJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for WxJson<T> {
    type Rejection = WxFailure;

    async fn from_request(request: Request, _: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::to_bytes(request.into_body(), super::WX_BODY_LIMIT)
            .await
            .map_err(|_| WxFailure::from(WxError::malformed_body("request body unreadable or too large")))?;
        super::record_body(&bytes);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(WxError::empty_post_body().into());
        }
        serde_json::from_slice(&bytes)
            .map(WxJson)
            .map_err(|e| WxError::malformed_body(&json_problem(&e)).into())
    }
}

fn json_problem(error: &serde_json::Error) -> String {
    match error.classify() {
        serde_json::error::Category::Data => format!("invalid field: {error}"),
        _ => "body is not valid JSON".into(),
    }
}

/// The mini program an `access_token` speaks for; the call is charged to the quota of the
/// requested API.
pub struct WxCaller(pub TokenContext);

impl FromRequestParts<AppState> for WxCaller {
    type Rejection = WxFailure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Only the token is needed here; find it without building a map of the whole query.
        let query = parts.uri.query().unwrap_or_default().as_bytes();
        let token =
            form_urlencoded::parse(query).find(|(name, _)| name == "access_token").map(|(_, value)| value);
        let context = state.platform.authenticate_access_token(token.as_deref()).await?;
        // APIs outside the quota catalogue have no published quota and are not counted.
        let api: Option<&'static Api> = quota::find(parts.uri.path());
        if let Some(api) = api {
            state
                .platform
                .charge_quota(context.app, api)
                .await
                .map_err(|error| WxFailure { error: rate_error(api, error), app: Some(context.app) })?;
        }
        Ok(WxCaller(context))
    }
}

/// `getwxacodeunlimit`'s documented error for its 5,000 calls a minute is 45009, not the usual
/// 45011 (`wechat-api.md` §12.1, marked UNSURE there); SDK users match on it.
/// The content-security APIs answer their minute limit with 44991 (§5.1).
fn rate_error(api: &Api, error: WxError) -> WxError {
    if error.errcode != WxError::minute_quota_reached().errcode {
        return error;
    }
    match api.path {
        "/wxa/getwxacodeunlimit" => WxError::daily_quota_reached(),
        "/wxa/msg_sec_check" | "/wxa/media_check_async" => WxError::sec_check_minute_limit(),
        _ => error,
    }
}

/// Why a multipart upload could not be read.
pub enum UploadError {
    /// Not `multipart/form-data`.
    NotMultipart,
    /// Cut short, malformed, or over the route's body limit.
    Unreadable,
    /// No field of that name.
    Missing,
}

/// The first field called `name` of a multipart upload. Every field is read to the end of the
/// body: answering with the body half read would leave it on a keep-alive connection, which
/// the server then closes under the SDK's next request.
pub async fn upload_field(
    request: Request,
    state: &AppState,
    name: &str,
) -> Result<bytes::Bytes, UploadError> {
    let mut form = axum::extract::Multipart::from_request(request, state)
        .await
        .map_err(|_| UploadError::NotMultipart)?;
    let mut found = None;
    while let Some(field) = form.next_field().await.map_err(|_| UploadError::Unreadable)? {
        let wanted = field.name() == Some(name);
        let bytes = field.bytes().await.map_err(|_| UploadError::Unreadable)?;
        if wanted && found.is_none() {
            found = Some(bytes);
        }
    }
    found.ok_or(UploadError::Missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn query_of(uri: &str) -> Result<WxQuery, WxFailure> {
        let (mut parts, ()) = axum::http::Request::get(uri).body(()).unwrap().into_parts();
        WxQuery::from_request_parts(&mut parts, &()).await
    }

    #[tokio::test]
    async fn query_parameters_are_decoded_and_a_repeated_name_keeps_its_last_value() {
        let query = query_of("/x?appid=wx1&js_code=a%2Bb&appid=wx2&empty=").await.ok().unwrap();
        assert_eq!(query.get("appid"), Some("wx2"));
        assert_eq!(query.get("js_code"), Some("a+b"));
        assert_eq!(query.get("empty"), Some(""));
        assert_eq!(query.get("secret"), None);
        assert!(query_of("/x").await.ok().unwrap().0.is_empty());
    }
}
