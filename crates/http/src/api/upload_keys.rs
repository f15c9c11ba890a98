//! Upload keys of a mini program: create (the key is shown once), list, revoke.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use miniplat_core::apps::upload_keys::{parse_allowed, UploadKey};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{AppsRead, AppsWrite, Authorized};
use super::{ApiError, ApiJson, ApiPath};
use crate::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUploadKeyRequest {
    /// A name for people (1–64 characters), e.g. "CI".
    pub label: String,
    /// Addresses that may use the key: exact IPs or CIDR blocks, v4 or v6. Empty: any.
    #[serde(default)]
    pub allowed_ips: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UploadKeyView {
    pub id: i64,
    pub label: String,
    /// The key's first characters.
    pub prefix: String,
    pub allowed_ips: Vec<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl From<&UploadKey> for UploadKeyView {
    fn from(k: &UploadKey) -> Self {
        Self {
            id: k.id,
            label: k.label.clone(),
            prefix: k.prefix.clone(),
            allowed_ips: k.allowed.iter().map(ToString::to_string).collect(),
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CreatedUploadKeyView {
    #[serde(flatten)]
    pub key: UploadKeyView,
    /// The key itself (`mpu_…`), shown this once.
    pub upload_key: String,
}

#[derive(Serialize, ToSchema)]
pub struct UploadKeyList {
    pub upload_keys: Vec<UploadKeyView>,
}

/// Creates an upload key (admins); the response carries the key, shown this once.
#[utoipa::path(post, path = "/api/v1/apps/{appid}/upload-keys", tag = "versions", security(("api_key" = [])),
    params(("appid" = String, Path)), request_body = CreateUploadKeyRequest,
    responses((status = 201, body = CreatedUploadKeyView), (status = 400, body = super::error::ErrorEnvelope),
        (status = 403, body = super::error::ErrorEnvelope)))]
pub async fn create_upload_key(
    State(state): State<AppState>,
    caller: Authorized<AppsWrite>,
    ApiPath(appid): ApiPath<String>,
    ApiJson(body): ApiJson<CreateUploadKeyRequest>,
) -> Result<(StatusCode, Json<CreatedUploadKeyView>), ApiError> {
    let allowed = body.allowed_ips.iter().map(|entry| parse_allowed(entry)).collect::<Result<_, _>>()?;
    let created = state.platform.create_upload_key(&caller.developer, &appid, &body.label, allowed).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedUploadKeyView { key: (&created.key).into(), upload_key: created.plaintext }),
    ))
}

#[utoipa::path(get, path = "/api/v1/apps/{appid}/upload-keys", tag = "versions", security(("api_key" = [])),
    params(("appid" = String, Path)), responses((status = 200, body = UploadKeyList)))]
pub async fn list_upload_keys(
    State(state): State<AppState>,
    caller: Authorized<AppsRead>,
    ApiPath(appid): ApiPath<String>,
) -> Result<Json<UploadKeyList>, ApiError> {
    let (_, keys) = state.platform.upload_keys(&caller.developer, &appid).await?;
    Ok(Json(UploadKeyList { upload_keys: keys.iter().map(UploadKeyView::from).collect() }))
}

/// Revokes an upload key (admins).
#[utoipa::path(delete, path = "/api/v1/apps/{appid}/upload-keys/{id}", tag = "versions", security(("api_key" = [])),
    params(("appid" = String, Path), ("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::error::ErrorEnvelope)))]
pub async fn revoke_upload_key(
    State(state): State<AppState>,
    caller: Authorized<AppsWrite>,
    ApiPath((appid, id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    state.platform.revoke_upload_key(&caller.developer, &appid, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
