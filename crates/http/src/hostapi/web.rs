//! `/host/web/*`: the built-in web host, for its signed-in end user.

use axum::extract::State;
use axum::Json;

use super::auth::WebHostUser;
use super::{env_version, CodeBody, InAppRequest, PhoneCodeBody, ProfileBody};
use crate::api::error::ApiError;
use crate::api::ApiJson;
use crate::AppState;

/// `POST /host/web/login`: `wx.login` for the signed-in user.
pub async fn login(
    State(state): State<AppState>,
    WebHostUser(user): WebHostUser,
    ApiJson(body): ApiJson<InAppRequest>,
) -> Result<Json<CodeBody>, ApiError> {
    let env = env_version(body.env_version.as_deref())?;
    let code = state.platform.mint_login_code(&body.appid, env, &user).await?;
    Ok(Json(CodeBody { code }))
}

/// `POST /host/web/user-profile`: `wx.getUserProfile` for the signed-in user.
pub async fn user_profile(
    State(state): State<AppState>,
    WebHostUser(user): WebHostUser,
    ApiJson(body): ApiJson<InAppRequest>,
) -> Result<Json<ProfileBody>, ApiError> {
    let env = env_version(body.env_version.as_deref())?;
    Ok(Json(state.platform.user_profile_data(&body.appid, env, &user).await?.into()))
}

/// `POST /host/web/phone-code`: the `getPhoneNumber` button for the signed-in user.
pub async fn phone_code(
    State(state): State<AppState>,
    WebHostUser(user): WebHostUser,
    ApiJson(body): ApiJson<InAppRequest>,
) -> Result<Json<PhoneCodeBody>, ApiError> {
    let env = env_version(body.env_version.as_deref())?;
    Ok(Json(state.platform.mint_phone_code(&body.appid, env, &user).await?.into()))
}
