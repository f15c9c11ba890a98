//! The web host for end users (placeholder until it lands).

use axum::http::StatusCode;
use axum::Router;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}

pub async fn not_found() -> (StatusCode, &'static str) {
    (StatusCode::NOT_FOUND, "not found\n")
}
