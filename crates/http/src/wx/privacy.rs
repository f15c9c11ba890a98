//! Privacy guides (`wechat-api.md` §6.1–6.3): `setprivacysetting`, `getprivacysetting`,
//! `uploadprivacyextfile`, and the restricted interfaces of §6.4. A mini program's own `access_token` is accepted, as a third-party
//! platform's token will be once those exist.

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::Json;
use miniplat_core::privacy::catalogue::{self, PRIVACY_KEYS};
use miniplat_core::privacy::interfaces::InterfaceRequest;
use miniplat_core::privacy::{PolicyKind, PrivacySettingsChange, EXT_FILE_LIMIT};
use miniplat_core::wx::WxError;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{upload_field, UploadError, WxCaller, WxFailure, WxJson};
use crate::AppState;

pub async fn set_privacy_setting(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(change): WxJson<PrivacySettingsChange>,
) -> Result<Json<Value>, WxFailure> {
    state.platform.set_privacy_settings(&caller, change).await.map_err(WxFailure::for_app(caller.app))?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok" })))
}

#[derive(Deserialize)]
pub struct GetRequest {
    privacy_ver: Option<i64>,
}

pub async fn get_privacy_setting(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    body: Bytes,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    // The body is optional: `privacy_ver` defaults to 2.
    let request: GetRequest = if body.iter().all(u8::is_ascii_whitespace) {
        GetRequest { privacy_ver: None }
    } else {
        serde_json::from_slice(&body).map_err(|_| fail(WxError::malformed_body("body is not valid JSON")))?
    };
    let privacy_ver = request.privacy_ver.unwrap_or(2);
    let kind =
        PolicyKind::from_privacy_ver(privacy_ver).ok_or_else(|| fail(WxError::invalid_privacy_ver()))?;
    let platform = &state.platform;
    let policy = platform.privacy_policy(caller.app, kind).await.map_err(|e| fail(e.into()))?;
    let in_code = platform.privacy_keys_in_code(caller.app).await.map_err(|e| fail(e.into()))?;
    let (document, update_time) = policy.map(|p| (p.document, p.created_at)).unwrap_or_default();
    let setting_list: Vec<Value> = document
        .setting_list
        .iter()
        .map(|item| {
            json!({
                "privacy_key": item.privacy_key,
                "privacy_text": item.privacy_text,
                "privacy_label": catalogue::label(&item.privacy_key),
            })
        })
        .collect();
    let privacy_desc_list: Vec<Value> = PRIVACY_KEYS
        .iter()
        .map(|(key, label, _)| json!({ "privacy_key": key, "privacy_desc": label }))
        .collect();
    Ok(Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "code_exist": i64::from(in_code.is_some()),
        "privacy_list": in_code.unwrap_or_default(),
        "setting_list": setting_list,
        "update_time": update_time,
        "owner_setting": document.owner_setting,
        "privacy_desc": { "privacy_desc_list": privacy_desc_list },
        "sdk_privacy_info_list": document.sdk_privacy_info_list,
    })))
}

/// The multipart upload's size limit (set on the route): the file plus room for the form.
pub const UPLOAD_LIMIT: usize = EXT_FILE_LIMIT + 16 * 1024;

pub async fn upload_privacy_ext_file(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    request: Request,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let file = upload_field(request, &state, "file").await.map_err(|error| {
        fail(match error {
            UploadError::NotMultipart => {
                WxError::invalid_args("expected a multipart/form-data upload with a file field")
            }
            UploadError::Unreadable => too_large(),
            UploadError::Missing => WxError::invalid_args("file field missing"),
        })
    })?;
    let media_id = state
        .platform
        .upload_privacy_ext_file(&caller, file.to_vec())
        .await
        .map_err(WxFailure::for_app(caller.app))?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok", "ext_file_media_id": media_id })))
}

fn too_large() -> WxError {
    WxError::invalid_args("the upload is unreadable or larger than 100 KB")
}

/// `GET /wxa/security/get_privacy_interface`.
pub async fn get_privacy_interface(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
) -> Result<Json<Value>, WxFailure> {
    let interfaces = state
        .platform
        .privacy_interfaces(caller.app)
        .await
        .map_err(|e| WxFailure::for_app(caller.app)(e.into()))?;
    let list: Vec<Value> = interfaces
        .into_iter()
        .map(|i| {
            let application = i.application.as_ref();
            json!({
                "api_name": i.api_name,
                "api_ch_name": i.chinese_name,
                "api_desc": i.description,
                "status": application.map_or(1, |a| a.status.wire()),
                "apply_time": application.map_or(0, |a| a.applied_at),
                "audit_id": application.map_or(0, |a| a.id),
                "fail_reason": application.and_then(|a| a.fail_reason.clone()).unwrap_or_default(),
                "api_link": "",
                "group_name": "地理位置",
            })
        })
        .collect();
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok", "interface_list": list })))
}

/// `POST /wxa/security/apply_privacy_interface`.
pub async fn apply_privacy_interface(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(request): WxJson<InterfaceRequest>,
) -> Result<Json<Value>, WxFailure> {
    let audit_id = state
        .platform
        .apply_privacy_interface(&caller, request)
        .await
        .map_err(WxFailure::for_app(caller.app))?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok", "audit_id": audit_id })))
}

/// `GET /wxa/security/get_code_privacy_info`.
pub async fn get_code_privacy_info(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
) -> Result<Json<Value>, WxFailure> {
    let info = state.platform.code_privacy_info(caller.app).await.map_err(WxFailure::for_app(caller.app))?;
    Ok(Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "without_auth_list": info.without_auth,
        "without_conf_list": info.without_conf,
    })))
}
