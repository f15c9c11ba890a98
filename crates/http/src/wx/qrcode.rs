//! Mini program codes (`wechat-api.md` §4.1, §7.1 row 3): `getwxacode`, `getwxacodeunlimit`,
//! `createwxaqrcode` and the trial version's `get_qrcode`. Success is the raw image with exactly
//! `Content-Type: image/jpeg` (SDKs check the type verbatim); failures are the usual JSON.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use miniplat_core::apps::access::EnvVersion;
use miniplat_core::apps::AppKey;
use miniplat_core::codes::{
    CodeKind, CodeTarget, LineColor, Page, PagePath, RenderedCode, Scene, SceneError, Style,
};
use miniplat_core::wx::WxError;
use serde::Deserialize;
use serde_json::Value;

use super::{WxCaller, WxFailure, WxJson, WxQuery};
use crate::AppState;

/// The drawing fields every code endpoint shares. SDKs send numbers as strings at times
/// (wechatpy's default `line_color` is `{"r":"0","g":"0","b":"0"}`), so they are read leniently.
#[derive(Deserialize, Default)]
pub struct StyleFields {
    width: Option<Value>,
    #[serde(default)]
    auto_color: Option<Value>,
    line_color: Option<Value>,
    is_hyaline: Option<Value>,
}

impl StyleFields {
    fn style(&self) -> Result<Style, WxError> {
        let width = match &self.width {
            None | Some(Value::Null) => None,
            Some(value) => Some(number(value).ok_or_else(WxError::invalid_width)?),
        };
        // `auto_color` asks WeChat to pick a colour from the logo; ours stay black, which
        // every scanner reads best.
        let auto = self.auto_color.as_ref().and_then(boolean).unwrap_or(false);
        let line_color = match (&self.line_color, auto) {
            (Some(Value::Object(map)), false) => {
                let part = |key: &str| {
                    map.get(key).map_or(Some(0), |v| number(v).and_then(|n| u8::try_from(n).ok()))
                };
                match (part("r"), part("g"), part("b")) {
                    (Some(r), Some(g), Some(b)) => LineColor { r, g, b },
                    _ => return Err(WxError::invalid_args("line_color components must be 0-255")),
                }
            }
            _ => LineColor::BLACK,
        };
        let hyaline = self.is_hyaline.as_ref().and_then(boolean).unwrap_or(false);
        Ok(Style { width: Style::clamp_width(width), line_color, hyaline })
    }
}

pub(super) fn number(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(super) fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => Some(s == "true" || s == "1"),
        Value::Number(n) => Some(n.as_i64() != Some(0)),
        _ => None,
    }
}

/// `env_version`, default `release`; anything else is 40097.
fn env_version(raw: Option<&str>) -> Result<EnvVersion, WxError> {
    match raw {
        None | Some("") => Ok(EnvVersion::Release),
        Some(text) => EnvVersion::parse(text).ok_or_else(|| WxError::invalid_args("invalid env_version")),
    }
}

#[derive(Deserialize)]
pub struct WxaCodeRequest {
    path: Option<String>,
    env_version: Option<String>,
    #[serde(flatten)]
    style: StyleFields,
}

/// `POST /wxa/getwxacode`: a code for a path with query; counts towards the lifetime cap.
pub async fn get_wxa_code(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<WxaCodeRequest>,
) -> Result<Response, WxFailure> {
    let fail = failure(caller.app);
    let path = limited_path(body.path.as_deref(), 1024).map_err(fail)?;
    let env = env_version(body.env_version.as_deref()).map_err(fail)?;
    let style = body.style.style().map_err(fail)?;
    let code = state
        .platform
        .create_code(caller.app, CodeKind::Limited, CodeTarget::Path(path), env, style)
        .await
        .map_err(fail)?;
    Ok(image_response(code, None))
}

#[derive(Deserialize)]
pub struct QrCodeRequest {
    path: Option<String>,
    width: Option<Value>,
}

