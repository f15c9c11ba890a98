//! Electronic name cards (clause 2.2): `/apps/{appid}/card` and its downloadable image
//! `/apps/{appid}/card.png`. Until a mini program is released only its members see the card
//! (clause 2.3); [`Platform::name_card`] decides.
//!
//! [`Platform::name_card`]: miniplat_core::Platform::name_card

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use base64::Engine;

use super::codes::viewer;
use crate::console::pages::{page, Chrome, PageError, PageResult};
use crate::AppState;

#[derive(Template)]
#[template(path = "host/card.html")]
struct CardPage {
    chrome: Chrome,
    appid: String,
    name: String,
    introduction: String,
    has_icon: bool,
    subject: Option<(String, &'static str)>,
    verification: &'static str,
    code_url: String,
    /// The code inline (`data:` URL), so the page needs no second authorised request.
    code_data_url: String,
}

pub async fn card(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(appid): Path<String>,
) -> PageResult {
    let (viewer, chrome) = viewer(&headers, &state).await?;
    let card = state.platform.name_card(&appid, &viewer).await?;
    let code_data_url = format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&card.code_image)
    );
    Ok(page(&CardPage {
        chrome,
        appid: card.app.appid.to_string(),
        name: card.app.name.as_str().to_owned(),
        introduction: card.app.introduction.clone(),
        has_icon: card.app.icon_key.is_some(),
        subject: card.subject,
        verification: card.verification,
        code_url: card.code_url,
        code_data_url,
    }))
}

pub async fn card_png(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(appid): Path<String>,
) -> PageResult {
    let (viewer, _) = viewer(&headers, &state).await?;
    let card = state.platform.name_card(&appid, &viewer).await?;
    let icon = match &card.app.icon_key {
        Some(key) => state.platform.blobs.get(key).await.map_err(miniplat_core::blobs::store_error)?,
        None => None,
    };
    let png = state.platform.name_card_png(&card, icon.as_deref())?;
    let disposition = format!("attachment; filename=\"namecard-{}.png\"", card.app.appid);
    Ok(([(header::CONTENT_TYPE, "image/png".to_owned()), (header::CONTENT_DISPOSITION, disposition)], png)
        .into_response())
}

pub async fn card_icon(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(appid): Path<String>,
) -> PageResult {
    let (viewer, _) = viewer(&headers, &state).await?;
    let card = state.platform.name_card(&appid, &viewer).await?;
    let key = card.app.icon_key.as_deref().ok_or(PageError::NotFound)?;
    crate::console::pages::stored_image(&state, key, "private, max-age=300").await
}
