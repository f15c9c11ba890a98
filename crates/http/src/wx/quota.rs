//! Quota management (`wechat-api.md` §12.2): `quota/get`, `clear_quota`, `clear_quota/v2`,
//! `rid/get`.

use axum::extract::State;
use axum::Json;
use miniplat_core::tokens::TokenRequest;
use miniplat_core::wx::WxError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{WxCaller, WxFailure, WxJson, WxQuery};
use crate::AppState;

#[derive(Deserialize)]
pub struct QuotaRequest {
    cgi_path: Option<String>,
}

pub async fn get_quota(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<QuotaRequest>,
) -> Result<Json<QuotaBody>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let path = body
        .cgi_path
        .filter(|p| !p.is_empty())
        .ok_or_else(|| fail(WxError::malformed_body("cgi_path missing")))?;
    let usage =
        state.platform.quota_usage(caller.app, &path).await.map_err(WxFailure::for_app(caller.app))?;
    let rate = RateLimit { call_count: usage.per_minute.unwrap_or(0), refresh_second: 60 };
    Ok(Json(QuotaBody {
        errcode: 0,
        errmsg: "ok",
        quota: Quota {
            daily_limit: usage.daily_limit,
            used: usage.used,
            remain: usage.daily_limit - usage.used,
        },
        rate_limit: rate,
        component_rate_limit: rate,
    }))
}

#[derive(Serialize)]
pub struct QuotaBody {
    errcode: i64,
    errmsg: &'static str,
    quota: Quota,
    rate_limit: RateLimit,
    component_rate_limit: RateLimit,
}

#[derive(Serialize)]
struct Quota {
    daily_limit: i64,
    used: i64,
    remain: i64,
}

#[derive(Serialize, Clone, Copy)]
struct RateLimit {
    call_count: i64,
    refresh_second: i64,
}

#[derive(Deserialize)]
pub struct ClearQuotaRequest {
    appid: Option<String>,
}

pub async fn clear_quota(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<ClearQuotaRequest>,
) -> Result<Json<Value>, WxFailure> {
    state
        .platform
        .clear_quota(caller.app, body.appid.as_deref())
        .await
        .map_err(WxFailure::for_app(caller.app))?;
    Ok(Json(ok()))
}

#[derive(Deserialize, Default)]
pub struct ClearQuotaV2Request {
    appid: Option<String>,
    appsecret: Option<String>,
}

/// `clear_quota/v2` authenticates with appid and appsecret (in the body or the query).
pub async fn clear_quota_v2(
    State(state): State<AppState>,
    query: WxQuery,
    body: axum::body::Bytes,
) -> Result<Json<Value>, WxFailure> {
    // The docs show the credentials both in the body and in the query; accept either.
    let body: ClearQuotaV2Request = if body.iter().all(u8::is_ascii_whitespace) {
        ClearQuotaV2Request::default()
    } else {
        serde_json::from_slice(&body).map_err(|_| WxError::malformed_body("body is not valid JSON"))?
    };
    let appid = body.appid.as_deref().or(query.get("appid"));
    let secret = body.appsecret.as_deref().or(query.get("appsecret"));
    let request = TokenRequest { grant_type: Some("client_credential"), appid, secret };
    let app = state.platform.authenticate_app_secret(request).await?;
    state
        .platform
        .clear_quota(app.key, Some(app.appid.as_str()))
        .await
        .map_err(WxFailure::for_app(app.key))?;
    Ok(Json(ok()))
}

#[derive(Deserialize)]
pub struct RidRequest {
    rid: Option<String>,
}

#[derive(Serialize)]
struct RidRecord {
    invoke_time: i64,
    cost_in_ms: i64,
    request_url: String,
    request_body: String,
    response_body: String,
    client_ip: String,
}

pub async fn get_rid(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<RidRequest>,
) -> Result<Json<Value>, WxFailure> {
    let rid = body.rid.unwrap_or_default();
    let record = state
        .platform
        .request_record(caller.app, rid.trim())
        .await
        .map_err(WxFailure::for_app(caller.app))?;
    let request = RidRecord {
        invoke_time: record.invoke_time,
        cost_in_ms: record.cost_in_ms,
        request_url: record.request_url,
        request_body: record.request_body,
        response_body: record.response_body,
        client_ip: record.client_ip,
    };
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok", "request": request })))
}

fn ok() -> Value {
    json!({ "errcode": 0, "errmsg": "ok" })
}
