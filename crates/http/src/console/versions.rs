//! The "Versions" tab: develop versions with their validation and API-use reports, a file
//! browser, delete and "choose as trial", and the trial version.

use askama::Template;
use axum::extract::{Path, Query, State};
use miniplat_core::apps::versions::{DevelopVersion, UploaderSlot};
use miniplat_core::apps::MemberRole;

use super::apps::AppView;
use super::auth::{NoFields, NoticeQuery};
use super::csrf::Posted;
use super::pages::{notice_text, page, see_other, when, Chrome, PageResult};
use super::session::SignedIn;
use crate::AppState;

pub struct VersionRow {
    pub id: i64,
    pub version: String,
    pub description: String,
    pub uploader: String,
    pub size: String,
    pub uploaded: String,
}

fn uploader_label(slot: &UploaderSlot, members: &[miniplat_core::apps::Member]) -> String {
    match slot {
        UploaderSlot::Member(id) => members
            .iter()
            .find(|m| m.developer_id == *id)
            .map_or_else(|| format!("Former member #{}", id.0), |m| m.email.to_string()),
        UploaderSlot::Robot(n) => format!("Robot {n} (upload key)"),
    }
}

pub(super) fn size_label(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

fn row(version: &DevelopVersion, members: &[miniplat_core::apps::Member]) -> VersionRow {
    VersionRow {
        id: version.id,
        version: version.user_version.as_str().to_owned(),
        description: version.description.clone(),
        uploader: uploader_label(&version.slot, members),
        size: size_label(version.zip_bytes),
        uploaded: when(version.created_at),
    }
}

#[derive(Template)]
#[template(path = "console/versions.html")]
struct VersionsPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    app: AppView,
    csrf: String,
    can_change: bool,
    versions: Vec<VersionRow>,
    trial: Option<VersionRow>,
    /// The develop version the trial was copied from (0: none).
    trial_source: i64,
}

pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(appid): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let (app, role) = state.platform.app_for_member(&signed_in.developer, &appid).await?;
    let (_, versions, trial) = state.platform.develop_versions(&signed_in.developer, &appid).await?;
    let (_, members, _) = state.platform.members(&signed_in.developer, &appid).await?;
    Ok(page(&VersionsPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "apps"),
        notice: notice_text(query.notice.as_deref()),
        app: AppView::new(&app, role),
        csrf: signed_in.session.csrf_token.clone(),
        can_change: role.ensure(MemberRole::Developer).is_ok(),
        versions: versions.iter().map(|v| row(v, &members)).collect(),
        trial_source: trial.as_ref().map_or(0, |t| t.version.id),
        trial: trial.as_ref().map(|t| row(&t.version, &members)),
    }))
}

pub struct Finding {
    pub severity: String,
    pub code: String,
    pub location: String,
    pub message: String,
}

pub struct ApiLine {
    pub name: String,
    pub detail: String,
    pub count: usize,
}

pub struct FileRow {
    pub path: String,
    pub size: String,
}

#[derive(Template)]
#[template(path = "console/version.html")]
struct VersionPage {
    chrome: Chrome,
    app: AppView,
    version: VersionRow,
    sha256: String,
    packages: Vec<(String, String)>,
    findings: Vec<Finding>,
    privacy: Vec<ApiLine>,
    apis: Vec<ApiLine>,
    dynamic_calls: usize,
    files: Vec<FileRow>,
}

fn location(value: &serde_json::Value) -> String {
    format!(
        "{}:{}:{}",
        value["file"].as_str().unwrap_or_default(),
        value["line"].as_u64().unwrap_or_default(),
        value["column"].as_u64().unwrap_or_default()
    )
}

fn array(value: &serde_json::Value) -> &[serde_json::Value] {
    value.as_array().map_or(&[], Vec::as_slice)
}

/// The validation findings (errors and warnings) of a version's report.
pub(super) fn findings(report: &serde_json::Value) -> Vec<Finding> {
    array(&report["diagnostics"])
        .iter()
        .map(|d| Finding {
            severity: d["severity"].as_str().unwrap_or_default().to_owned(),
            code: d["code"].as_str().unwrap_or_default().to_owned(),
            location: location(&d["location"]),
            message: d["message"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// One develop version: its report (findings, privacy-relevant and other API use) and files.
pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((appid, id)): Path<(String, i64)>,
) -> PageResult {
    let (app, role) = state.platform.app_for_member(&signed_in.developer, &appid).await?;
    let (_, version) = state.platform.develop_version(&signed_in.developer, &appid, id).await?;
    let (_, members, _) = state.platform.members(&signed_in.developer, &appid).await?;
    let report = &version.report;
    let findings = findings(report);
    let privacy = array(&report["privacy_uses"])
        .iter()
        .map(|u| ApiLine {
            name: u["api"].as_str().unwrap_or_default().to_owned(),
            detail: format!(
                "{} · first at {}",
                u["privacy_key"].as_str().unwrap_or_default(),
                array(&u["locations"]).first().map(location).unwrap_or_default()
            ),
            count: array(&u["locations"]).len(),
        })
        .collect();
    let apis = array(&report["api_uses"])
        .iter()
        .map(|u| ApiLine {
            name: u["name"].as_str().unwrap_or_default().to_owned(),
            detail: array(&u["locations"]).first().map(location).unwrap_or_default(),
            count: array(&u["locations"]).len(),
        })
        .collect();
    Ok(page(&VersionPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "apps"),
        app: AppView::new(&app, role),
        sha256: version.package_sha256.clone(),
        packages: version
            .packages
            .iter()
            .map(|p| {
                let name = if p.root.is_empty() {
                    "Main package".to_owned()
                } else {
                    format!("Subpackage {}", p.root)
                };
                (name, size_label(p.bytes))
            })
            .collect(),
        findings,
        privacy,
        apis,
        dynamic_calls: array(&report["dynamic_calls"]).len(),
        files: version
            .files
            .iter()
            .map(|f| FileRow { path: f.path.clone(), size: size_label(f.size) })
            .collect(),
        version: row(&version, &members),
    }))
}

#[derive(Template)]
#[template(path = "console/version_file.html")]
struct FilePage {
    chrome: Chrome,
    app: AppView,
    version_id: i64,
    path: String,
    size: usize,
    /// The content when it is text.
    text: Option<String>,
}

/// One file of a develop version, shown as text (binary files by size only).
pub async fn file(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((appid, id, path)): Path<(String, i64, String)>,
) -> PageResult {
    let (app, role) = state.platform.app_for_member(&signed_in.developer, &appid).await?;
    let bytes = state.platform.develop_version_file(&signed_in.developer, &appid, id, &path).await?;
    Ok(page(&FilePage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "apps"),
        app: AppView::new(&app, role),
        version_id: id,
        size: bytes.len(),
        text: String::from_utf8(bytes).ok(),
        path,
    }))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((appid, id)): Path<(String, i64)>,
    posted: Posted<SignedIn, NoFields>,
) -> PageResult {
    state.platform.delete_develop_version(&posted.auth.developer, &appid, id).await?;
    Ok(see_other(&format!("/console/apps/{appid}/versions?notice=version-deleted"), posted.htmx))
}

pub async fn choose_trial(
    State(state): State<AppState>,
    Path((appid, id)): Path<(String, i64)>,
    posted: Posted<SignedIn, NoFields>,
) -> PageResult {
    state.platform.choose_trial_version(&posted.auth.developer, &appid, id).await?;
    Ok(see_other(&format!("/console/apps/{appid}/versions?notice=trial-chosen"), posted.htmx))
}
