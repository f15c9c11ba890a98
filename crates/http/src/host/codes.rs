//! What a scanned code (`/s/{ticket}`) or a URL Link / Scheme (`/l/{ticket}`) opens: the mini program, the page and scene it asks
//! for, and whether the viewer may open that version (clause 2.3, [`Platform::access_to`]).
//!
//! Mini programs run in the web runtime, which arrives in a later issue; until then this page
//! shows what the code opens and says so.
//!
//! [`Platform::access_to`]: miniplat_core::Platform::access_to

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use miniplat_core::apps::access::{Access, EnvVersion, Viewer};
use miniplat_core::apps::App;
use miniplat_core::codes::links::{Link, LinkKind, Opened};

use super::session;
use crate::console::pages::{page, page_with, stored_image, when, Chrome, PageError, PageResult};
use crate::AppState;

#[derive(Template)]
#[template(path = "host/code.html")]
struct CodePage {
    chrome: Chrome,
    /// Shown only to viewers who may know the mini program (members; permitted testers).
    details: Option<Details>,
    /// "Mini program code", "URL Link" or "URL Scheme".
    what: &'static str,
    env: &'static str,
    verdict: String,
    open: bool,
}

struct Details {
    name: String,
    introduction: String,
    icon_url: Option<String>,
    page: String,
    query: String,
    scene: Option<String>,
}

/// Who is looking: a developer signed in to the console counts first (members open develop
/// and trial versions), then an end user signed in to the host (testers), else anonymous.
pub(crate) async fn viewer(headers: &HeaderMap, state: &AppState) -> Result<(Viewer, Chrome), PageError> {
    if let Some(signed_in) = crate::console::session::current(headers, state).await? {
        let chrome = match session::current(headers, state).await? {
            Some(s) => Chrome::host(&s.user, &s.session, "apps"),
            None => Chrome::host_anonymous(),
        };
        return Ok((Viewer::Developer(signed_in.developer.id), chrome));
    }
    Ok(match session::current(headers, state).await? {
        Some(s) => (Viewer::EndUser(s.user.id), Chrome::host(&s.user, &s.session, "apps")),
        None => (Viewer::Anonymous, Chrome::host_anonymous()),
    })
}

/// Members always see which mini program a code belongs to; others only when they may open it.
pub(crate) async fn may_see_details(
    state: &AppState,
    app: &App,
    viewer: &Viewer,
    access: Access,
) -> Result<bool, PageError> {
    if access == Access::Open {
        return Ok(true);
    }
    Ok(match viewer {
        Viewer::Developer(id) => state
            .platform
            .store
            .member_role(app.key, *id)
            .await
            .map_err(miniplat_core::Error::from)?
            .is_some(),
        Viewer::EndUser(_) | Viewer::Anonymous => false,
    })
}

pub(crate) fn verdict(access: Access, env: EnvVersion) -> &'static str {
    match (access, env) {
        (Access::Open, _) => {
            "You may open this version. Mini programs will run right here once the web runtime \
             is available; until then this page shows what the code opens."
        }
        (Access::NotReleased, _) => "This mini program has not been released yet.",
        (Access::NoTrialVersion, _) => "This mini program has no trial version at the moment.",
        (Access::Paused, _) => "This mini program's service is paused by its developer. Try again later.",
        (Access::Banned, _) => {
            "This mini program has been banned by the platform for violating the platform rules \
             and cannot be opened."
        }
        (Access::NotPermitted, EnvVersion::Trial) => {
            "Only members and testers of this mini program can open its trial version. \
             Sign in with the account the developer added as a tester."
        }
        (Access::NotPermitted, _) => {
            "Only members of this mini program can open its development version. \
             Sign in to the developer console with a member's account."
        }
    }
}

/// `GET /s/{ticket}`: the page a scanned code opens.
pub async fn open_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(ticket): Path<String>,
) -> PageResult {
    let (code, app) = state.platform.resolve_code(&ticket).await?.ok_or(PageError::NotFound)?;
    let (viewer, chrome) = viewer(&headers, &state).await?;
    let access = state.platform.access_to(&app, code.env, &viewer).await?;
    let details = may_see_details(&state, &app, &viewer, access).await?.then(|| Details {
        icon_url: app.icon_key.as_ref().map(|_| format!("/s/{ticket}/icon")),
        name: app.name.as_str().to_owned(),
        introduction: app.introduction.clone(),
        page: if code.page.is_empty() { "the home page".into() } else { code.page.clone() },
        query: code.query.clone(),
        scene: code.scene.clone(),
    });
    Ok(page(&CodePage {
        chrome,
        details,
        what: "Mini program code",
        env: code.env.as_str(),
        verdict: verdict(access, code.env).to_owned(),
        open: access == Access::Open,
    }))
}

/// `GET /l/{ticket}`: what a URL Link (or a URL Scheme's web landing) opens. An expired link
/// says so plainly (HTTP 410); the daily opening limit too (HTTP 429).
pub async fn open_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(ticket): Path<String>,
) -> PageResult {
    let opened = state.platform.open_link(&ticket).await?.ok_or(PageError::NotFound)?;
    let (viewer, chrome) = viewer(&headers, &state).await?;
    let (link, app) = match opened {
        Opened::Found(link, app) => (link, app),
        Opened::Expired(link, _) => {
            let verdict = format!(
                "This link expired on {}. Ask whoever shared it for a new one.",
                when(link.expire_at)
            );
            let page = CodePage {
                chrome,
                details: None,
                what: what(&link),
                env: link.env.as_str(),
                verdict,
                open: false,
            };
            return Ok(page_with(StatusCode::GONE, &page));
        }
        Opened::VisitLimit(_) => {
            let verdict =
                "This mini program's links were opened too often today; try again tomorrow.".to_owned();
            let page = CodePage { chrome, details: None, what: "Link", env: "", verdict, open: false };
            return Ok(page_with(StatusCode::TOO_MANY_REQUESTS, &page));
        }
    };
    let access = state.platform.access_to(&app, link.env, &viewer).await?;
    let details = may_see_details(&state, &app, &viewer, access).await?.then(|| Details {
        icon_url: None,
        name: app.name.as_str().to_owned(),
        introduction: app.introduction.clone(),
        page: if link.page.is_empty() { "the home page".into() } else { link.page.clone() },
        query: link.query.clone(),
        scene: None,
    });
    let verdict = format!("{} Valid until {}.", verdict(access, link.env), when(link.expire_at));
    Ok(page(&CodePage {
        chrome,
        details,
        what: what(&link),
        env: link.env.as_str(),
        verdict,
        open: access == Access::Open,
    }))
}

fn what(link: &Link) -> &'static str {
    match link.kind {
        LinkKind::Scheme => "URL Scheme",
        LinkKind::UrlLink => "URL Link",
    }
}

/// `GET /s/{ticket}/icon`: the icon, for those who may see the details.
pub async fn code_icon(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(ticket): Path<String>,
) -> PageResult {
    let (code, app) = state.platform.resolve_code(&ticket).await?.ok_or(PageError::NotFound)?;
    let (viewer, _) = viewer(&headers, &state).await?;
    let access = state.platform.access_to(&app, code.env, &viewer).await?;
    if !may_see_details(&state, &app, &viewer, access).await? {
        return Err(PageError::NotFound);
    }
    let key = app.icon_key.as_deref().ok_or(PageError::NotFound)?;
    stored_image(&state, key, "private, max-age=300").await
}
