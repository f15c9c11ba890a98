//! The review console (`/review`) for reviewers and staff: the queue (staff) or the reviews
//! assigned to the reviewer, "take the next review", and one review's page with the
//! submission, its media, the validation and automated check reports, the package's files,
//! what changed since the live version, and the decision form. Anyone else gets the 404 page;
//! a reviewer gets it for every review not assigned to them.

use askama::Template;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use miniplat_core::accounts::DeveloperId;
use miniplat_core::review::{CheckStatus, ReviewId, ReviewState};
use miniplat_core::reviewing::diff::LineOp;
use miniplat_core::reviewing::{Decision, QueueEntry, ReviewDesk, ReviewOrgId};
use serde::Deserialize;

use super::auth::{NoFields, NoticeQuery};
use super::csrf::{CsrfHolder, Posted, Uploaded};
use super::pages::{page, see_other, when, Chrome, PageError, PageResult};
use super::session::SignedIn;
use super::versions::{findings, size_label, Finding};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/review", get(desk))
        .route("/review/claim", post(claim))
        .route("/review/{id}", get(show))
        .route("/review/{id}/files/{*path}", get(file))
        .route("/review/{id}/diff/{*path}", get(diff))
        .route("/review/{id}/media/{media_id}", get(media))
        .route("/review/{id}/decide", post(decide).layer(DefaultBodyLimit::max(DECISION_BODY_LIMIT)))
        .route("/review/{id}/assign", post(assign))
        .route("/review/{id}/expedite", post(expedite))
}

/// A decision with its screenshots: room for five screenshots of a few megabytes each.
const DECISION_BODY_LIMIT: usize = 20 << 20;

/// A signed-in reviewer or staff member; anyone else gets the 404 page.
pub struct AtDesk {
    pub signed_in: SignedIn,
    pub desk: ReviewDesk,
}

impl CsrfHolder for AtDesk {
    fn csrf_token(&self) -> &str {
        self.signed_in.csrf_token()
    }
}

impl FromRequestParts<AppState> for AtDesk {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        match state.platform.review_desk(&signed_in.developer).await {
            Ok(desk) => Ok(Self { signed_in, desk }),
            Err(error) => Err(PageError::from(error).into_response()),
        }
    }
}

impl AtDesk {
    fn chrome(&self) -> Chrome {
        Chrome::console(&self.signed_in.developer, &self.signed_in.session, "review")
    }

    fn csrf(&self) -> String {
        self.signed_in.session.csrf_token.clone()
    }
}

/// The confirmations this console shows after a redirect.
fn notice(key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "queue-empty" => "No review is waiting in the queue.",
        "decided" => "The decision was recorded and the developer's server notified.",
        "assigned" => "The review was assigned.",
        "expedited" => "The review moved to the front of the queue.",
        _ => return None,
    })
}

pub struct EntryRow {
    pub id: i64,
    pub app_name: String,
    pub appid: String,
    pub version: String,
    pub state: &'static str,
    pub submitted: String,
    pub delayed: bool,
    pub expedited: bool,
    pub assigned: String,
}

/// Where a review can be assigned: an organisation's pool or one of its reviewers.
pub struct Target {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "review/desk.html")]
struct DeskPage {
    chrome: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    staff: bool,
    reviewer_of: Option<String>,
    entries: Vec<EntryRow>,
}

fn entry_row(e: &QueueEntry, names: &[(ReviewOrgId, String)], people: &[(DeveloperId, String)]) -> EntryRow {
    let assigned = match &e.assignment {
        None => "Unassigned".to_owned(),
        Some(a) => {
            let org = names.iter().find(|(id, _)| *id == a.org).map_or("?", |(_, n)| n.as_str());
            match a.reviewer {
                None => format!("{org} (pool)"),
                Some(r) => {
                    let who = people
                        .iter()
                        .find(|(id, _)| *id == r)
                        .map_or_else(|| format!("#{}", r.0), |(_, e)| e.clone());
                    format!("{who} · {org}")
                }
            }
        }
    };
    EntryRow {
        id: e.review.0,
        app_name: e.app_name.clone(),
        appid: e.appid.clone(),
        version: e.user_version.clone(),
        state: e.state.as_str(),
        submitted: when(e.submitted_at),
        delayed: e.delayed_at.is_some(),
        expedited: e.expedited_at.is_some(),
        assigned,
    }
}

