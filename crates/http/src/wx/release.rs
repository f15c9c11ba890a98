//! Release and what follows it (`wechat-api.md` §7.1 rows 9–13, 16–18, 25–26): `release`,
//! `grayrelease`, `getgrayreleaseplan`, `revertgrayrelease`, `revertcoderelease`,
//! `change_visitstatus`, `getvisitstatus`, `getversioninfo`, `changewxasearchstatus`,
//! `getwxasearchstatus`. The rules are in `miniplat_core::release`.

use axum::extract::State;
use axum::Json;
use miniplat_core::apps::App;
use miniplat_core::audit::Actor;
use miniplat_core::release::gray::GrayRule;
use miniplat_core::tokens::TokenContext;
use miniplat_core::wx::WxError;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{WxCaller, WxFailure, WxJson, WxQuery};
use crate::AppState;

fn ok() -> Json<Value> {
    Json(json!({ "errcode": 0, "errmsg": "ok" }))
}

/// The mini program the access token speaks for.
async fn caller_app(state: &AppState, caller: &TokenContext) -> Result<App, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    state
        .platform
        .store
        .app_by_key(caller.app)
        .await
        .map_err(|e| fail(e.into()))?
        .ok_or_else(|| fail(WxError::system_busy()))
}

/// Endpoints whose body must be the JSON object `{}` (44002 otherwise, as WeChat answers).
fn require_object(body: &Value, caller: &TokenContext) -> Result<(), WxFailure> {
    if body.is_object() {
        Ok(())
    } else {
        Err(WxFailure::for_app(caller.app)(WxError::empty_post_body()))
    }
}

/// Wire calls act with the app's token, not as a person: the audit log says "system".
const TOKEN_ACTOR: Actor = Actor::System;

/// `POST /wxa/release`.
pub async fn release(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<Value>,
) -> Result<Json<Value>, WxFailure> {
    require_object(&body, &caller)?;
    let app = caller_app(&state, &caller).await?;
    let fail = WxFailure::for_app(caller.app);
    state.platform.release(&app, TOKEN_ACTOR).await.map_err(|e| fail(e.into()))?;
    Ok(ok())
}

#[derive(Deserialize)]
pub struct GrayRequest {
    gray_percentage: Option<i64>,
    #[serde(default)]
    support_debuger_first: Option<bool>,
    #[serde(default)]
    support_experiencer_first: Option<bool>,
}

/// `POST /wxa/grayrelease`.
pub async fn gray_release(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<GrayRequest>,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let percentage = body
        .gray_percentage
        .ok_or_else(|| fail(WxError::new(85081, "invalid gray percentage: gray_percentage missing")))?;
    let rule = GrayRule {
        percentage,
        members_first: body.support_debuger_first.unwrap_or(false),
        testers_first: body.support_experiencer_first.unwrap_or(false),
    };
    let app = caller_app(&state, &caller).await?;
    state.platform.gray_release(&app, rule, TOKEN_ACTOR).await.map_err(|e| fail(e.into()))?;
    Ok(ok())
}

/// `GET /wxa/getgrayreleaseplan`: status 0 when there has never been a plan.
pub async fn gray_release_plan(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let app = caller_app(&state, &caller).await?;
    let plan = state.platform.gray_plan(&app).await.map_err(|e| fail(e.into()))?;
    let body = match plan {
        Some(plan) => json!({
            "status": plan.status.wire_status(),
            "create_timestamp": plan.created_at,
            "gray_percentage": plan.rule.percentage,
            "support_experiencer_first": plan.rule.testers_first,
            "support_debuger_first": plan.rule.members_first,
        }),
        None => json!({
            "status": 0,
            "create_timestamp": 0,
            "gray_percentage": 0,
            "support_experiencer_first": false,
            "support_debuger_first": false,
        }),
    };
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok", "gray_release_plan": body })))
}

