//! The published review guidelines (`/review-guidelines`, clause 2.5): the catalogue of common
//! rejection reasons, for anyone, signed in or not.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use miniplat_core::reviewing::RejectionReason;

use super::codes::viewer;
use crate::console::pages::{page, Chrome, PageResult};
use crate::AppState;

#[derive(Template)]
#[template(path = "host/review_guidelines.html")]
struct GuidelinesPage {
    chrome: Chrome,
    reasons: Vec<RejectionReason>,
}

pub async fn guidelines(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let (_, chrome) = viewer(&headers, &state).await?;
    let reasons = state.platform.rejection_reasons().await?;
    Ok(page(&GuidelinesPage { chrome, reasons }))
}
