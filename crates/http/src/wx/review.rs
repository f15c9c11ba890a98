//! Release review over the WeChat API (`wechat-api.md` §7.1 rows 2, 5–8, 14, 15, 27):
//! `submit_audit`, `get_auditstatus`, `get_latest_auditstatus`, `undocodeaudit`,
//! `speedupaudit`, `queryquota`, `get_page` and `uploadmedia`.

use axum::extract::{Request, State};
use axum::Json;
use miniplat_core::audit::Actor;
use miniplat_core::review::submit::submission_from_wire;
use miniplat_core::review::{Review, ReviewId};
use miniplat_core::wx::WxError;
use miniplat_core::Error;
use serde_json::{json, Value};

use super::{upload_field, UploadError, WxCaller, WxFailure, WxJson};
use crate::AppState;

/// Review media are images (≤ 10 MB) and MP4 videos (≤ 50 MB); room for the form around them.
pub const UPLOAD_LIMIT: usize = 51 * 1024 * 1024;

/// `POST /wxa/submit_audit` → `{auditid}`.
pub async fn submit_audit(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<Value>,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let app = state.platform.app_of_token(&caller).await.map_err(fail)?;
    let submission = submission_from_wire(&body).map_err(fail)?;
    let (review, _) = state.platform.submit_for_review(&app, submission, None).await.map_err(fail)?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok", "auditid": review.id.0 })))
}

/// `auditid` as a number or a numeric string (SDKs differ); anything else is 85012.
fn audit_id(body: &Value) -> Result<ReviewId, WxError> {
    let id = match body.get("auditid") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    id.map(ReviewId).ok_or_else(WxError::invalid_audit_id)
}

/// `POST /wxa/get_auditstatus` → `{status, reason, screenshot}`.
pub async fn get_audit_status(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<Value>,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let review = state.platform.review_of(caller.app, audit_id(&body).map_err(fail)?).await.map_err(fail)?;
    let (reason, screenshot) = reason_and_screenshots(&review);
    Ok(Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "status": review.wire_status(),
        "reason": reason,
        "screenshot": screenshot,
    })))
}

/// The reason shown with a status: the rejection's, or the delay's while delayed.
fn reason_and_screenshots(review: &Review) -> (String, String) {
    let reason = review.reason.clone().or_else(|| review.delay_reason.clone()).unwrap_or_default();
    (reason, review.screenshots.join("|"))
}

/// `GET /wxa/get_latest_auditstatus`; the documentation spells the screenshot field both
/// `screenshot` and `ScreenShot`, so both are sent.
pub async fn get_latest_audit_status(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
) -> Result<Json<Value>, WxFailure> {
    let review = state.platform.latest_review(caller.app).await.map_err(WxFailure::for_app(caller.app))?;
    let (reason, screenshot) = reason_and_screenshots(&review);
    Ok(Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "auditid": review.id.0,
        "status": review.wire_status(),
        "reason": reason,
        "screenshot": screenshot,
        "ScreenShot": screenshot,
        "user_version": review.version.user_version.as_str(),
        "user_desc": review.version.description,
        "submit_audit_time": review.submitted_at,
    })))
}

/// `GET /wxa/undocodeaudit`.
pub async fn undo_code_audit(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let app = state.platform.app_of_token(&caller).await.map_err(fail)?;
    state.platform.withdraw_review(&app, Actor::System).await.map_err(fail)?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok" })))
}

/// `POST /wxa/speedupaudit`.
pub async fn speedup_audit(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<Value>,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let app = state.platform.app_of_token(&caller).await.map_err(fail)?;
    let id = audit_id(&body).map_err(fail)?;
    state.platform.expedite_review(&app, id, Actor::System).await.map_err(fail)?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok" })))
}

/// `GET /wxa/queryquota` → `{rest, limit, speedup_rest, speedup_limit}`.
pub async fn query_quota(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let app = state.platform.app_of_token(&caller).await.map_err(fail)?;
    let quota = state.platform.review_quota(&app).await.map_err(|e| fail(e.into()))?;
    Ok(Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "rest": quota.rest,
        "limit": quota.limit,
        "speedup_rest": quota.speedup_rest,
        "speedup_limit": quota.speedup_limit,
    })))
}

/// `GET /wxa/get_page` → `{page_list}` of the trial version.
pub async fn get_page(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
) -> Result<Json<Value>, WxFailure> {
    let pages = state.platform.trial_pages(caller.app).await.map_err(WxFailure::for_app(caller.app))?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok", "page_list": pages })))
}

/// `POST /wxa/uploadmedia` (multipart field `media`) → `{type, mediaid}`.
pub async fn upload_media(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    request: Request,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let media = upload_field(request, &state, "media").await.map_err(|error| {
        fail(match error {
            UploadError::NotMultipart => {
                WxError::invalid_args("expected a multipart/form-data upload with a media field")
            }
            UploadError::Unreadable => WxError::invalid_args("the upload is unreadable or larger than 50 MB"),
            UploadError::Missing => WxError::invalid_args("media field missing"),
        })
    })?;
    let stored = state.platform.upload_media(caller.app, media.to_vec()).await.map_err(|e| match e {
        Error::Invalid { message, .. } => fail(WxError::new(40004, format!("invalid media type: {message}"))),
        e => fail(e.into()),
    })?;
    Ok(Json(
        json!({ "errcode": 0, "errmsg": "ok", "type": stored.kind.as_str(), "mediaid": stored.media_id }),
    ))
}
