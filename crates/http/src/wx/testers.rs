//! Testers (`wechat-api.md` §7.1 rows 19–21): `bind_tester`, `unbind_tester`, `memberauth`.
//! A `wechatid` is the end user's email on this platform.

use axum::extract::State;
use axum::Json;
use miniplat_core::apps::testers::TesterRef;
use miniplat_core::wx::WxError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{WxCaller, WxFailure, WxJson};
use crate::AppState;

#[derive(Deserialize)]
pub struct BindRequest {
    wechatid: Option<String>,
}

#[derive(Serialize)]
pub struct BindBody {
    errcode: i64,
    errmsg: &'static str,
    userstr: String,
}

pub async fn bind_tester(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<BindRequest>,
) -> Result<Json<BindBody>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let wechatid = body.wechatid.filter(|w| !w.is_empty()).ok_or_else(|| fail(missing("wechatid")))?;
    let userstr =
        state.platform.bind_tester(&caller, &wechatid).await.map_err(WxFailure::for_app(caller.app))?;
    Ok(Json(BindBody { errcode: 0, errmsg: "ok", userstr }))
}

#[derive(Deserialize)]
pub struct UnbindRequest {
    wechatid: Option<String>,
    userstr: Option<String>,
}

pub async fn unbind_tester(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<UnbindRequest>,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let tester = match (body.wechatid.as_deref(), body.userstr.as_deref()) {
        (Some(wechatid), _) if !wechatid.is_empty() => TesterRef::WechatId(wechatid),
        (_, Some(userstr)) if !userstr.is_empty() => TesterRef::UserStr(userstr),
        _ => return Err(fail(missing("wechatid or userstr"))),
    };
    state.platform.unbind_tester(caller.app, tester).await.map_err(WxFailure::for_app(caller.app))?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok" })))
}

#[derive(Deserialize)]
pub struct MemberAuthRequest {
    action: Option<String>,
}

pub async fn member_auth(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<MemberAuthRequest>,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    if body.action.as_deref() != Some("get_experiencer") {
        return Err(fail(WxError::invalid_args("action must be get_experiencer")));
    }
    let userstrs =
        state.platform.tester_userstrs(caller.app).await.map_err(WxFailure::for_app(caller.app))?;
    let members: Vec<Value> = userstrs.into_iter().map(|userstr| json!({ "userstr": userstr })).collect();
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok", "members": members })))
}

fn missing(field: &str) -> WxError {
    WxError::malformed_body(&format!("{field} missing"))
}
