//! The WeChat-compatible server API (`wechat-api.md`). Every answer is HTTP 200; failures are
//! `{"errcode": N, "errmsg": "… rid: <rid>"}` and are kept for `rid/get`.
//!
//! Handlers return `Result<Json<…>, WxFailure>`; the request middleware hands a failure to
//! [`finish_failure`], which writes the wire body (it knows the rid) and records the call with
//! the body [`WxJson`] kept aside, so no request body is buffered twice.

mod categories;
mod content;
mod domains;
mod extract;
mod links;
mod login;
mod media_upload;
mod privacy;
mod qrcode;
mod quota;
mod release;
mod review;
mod testers;
mod token;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use miniplat_core::apps::AppKey;
use miniplat_core::quota::RequestRecord;
use miniplat_core::wx::WxError;

pub use extract::{upload_field, UploadError, WxCaller, WxJson, WxQuery};

use crate::client::ClientSource;
use crate::AppState;

/// Requests kept for `rid/get` are cut to this size.
const RECORDED_BODY_LIMIT: usize = 4096;
/// Bodies of WeChat calls are small JSON documents.
const WX_BODY_LIMIT: usize = 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cgi-bin/token", get(token::get_token))
        .route("/cgi-bin/stable_token", post(token::stable_token).get(require_post))
        .route("/cgi-bin/openapi/quota/get", post(quota::get_quota).get(require_post))
        .route("/cgi-bin/openapi/rid/get", post(quota::get_rid).get(require_post))
        .route("/cgi-bin/clear_quota", post(quota::clear_quota).get(require_post))
        .route("/cgi-bin/clear_quota/v2", post(quota::clear_quota_v2).get(require_post))
        .route("/wxa/getwxacode", post(qrcode::get_wxa_code).get(require_post))
        .route("/wxa/getwxacodeunlimit", post(qrcode::get_wxa_code_unlimited).get(require_post))
        .route("/cgi-bin/wxaapp/createwxaqrcode", post(qrcode::create_wxa_qrcode).get(require_post))
        .route("/wxa/get_qrcode", get(qrcode::get_trial_qrcode))
        .route("/wxa/generatescheme", post(links::generate_scheme).get(require_post))
        .route("/wxa/generate_urllink", post(links::generate_urllink).get(require_post))
        .route("/wxa/queryscheme", post(links::query_scheme).get(require_post))
        .route("/wxa/query_urllink", post(links::query_urllink).get(require_post))
        .route("/wxa/release", post(release::release).get(require_post))
        .route("/wxa/grayrelease", post(release::gray_release).get(require_post))
        .route("/wxa/getgrayreleaseplan", get(release::gray_release_plan))
        .route("/wxa/revertgrayrelease", get(release::revert_gray_release))
        .route("/wxa/revertcoderelease", get(release::revert_code_release))
        .route("/wxa/change_visitstatus", post(release::change_visit_status).get(require_post))
        .route("/wxa/getvisitstatus", post(release::visit_status).get(require_post))
        .route("/wxa/getversioninfo", post(release::version_info).get(require_post))
        .route("/wxa/changewxasearchstatus", post(release::change_search_status).get(require_post))
        .route("/wxa/getwxasearchstatus", get(release::search_status))
        .route("/wxa/bind_tester", post(testers::bind_tester).get(require_post))
        .route("/wxa/unbind_tester", post(testers::unbind_tester).get(require_post))
        .route("/wxa/memberauth", post(testers::member_auth).get(require_post))
        .route("/cgi-bin/component/setprivacysetting", post(privacy::set_privacy_setting).get(require_post))
        .route("/cgi-bin/component/getprivacysetting", post(privacy::get_privacy_setting).get(require_post))
        .route(
            "/cgi-bin/component/uploadprivacyextfile",
            post(privacy::upload_privacy_ext_file)
                .get(require_post)
                .layer(axum::extract::DefaultBodyLimit::max(privacy::UPLOAD_LIMIT)),
        )
        .route("/wxa/security/get_privacy_interface", get(privacy::get_privacy_interface))
        .route(
            "/wxa/security/apply_privacy_interface",
            post(privacy::apply_privacy_interface).get(require_post),
        )
        .route("/wxa/security/get_code_privacy_info", get(privacy::get_code_privacy_info))
        .route("/sns/jscode2session", get(login::jscode2session))
        .route("/wxa/checksession", get(login::check_session))
        .route("/wxa/resetusersessionkey", get(login::reset_session_key))
        .route("/wxa/business/getuserencryptkey", get(login::user_encrypt_key))
        .route("/wxa/business/getuserphonenumber", post(login::phone_number).get(require_post))
        .route("/wxa/msg_sec_check", post(content::msg_sec_check).get(require_post))
        .route("/wxa/modify_domain", post(domains::modify_domain).get(require_post))
        .route("/wxa/setwebviewdomain", post(domains::set_webview_domain).get(require_post))
        .route("/wxa/get_webviewdomain_confirmfile", post(domains::webview_confirm_file).get(require_post))
        .route("/cgi-bin/wxopen/getallcategories", get(categories::get_all_categories))
        .route(
            "/cgi-bin/wxopen/getcategoriesbytype",
            post(categories::get_categories_by_type).get(require_post),
        )
        .route("/cgi-bin/wxopen/getcategory", get(categories::get_category))
        .route("/cgi-bin/wxopen/addcategory", post(categories::add_category).get(require_post))
        .route("/cgi-bin/wxopen/deletecategory", post(categories::delete_category).get(require_post))
        .route("/cgi-bin/wxopen/modifycategory", post(categories::modify_category).get(require_post))
        .route("/wxa/get_category", get(categories::get_usable_categories))
        .route(
            "/cgi-bin/media/upload",
            post(media_upload::upload)
                .get(require_post)
                .layer(axum::extract::DefaultBodyLimit::max(media_upload::UPLOAD_LIMIT)),
        )
        .merge(review_routes())
}

