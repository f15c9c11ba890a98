//! Content security (`wechat-api.md` §5.1): `msg_sec_check`, v1 (`{content}` only, as
//! wechatpy 1.8 sends it) and v2 (`version: 2` with scene and openid).

use axum::extract::State;
use axum::Json;
use miniplat_core::content::MessageCheck;
use miniplat_core::wx::WxError;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{WxCaller, WxFailure, WxJson};
use crate::AppState;

/// Every field is optional and may be JSON null (wechatpy sends nulls for unset fields).
#[derive(Deserialize)]
pub struct MsgSecCheckRequest {
    content: Option<String>,
    version: Option<i64>,
    scene: Option<i64>,
    openid: Option<String>,
    title: Option<String>,
    nickname: Option<String>,
    signature: Option<String>,
}

pub async fn msg_sec_check(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<MsgSecCheckRequest>,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let content = body.content.ok_or_else(|| fail(WxError::malformed_body("content missing")))?;
    let message =
        MessageCheck { content, title: body.title, nickname: body.nickname, signature: body.signature };
    match body.version {
        None | Some(1) => {
            let verdict = state.platform.check_text(&message).await.map_err(fail)?;
            if verdict.suggest == miniplat_core::content::Suggest::Risky {
                return Err(fail(WxError::risky_content()));
            }
            Ok(Json(json!({ "errcode": 0, "errmsg": "ok" })))
        }
        Some(2) => {
            if !body.scene.is_some_and(|scene| (1..=4).contains(&scene)) {
                return Err(fail(WxError::invalid_scene()));
            }
            let openid = body.openid.unwrap_or_default();
            let verdict = state.platform.check_message(&caller, &openid, &message).await.map_err(fail)?;
            let detail: Vec<Value> = verdict
                .hits
                .iter()
                .map(|hit| {
                    json!({
                        "strategy": "keyword",
                        "errcode": 0,
                        "suggest": hit.suggest.as_str(),
                        "label": hit.label.code(),
                        "prob": 90,
                        "keyword": hit.term,
                        "level": keyword_level(hit.suggest),
                    })
                })
                .collect();
            Ok(Json(json!({
                "errcode": 0,
                "errmsg": "ok",
                "result": { "suggest": verdict.suggest.as_str(), "label": verdict.label.code() },
                "detail": detail,
                "trace_id": verdict.trace_id,
            })))
        }
        Some(_) => Err(fail(WxError::invalid_args("version must be 2 (or absent for v1)"))),
    }
}

/// The `level` of a keyword hit: 90 for a risky term, 60 for one that needs review.
fn keyword_level(suggest: miniplat_core::content::Suggest) -> i64 {
    match suggest {
        miniplat_core::content::Suggest::Risky => 90,
        _ => 60,
    }
}
