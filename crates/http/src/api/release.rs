//! Releasing the approved version (the Operator role; admins too), as `POST /wxa/release` does.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use miniplat_core::audit::Actor;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::{AppsWrite, Authorized};
use super::{ApiError, ApiPath};
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct ReleasedVersion {
    pub appid: String,
    /// 1, 2, 3… per mini program (`app_version` on the WeChat API).
    pub app_version: i64,
    pub user_version: String,
    pub description: String,
    pub released_at: i64,
}

/// Releases the newest approved version that is not released yet; the development privacy guide
/// becomes the live one. 403 with the reason when there is none, it is already released, or the
/// platform restricted releases.
#[utoipa::path(post, path = "/api/v1/apps/{appid}/release", tag = "release", security(("api_key" = [])),
    params(("appid" = String, Path)),
    responses((status = 201, body = ReleasedVersion), (status = 403, body = super::error::ErrorEnvelope),
        (status = 404, body = super::error::ErrorEnvelope)))]
pub async fn release(
    State(state): State<AppState>,
    caller: Authorized<AppsWrite>,
    ApiPath(appid): ApiPath<String>,
) -> Result<(StatusCode, Json<ReleasedVersion>), ApiError> {
    let app = state.platform.app_for_release(&caller.developer, &appid).await?;
    let released = state
        .platform
        .release(&app, Actor::Developer(caller.developer.id))
        .await
        .map_err(miniplat_core::Error::from)?;
    Ok((
        StatusCode::CREATED,
        Json(ReleasedVersion {
            appid: app.appid.to_string(),
            app_version: released.app_version,
            user_version: released.version.user_version.as_str().to_owned(),
            description: released.version.description,
            released_at: released.released_at,
        }),
    ))
}
