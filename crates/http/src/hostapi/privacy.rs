//! Privacy in the Host API (clause 4.4 (3)–(4)): what a host asks before a mini program gets
//! personal data, and how it records the user's answers. The same actions serve native hosts
//! (`/host/v1/privacy/{action}`, the body names the host's `user`) and the web host
//! (`/host/web/privacy/{action}`, the signed-in user):
//!
//! - `setting`: `wx.getPrivacySetting` — the guide that applies and whether the user must agree;
//! - `agree`: the user agreed to `policy_version` in the host's privacy pop-up;
//! - `withdraw`: the user withdrew consent to the mini program;
//! - `authorize`: the user's answer to a scope (`wx.authorize`, or a switch of `wx.openSetting`);
//! - `auth-setting`: `wx.getSetting`'s `authSetting`.
//!
//! Every decision is recorded with the channel it came through: `web`, or `host:<host key>`.

use axum::extract::State;
use axum::Json;
use miniplat_core::accounts::EndUser;
use miniplat_core::privacy::catalogue;
use miniplat_core::Error;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::auth::{NativeHost, WebHostUser};
use super::env_version;
use crate::api::error::ApiError;
use crate::api::{ApiJson, ApiPath};
use crate::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyRequest {
    appid: String,
    /// The host's user; native hosts only.
    user: Option<String>,
    env_version: Option<String>,
    /// `agree`: the policy version the user was shown.
    policy_version: Option<i64>,
    /// `authorize`: the scope and the answer (granted unless `false`).
    scope: Option<String>,
    granted: Option<bool>,
}

pub async fn native(
    State(state): State<AppState>,
    NativeHost(host): NativeHost,
    ApiPath(action): ApiPath<String>,
    ApiJson(request): ApiJson<PrivacyRequest>,
) -> Result<Json<Value>, ApiError> {
    let name = request.user.as_deref().ok_or_else(|| Error::invalid("user", "is required"))?;
    let user = state.platform.host_user(&host, name).await?;
    let channel = format!("host:{}", host.key);
    Ok(Json(act(&state, &action, &user, &channel, request).await?))
}

pub async fn web(
    State(state): State<AppState>,
    WebHostUser(user): WebHostUser,
    ApiPath(action): ApiPath<String>,
    ApiJson(request): ApiJson<PrivacyRequest>,
) -> Result<Json<Value>, ApiError> {
    if request.user.is_some() {
        return Err(Error::invalid("user", "is the signed-in user on the web host").into());
    }
    Ok(Json(act(&state, &action, &user, "web", request).await?))
}

async fn act(
    state: &AppState,
    action: &str,
    user: &EndUser,
    channel: &str,
    request: PrivacyRequest,
) -> Result<Value, Error> {
    let platform = &state.platform;
    let env = env_version(request.env_version.as_deref())?;
    // Consent concerns mini programs the user may open, others stay invisible; withdrawing
    // works even when the user may no longer open it.
    let app = if action == "withdraw" {
        platform.app_by_appid(&request.appid).await?
    } else {
        platform.app_open_to(&request.appid, env, user.id).await?
    };
    match action {
        "setting" => {
            let prompt = platform.privacy_prompt(&app, env, user.id).await?;
            let policy = prompt.policy.map(|policy| {
                let guide = if policy.kind == miniplat_core::privacy::PolicyKind::Development {
                    "?guide=development&"
                } else {
                    "?"
                };
                let items: Vec<Value> = policy
                    .document
                    .setting_list
                    .iter()
                    .map(|item| {
                        json!({
                            "privacyKey": item.privacy_key,
                            "name": catalogue::english_label(&item.privacy_key),
                            "purpose": item.privacy_text,
                        })
                    })
                    .collect();
                json!({
                    "version": policy.version,
                    "url": format!(
                        "{}/apps/{}/privacy{guide}version={}",
                        platform.config.public_url, app.appid, policy.version
                    ),
                    "items": items,
                })
            });
            Ok(json!({
                "needAuthorization": prompt.needs_agreement,
                "privacyContractName": format!("《{} Privacy Policy》", app.name.as_str()),
                "policy": policy,
            }))
        }
        "agree" => {
            let version =
                request.policy_version.ok_or_else(|| Error::invalid("policy_version", "is required"))?;
            let consent = platform.agree_to_privacy_policy(&app, env, user.id, version, channel).await?;
            Ok(json!({ "policyVersion": consent.version, "items": consent.items }))
        }
        "withdraw" => {
            let withdrawn = platform.withdraw_privacy_consent(&app, user.id, channel).await?;
            Ok(json!({ "withdrawn": withdrawn }))
        }
        "authorize" => {
            let scope = request.scope.as_deref().ok_or_else(|| Error::invalid("scope", "is required"))?;
            let granted = request.granted.unwrap_or(true);
            let grant = platform.answer_scope(&app, env, user.id, scope, granted, channel).await?;
            Ok(json!({ "scope": grant.scope, "granted": grant.granted }))
        }
        "auth-setting" => {
            let grants = platform.scope_grants(&app, user.id).await?;
            let settings: Map<String, Value> =
                grants.into_iter().map(|g| (g.scope, Value::Bool(g.granted))).collect();
            Ok(json!({ "authSetting": settings }))
        }
        _ => Err(Error::NotFound("privacy action")),
    }
}
