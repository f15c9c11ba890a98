//! The "Review" tab: submit the trial version for release review (pages, notes, preview
//! images), the newest review with its automated checks, the reason and screenshots of a
//! rejection, withdraw and expedite, this month's quota, and earlier reviews.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use miniplat_core::apps::{App, MemberRole};
use miniplat_core::audit::Actor;
use miniplat_core::review::quota::ReviewQuota;
use miniplat_core::review::submit::MAX_ITEMS;
use miniplat_core::review::{
    CheckResult, CheckStatus, PreviewInfo, Review, ReviewId, ReviewItem, ReviewState, Submission,
};
use miniplat_core::wx::WxError;
use miniplat_core::Error;

use super::apps::AppView;
use super::auth::{NoFields, NoticeQuery};
use super::csrf::{Posted, Uploaded};
use super::pages::{notice_text, page, page_with, see_other, when, Chrome, PageError, PageResult};
use super::session::SignedIn;
use crate::AppState;

/// Preview images the form takes (the wire takes up to 10).
const FORM_PICTURES: usize = 3;
/// Three images of at most 10 MB each, and the form around them.
pub const UPLOAD_LIMIT: usize = 31 * 1024 * 1024;

pub struct ReviewRow {
    pub id: i64,
    pub version: String,
    pub state: &'static str,
    pub state_class: &'static str,
    pub submitted: String,
    pub decided: String,
    pub reason_lines: Vec<String>,
    pub screenshots: Vec<String>,
    pub open: bool,
    pub expedited: bool,
}

impl From<&Review> for ReviewRow {
    fn from(r: &Review) -> Self {
        Self {
            id: r.id.0,
            version: r.version.user_version.as_str().to_owned(),
            state: r.state.as_str(),
            state_class: match r.state {
                ReviewState::Approved => "success",
                ReviewState::Rejected => "danger",
                ReviewState::Checking | ReviewState::Queued => "warning",
                ReviewState::Withdrawn => "neutral",
            },
            submitted: when(r.submitted_at),
            decided: r.decided_at.map(when).unwrap_or_default(),
            reason_lines: r
                .reason
                .as_deref()
                .map(|t| t.split("<br>").map(str::to_owned).collect())
                .unwrap_or_default(),
            screenshots: r.screenshots.clone(),
            open: r.state.is_open(),
            expedited: r.expedited_at.is_some(),
        }
    }
}

pub struct CheckRow {
    pub check: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub reason: String,
}

impl From<&CheckResult> for CheckRow {
    fn from(c: &CheckResult) -> Self {
        let (status, status_class) = match c.status {
            CheckStatus::Pass => ("pass", "success"),
            CheckStatus::Warn => ("warning", "warning"),
            CheckStatus::Fail => ("fail", "danger"),
            CheckStatus::NeedsHuman => ("for the reviewer", "neutral"),
        };
        Self { check: c.check.clone(), status, status_class, reason: c.reason.clone() }
    }
}

#[derive(Template)]
#[template(path = "console/review.html")]
struct ReviewPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    error: Option<String>,
    app: AppView,
    csrf: String,
    can_submit: bool,
    /// The trial version's pages, for the item selects; empty without a trial version.
    pages: Vec<String>,
    quota: ReviewQuota,
    latest: Option<ReviewRow>,
    checks: Vec<CheckRow>,
    earlier: Vec<ReviewRow>,
    item_slots: Vec<usize>,
    picture_slots: Vec<usize>,
    version_desc: String,
}

/// The review tab's confirmations, besides the shared ones.
fn review_notice(key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "review-submitted" => "The trial version was submitted; the automated checks run first.",
        "review-withdrawn" => "The review was withdrawn.",
        "review-expedited" => "The review was expedited; reviewers take it first.",
        other => return notice_text(Some(other)),
    })
}

/// A WeChat refusal as a sentence for the page, with its errcode for reference.
fn refusal_text(error: &WxError) -> String {
    format!("{} (errcode {}).", error.errmsg, error.errcode)
}

