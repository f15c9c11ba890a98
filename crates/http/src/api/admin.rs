//! Operator functions: developer accounts (create, suspend, refuse) and registration mode.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use miniplat_core::accounts::{DeveloperId, PlatformRole};
use miniplat_core::api_keys::Scope;

use super::auth::{Admin, Authorized};
use super::views::*;
use super::{ApiError, ApiJson, ApiPath};
use crate::AppState;

#[utoipa::path(get, path = "/api/v1/admin/developers", tag = "admin", security(("api_key" = [])),
    responses((status = 200, body = DeveloperList), (status = 403, body = super::error::ErrorEnvelope)))]
pub async fn list_developers(
    State(state): State<AppState>,
    caller: Authorized<Admin>,
) -> Result<Json<DeveloperList>, ApiError> {
    let developers = state.platform.list_developers(&caller.developer).await?;
    Ok(Json(DeveloperList { developers: developers.iter().map(DeveloperView::from).collect() }))
}

/// Creates a verified developer with an API key (shown once).
#[utoipa::path(post, path = "/api/v1/admin/developers", tag = "admin", security(("api_key" = [])),
    request_body = CreateDeveloperRequest,
    responses((status = 201, body = CreatedDeveloperView), (status = 409, body = super::error::ErrorEnvelope)))]
pub async fn create_developer(
    State(state): State<AppState>,
    caller: Authorized<Admin>,
    ApiJson(body): ApiJson<CreateDeveloperRequest>,
) -> Result<(StatusCode, Json<CreatedDeveloperView>), ApiError> {
    miniplat_core::accounts::developers::ensure_operator(&caller.developer)?;
    let role = body.role.unwrap_or(PlatformRole::Developer);
    let developer = state.platform.create_verified_developer(&body.email, role).await?;
    let key = state.platform.create_api_key(&developer, "initial key", &Scope::all_for(&developer)).await?;
    let view = CreatedDeveloperView {
        developer_id: developer.id.0,
        email: developer.email.to_string(),
        api_key: key.plaintext,
    };
    Ok((StatusCode::CREATED, Json(view)))
}

/// Suspends, reinstates or refuses a developer account (clauses 4.2, 6.2).
#[utoipa::path(put, path = "/api/v1/admin/developers/{id}/status", tag = "admin", security(("api_key" = [])),
    params(("id" = i64, Path)), request_body = StatusRequest,
    responses((status = 200, body = DeveloperView), (status = 403, body = super::error::ErrorEnvelope)))]
pub async fn set_status(
    State(state): State<AppState>,
    caller: Authorized<Admin>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<StatusRequest>,
) -> Result<Json<DeveloperView>, ApiError> {
    let developer =
        state.platform.set_developer_status(&caller.developer, DeveloperId(id), body.status).await?;
    Ok(Json((&developer).into()))
}

#[utoipa::path(get, path = "/api/v1/admin/registration", tag = "admin", security(("api_key" = [])),
    responses((status = 200, body = RegistrationView)))]
pub async fn registration(
    State(state): State<AppState>,
    _caller: Authorized<Admin>,
) -> Result<Json<RegistrationView>, ApiError> {
    Ok(Json(RegistrationView { mode: state.platform.registration_mode().await? }))
}

#[utoipa::path(put, path = "/api/v1/admin/registration", tag = "admin", security(("api_key" = [])),
    request_body = RegistrationView, responses((status = 200, body = RegistrationView)))]
pub async fn set_registration(
    State(state): State<AppState>,
    caller: Authorized<Admin>,
    ApiJson(body): ApiJson<RegistrationView>,
) -> Result<Json<RegistrationView>, ApiError> {
    state.platform.set_registration_mode(&caller.developer, body.mode).await?;
    Ok(Json(body))
}

/// Invites a developer to sign up (for invite-only registration).
#[utoipa::path(post, path = "/api/v1/admin/invitations", tag = "admin", security(("api_key" = [])),
    request_body = InviteDeveloperRequest, responses((status = 201, body = InvitationLinkView)))]
pub async fn invite(
    State(state): State<AppState>,
    caller: Authorized<Admin>,
    ApiJson(body): ApiJson<InviteDeveloperRequest>,
) -> Result<(StatusCode, Json<InvitationLinkView>), ApiError> {
    let link = state.platform.invite_developer(&caller.developer, &body.email).await?;
    let email = miniplat_core::email::Email::parse(&body.email)?.to_string();
    Ok((StatusCode::CREATED, Json(InvitationLinkView { email, link })))
}
