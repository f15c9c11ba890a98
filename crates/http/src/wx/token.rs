//! `GET /cgi-bin/token` and `POST /cgi-bin/stable_token` (`wechat-api.md` §2).

use axum::extract::State;
use axum::Json;
use miniplat_core::tokens::{IssuedToken, TokenRequest};
use serde::{Deserialize, Serialize};

use super::{WxFailure, WxJson, WxQuery};
use crate::AppState;

/// The success body; `errcode` is omitted, as WeChat does.
#[derive(Serialize)]
pub struct TokenBody {
    access_token: String,
    expires_in: i64,
}

impl From<IssuedToken> for TokenBody {
    fn from(token: IssuedToken) -> Self {
        Self { access_token: token.access_token, expires_in: token.expires_in }
    }
}

pub async fn get_token(State(state): State<AppState>, query: WxQuery) -> Result<Json<TokenBody>, WxFailure> {
    let request = TokenRequest {
        grant_type: query.get("grant_type"),
        appid: query.get("appid"),
        secret: query.get("secret"),
    };
    let token = state.platform.issue_access_token(request).await?;
    Ok(Json(token.into()))
}

#[derive(Deserialize)]
pub struct StableTokenBody {
    grant_type: Option<String>,
    appid: Option<String>,
    secret: Option<String>,
    #[serde(default)]
    force_refresh: Option<bool>,
}

pub async fn stable_token(
    State(state): State<AppState>,
    WxJson(body): WxJson<StableTokenBody>,
) -> Result<Json<TokenBody>, WxFailure> {
    let request = TokenRequest {
        grant_type: body.grant_type.as_deref(),
        appid: body.appid.as_deref(),
        secret: body.secret.as_deref(),
    };
    let force = body.force_refresh.unwrap_or(false);
    // Token failures are not recorded for an app: the caller has not proved it owns one.
    let token = state.platform.stable_access_token(request, force).await?;
    Ok(Json(token.into()))
}
