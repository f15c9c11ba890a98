//! The caller's own account: profile, real-name subject, API keys.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use miniplat_core::api_keys::Scope;

use super::auth::{Account, Authorized};
use super::views::*;
use super::{ApiError, ApiJson, ApiPath};
use crate::AppState;

async fn me_view(
    state: &AppState,
    developer: &miniplat_core::accounts::Developer,
) -> Result<MeView, ApiError> {
    let subject = match state.platform.subject(developer.id).await? {
        Some(subject) => {
            let details = state.platform.open_subject_details(&subject)?;
            Some(SubjectView {
                subject_type: subject.subject_type,
                public_name: subject.public_name,
                verification: subject.verification,
                details,
                updated_at: subject.updated_at,
            })
        }
        None => None,
    };
    Ok(MeView { developer: developer.into(), subject })
}

/// The account behind the API key.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("api_key" = [])),
    responses((status = 200, body = MeView), (status = 401, body = super::error::ErrorEnvelope)))]
pub async fn me(
    State(state): State<AppState>,
    caller: Authorized<Account>,
) -> Result<Json<MeView>, ApiError> {
    Ok(Json(me_view(&state, &caller.developer).await?))
}

/// Records the real-name subject (clause 2.7); identifying details are stored encrypted.
#[utoipa::path(put, path = "/api/v1/me/subject", tag = "account", security(("api_key" = [])), request_body = SubjectRequest,
    responses((status = 200, body = MeView), (status = 400, body = super::error::ErrorEnvelope)))]
pub async fn put_subject(
    State(state): State<AppState>,
    caller: Authorized<Account>,
    ApiJson(body): ApiJson<SubjectRequest>,
) -> Result<Json<MeView>, ApiError> {
    state.platform.set_subject(&caller.developer, body.subject_type, body.details).await?;
    Ok(Json(me_view(&state, &caller.developer).await?))
}

#[utoipa::path(get, path = "/api/v1/api-keys", tag = "account", security(("api_key" = [])), responses((status = 200, body = ApiKeyList)))]
pub async fn list_api_keys(
    State(state): State<AppState>,
    caller: Authorized<Account>,
) -> Result<Json<ApiKeyList>, ApiError> {
    let keys = state.platform.api_keys(&caller.developer).await?;
    Ok(Json(ApiKeyList { api_keys: keys.iter().map(ApiKeyView::from).collect() }))
}

/// Creates a key; the response is the only time the key is shown.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "account", security(("api_key" = [])), request_body = CreateApiKeyRequest,
    responses((status = 201, body = CreatedApiKeyView), (status = 400, body = super::error::ErrorEnvelope)))]
pub async fn create_api_key(
    State(state): State<AppState>,
    caller: Authorized<Account>,
    ApiJson(body): ApiJson<CreateApiKeyRequest>,
) -> Result<(StatusCode, Json<CreatedApiKeyView>), ApiError> {
    let scopes = body.scopes.unwrap_or_else(|| Scope::all_for(&caller.developer));
    let created = state.platform.create_api_key(&caller.developer, &body.name, &scopes).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedApiKeyView { key: (&created.key).into(), api_key: created.plaintext }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "account", security(("api_key" = [])),
    params(("id" = i64, Path, description = "API key id")),
    responses((status = 204), (status = 404, body = super::error::ErrorEnvelope)))]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    caller: Authorized<Account>,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state.platform.revoke_api_key(&caller.developer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