/// Organisation names and reviewer emails for labels, and the assignment targets (staff only).
async fn directory(
    state: &AppState,
    at: &AtDesk,
) -> Result<(Vec<(ReviewOrgId, String)>, Vec<(DeveloperId, String)>, Vec<Target>), PageError> {
    if !at.desk.staff {
        let names = at.desk.reviewer.iter().map(|r| (r.org, r.org_name.clone())).collect();
        let people = vec![(at.desk.developer.id, at.desk.developer.email.to_string())];
        return Ok((names, people, Vec::new()));
    }
    let developer = &at.signed_in.developer;
    let orgs = state.platform.review_orgs(developer).await?;
    let reviewers = state.platform.reviewers(developer).await?;
    let mut targets = Vec::new();
    for org in orgs.iter().filter(|o| o.active) {
        targets.push(Target { value: format!("org-{}", org.id.0), label: format!("{} (pool)", org.name) });
        for r in reviewers.iter().filter(|r| r.org == org.id && r.can_review()) {
            targets.push(Target {
                value: format!("reviewer-{}-{}", org.id.0, r.developer.0),
                label: format!("{} · {}", r.email, org.name),
            });
        }
    }
    let names = orgs.into_iter().map(|o| (o.id, o.name)).collect();
    let people = reviewers.into_iter().map(|r| (r.developer, r.email.to_string())).collect();
    Ok((names, people, targets))
}

async fn desk(State(state): State<AppState>, at: AtDesk, Query(query): Query<NoticeQuery>) -> PageResult {
    let entries = state.platform.desk_reviews(&at.desk).await?;
    let (names, people, _) = directory(&state, &at).await?;
    Ok(page(&DeskPage {
        chrome: at.chrome(),
        csrf: at.csrf(),
        notice: notice(query.notice.as_deref()),
        staff: at.desk.staff,
        reviewer_of: at.desk.reviewer.as_ref().map(|r| r.org_name.clone()),
        entries: entries.iter().map(|e| entry_row(e, &names, &people)).collect(),
    }))
}

async fn claim(State(state): State<AppState>, posted: Posted<AtDesk, NoFields>) -> PageResult {
    let claimed = state.platform.claim_next_review(&posted.auth.desk).await?;
    let location = match claimed {
        Some(id) => format!("/review/{}", id.0),
        None => "/review?notice=queue-empty".to_owned(),
    };
    Ok(see_other(&location, posted.htmx))
}

pub struct ItemRow {
    pub address: String,
    pub tag: String,
    pub category: String,
    pub title: String,
}

pub struct CheckRow {
    pub check: String,
    pub status: &'static str,
    pub class: &'static str,
    pub reason: String,
}

pub struct ChangeRow {
    pub path: String,
    pub change: &'static str,
}

pub struct FileRow {
    pub path: String,
    pub size: String,
}

pub struct ReasonOption {
    pub code: String,
    pub title: String,
}

#[derive(Template)]
#[template(path = "review/review.html")]
struct ReviewPage {
    chrome: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    staff: bool,
    id: i64,
    app_name: String,
    appid: String,
    version: String,
    description: String,
    state: &'static str,
    decidable: bool,
    submitted: String,
    delayed: Option<String>,
    assigned: String,
    items: Vec<ItemRow>,
    version_desc: String,
    feedback_info: String,
    feedback_stuff: Vec<String>,
    pictures: Vec<String>,
    videos: Vec<String>,
    ugc: Option<String>,
    privacy_api_not_use: bool,
    order_path: Option<String>,
    reason: Option<String>,
    screenshots: Vec<String>,
    checks: Vec<CheckRow>,
    findings: Vec<Finding>,
    live: Option<String>,
    changes: Vec<ChangeRow>,
    files: Vec<FileRow>,
    reasons: Vec<ReasonOption>,
    targets: Vec<Target>,
}

fn check_row(check: &miniplat_core::review::CheckResult) -> CheckRow {
    let (status, class) = match check.status {
        CheckStatus::Pass => ("pass", "success"),
        CheckStatus::Warn => ("warn", "warning"),
        CheckStatus::Fail => ("fail", "danger"),
        CheckStatus::NeedsHuman => ("needs a person", "warning"),
    };
    CheckRow { check: check.check.clone(), status, class, reason: check.reason.clone() }
}

