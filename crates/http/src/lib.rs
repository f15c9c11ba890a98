//! The HTTP surfaces of Miniplat, each a router of its own:
//!
//! - [`wx`]: the WeChat-compatible server API (`/cgi-bin/*`, `/wxa/*`, …), HTTP 200 with
//!   `{errcode, errmsg}`;
//! - [`api`]: the platform API `/api/v1`, bearer API keys, one JSON error envelope;
//! - [`console`]: the web console for developers and operators (`/console`, `/admin`);
//! - [`host`]: the web host for end users (`/`), including public profile pages;
//! - [`hostapi`]: the Host API (`/host/v1`, `/host/web`): login codes and open data that hosts
//!   fetch for their users.
//!
//! [`router`] assembles them with the shared middleware: request ids, security headers, body
//! limits, and request logging that never records secrets.

pub mod api;
mod assets;
mod client;
pub mod console;
pub mod host;
pub mod hostapi;
mod middleware;
pub mod wx;

use std::sync::Arc;

use axum::Router;
use miniplat_core::Platform;

pub use client::ClientAddr;
pub use middleware::RequestId;

/// Web-facing settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Marks cookies `Secure`; on whenever the public URL is https.
    pub secure_cookies: bool,
    /// Largest request body accepted anywhere (uploads have their own limits below it).
    pub max_body_bytes: usize,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self { secure_cookies: false, max_body_bytes: 4 * 1024 * 1024, trust_forwarded_for: false }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub platform: Arc<Platform>,
    pub web: Arc<WebConfig>,
}

/// The whole platform as one router.
pub fn router(state: AppState) -> Router {
    let max_body = state.web.max_body_bytes;
    Router::new()
        .merge(wx::router())
        .nest("/api/v1", api::router())
        .merge(console::router())
        .merge(host::router())
        .merge(hostapi::router())
        .merge(assets::router())
        .route("/healthz", axum::routing::get(healthz))
        .fallback(host::not_found)
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::request_context))
        .with_state(state)
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    match state.platform.store.setting("healthz").await {
        Ok(_) => (axum::http::StatusCode::OK, "ok\n").into_response(),
        Err(error) => {
            tracing::error!(%error, "health check: storage unavailable");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, "storage unavailable\n").into_response()
        }
    }
}
