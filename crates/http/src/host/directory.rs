//! The public directory of mini programs (clause 4.12): `/mini-programs?q=…` lists released,
//! running, searchable mini programs under no ban; `/mini-programs/{appid}` opens one — the
//! version the viewer gets (during a gray release, the gray one for its users) — or says
//! plainly why it cannot be opened (not released, paused, banned).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use miniplat_core::apps::access::{Access, EnvVersion};
use serde::Deserialize;

use super::codes::{verdict, viewer};
use crate::console::pages::{page, page_with, stored_image, Chrome, PageError, PageResult};
use crate::AppState;

struct Listed {
    appid: String,
    name: String,
    introduction: String,
    has_icon: bool,
}

#[derive(Template)]
#[template(path = "host/directory.html")]
struct DirectoryPage {
    chrome: Chrome,
    query: String,
    apps: Vec<Listed>,
}

#[derive(Deserialize)]
pub struct DirectoryQuery {
    #[serde(default)]
    q: String,
}

/// `GET /mini-programs?q=…`.
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<DirectoryQuery>,
) -> PageResult {
    let (_, chrome) = viewer(&headers, &state).await?;
    let apps = state
        .platform
        .directory(&query.q)
        .await?
        .into_iter()
        .map(|app| Listed {
            appid: app.appid.as_str().to_owned(),
            name: app.name.as_str().to_owned(),
            introduction: app.introduction,
            has_icon: app.icon_key.is_some(),
        })
        .collect();
    Ok(page(&DirectoryPage { chrome, query: query.q.chars().take(40).collect(), apps }))
}

#[derive(Template)]
#[template(path = "host/mini_program.html")]
struct MiniProgramPage {
    chrome: Chrome,
    appid: String,
    name: String,
    introduction: String,
    has_icon: bool,
    /// `(user version, gray)` of the version the viewer gets, when open.
    version: Option<(String, bool)>,
    verdict: &'static str,
}

/// `GET /mini-programs/{appid}`: the released mini program, for everyone; an unreleased one
/// is "not found" to all but what `access_to` says.
pub async fn open(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(appid): Path<String>,
) -> PageResult {
    let app = state.platform.app_by_appid(&appid).await.map_err(|_| PageError::NotFound)?;
    let (viewer, chrome) = viewer(&headers, &state).await?;
    let access = state.platform.access_to(&app, EnvVersion::Release, &viewer).await?;
    if access == Access::NotReleased {
        return Err(PageError::NotFound);
    }
    let version = match access {
        Access::Open => state
            .platform
            .served_version(&app, &viewer)
            .await?
            .map(|served| (served.version.user_version.as_str().to_owned(), served.gray)),
        _ => None,
    };
    let status = match access {
        Access::Open => StatusCode::OK,
        Access::Banned => StatusCode::FORBIDDEN,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    };
    let view = MiniProgramPage {
        chrome,
        appid: app.appid.as_str().to_owned(),
        name: app.name.as_str().to_owned(),
        introduction: app.introduction.clone(),
        has_icon: app.icon_key.is_some() && access == Access::Open,
        version,
        verdict: verdict(access, EnvVersion::Release),
    };
    Ok(if status == StatusCode::OK { page(&view) } else { page_with(status, &view) })
}

/// `GET /mini-programs/{appid}/icon`: the icon of a mini program that is open.
pub async fn icon(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(appid): Path<String>,
) -> PageResult {
    let app = state.platform.app_by_appid(&appid).await.map_err(|_| PageError::NotFound)?;
    let (viewer, _) = viewer(&headers, &state).await?;
    if state.platform.access_to(&app, EnvVersion::Release, &viewer).await? != Access::Open {
        return Err(PageError::NotFound);
    }
    let key = app.icon_key.as_deref().ok_or(PageError::NotFound)?;
    stored_image(&state, key, "public, max-age=300").await
}
