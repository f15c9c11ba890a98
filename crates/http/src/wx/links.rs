//! URL Scheme and URL Link (`wechat-api.md` §4.2, §4.3): `generatescheme`, `generate_urllink`,
//! `queryscheme`, `query_urllink`. The formats are this platform's (see
//! `miniplat_core::codes::links`); the bodies are WeChat's, `doamin` typo included.

use axum::extract::State;
use axum::Json;
use miniplat_core::apps::access::EnvVersion;
use miniplat_core::apps::AppKey;
use miniplat_core::codes::links::{self, CloudBase, Expiry, Link, LinkKind, LinkRequest};
use miniplat_core::wx::WxError;
use serde::Deserialize;
use serde_json::{json, Value};

use super::qrcode::{boolean, failure, number};
use super::{WxCaller, WxFailure, WxJson};
use crate::AppState;

/// The expiry fields shared by both kinds. wechatpy still sends the legacy `is_expire`.
#[derive(Deserialize, Default)]
pub struct ExpiryFields {
    is_expire: Option<Value>,
    expire_type: Option<Value>,
    expire_time: Option<Value>,
    expire_interval: Option<Value>,
}

impl ExpiryFields {
    fn expiry(&self) -> Result<Expiry, WxError> {
        let int = |field: &Option<Value>| match field {
            None | Some(Value::Null) => Ok(None),
            Some(value) => {
                number(value).map(Some).ok_or_else(|| WxError::invalid_args("expiry fields must be numbers"))
            }
        };
        // `is_expire: false` asked for a permanent link, which no longer exists: longest expiry.
        if self.is_expire.as_ref().and_then(boolean) == Some(false) {
            return Ok(Expiry::At(None));
        }
        match int(&self.expire_type)?.unwrap_or(0) {
            0 => Ok(Expiry::At(int(&self.expire_time)?.filter(|t| *t != 0))),
            1 => Ok(Expiry::InDays(int(&self.expire_interval)?)),
            _ => Err(WxError::invalid_args("expire_type must be 0 or 1")),
        }
    }
}

fn link_env(raw: Option<&str>) -> Result<EnvVersion, WxError> {
    match raw {
        None | Some("") => Ok(EnvVersion::Release),
        Some(text) => EnvVersion::parse(text).ok_or_else(WxError::invalid_link_env_version),
    }
}

#[derive(Deserialize, Default)]
struct JumpWxa {
    #[serde(default)]
    path: String,
    #[serde(default)]
    query: String,
    env_version: Option<String>,
}

#[derive(Deserialize)]
pub struct SchemeRequest {
    /// An object, or `[]` when absent (wechatpy sends `jump_wxa=()`).
    jump_wxa: Option<Value>,
    #[serde(flatten)]
    expiry: ExpiryFields,
}

/// `POST /wxa/generatescheme` → `{"openlink": "miniplat://dl/business/?t=<ticket>"}`.
pub async fn generate_scheme(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<SchemeRequest>,
) -> Result<Json<Value>, WxFailure> {
    let fail = failure(caller.app);
    let jump: JumpWxa = match body.jump_wxa {
        None | Some(Value::Null) => JumpWxa::default(),
        Some(Value::Array(items)) if items.is_empty() => JumpWxa::default(),
        Some(value @ Value::Object(_)) => serde_json::from_value(value)
            .map_err(|_| fail(WxError::malformed_body("jump_wxa has a wrong field type")))?,
        Some(_) => return Err(fail(WxError::malformed_body("jump_wxa must be an object"))),
    };
    let request = link_request(
        LinkKind::Scheme,
        &jump.path,
        &jump.query,
        jump.env_version.as_deref(),
        &body.expiry,
        None,
    )
    .map_err(fail)?;
    let (_, openlink) = state.platform.generate_link(caller.app, request).await.map_err(fail)?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok", "openlink": openlink })))
}

#[derive(Deserialize)]
pub struct UrlLinkRequest {
    #[serde(default)]
    path: String,
    #[serde(default)]
    query: String,
    env_version: Option<String>,
    /// An object, or `[]` when absent (wechatpy sends `cloud_base=()`).
    cloud_base: Option<Value>,
    #[serde(flatten)]
    expiry: ExpiryFields,
}

