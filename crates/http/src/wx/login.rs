//! Login, session keys and phone numbers (`wechat-api.md` §3.1–3.4, §3.6): `jscode2session`
//! (appid + secret, no token), the user-login-state signed GETs `checksession`,
//! `resetusersessionkey` and `getuserencryptkey`, and `getuserphonenumber`.

use axum::extract::State;
use axum::Json;
use miniplat_core::accounts::login::{CodeToSession, SignedRequest};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{WxCaller, WxFailure, WxJson, WxQuery};
use crate::AppState;

/// The success body has no errcode, as WeChat's (and wechatpy's fixture) has none.
#[derive(Serialize)]
pub struct SessionBody {
    openid: String,
    session_key: String,
    unionid: String,
}

/// `GET /sns/jscode2session`. wechatpy adds an `access_token`; it is ignored.
pub async fn jscode2session(
    State(state): State<AppState>,
    query: WxQuery,
) -> Result<Json<SessionBody>, WxFailure> {
    let request = CodeToSession {
        appid: query.get("appid"),
        secret: query.get("secret"),
        js_code: query.get("js_code"),
        grant_type: query.get("grant_type"),
    };
    let session = state.platform.code_to_session(request).await?;
    Ok(Json(SessionBody {
        openid: session.openid,
        session_key: session.session_key,
        unionid: session.unionid,
    }))
}

fn signed(query: &WxQuery) -> SignedRequest<'_> {
    SignedRequest {
        openid: query.get("openid"),
        signature: query.get("signature"),
        sig_method: query.get("sig_method"),
    }
}

/// `GET /wxa/checksession`: is the signature made with the user's current session key?
pub async fn check_session(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    query: WxQuery,
) -> Result<Json<Value>, WxFailure> {
    state
        .platform
        .verify_login_state(&caller, &signed(&query), b"")
        .await
        .map_err(WxFailure::for_app(caller.app))?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok" })))
}

/// `GET /wxa/resetusersessionkey`: replaces the user's session key.
pub async fn reset_session_key(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    query: WxQuery,
) -> Result<Json<Value>, WxFailure> {
    let (openid, session_key) = state
        .platform
        .reset_session_key(&caller, &signed(&query))
        .await
        .map_err(WxFailure::for_app(caller.app))?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok", "openid": openid, "session_key": session_key })))
}

/// `GET /wxa/business/getuserencryptkey`: the user's last three network encrypt keys.
pub async fn user_encrypt_key(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    query: WxQuery,
) -> Result<Json<Value>, WxFailure> {
    let keys = state
        .platform
        .user_encrypt_keys(&caller, &signed(&query))
        .await
        .map_err(WxFailure::for_app(caller.app))?;
    let list: Vec<Value> = keys
        .into_iter()
        .map(|k| {
            json!({
                "encrypt_key": k.encrypt_key,
                "version": k.version,
                "expire_in": k.expire_in,
                "iv": k.iv,
                "create_time": k.create_time,
            })
        })
        .collect();
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok", "key_info_list": list })))
}

#[derive(Deserialize)]
pub struct PhoneNumberRequest {
    code: Option<String>,
    openid: Option<String>,
}

/// `POST /wxa/business/getuserphonenumber`.
pub async fn phone_number(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    WxJson(body): WxJson<PhoneNumberRequest>,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let code = body
        .code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| fail(miniplat_core::wx::WxError::missing_code()))?;
    let info = state
        .platform
        .phone_number(&caller, &code, body.openid.as_deref())
        .await
        .map_err(WxFailure::for_app(caller.app))?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok", "phone_info": info.to_json() })))
}
