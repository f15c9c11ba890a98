//! `/host/v1/*`: native hosts acting for the users they name.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::auth::NativeHost;
use super::{env_version, CodeBody, PhoneCodeBody, ProfileBody};
use crate::api::error::ApiError;
use crate::api::{ApiJson, ApiPath};
use crate::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserBody {
    nickname: String,
    /// `+<country code> <number>`; absent or empty removes it.
    #[serde(default)]
    phone: Option<String>,
}

#[derive(Serialize)]
pub struct UserAnswer {
    user: String,
    created: bool,
    /// The user's handle where the WeChat API names end users (`bind_tester`'s `wechatid`).
    wechatid: String,
}

/// `PUT /host/v1/users/{user}`: creates the host's user or updates its nickname and phone.
pub async fn upsert_user(
    State(state): State<AppState>,
    NativeHost(host): NativeHost,
    ApiPath(user): ApiPath<String>,
    ApiJson(body): ApiJson<UserBody>,
) -> Result<(StatusCode, Json<UserAnswer>), ApiError> {
    let phone = body.phone.as_deref().unwrap_or_default();
    let (end_user, created) = state.platform.upsert_host_user(&host, &user, &body.nickname, phone).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(UserAnswer { user, created, wechatid: end_user.email.to_string() })))
}

/// A request naming a mini program and one of the host's users.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForUserRequest {
    appid: String,
    user: String,
    env_version: Option<String>,
}

/// `POST /host/v1/login`: `wx.login` for the user.
pub async fn login(
    State(state): State<AppState>,
    NativeHost(host): NativeHost,
    ApiJson(body): ApiJson<ForUserRequest>,
) -> Result<Json<CodeBody>, ApiError> {
    let user = state.platform.host_user(&host, &body.user).await?;
    let env = env_version(body.env_version.as_deref())?;
    let code = state.platform.mint_login_code(&body.appid, env, &user).await?;
    Ok(Json(CodeBody { code }))
}

/// `POST /host/v1/user-profile`: `wx.getUserProfile` for the user.
pub async fn user_profile(
    State(state): State<AppState>,
    NativeHost(host): NativeHost,
    ApiJson(body): ApiJson<ForUserRequest>,
) -> Result<Json<ProfileBody>, ApiError> {
    let user = state.platform.host_user(&host, &body.user).await?;
    let env = env_version(body.env_version.as_deref())?;
    Ok(Json(state.platform.user_profile_data(&body.appid, env, &user).await?.into()))
}

/// `POST /host/v1/phone-code`: the `getPhoneNumber` button for the user.
pub async fn phone_code(
    State(state): State<AppState>,
    NativeHost(host): NativeHost,
    ApiJson(body): ApiJson<ForUserRequest>,
) -> Result<Json<PhoneCodeBody>, ApiError> {
    let user = state.platform.host_user(&host, &body.user).await?;
    let env = env_version(body.env_version.as_deref())?;
    Ok(Json(state.platform.mint_phone_code(&body.appid, env, &user).await?.into()))
}
