//! Push to the developer's server: the configuration (saved only after the URL passed WeChat's
//! handshake; secrets never shown back in full), a test event, and the delivery log.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use miniplat_core::push::{DeliveryOutcome, PushConfig, PushConfigInput, PushDelivery, PushFormat, PushMode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{AppsRead, AppsWrite, Authorized};
use super::{ApiError, ApiJson, ApiPath};
use crate::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushConfigRequest {
    /// The developer server's URL (`http://` or `https://`).
    pub url: String,
    /// 3–32 letters and digits. Leave out to keep the current Token.
    pub token: Option<String>,
    /// 43 letters and digits. Leave out to keep the current key.
    pub encoding_aes_key: Option<String>,
    /// Default: the current mode, else `safe`.
    pub mode: Option<PushMode>,
    /// Default: the current format, else `json`.
    pub format: Option<PushFormat>,
}

#[derive(Serialize, ToSchema)]
pub struct PushConfigView {
    pub url: String,
    pub mode: PushMode,
    pub format: PushFormat,
    /// The Token's first characters.
    pub token_hint: String,
    /// The EncodingAESKey's first characters.
    pub encoding_aes_key_hint: String,
    /// When the URL last passed the handshake.
    pub verified_at: i64,
    pub updated_at: i64,
}

impl From<&PushConfig> for PushConfigView {
    fn from(c: &PushConfig) -> Self {
        Self {
            url: c.url.to_string(),
            mode: c.mode,
            format: c.format,
            token_hint: c.token_hint(),
            encoding_aes_key_hint: c.encoding_aes_key_hint(),
            verified_at: c.verified_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PushConfigResponse {
    /// Absent when push is off.
    pub push: Option<PushConfigView>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PushTestRequest {
    /// The `debug_str` of the `debug_demo` event (at most 200 characters; default "hello world").
    #[serde(default)]
    pub debug_str: String,
}

#[derive(Serialize, ToSchema)]
pub struct PushTestResponse {
    /// The queued event's id, as the delivery log and the `X-Miniplat-Event-Id` header show it.
    pub event_id: String,
}

#[derive(Serialize, ToSchema)]
pub struct PushDeliveryView {
    pub event_id: String,
    pub event: String,
    pub attempt: i64,
    pub at: i64,
    pub outcome: DeliveryOutcome,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

impl From<&PushDelivery> for PushDeliveryView {
    fn from(d: &PushDelivery) -> Self {
        Self {
            event_id: d.event_id.clone(),
            event: d.event.clone(),
            attempt: d.attempt,
            at: d.at,
            outcome: d.outcome,
            status_code: d.status_code,
            error: d.error.clone(),
            duration_ms: d.duration_ms,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PushDeliveryList {
    /// Newest first, at most 200.
    pub deliveries: Vec<PushDeliveryView>,
}

#[utoipa::path(get, path = "/api/v1/apps/{appid}/push", tag = "push", security(("api_key" = [])),
    params(("appid" = String, Path)), responses((status = 200, body = PushConfigResponse)))]
pub async fn show_push(
    State(state): State<AppState>,
    caller: Authorized<AppsRead>,
    ApiPath(appid): ApiPath<String>,
) -> Result<Json<PushConfigResponse>, ApiError> {
    let (_, config) = state.platform.push_config(&caller.developer, &appid).await?;
    Ok(Json(PushConfigResponse { push: config.as_ref().map(PushConfigView::from) }))
}

/// Saves the push configuration (admins and developers). The URL is verified first with
/// WeChat's GET handshake (`signature`, `timestamp`, `nonce`, `echostr`); if the server does
/// not echo `echostr`, nothing is saved.
#[utoipa::path(put, path = "/api/v1/apps/{appid}/push", tag = "push", security(("api_key" = [])),
    params(("appid" = String, Path)), request_body = PushConfigRequest,
    responses((status = 200, body = PushConfigResponse), (status = 400, body = super::error::ErrorEnvelope),
        (status = 403, body = super::error::ErrorEnvelope)))]
pub async fn put_push(
    State(state): State<AppState>,
    caller: Authorized<AppsWrite>,
    ApiPath(appid): ApiPath<String>,
    ApiJson(body): ApiJson<PushConfigRequest>,
) -> Result<Json<PushConfigResponse>, ApiError> {
    let input = PushConfigInput {
        url: body.url,
        token: body.token,
        encoding_aes_key: body.encoding_aes_key,
        mode: body.mode,
        format: body.format,
    };
    let (_, config) = state.platform.set_push_config(&caller.developer, &appid, input).await?;
    Ok(Json(PushConfigResponse { push: Some((&config).into()) }))
}

/// Switches push off (admins and developers); queued events are dropped.
#[utoipa::path(delete, path = "/api/v1/apps/{appid}/push", tag = "push", security(("api_key" = [])),
    params(("appid" = String, Path)),
    responses((status = 204), (status = 404, body = super::error::ErrorEnvelope)))]
pub async fn delete_push(
    State(state): State<AppState>,
    caller: Authorized<AppsWrite>,
    ApiPath(appid): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    state.platform.delete_push_config(&caller.developer, &appid).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Queues WeChat's `debug_demo` test event for the configured server.
#[utoipa::path(post, path = "/api/v1/apps/{appid}/push/test", tag = "push", security(("api_key" = [])),
    params(("appid" = String, Path)), request_body = PushTestRequest,
    responses((status = 202, body = PushTestResponse), (status = 400, body = super::error::ErrorEnvelope)))]
pub async fn test_push(
    State(state): State<AppState>,
    caller: Authorized<AppsWrite>,
    ApiPath(appid): ApiPath<String>,
    ApiJson(body): ApiJson<PushTestRequest>,
) -> Result<(StatusCode, Json<PushTestResponse>), ApiError> {
    let event_id = state.platform.push_test_event(&caller.developer, &appid, &body.debug_str).await?;
    Ok((StatusCode::ACCEPTED, Json(PushTestResponse { event_id })))
}

#[utoipa::path(get, path = "/api/v1/apps/{appid}/push/deliveries", tag = "push", security(("api_key" = [])),
    params(("appid" = String, Path)), responses((status = 200, body = PushDeliveryList)))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    caller: Authorized<AppsRead>,
    ApiPath(appid): ApiPath<String>,
) -> Result<Json<PushDeliveryList>, ApiError> {
    let (_, deliveries) = state.platform.push_deliveries(&caller.developer, &appid).await?;
    Ok(Json(PushDeliveryList { deliveries: deliveries.iter().map(PushDeliveryView::from).collect() }))
}