/// Release review (`wechat-api.md` §7.1 rows 2, 5–8, 14, 15, 27).
fn review_routes() -> Router<AppState> {
    Router::new()
        .route("/wxa/submit_audit", post(review::submit_audit).get(require_post))
        .route("/wxa/get_auditstatus", post(review::get_audit_status).get(require_post))
        .route("/wxa/get_latest_auditstatus", get(review::get_latest_audit_status))
        .route("/wxa/undocodeaudit", get(review::undo_code_audit))
        .route("/wxa/speedupaudit", post(review::speedup_audit).get(require_post))
        .route("/wxa/queryquota", get(review::query_quota))
        .route("/wxa/get_page", get(review::get_page))
        .route(
            "/wxa/uploadmedia",
            post(review::upload_media)
                .get(require_post)
                .layer(axum::extract::DefaultBodyLimit::max(review::UPLOAD_LIMIT)),
        )
}

tokio::task_local! {
    /// The JSON body of the WeChat call being handled, kept for its `rid/get` record.
    static RECORDED_BODY: std::cell::RefCell<Bytes>;
}

/// Runs a request with room to keep its WeChat body (see [`WxJson`]).
pub(crate) async fn with_recorded_body<F: std::future::Future>(future: F) -> F::Output {
    RECORDED_BODY.scope(std::cell::RefCell::new(Bytes::new()), future).await
}

/// Keeps the body of the current call for its record, should it fail.
fn record_body(bytes: &Bytes) {
    let _ = RECORDED_BODY.try_with(|cell| *cell.borrow_mut() = bytes.clone());
}

/// A failed WeChat call, with the mini program it concerns when known.
#[derive(Debug, Clone)]
pub struct WxFailure {
    pub error: WxError,
    pub app: Option<AppKey>,
}

impl WxFailure {
    pub fn for_app(app: AppKey) -> impl Fn(WxError) -> Self + Copy {
        move |error| Self { error, app: Some(app) }
    }
}

impl From<WxError> for WxFailure {
    fn from(error: WxError) -> Self {
        Self { error, app: None }
    }
}

impl IntoResponse for WxFailure {
    fn into_response(self) -> Response {
        // The body is written by `wx_errors`, which knows the rid.
        let mut response = StatusCode::OK.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Answers a wrong-method call to a POST-only endpoint.
async fn require_post() -> WxFailure {
    WxError::require_post().into()
}

/// The wire body of a failure.
fn error_body(error: &WxError, rid: &str) -> String {
    serde_json::json!({ "errcode": error.errcode, "errmsg": format!("{} rid: {rid}", error.errmsg) })
        .to_string()
}

/// The failure a response carries, if it is a failed WeChat call.
pub(crate) fn failure_of(response: &Response) -> Option<WxFailure> {
    response.extensions().get::<WxFailure>().cloned()
}

/// Writes a failure's wire body and records the call for `rid/get` when its mini program is
/// known. `started_ms` is when the request arrived.
pub(crate) async fn finish_failure(
    state: &AppState,
    failure: WxFailure,
    rid: &str,
    uri: &axum::http::Uri,
    client: &ClientSource,
    started_ms: i64,
) -> Response {
    let body = error_body(&failure.error, rid);
    if let Some(app) = failure.app {
        let request_body = RECORDED_BODY.try_with(|cell| scrub_body(&cell.borrow())).unwrap_or_default();
        let record = RequestRecord {
            rid: rid.to_owned(),
            app,
            invoke_time: started_ms / 1000,
            cost_in_ms: state.platform.clock.now_millis() - started_ms,
            request_url: crate::middleware::scrub_uri(uri),
            request_body,
            response_body: body.clone(),
            client_ip: client.resolve().0,
        };
        state.platform.record_failed_call(record).await;
    }
    json_response(body)
}

fn json_response(body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    response
}

/// A request body as kept for `rid/get`: secrets blanked, cut to a bounded size.
fn scrub_body(bytes: &Bytes) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(serde_json::Value::Object(mut map)) => {
            for key in
                ["secret", "appsecret", "component_appsecret", "session_key", "js_code", "code", "signature"]
            {
                if let Some(value) = map.get_mut(key) {
                    *value = serde_json::Value::String("***".into());
                }
            }
            serde_json::Value::Object(map).to_string()
        }
        _ => String::from_utf8_lossy(bytes).into_owned(),
    };
    let mut end = text.len().min(RECORDED_BODY_LIMIT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}