/// `POST /cgi-bin/wxaapp/createwxaqrcode`: a square QR code; shares the lifetime cap.
pub async fn create_wxa_qrcode(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<QrCodeRequest>,
) -> Result<Response, WxFailure> {
    let fail = failure(caller.app);
    let path = limited_path(body.path.as_deref(), 128).map_err(fail)?;
    let style = StyleFields { width: body.width, ..StyleFields::default() }.style().map_err(fail)?;
    let code = state
        .platform
        .create_code(caller.app, CodeKind::LimitedSquare, CodeTarget::Path(path), EnvVersion::Release, style)
        .await
        .map_err(fail)?;
    Ok(image_response(code, None))
}

fn limited_path(raw: Option<&str>, max_chars: usize) -> Result<PagePath, WxError> {
    let raw = raw.unwrap_or_default();
    let path = PagePath::parse(raw, max_chars)
        .ok_or_else(|| WxError::invalid_path(&format!("path must be 1-{max_chars} characters")))?;
    if path.uses_reserved_key() {
        return Err(WxError::reserved_scancode_time());
    }
    Ok(path)
}

#[derive(Deserialize)]
pub struct UnlimitedRequest {
    scene: Option<Value>,
    page: Option<String>,
    check_path: Option<Value>,
    env_version: Option<String>,
    #[serde(flatten)]
    style: StyleFields,
}

/// `POST /wxa/getwxacodeunlimit`: a code for page + scene, as many as wanted.
pub async fn get_wxa_code_unlimited(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<UnlimitedRequest>,
) -> Result<Response, WxFailure> {
    let fail = failure(caller.app);
    let scene = match &body.scene {
        Some(Value::String(s)) => s.clone(),
        // Some SDKs send a numeric scene.
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let scene = Scene::parse(&scene).map_err(|e| {
        fail(match e {
            SceneError::TooLong => WxError::scene_too_long(),
            SceneError::Invalid => WxError::invalid_scene(),
        })
    })?;
    let raw_page = body.page.unwrap_or_default();
    if raw_page.contains("scancode_time") {
        return Err(fail(WxError::reserved_scancode_time()));
    }
    let page = Page::parse(&raw_page)
        .ok_or_else(|| fail(WxError::invalid_page("page must have no leading slash and no query")))?;
    let env = env_version(body.env_version.as_deref()).map_err(fail)?;
    let check_path = body.check_path.as_ref().and_then(boolean).unwrap_or(true);
    if check_path
        && !state.platform.is_live_page(caller.app, page.as_str()).await.map_err(|e| fail(e.into()))?
    {
        return Err(fail(WxError::invalid_page(
            "page is not in the released version (set check_path false)",
        )));
    }
    let style = body.style.style().map_err(fail)?;
    let code = state
        .platform
        .create_code(caller.app, CodeKind::Unlimited, CodeTarget::Scene { page, scene }, env, style)
        .await
        .map_err(fail)?;
    Ok(image_response(code, None))
}

/// `GET /wxa/get_qrcode?path=`: the trial version's QR code.
pub async fn get_trial_qrcode(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    query: WxQuery,
) -> Result<Response, WxFailure> {
    let fail = failure(caller.app);
    let path = PagePath::parse_optional(query.get("path").unwrap_or_default())
        .ok_or_else(|| fail(WxError::invalid_path("malformed path")))?;
    let code = state
        .platform
        .create_code(caller.app, CodeKind::Trial, CodeTarget::Path(path), EnvVersion::Trial, Style::default())
        .await
        .map_err(fail)?;
    Ok(image_response(code, Some(r#"attachment; filename="QRCode.jpg""#)))
}

/// Failures of one mini program's call, usable many times in a handler.
pub(super) fn failure(app: AppKey) -> impl Fn(WxError) -> WxFailure + Copy {
    move |error| WxFailure { error, app: Some(app) }
}

fn image_response(code: RenderedCode, disposition: Option<&'static str>) -> Response {
    let mut response = Response::new(Body::from(code.image));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    if let Some(used) = code.num_used {
        headers.insert("Num-Used", HeaderValue::from(used));
    }
    if let Some(disposition) = disposition {
        headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(disposition));
    }
    response
}