async fn show(
    State(state): State<AppState>,
    at: AtDesk,
    Path(id): Path<i64>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let folder = state.platform.review_folder(&at.desk, ReviewId(id)).await?;
    let (names, people, targets) = directory(&state, &at).await?;
    let reasons = state.platform.rejection_reasons().await?;
    let review = &folder.review;
    let submission = &review.submission;
    let entry = QueueEntry {
        review: review.id,
        app: folder.app.key,
        appid: folder.app.appid.to_string(),
        app_name: folder.app.name.as_str().to_owned(),
        user_version: review.version.user_version.as_str().to_owned(),
        state: review.state,
        submitted_at: review.submitted_at,
        delayed_at: review.delayed_at,
        expedited_at: None,
        assignment: folder.assignment.clone(),
    };
    let optional = |v: &Option<String>| v.clone().unwrap_or_default();
    Ok(page(&ReviewPage {
        chrome: at.chrome(),
        csrf: at.csrf(),
        notice: notice(query.notice.as_deref()),
        staff: at.desk.staff,
        id,
        app_name: entry.app_name.clone(),
        appid: entry.appid.clone(),
        version: entry.user_version.clone(),
        description: review.version.description.clone(),
        state: review.state.as_str(),
        decidable: review.state == ReviewState::Queued,
        submitted: when(review.submitted_at),
        delayed: review
            .delayed_at
            .map(|at| format!("{} — {}", when(at), review.delay_reason.clone().unwrap_or_default())),
        assigned: entry_row(&entry, &names, &people).assigned,
        items: submission
            .item_list
            .iter()
            .map(|i| ItemRow {
                address: optional(&i.address),
                tag: optional(&i.tag),
                category: [&i.first_class, &i.second_class, &i.third_class]
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" › "),
                title: optional(&i.title),
            })
            .collect(),
        version_desc: submission.version_desc.clone(),
        feedback_info: submission.feedback_info.clone(),
        feedback_stuff: submission.feedback_stuff.clone(),
        pictures: submission.preview_info.pic_id_list.clone(),
        videos: submission.preview_info.video_id_list.clone(),
        ugc: submission.ugc_declare.as_ref().map(|u| {
            format!(
                "scenes {:?}, methods {:?}, own audit team: {}{}{}",
                u.scene,
                u.method,
                if u.has_audit_team == 1 { "yes" } else { "no" },
                if u.other_scene_desc.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", u.other_scene_desc)
                },
                if u.audit_desc.is_empty() { String::new() } else { format!(" · {}", u.audit_desc) },
            )
        }),
        privacy_api_not_use: submission.privacy_api_not_use,
        order_path: submission.order_path.clone(),
        reason: review.reason.clone(),
        screenshots: review.screenshots.clone(),
        checks: folder.checks.iter().map(check_row).collect(),
        findings: findings(&review.version.report),
        live: folder
            .live
            .as_ref()
            .map(|l| format!("{} (review {})", l.version.user_version.as_str(), l.id.0)),
        changes: folder
            .changes
            .iter()
            .map(|c| ChangeRow { path: c.path.clone(), change: c.change.as_str() })
            .collect(),
        files: review
            .version
            .files
            .iter()
            .map(|f| FileRow { path: f.path.clone(), size: size_label(f.size) })
            .collect(),
        reasons: reasons.into_iter().map(|r| ReasonOption { code: r.code, title: r.title }).collect(),
        targets: if review.state == ReviewState::Queued { targets } else { Vec::new() },
    }))
}

#[derive(Template)]
#[template(path = "review/file.html")]
struct FilePage {
    chrome: Chrome,
    id: i64,
    path: String,
    size: usize,
    text: Option<String>,
}

async fn file(
    State(state): State<AppState>,
    at: AtDesk,
    Path((id, path)): Path<(i64, String)>,
) -> PageResult {
    let bytes = state.platform.review_file(&at.desk, ReviewId(id), &path).await?;
    Ok(page(&FilePage {
        chrome: at.chrome(),
        id,
        size: bytes.len(),
        text: String::from_utf8(bytes).ok(),
        path,
    }))
}

