//! The "Share" tab of a mini program (clause 2.2): its QR codes (release and trial) to
//! download, the electronic name card, and the URL Links and Schemes with their expiry —
//! generated through the WeChat API or here (same rules and counts), and revocable here.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use base64::Engine;
use miniplat_core::apps::access::EnvVersion;
use miniplat_core::apps::MemberRole;
use miniplat_core::codes::links::{Link, LinkKind, MemberLinkRequest};
use miniplat_core::Error;
use serde::Deserialize;

use super::apps::AppView;
use super::auth::{NoFields, NoticeQuery};
use super::csrf::Posted;
use super::pages::{
    form_status, notice_text, page, page_with, see_other, when, Chrome, FormError, PageError, PageResult,
};
use super::session::SignedIn;
use crate::AppState;

pub struct LinkRow {
    pub ticket: String,
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
    notice: Option<&'static str>,
    app: AppView,
    csrf: String,
    /// Developers and admins generate and revoke links.
    can_manage_links: bool,
    trial_code: String,
    trial_url: String,
    release_code: String,
    links: Vec<LinkRow>,
    /// A link just generated.
    created: Option<CreatedLink>,
    form: LinkForm,
    error: FormError,
}

pub struct CreatedLink {
    pub kind: &'static str,
    pub text: String,
}

/// The "Generate a link" form, also its values when shown again with an error.
#[derive(Deserialize)]
pub struct LinkForm {
    kind: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    query: String,
    env_version: String,
    days: String,
}

impl Default for LinkForm {
    fn default() -> Self {
        Self {
            kind: LinkKind::UrlLink.as_str().into(),
            path: String::new(),
            query: String::new(),
            env_version: EnvVersion::Trial.as_str().into(),
            days: "30".into(),
        }
    }
}

impl LinkForm {
    fn request(&self) -> Result<MemberLinkRequest, Error> {
        let kind =
            LinkKind::parse(&self.kind).ok_or_else(|| Error::invalid("kind", "is not a kind of link"))?;
        let env = EnvVersion::parse(&self.env_version)
            .ok_or_else(|| Error::invalid("env_version", "must be trial or develop"))?;
        let days =
            self.days.trim().parse().map_err(|_| Error::invalid("days", "must be between 1 and 30"))?;
        Ok(MemberLinkRequest { kind, path: self.path.clone(), query: self.query.clone(), env, days })
    }
}

fn data_url(jpeg: &[u8]) -> String {
    format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(jpeg))
}

async fn share_page(state: &AppState, signed_in: &SignedIn, appid: &str) -> Result<SharePage, Error> {
    let platform = &state.platform;
    let (app, role) = platform.app_for_member(&signed_in.developer, appid).await?;
    let (trial, trial_url) = platform.member_code(&signed_in.developer, appid, EnvVersion::Trial, "").await?;
    let (release, _) = platform.member_code(&signed_in.developer, appid, EnvVersion::Release, "").await?;
    let now = platform.clock.now();
    let links = platform.links_of(app.key).await?.iter().map(|link| link_row(state, link, now)).collect();
    Ok(SharePage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "apps"),
        notice: None,
        app: AppView::new(&app, role),
        csrf: signed_in.session.csrf_token.clone(),
        can_manage_links: role.ensure(MemberRole::Developer).is_ok(),
        trial_code: data_url(&trial),
        trial_url,
        release_code: data_url(&release),
        links,
        created: None,
        form: LinkForm::default(),
        error: FormError::none(),
    })
}

pub async fn share(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(appid): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let mut page_view = share_page(&state, &signed_in, &appid).await?;
    page_view.notice = notice_text(query.notice.as_deref());
    Ok(page(&page_view))
}

/// `POST /console/apps/{appid}/share/links`: generates a link and shows it on this response.
pub async fn generate_link(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    posted: Posted<SignedIn, LinkForm>,
) -> PageResult {
    let signed_in = &posted.auth;
    let form = posted.form;
    let outcome = match form.request() {
        Ok(request) => state.platform.member_generate_link(&signed_in.developer, &appid, request).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok((link, text)) => {
            let mut page_view = share_page(&state, signed_in, &appid).await?;
            page_view.created = Some(CreatedLink { kind: kind_name(link.kind), text });
            Ok(page(&page_view))
        }
        Err(error @ (Error::Store(_) | Error::NotFound(_) | Error::Forbidden(_))) => Err(error.into()),
        Err(error) => {
            let mut page_view = share_page(&state, signed_in, &appid).await?;
            page_view.error = FormError::from_error(&error);
            page_view.form = form;
            Ok(page_with(form_status(&error), &page_view))
        }
    }
}

/// `POST /console/apps/{appid}/share/links/{ticket}/revoke`: the link expires now.
pub async fn revoke_link(
    State(state): State<AppState>,
    Path((appid, ticket)): Path<(String, String)>,
    posted: Posted<SignedIn, NoFields>,
) -> PageResult {
    state.platform.revoke_link(&posted.auth.developer, &appid, &ticket).await?;
    Ok(see_other(&format!("/console/apps/{appid}/share?notice=link-revoked"), posted.htmx))
}

fn kind_name(kind: LinkKind) -> &'static str {
    match kind {
        LinkKind::Scheme => "URL Scheme",
        LinkKind::UrlLink => "URL Link",
    }
}

fn link_row(state: &AppState, link: &Link, now: i64) -> LinkRow {
    let target = match (link.page.as_str(), link.query.as_str()) {
        ("", "") => "home page".to_owned(),
        ("", query) => format!("home page?{query}"),
        (page, "") => page.to_owned(),
        (page, query) => format!("{page}?{query}"),
    };
    LinkRow {
        ticket: link.ticket.clone(),
        kind: kind_name(link.kind),
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
