//! The Host API: what a host does for the users it authenticated, on their behalf, inside a
//! mini program — `wx.login` codes, the user profile (`rawData` + `signature`, `encryptedData`
//! + `iv`) and phone-number codes (`wechat-api.md` §3).
//!
//! - `/host/v1/*` is for native hosts registered by the operator, authenticated with
//!   `Authorization: Basic base64(host_key:host_secret)`. They name users by their own ids and
//!   create or update them with `PUT /host/v1/users/{user}`.
//! - `/host/web/*` is the built-in web host (the platform's site, used by the web runtime) for
//!   its signed-in end users: the session cookie, plus the session's CSRF token in the
//!   `X-CSRF-Token` header, which a page on another site cannot read.
//!
//! Answers are JSON; errors are the platform API's envelope (`docs/API.md`). Nothing here ever
//! returns a session key: the host gets only what the mini program's front end may see.

mod auth;
mod native;
mod privacy;
mod web;

use axum::routing::{post, put};
use axum::Router;
use miniplat_core::accounts::user_data::{PhoneCode, ProfileData};
use miniplat_core::apps::access::EnvVersion;
use miniplat_core::Error;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/host/v1/users/{user}", put(native::upsert_user))
        .route("/host/v1/login", post(native::login))
        .route("/host/v1/user-profile", post(native::user_profile))
        .route("/host/v1/phone-code", post(native::phone_code))
        .route("/host/web/login", post(web::login))
        .route("/host/web/user-profile", post(web::user_profile))
        .route("/host/web/phone-code", post(web::phone_code))
        .route("/host/v1/privacy/{action}", post(privacy::native))
        .route("/host/web/privacy/{action}", post(privacy::web))
}

/// `env_version` of a request: `release` (the default), `trial` or `develop`.
fn env_version(value: Option<&str>) -> Result<EnvVersion, Error> {
    match value {
        None => Ok(EnvVersion::Release),
        Some(text) => EnvVersion::parse(text)
            .ok_or_else(|| Error::invalid("env_version", "must be release, trial or develop")),
    }
}

#[derive(Serialize)]
pub struct CodeBody {
    code: String,
}

/// `wx.getUserProfile`'s result, with WeChat's field names.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileBody {
    user_info: Value,
    raw_data: String,
    signature: String,
    encrypted_data: String,
    iv: String,
}

impl From<ProfileData> for ProfileBody {
    fn from(data: ProfileData) -> Self {
        Self {
            user_info: data.user_info,
            raw_data: data.raw_data,
            signature: data.signature,
            encrypted_data: data.encrypted_data,
            iv: data.iv,
        }
    }
}

/// The `getPhoneNumber` button's result: the code, and the legacy encrypted form.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneCodeBody {
    code: String,
    encrypted_data: String,
    iv: String,
}

impl From<PhoneCode> for PhoneCodeBody {
    fn from(data: PhoneCode) -> Self {
        Self { code: data.code, encrypted_data: data.encrypted_data, iv: data.iv }
    }
}

/// A request of the web host: which mini program (and version) the signed-in user is in.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InAppRequest {
    appid: String,
    env_version: Option<String>,
}