/// `GET /wxa/revertgrayrelease`.
pub async fn revert_gray_release(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let app = caller_app(&state, &caller).await?;
    state.platform.revert_gray_release(&app, TOKEN_ACTOR).await.map_err(|e| fail(e.into()))?;
    Ok(ok())
}

/// `GET /wxa/revertcoderelease[?app_version=N]`, or `?action=get_history_version`.
pub async fn revert_code_release(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    query: WxQuery,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let app = caller_app(&state, &caller).await?;
    match query.get("action") {
        Some("get_history_version") => {
            let history = state.platform.release_history(&app).await.map_err(|e| fail(e.into()))?;
            let version_list: Vec<Value> = history
                .into_iter()
                .map(|v| {
                    json!({
                        "app_version": v.app_version,
                        "user_version": v.user_version,
                        "user_desc": v.user_desc,
                        "commit_time": v.commit_time,
                    })
                })
                .collect();
            return Ok(Json(json!({ "errcode": 0, "errmsg": "ok", "version_list": version_list })));
        }
        Some(other) if !other.is_empty() => {
            return Err(fail(WxError::invalid_args("action must be get_history_version")))
        }
        _ => {}
    }
    let app_version = match query.get("app_version").filter(|v| !v.is_empty()) {
        Some(text) => Some(
            text.parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| fail(WxError::invalid_args("app_version must be a positive number")))?,
        ),
        None => None,
    };
    state.platform.revert_release(&app, app_version, TOKEN_ACTOR).await.map_err(|e| fail(e.into()))?;
    Ok(ok())
}

#[derive(Deserialize)]
pub struct VisitRequest {
    action: Option<String>,
}

/// `POST /wxa/change_visitstatus`.
pub async fn change_visit_status(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<VisitRequest>,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let app = caller_app(&state, &caller).await?;
    let action = body.action.unwrap_or_default();
    state.platform.change_visit_status(&app, &action, TOKEN_ACTOR).await.map_err(|e| fail(e.into()))?;
    Ok(ok())
}

/// `POST /wxa/getvisitstatus`: 1 running, 0 paused.
pub async fn visit_status(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<Value>,
) -> Result<Json<Value>, WxFailure> {
    require_object(&body, &caller)?;
    let fail = WxFailure::for_app(caller.app);
    let app = caller_app(&state, &caller).await?;
    let settings = state.platform.release_settings(&app).await.map_err(|e| fail(e.into()))?;
    let status = i64::from(!settings.visit_paused);
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok", "status": status })))
}

/// `POST /wxa/getversioninfo`: the trial and the live version (each present only if it exists).
pub async fn version_info(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<Value>,
) -> Result<Json<Value>, WxFailure> {
    require_object(&body, &caller)?;
    let fail = WxFailure::for_app(caller.app);
    let app = caller_app(&state, &caller).await?;
    let info = state.platform.version_info(&app).await.map_err(|e| fail(e.into()))?;
    let mut answer = json!({ "errcode": 0, "errmsg": "ok" });
    if let Some((time, version, desc)) = info.trial {
        answer["exp_info"] = json!({ "exp_time": time, "exp_version": version, "exp_desc": desc });
    }
    if let Some((time, version, desc)) = info.release {
        answer["release_info"] =
            json!({ "release_time": time, "release_version": version, "release_desc": desc });
    }
    Ok(Json(answer))
}

#[derive(Deserialize)]
pub struct SearchRequest {
    status: Option<i64>,
}

/// `POST /wxa/changewxasearchstatus`: 0 searchable, 1 hidden.
pub async fn change_search_status(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<SearchRequest>,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let app = caller_app(&state, &caller).await?;
    let status = body.status.unwrap_or(-1);
    state.platform.change_search_status(&app, status, TOKEN_ACTOR).await.map_err(|e| fail(e.into()))?;
    Ok(ok())
}

/// `GET /wxa/getwxasearchstatus`.
pub async fn search_status(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let app = caller_app(&state, &caller).await?;
    let settings = state.platform.release_settings(&app).await.map_err(|e| fail(e.into()))?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok", "status": i64::from(settings.search_hidden) })))
}