pub struct LineRow {
    pub mark: &'static str,
    pub class: &'static str,
    pub text: String,
}

#[derive(Template)]
#[template(path = "review/diff.html")]
struct DiffPage {
    chrome: Chrome,
    id: i64,
    path: String,
    /// `None` when either side is binary or the change is too large to show.
    lines: Option<Vec<LineRow>>,
}

async fn diff(
    State(state): State<AppState>,
    at: AtDesk,
    Path((id, path)): Path<(i64, String)>,
) -> PageResult {
    let lines = state.platform.review_file_diff(&at.desk, ReviewId(id), &path).await?;
    let lines = lines.map(|lines| {
        lines
            .into_iter()
            .map(|l| {
                let (mark, class) = match l.op {
                    LineOp::Same => (" ", "same"),
                    LineOp::Added => ("+", "added"),
                    LineOp::Removed => ("-", "removed"),
                };
                LineRow { mark, class, text: l.text }
            })
            .collect()
    });
    Ok(page(&DiffPage { chrome: at.chrome(), id, path, lines }))
}

/// A medium of the submission or decision, served only to the desk of that review.
async fn media(
    State(state): State<AppState>,
    at: AtDesk,
    Path((id, media_id)): Path<(i64, String)>,
) -> PageResult {
    let (media, bytes) = state.platform.review_media(&at.desk, ReviewId(id), &media_id).await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, media.content_type),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// Screenshots a rejection may carry: one file input each.
const SCREENSHOT_FIELDS: [&str; 5] =
    ["screenshot1", "screenshot2", "screenshot3", "screenshot4", "screenshot5"];

async fn decide(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    mut form: Uploaded<AtDesk>,
) -> PageResult {
    let decision = match form.field("decision") {
        "approve" => Decision::Approve,
        "reject" => {
            // Each catalogue entry is a checkbox named `reason:<code>`.
            let mut codes: Vec<String> = form
                .fields
                .keys()
                .filter_map(|name| name.strip_prefix("reason:"))
                .map(str::to_owned)
                .collect();
            codes.sort();
            let screenshots = SCREENSHOT_FIELDS.iter().filter_map(|name| form.files.remove(*name)).collect();
            Decision::Reject { codes, note: form.field("note").to_owned(), screenshots }
        }
        _ => return Err(miniplat_core::Error::invalid("decision", "is approve or reject").into()),
    };
    state.platform.decide_review(&form.auth.desk, ReviewId(id), decision).await?;
    Ok(see_other(&format!("/review/{id}?notice=decided"), false))
}

#[derive(Deserialize)]
struct AssignForm {
    /// `org-<org>` for an organisation's pool, `reviewer-<org>-<developer>` for a reviewer.
    to: String,
}

fn assignment_target(to: &str) -> Option<(ReviewOrgId, Option<DeveloperId>)> {
    if let Some(org) = to.strip_prefix("org-") {
        return Some((ReviewOrgId(org.parse().ok()?), None));
    }
    let (org, developer) = to.strip_prefix("reviewer-")?.split_once('-')?;
    Some((ReviewOrgId(org.parse().ok()?), Some(DeveloperId(developer.parse().ok()?))))
}

async fn assign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<AtDesk, AssignForm>,
) -> PageResult {
    let (org, reviewer) = assignment_target(&posted.form.to)
        .ok_or_else(|| miniplat_core::Error::invalid("to", "names an organisation or a reviewer"))?;
    state.platform.assign_review(&posted.auth.desk.developer, ReviewId(id), org, reviewer).await?;
    Ok(see_other(&format!("/review/{id}?notice=assigned"), posted.htmx))
}

async fn expedite(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<AtDesk, NoFields>,
) -> PageResult {
    state.platform.expedite_review_as_staff(&posted.auth.desk.developer, ReviewId(id)).await?;
    Ok(see_other("/review?notice=expedited", posted.htmx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_targets_parse() {
        assert_eq!(assignment_target("org-3"), Some((ReviewOrgId(3), None)));
        assert_eq!(assignment_target("reviewer-3-17"), Some((ReviewOrgId(3), Some(DeveloperId(17)))));
        assert_eq!(assignment_target("reviewer-3"), None);
        assert_eq!(assignment_target("org-x"), None);
    }
}
