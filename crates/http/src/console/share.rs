//! The "Share" tab of a mini program (clause 2.2): its QR codes (release and trial) to
//! download, the electronic name card, and the URL Links and Schemes generated through the
//! WeChat API with their expiry.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use base64::Engine;
use miniplat_core::apps::access::EnvVersion;
use miniplat_core::codes::links::{Link, LinkKind};

use super::apps::AppView;
use super::pages::{page, when, Chrome, PageError, PageResult};
use super::session::SignedIn;
use crate::AppState;

pub struct LinkRow {
    pub kind: &'static str,
    pub text: String,
    pub target: String,
    pub env: &'static str,
    pub created: String,
    pub expires: String,
    pub expired: bool,
}

#[derive(Template)]
#[template(path = "console/share.html")]
struct SharePage {
    chrome: Chrome,
    app: AppView,
    trial_code: String,
    trial_url: String,
    release_code: String,
    links: Vec<LinkRow>,
}

fn data_url(jpeg: &[u8]) -> String {
    format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(jpeg))
}

pub async fn share(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(appid): Path<String>,
) -> PageResult {
    let platform = &state.platform;
    let (app, role) = platform.app_for_member(&signed_in.developer, &appid).await?;
    let (trial, trial_url) =
        platform.member_code(&signed_in.developer, &appid, EnvVersion::Trial, "").await?;
    let (release, _) = platform.member_code(&signed_in.developer, &appid, EnvVersion::Release, "").await?;
    let now = platform.clock.now();
    let links = platform.links_of(app.key).await?.iter().map(|link| link_row(&state, link, now)).collect();
    Ok(page(&SharePage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "apps"),
        app: AppView::new(&app, role),
        trial_code: data_url(&trial),
        trial_url,
        release_code: data_url(&release),
        links,
    }))
}

fn link_row(state: &AppState, link: &Link, now: i64) -> LinkRow {
    let target = match (link.page.as_str(), link.query.as_str()) {
        ("", "") => "home page".to_owned(),
        ("", query) => format!("home page?{query}"),
        (page, "") => page.to_owned(),
        (page, query) => format!("{page}?{query}"),
    };
    LinkRow {
        kind: match link.kind {
            LinkKind::Scheme => "URL Scheme",
            LinkKind::UrlLink => "URL Link",
        },
        text: state.platform.link_text(link),
        target,
        env: link.env.as_str(),
        created: when(link.created_at),
        expires: when(link.expire_at),
        expired: link.is_expired(now),
    }
}

/// `GET /console/apps/{appid}/share/{trial,release}.jpg`: a code to download.
pub async fn code_image(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((appid, file)): Path<(String, String)>,
) -> PageResult {
    let env = match file.as_str() {
        "trial.jpg" => EnvVersion::Trial,
        "release.jpg" => EnvVersion::Release,
        _ => return Err(PageError::NotFound),
    };
    let (jpeg, _) = state.platform.member_code(&signed_in.developer, &appid, env, "").await?;
    let disposition = format!("attachment; filename=\"{appid}-{}\"", file);
    Ok(([(header::CONTENT_TYPE, "image/jpeg".to_owned()), (header::CONTENT_DISPOSITION, disposition)], jpeg)
        .into_response())
}
