//! Static assets, embedded in the binary so the console needs no second toolchain or files.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::AppState;

const HTMX: &str = include_str!("../assets/htmx.min.js");
const STYLE: &str = include_str!("../assets/style.css");
const CONSOLE_JS: &str = include_str!("../assets/console.js");

const CACHE: &str = "public, max-age=3600";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/assets/htmx.min.js",
            get(|| async {
                ([(header::CONTENT_TYPE, "text/javascript"), (header::CACHE_CONTROL, CACHE)], HTMX)
                    .into_response()
            }),
        )
        .route(
            "/assets/style.css",
            get(|| async {
                ([(header::CONTENT_TYPE, "text/css"), (header::CACHE_CONTROL, CACHE)], STYLE).into_response()
            }),
        )
        .route(
            "/assets/console.js",
            get(|| async {
                ([(header::CONTENT_TYPE, "text/javascript"), (header::CACHE_CONTROL, CACHE)], CONSOLE_JS)
                    .into_response()
            }),
        )
}
