//! Mini programs: create, list, show, profile and icon, secret reset, token revocation, members.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use miniplat_core::accounts::DeveloperId;

use super::auth::{AppsRead, AppsWrite, Authorized};
use super::views::*;
use super::{ApiError, ApiJson, ApiPath};
use crate::AppState;

/// Mini programs the caller is a member of.
#[utoipa::path(get, path = "/api/v1/apps", tag = "apps", security(("api_key" = [])), responses((status = 200, body = AppList)))]
pub async fn list_apps(
    State(state): State<AppState>,
    caller: Authorized<AppsRead>,
) -> Result<Json<AppList>, ApiError> {
    let apps = state.platform.apps_of(&caller.developer).await?;
    Ok(Json(AppList { apps: apps.iter().map(|(app, role)| AppView::new(app, *role)).collect() }))
}

/// Registers a mini program; the response carries the AppSecret, shown this once.
#[utoipa::path(post, path = "/api/v1/apps", tag = "apps", security(("api_key" = [])), request_body = CreateAppRequest,
    responses((status = 201, body = CreatedAppView), (status = 409, body = super::error::ErrorEnvelope),
        (status = 403, body = super::error::ErrorEnvelope)))]
pub async fn create_app(
    State(state): State<AppState>,
    caller: Authorized<AppsWrite>,
    ApiJson(body): ApiJson<CreateAppRequest>,
) -> Result<(StatusCode, Json<CreatedAppView>), ApiError> {
    let created = state
        .platform
        .create_app(&caller.developer, &body.name, &body.introduction, body.contact_email.as_deref())
        .await?;
    let app = AppView::new(&created.app, miniplat_core::apps::MemberRole::Admin);
    Ok((StatusCode::CREATED, Json(CreatedAppView { app, secret: created.secret })))
}

#[utoipa::path(get, path = "/api/v1/apps/{appid}", tag = "apps", security(("api_key" = [])),
    params(("appid" = String, Path)), responses((status = 200, body = AppView), (status = 404, body = super::error::ErrorEnvelope)))]
pub async fn show_app(
    State(state): State<AppState>,
    caller: Authorized<AppsRead>,
    ApiPath(appid): ApiPath<String>,
) -> Result<Json<AppView>, ApiError> {
    let (app, role) = state.platform.app_for_member(&caller.developer, &appid).await?;
    Ok(Json(AppView::new(&app, role)))
}

#[utoipa::path(patch, path = "/api/v1/apps/{appid}", tag = "apps", security(("api_key" = [])), request_body = UpdateAppRequest,
    params(("appid" = String, Path)), responses((status = 200, body = AppView)))]
pub async fn update_app(
    State(state): State<AppState>,
    caller: Authorized<AppsWrite>,
    ApiPath(appid): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateAppRequest>,
) -> Result<Json<AppView>, ApiError> {
    let app = state
        .platform
        .update_app_profile(&caller.developer, &appid, body.introduction.as_deref(), None)
        .await?;
    Ok(Json(AppView::new(&app, miniplat_core::apps::MemberRole::Admin)))
}

/// Sets the icon: the raw PNG or JPEG as the body.
#[utoipa::path(put, path = "/api/v1/apps/{appid}/icon", tag = "apps", security(("api_key" = [])),
    params(("appid" = String, Path)), request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 200, body = AppView), (status = 400, body = super::error::ErrorEnvelope)))]
pub async fn put_icon(
    State(state): State<AppState>,
    caller: Authorized<AppsWrite>,
    ApiPath(appid): ApiPath<String>,
    body: Bytes,
) -> Result<Json<AppView>, ApiError> {
    let app = state.platform.update_app_profile(&caller.developer, &appid, None, Some(&body)).await?;
    Ok(Json(AppView::new(&app, miniplat_core::apps::MemberRole::Admin)))
}

#[utoipa::path(get, path = "/api/v1/apps/{appid}/icon", tag = "apps", security(("api_key" = [])),
    params(("appid" = String, Path)), responses((status = 200, content_type = "image/png"), (status = 404, body = super::error::ErrorEnvelope)))]
pub async fn get_icon(
    State(state): State<AppState>,
    caller: Authorized<AppsRead>,
    ApiPath(appid): ApiPath<String>,
) -> Result<Response, ApiError> {
    let (app, _) = state.platform.app_for_member(&caller.developer, &appid).await?;
    icon_response(&state, &app).await
}

/// The stored icon of an app as an image response.
pub async fn icon_response(state: &AppState, app: &miniplat_core::apps::App) -> Result<Response, ApiError> {
    let not_found = || ApiError::http(StatusCode::NOT_FOUND, "not_found", "this mini program has no icon");
    let key = app.icon_key.as_deref().ok_or_else(not_found)?;
    let bytes = state
        .platform
        .blobs
        .get(key)
        .await
        .map_err(miniplat_core::blobs::store_error)?
        .ok_or_else(not_found)?;
    let content_type = if key.ends_with(".png") { "image/png" } else { "image/jpeg" };
    Ok(([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "private, max-age=60")], bytes)
        .into_response())
}