async fn review_page(state: &AppState, signed_in: &SignedIn, appid: &str) -> Result<ReviewPage, Error> {
    let (app, role) = state.platform.app_for_member(&signed_in.developer, appid).await?;
    let platform = &state.platform;
    let reviews = platform.reviews_of(app.key).await?;
    let (latest, checks) = match reviews.first() {
        Some(newest) => {
            let (review, checks) = platform.review_with_checks(app.key, newest.id).await?;
            (Some(ReviewRow::from(&review)), checks.iter().map(CheckRow::from).collect())
        }
        None => (None, Vec::new()),
    };
    Ok(ReviewPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "apps"),
        notice: None,
        error: None,
        app: AppView::new(&app, role),
        csrf: signed_in.session.csrf_token.clone(),
        can_submit: matches!(role, MemberRole::Admin | MemberRole::Developer),
        pages: platform.trial_pages(app.key).await.unwrap_or_default(),
        quota: platform.review_quota(&app).await?,
        latest,
        checks,
        earlier: reviews.iter().skip(1).map(ReviewRow::from).collect(),
        item_slots: (1..=MAX_ITEMS).collect(),
        picture_slots: (1..=FORM_PICTURES).collect(),
        version_desc: String::new(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(appid): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let mut view = review_page(&state, &signed_in, &appid).await?;
    view.notice = review_notice(query.notice.as_deref());
    Ok(page(&view))
}

/// Re-renders the tab with a refusal.
async fn refused(
    state: &AppState,
    signed_in: &SignedIn,
    appid: &str,
    error: &WxError,
    desc: &str,
) -> PageResult {
    if error.errcode == -1 {
        return Err(PageError::Domain(Error::Store(miniplat_core::error::StoreError::Backend(
            error.errmsg.clone(),
        ))));
    }
    let mut view = review_page(state, signed_in, appid).await?;
    view.error = Some(refusal_text(error));
    view.version_desc = desc.to_owned();
    Ok(page_with(StatusCode::CONFLICT, &view))
}

async fn developer_app(state: &AppState, signed_in: &SignedIn, appid: &str) -> Result<App, PageError> {
    Ok(state.platform.app_for_review(&signed_in.developer, appid, Some(MemberRole::Developer)).await?)
}

/// Submits the trial version (multipart: pages, notes and preview images).
pub async fn submit(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    upload: Uploaded<SignedIn>,
) -> PageResult {
    let signed_in = &upload.auth;
    let app = developer_app(&state, signed_in, &appid).await?;
    let desc = upload.field("version_desc").to_owned();
    let items: Vec<ReviewItem> = (1..=MAX_ITEMS)
        .filter_map(|slot| {
            let address = upload.field(&format!("item_address_{slot}")).trim().to_owned();
            let title = upload.field(&format!("item_title_{slot}")).trim().to_owned();
            (!address.is_empty()).then(|| ReviewItem {
                address: Some(address),
                title: (!title.is_empty()).then_some(title),
                ..ReviewItem::default()
            })
        })
        .collect();
    let mut pictures = Vec::new();
    for slot in 1..=FORM_PICTURES {
        if let Some(bytes) = upload.files.get(&format!("picture_{slot}")) {
            match state.platform.upload_media(app.key, bytes.clone()).await {
                Ok(media) => pictures.push(media.media_id),
                Err(error @ Error::Invalid { .. }) => {
                    let refusal = WxError::preview_info_invalid(&error.to_string());
                    return refused(&state, signed_in, &appid, &refusal, &desc).await;
                }
                Err(error) => return Err(error.into()),
            }
        }
    }
    let submission = Submission {
        item_list: items,
        version_desc: desc.clone(),
        preview_info: PreviewInfo { pic_id_list: pictures, video_id_list: Vec::new() },
        privacy_api_not_use: upload.field("privacy_api_not_use") == "on",
        ..Submission::default()
    };
    match state.platform.submit_for_review(&app, submission, Some(signed_in.developer.id)).await {
        Ok(_) => Ok(see_other(&format!("/console/apps/{appid}/review?notice=review-submitted"), false)),
        Err(error) => refused(&state, signed_in, &appid, &error, &desc).await,
    }
}

pub async fn withdraw(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    posted: Posted<SignedIn, NoFields>,
) -> PageResult {
    let app = developer_app(&state, &posted.auth, &appid).await?;
    match state.platform.withdraw_review(&app, Actor::Developer(posted.auth.developer.id)).await {
        Ok(_) => Ok(see_other(&format!("/console/apps/{appid}/review?notice=review-withdrawn"), posted.htmx)),
        Err(error) => refused(&state, &posted.auth, &appid, &error, "").await,
    }
}

pub async fn expedite(
    State(state): State<AppState>,
    Path((appid, id)): Path<(String, i64)>,
    posted: Posted<SignedIn, NoFields>,
) -> PageResult {
    let app = developer_app(&state, &posted.auth, &appid).await?;
    let actor = Actor::Developer(posted.auth.developer.id);
    match state.platform.expedite_review(&app, ReviewId(id), actor).await {
        Ok(()) => {
            Ok(see_other(&format!("/console/apps/{appid}/review?notice=review-expedited"), posted.htmx))
        }
        Err(error) => refused(&state, &posted.auth, &appid, &error, "").await,
    }
}

/// A medium of the app (a rejection's screenshot, a preview image), for its members.
pub async fn media(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((appid, media_id)): Path<(String, String)>,
) -> PageResult {
    let (app, _) = state.platform.app_for_member(&signed_in.developer, &appid).await?;
    let (media, bytes) = state.platform.media_bytes(app.key, &media_id).await?.ok_or(PageError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, media.content_type),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
