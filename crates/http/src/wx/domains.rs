//! Domains (`wechat-api.md` §7.1 rows 22–24): `modify_domain`, `setwebviewdomain` and
//! `get_webviewdomain_confirmfile`.

use axum::extract::State;
use axum::Json;
use miniplat_core::domains::{Action, DomainKind, ServerDomains};
use miniplat_core::wx::WxError;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{WxCaller, WxFailure, WxJson};
use crate::AppState;

#[derive(Deserialize)]
pub struct ModifyDomainRequest {
    action: Option<String>,
    requestdomain: Option<Vec<String>>,
    wsrequestdomain: Option<Vec<String>>,
    uploaddomain: Option<Vec<String>>,
    downloaddomain: Option<Vec<String>>,
    udpdomain: Option<Vec<String>>,
    tcpdomain: Option<Vec<String>>,
}

pub async fn modify_domain(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<ModifyDomainRequest>,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let action = body
        .action
        .as_deref()
        .and_then(Action::parse)
        .ok_or_else(|| fail(WxError::invalid_args("action must be add, delete, set or get")))?;
    let request = vec![
        (DomainKind::Request, body.requestdomain),
        (DomainKind::Socket, body.wsrequestdomain),
        (DomainKind::Upload, body.uploaddomain),
        (DomainKind::Download, body.downloaddomain),
        (DomainKind::Udp, body.udpdomain),
        (DomainKind::Tcp, body.tcpdomain),
    ];
    let domains = state.platform.modify_server_domains(caller.app, action, &request).await.map_err(fail)?;
    Ok(Json(domains_body(&domains)))
}

/// The lists, and the `invalid_*` lists WeChat adds (always empty: invalid entries refuse the
/// whole call here).
fn domains_body(domains: &ServerDomains) -> Value {
    let mut body = Map::new();
    body.insert("errcode".into(), json!(0));
    body.insert("errmsg".into(), json!("ok"));
    for kind in DomainKind::ALL {
        body.insert(kind.field().into(), json!(domains.list(kind)));
        body.insert(format!("invalid_{}", kind.field()), json!([]));
    }
    body.insert("no_icp_domain".into(), json!([]));
    Value::Object(body)
}

#[derive(Deserialize)]
pub struct WebviewDomainRequest {
    action: Option<String>,
    webviewdomain: Option<Vec<String>>,
}

pub async fn set_webview_domain(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<WebviewDomainRequest>,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let action = match body.action.as_deref() {
        None | Some("") => None,
        Some(text) => Some(
            Action::parse(text)
                .ok_or_else(|| fail(WxError::invalid_args("action must be add, delete, set or get")))?,
        ),
    };
    let given = body.webviewdomain.unwrap_or_default();
    let domains = state.platform.modify_webview_domains(caller.app, action, &given).await.map_err(fail)?;
    if action == Some(Action::Get) {
        return Ok(Json(json!({ "errcode": 0, "errmsg": "ok", "webviewdomain": domains })));
    }
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok" })))
}

pub async fn webview_confirm_file(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(_): WxJson<Value>,
) -> Result<Json<Value>, WxFailure> {
    let file =
        state.platform.webview_confirm_file(caller.app).await.map_err(WxFailure::for_app(caller.app))?;
    Ok(Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "file_name": file.file_name,
        "file_content": file.file_content,
    })))
}
