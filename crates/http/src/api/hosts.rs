//! Operator functions for end users' access: native hosts (register, list, revoke) and
//! blocking end users from logging in to mini programs.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use miniplat_core::accounts::{EndUserId, Host};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{Admin, Authorized};
use super::{ApiError, ApiJson, ApiPath};
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct HostView {
    /// The host key (user name of the Host API's Basic authentication).
    pub key: String,
    pub name: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl From<&Host> for HostView {
    fn from(host: &Host) -> Self {
        Self {
            key: host.key.clone(),
            name: host.name.clone(),
            created_at: host.created_at,
            revoked_at: host.revoked_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HostList {
    pub hosts: Vec<HostView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateHostRequest {
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedHostView {
    pub key: String,
    pub name: String,
    /// Shown once; the platform keeps only its hash.
    pub secret: String,
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockedView {
    pub blocked: bool,
}

#[utoipa::path(get, path = "/api/v1/admin/hosts", tag = "admin", security(("api_key" = [])),
    responses((status = 200, body = HostList), (status = 403, body = super::error::ErrorEnvelope)))]
pub async fn list_hosts(
    State(state): State<AppState>,
    caller: Authorized<Admin>,
) -> Result<Json<HostList>, ApiError> {
    let hosts = state.platform.hosts(&caller.developer).await?;
    Ok(Json(HostList { hosts: hosts.iter().map(HostView::from).collect() }))
}

/// Registers a native host; its secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/admin/hosts", tag = "admin", security(("api_key" = [])),
    request_body = CreateHostRequest,
    responses((status = 201, body = CreatedHostView), (status = 400, body = super::error::ErrorEnvelope)))]
pub async fn create_host(
    State(state): State<AppState>,
    caller: Authorized<Admin>,
    ApiJson(body): ApiJson<CreateHostRequest>,
) -> Result<(StatusCode, Json<CreatedHostView>), ApiError> {
    let created = state.platform.create_host(&caller.developer, &body.name).await?;
    let view = CreatedHostView { key: created.host.key, name: created.host.name, secret: created.secret };
    Ok((StatusCode::CREATED, Json(view)))
}

/// Revokes a host: its secret stops working at once.
#[utoipa::path(delete, path = "/api/v1/admin/hosts/{key}", tag = "admin", security(("api_key" = [])),
    params(("key" = String, Path)),
    responses((status = 204), (status = 404, body = super::error::ErrorEnvelope)))]
pub async fn revoke_host(
    State(state): State<AppState>,
    caller: Authorized<Admin>,
    ApiPath(key): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    state.platform.revoke_host(&caller.developer, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Blocks or unblocks an end user's logins to mini programs (`jscode2session` answers 40226).
#[utoipa::path(put, path = "/api/v1/admin/end-users/{id}/blocked", tag = "admin", security(("api_key" = [])),
    params(("id" = i64, Path)), request_body = BlockedView,
    responses((status = 200, body = BlockedView), (status = 404, body = super::error::ErrorEnvelope)))]
pub async fn set_blocked(
    State(state): State<AppState>,
    caller: Authorized<Admin>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<BlockedView>,
) -> Result<Json<BlockedView>, ApiError> {
    state.platform.set_end_user_blocked(&caller.developer, EndUserId(id), body.blocked).await?;
    Ok(Json(body))
}
