//! Middleware shared by every surface: a request id (WeChat's `rid` format), security headers,
//! and one log line per request whose URL has secrets scrubbed out.

use axum::extract::{Request, State};

use crate::client::ClientSource;
use axum::http::{header, HeaderValue, Uri};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// The id of the current request; WeChat errors end with ` rid: <id>`.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

tokio::task_local! {
    static CURRENT_REQUEST_ID: String;
}

impl RequestId {
    /// The id of the request being handled on this task (empty outside a request).
    pub fn current() -> String {
        CURRENT_REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
    }
}

/// Query parameters whose values never reach a log line or a stored record.
const SECRET_PARAMS: &[&str] = &[
    "secret",
    "appsecret",
    "access_token",
    "component_access_token",
    "js_code",
    "code",
    "session_key",
    "signature",
    "token",
    "invitation",
];

/// The path and query of `uri` with every secret parameter's value replaced by `***`.
pub fn scrub_uri(uri: &Uri) -> String {
    let path = uri.path();
    let Some(query) = uri.query() else { return path.to_owned() };
    let scrubbed: Vec<String> = query
        .split('&')
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            if SECRET_PARAMS.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                format!("{name}=***")
            } else {
                pair.to_owned()
            }
        })
        .collect();
    format!("{path}?{}", scrubbed.join("&"))
}

/// Scrubs path segments that carry one-time secrets (links from emails).
fn scrub_path_secrets(uri: &str) -> String {
    for prefix in ["/console/verify/", "/console/reset/", "/console/link/", "/console/invitations/"] {
        if let Some(rest) = uri.strip_prefix(prefix) {
            let tail = rest.find(['/', '?']).map_or("", |i| &rest[i..]);
            return format!("{prefix}***{tail}");
        }
    }
    uri.to_owned()
}

pub async fn request_context(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let rid = miniplat_core::quota::new_rid(state.platform.clock.now());
    request.extensions_mut().insert(RequestId(rid.clone()));
    let method = request.method().clone();
    let uri = request.uri().clone();
    let started = std::time::Instant::now();
    let started_ms = state.platform.clock.now_millis();
    let (parts, body) = request.into_parts();
    let client = ClientSource::capture(&parts, &state.web);
    let request = Request::from_parts(parts, body);
    // A failed WeChat call leaves its errcode on the response; its wire body needs the rid.
    let handled = async {
        let response = CURRENT_REQUEST_ID.scope(rid.clone(), next.run(request)).await;
        match crate::wx::failure_of(&response) {
            None => response,
            Some(failure) => {
                crate::wx::finish_failure(&state, failure, &rid, &uri, &client, started_ms).await
            }
        }
    };
    let mut response = crate::wx::with_recorded_body(handled).await;
    let status = response.status().as_u16();
    // Field values are only evaluated when the line is logged.
    tracing::info!(
        target: "miniplat::http",
        %method,
        uri = %scrub_path_secrets(&scrub_uri(&uri)),
        status,
        rid = %rid,
        ms = started.elapsed().as_millis() as u64
    );
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&rid) {
        headers.insert("x-request-id", value);
    }
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    if state.web.secure_cookies {
        headers.insert("strict-transport-security", HeaderValue::from_static("max-age=31536000"));
    }
    // The browser-facing policies matter for pages, not for the JSON and image APIs.
    let is_page = headers.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_page {
        headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
        headers.entry("x-frame-options").or_insert(HeaderValue::from_static("DENY"));
        headers.entry("content-security-policy").or_insert(HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        ));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_scrubbed() {
        let uri: Uri = "/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=abc".parse().unwrap();
        assert_eq!(scrub_uri(&uri), "/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=***");
        let uri: Uri = "/sns/jscode2session?js_code=x&access_token=y".parse().unwrap();
        assert_eq!(scrub_uri(&uri), "/sns/jscode2session?js_code=***&access_token=***");
        let uri: Uri = "/wxa/checksession?openid=o1&signature=abc&sig_method=hmac_sha256".parse().unwrap();
        assert_eq!(scrub_uri(&uri), "/wxa/checksession?openid=o1&signature=***&sig_method=hmac_sha256");
        assert_eq!(scrub_path_secrets("/console/verify/abc.def"), "/console/verify/***");
    }
}