/// Issues a new AppSecret; the old one and every access token stop working at once.
#[utoipa::path(post, path = "/api/v1/apps/{appid}/secret/reset", tag = "apps", security(("api_key" = [])),
    params(("appid" = String, Path)), responses((status = 200, body = SecretView), (status = 403, body = super::error::ErrorEnvelope)))]
pub async fn reset_secret(
    State(state): State<AppState>,
    caller: Authorized<AppsWrite>,
    ApiPath(appid): ApiPath<String>,
) -> Result<Json<SecretView>, ApiError> {
    let created = state.platform.reset_app_secret(&caller.developer, &appid).await?;
    Ok(Json(SecretView { appid: created.app.appid.to_string(), secret: created.secret }))
}

/// Revokes every access token of the mini program (the secret stays).
#[utoipa::path(post, path = "/api/v1/apps/{appid}/tokens/revoke", tag = "apps", security(("api_key" = [])),
    params(("appid" = String, Path)), responses((status = 200, body = RevokedView)))]
pub async fn revoke_tokens(
    State(state): State<AppState>,
    caller: Authorized<AppsWrite>,
    ApiPath(appid): ApiPath<String>,
) -> Result<Json<RevokedView>, ApiError> {
    let revoked = state.platform.revoke_app_tokens(&caller.developer, &appid).await?;
    Ok(Json(RevokedView { revoked }))
}

#[utoipa::path(get, path = "/api/v1/apps/{appid}/members", tag = "members", security(("api_key" = [])),
    params(("appid" = String, Path)), responses((status = 200, body = MemberList)))]
pub async fn list_members(
    State(state): State<AppState>,
    caller: Authorized<AppsRead>,
    ApiPath(appid): ApiPath<String>,
) -> Result<Json<MemberList>, ApiError> {
    let (_, members, invitations) = state.platform.members(&caller.developer, &appid).await?;
    Ok(Json(MemberList {
        members: members.iter().map(MemberView::from).collect(),
        invitations: invitations.iter().map(InvitationView::from).collect(),
    }))
}

/// Invites someone by email; they accept with the emailed link.
#[utoipa::path(post, path = "/api/v1/apps/{appid}/members", tag = "members", security(("api_key" = [])),
    params(("appid" = String, Path)), request_body = InviteMemberRequest,
    responses((status = 202, body = InvitedView), (status = 409, body = super::error::ErrorEnvelope)))]
pub async fn invite_member(
    State(state): State<AppState>,
    caller: Authorized<AppsWrite>,
    ApiPath(appid): ApiPath<String>,
    ApiJson(body): ApiJson<InviteMemberRequest>,
) -> Result<(StatusCode, Json<InvitedView>), ApiError> {
    state.platform.invite_member(&caller.developer, &appid, &body.email, body.role).await?;
    let email = miniplat_core::email::Email::parse(&body.email)?.to_string();
    Ok((StatusCode::ACCEPTED, Json(InvitedView { email, role: body.role })))
}

#[utoipa::path(patch, path = "/api/v1/apps/{appid}/members/{developer_id}", tag = "members", security(("api_key" = [])),
    params(("appid" = String, Path), ("developer_id" = i64, Path)), request_body = ChangeMemberRequest,
    responses((status = 204), (status = 409, body = super::error::ErrorEnvelope)))]
pub async fn change_member(
    State(state): State<AppState>,
    caller: Authorized<AppsWrite>,
    ApiPath((appid, developer_id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<ChangeMemberRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .platform
        .set_member_role(&caller.developer, &appid, DeveloperId(developer_id), Some(body.role))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/apps/{appid}/members/{developer_id}", tag = "members", security(("api_key" = [])),
    params(("appid" = String, Path), ("developer_id" = i64, Path)),
    responses((status = 204), (status = 409, body = super::error::ErrorEnvelope)))]
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Authorized<AppsWrite>,
    ApiPath((appid, developer_id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    state.platform.set_member_role(&caller.developer, &appid, DeveloperId(developer_id), None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Accepts a member invitation for the caller's account.
#[utoipa::path(post, path = "/api/v1/invitations/{token}/accept", tag = "members", security(("api_key" = [])),
    params(("token" = String, Path)), responses((status = 200, body = AppView), (status = 410, body = super::error::ErrorEnvelope)))]
pub async fn accept_invitation(
    State(state): State<AppState>,
    caller: Authorized<AppsWrite>,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<AppView>, ApiError> {
    let app = state.platform.accept_invitation(&caller.developer, &token).await?;
    let (app, role) = state.platform.app_for_member(&caller.developer, app.appid.as_str()).await?;
    Ok(Json(AppView::new(&app, role)))
}