/// `POST /wxa/generate_urllink` → `{"url_link": "{public_url}/l/<ticket>"}`.
pub async fn generate_urllink(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<UrlLinkRequest>,
) -> Result<Json<Value>, WxFailure> {
    let fail = failure(caller.app);
    let cloud_base = match body.cloud_base {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) if items.is_empty() => None,
        Some(value @ Value::Object(_)) => Some(
            serde_json::from_value::<CloudBase>(value)
                .map_err(|_| fail(WxError::malformed_body("cloud_base has a wrong field type")))?,
        ),
        Some(_) => return Err(fail(WxError::malformed_body("cloud_base must be an object"))),
    };
    let request = link_request(
        LinkKind::UrlLink,
        &body.path,
        &body.query,
        body.env_version.as_deref(),
        &body.expiry,
        cloud_base,
    )
    .map_err(fail)?;
    let (_, url_link) = state.platform.generate_link(caller.app, request).await.map_err(fail)?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok", "url_link": url_link })))
}

fn link_request(
    kind: LinkKind,
    path: &str,
    query: &str,
    env: Option<&str>,
    expiry: &ExpiryFields,
    cloud_base: Option<CloudBase>,
) -> Result<LinkRequest, WxError> {
    let env = link_env(env)?;
    let (page, query) = links::parse_target(path, query)?;
    Ok(LinkRequest { kind, page: page.as_str().to_owned(), query, env, expiry: expiry.expiry()?, cloud_base })
}

#[derive(Deserialize)]
pub struct QuerySchemeRequest {
    scheme: Option<String>,
    query_type: Option<Value>,
}

/// `POST /wxa/queryscheme`: `scheme_info` (query_type 0) or only `quota_info` (1).
pub async fn query_scheme(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<QuerySchemeRequest>,
) -> Result<Json<Value>, WxFailure> {
    let text = body.scheme.unwrap_or_default();
    let (found, mut answer) =
        look_up(&state, caller.app, LinkKind::Scheme, &text, body.query_type.as_ref()).await?;
    if let Some((_, info)) = found {
        answer["scheme_info"] = info;
    }
    Ok(Json(answer))
}

#[derive(Deserialize)]
pub struct QueryUrlLinkRequest {
    url_link: Option<String>,
    query_type: Option<Value>,
}

/// `POST /wxa/query_urllink`: `url_link_info` (with WeChat's `doamin` spelling) and `quota_info`.
pub async fn query_urllink(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<QueryUrlLinkRequest>,
) -> Result<Json<Value>, WxFailure> {
    let text = body.url_link.unwrap_or_default();
    let (found, mut answer) =
        look_up(&state, caller.app, LinkKind::UrlLink, &text, body.query_type.as_ref()).await?;
    if let Some((link, mut info)) = found {
        let cloud = link.cloud_base.unwrap_or_default();
        info["cloud_base"] = json!({
            "env": cloud.env,
            "doamin": cloud.domain,
            "path": cloud.path,
            "query": cloud.query,
            "resource_appid": cloud.resource_appid,
        });
        answer["url_link_info"] = info;
    }
    Ok(Json(answer))
}

/// What both query endpoints share: the `{errcode, errmsg, quota_info}` answer, and unless only
/// the quota was asked for (`query_type` 1), the link with its common info fields.
async fn look_up(
    state: &AppState,
    app: AppKey,
    kind: LinkKind,
    text: &str,
    query_type: Option<&Value>,
) -> Result<(Option<(Link, Value)>, Value), WxFailure> {
    let fail = failure(app);
    let quota =
        json!({ "remain_visit_quota": state.platform.remaining_link_visits(app).await.map_err(fail)? });
    let answer = json!({ "errcode": 0, "errmsg": "ok", "quota_info": quota });
    if query_type.and_then(number) == Some(1) {
        return Ok((None, answer));
    }
    let link = state.platform.query_link(app, kind, text).await.map_err(fail)?;
    let appid = appid_of(state, &link).await.map_err(fail)?;
    let info = json!({
        "appid": appid,
        "path": link.page,
        "query": link.query,
        "create_time": link.created_at,
        "expire_time": link.expire_at,
        "env_version": link.env.as_str(),
    });
    Ok((Some((link, info)), answer))
}

async fn appid_of(state: &AppState, link: &Link) -> Result<String, WxError> {
    let app = state.platform.store.app_by_key(link.app).await?.ok_or_else(WxError::system_busy)?;
    Ok(app.appid.to_string())
}
