//! Codes for members: the trial version's QR code (`miniplat app preview`).

use axum::extract::{Query, State};
use axum::Json;
use base64::Engine;
use miniplat_core::apps::access::EnvVersion;
use serde::{Deserialize, Serialize};

use super::auth::{AppsRead, Authorized};
use super::{ApiError, ApiPath};
use crate::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct TrialCodeQuery {
    /// Page and query the code opens (`pages/item?id=1`); the home page when absent.
    #[serde(default)]
    path: String,
}

/// The trial version's QR code.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TrialCodeView {
    /// What the code encodes: the web host page that opens the trial version.
    url: String,
    /// The code as a JPEG image, base64-encoded.
    jpeg_base64: String,
}

#[utoipa::path(get, path = "/api/v1/apps/{appid}/trial/qrcode", tag = "versions", security(("api_key" = [])),
    params(("appid" = String, Path), TrialCodeQuery),
    responses((status = 200, body = TrialCodeView), (status = 404, body = super::error::ErrorEnvelope)))]
pub async fn trial_qrcode(
    State(state): State<AppState>,
    caller: Authorized<AppsRead>,
    ApiPath(appid): ApiPath<String>,
    Query(query): Query<TrialCodeQuery>,
) -> Result<Json<TrialCodeView>, ApiError> {
    let (image, url) =
        state.platform.member_code(&caller.developer, &appid, EnvVersion::Trial, &query.path).await?;
    Ok(Json(TrialCodeView { url, jpeg_base64: base64::engine::general_purpose::STANDARD.encode(image) }))
}
