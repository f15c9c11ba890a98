//! Code packages: upload develop versions, list, inspect (report, files, one file's content),
//! delete, and choose the trial version.

use std::net::IpAddr;

use axum::body::Body;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use miniplat_core::apps::upload_keys::{is_upload_key, UploadKey};
use miniplat_core::apps::versions::{
    DevelopVersion, PackageSize, TrialVersion, Upload, UploaderSlot, VersionFile,
};
use miniplat_core::Error;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::{AppsRead, AppsWrite, Authorized};
use super::{ApiError, ApiJson, ApiPath};
use crate::client::ClientSource;
use crate::AppState;

/// Read beyond the archive limit, so that a slightly larger zip gets ingest's precise answer.
const BODY_MARGIN: u64 = 64 * 1024;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The uploader's version string (1–64 printable characters).
    version: String,
    /// At most 200 characters.
    #[serde(default)]
    description: String,
    /// Robot number 1–30: required with an upload key, refused with an API key.
    robot: Option<i64>,
}

/// Who holds a develop version.
#[derive(Serialize, ToSchema)]
pub struct UploaderView {
    /// `member` or `robot`.
    pub kind: &'static str,
    /// The member's developer id, for `member`.
    pub developer_id: Option<i64>,
    /// The robot number, for `robot`.
    pub robot: Option<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct VersionView {
    pub id: i64,
    pub uploader: UploaderView,
    pub version: String,
    pub description: String,
    /// SHA-256 of the uploaded zip.
    pub package_sha256: String,
    pub zip_bytes: u64,
    pub packages: Vec<PackageSize>,
    pub created_at: i64,
}

impl From<&DevelopVersion> for VersionView {
    fn from(v: &DevelopVersion) -> Self {
        let uploader = match v.slot {
            UploaderSlot::Member(id) => {
                UploaderView { kind: "member", developer_id: Some(id.0), robot: None }
            }
            UploaderSlot::Robot(n) => UploaderView { kind: "robot", developer_id: None, robot: Some(n) },
        };
        Self {
            id: v.id,
            uploader,
            version: v.user_version.as_str().to_owned(),
            description: v.description.clone(),
            package_sha256: v.package_sha256.clone(),
            zip_bytes: v.zip_bytes,
            packages: v.packages.clone(),
            created_at: v.created_at,
        }
    }
}

/// A develop version with its file list and validation report.
#[derive(Serialize, ToSchema)]
pub struct VersionDetail {
    #[serde(flatten)]
    pub version: VersionView,
    pub files: Vec<VersionFile>,
    /// The validation report: diagnostics, `wx.*` API use, privacy-relevant use, sizes.
    #[schema(value_type = Object)]
    pub report: serde_json::Value,
}

impl From<&DevelopVersion> for VersionDetail {
    fn from(v: &DevelopVersion) -> Self {
        Self { version: v.into(), files: v.files.clone(), report: v.report.clone() }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TrialView {
    /// The develop version it was copied from (which may since have been deleted).
    #[serde(flatten)]
    pub version: VersionView,
    pub chosen_by: i64,
    pub chosen_at: i64,
}

impl From<&TrialVersion> for TrialView {
    fn from(t: &TrialVersion) -> Self {
        Self { version: (&t.version).into(), chosen_by: t.chosen_by.0, chosen_at: t.chosen_at }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VersionList {
    pub versions: Vec<VersionView>,
    pub trial: Option<TrialView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChooseTrialRequest {
    pub version_id: i64,
}

/// Uploads a zipped project as the caller's develop version (replacing the previous one of the
/// same uploader). The body is the zip. Refused packages store nothing: `package_invalid` (422)
/// carries the diagnostics, `package_rejected` (422) names an unsafe entry, `package_too_large`
/// (413) the size.
#[utoipa::path(post, path = "/api/v1/apps/{appid}/versions", tag = "versions", security(("api_key" = [])),
    params(("appid" = String, Path), UploadQuery), request_body(content = Vec<u8>, content_type = "application/zip"),
    responses((status = 201, body = VersionDetail), (status = 422, body = super::error::ErrorEnvelope),
        (status = 413, body = super::error::ErrorEnvelope), (status = 403, body = super::error::ErrorEnvelope)))]
pub async fn upload_version(
    State(state): State<AppState>,
    caller: UploadCaller,
    ApiPath(appid): ApiPath<String>,
    Query(query): Query<UploadQuery>,
    body: Body,
) -> Result<(StatusCode, Json<VersionDetail>), ApiError> {
    if matches!(caller, UploadCaller::Member(_)) && query.robot.is_some() {
        return Err(
            Error::invalid("robot", "is only for upload keys; members upload to their own slot").into()
        );
    }
    let zip = read_package(&state, body).await?;
    let upload = Upload { version: &query.version, description: &query.description, zip };
    let (version, _) = match caller {
        UploadCaller::Member(member) => {
            state.platform.upload_develop_version(&member.developer, &appid, upload).await?
        }
        UploadCaller::Key(key) => state.platform.upload_with_key(&key, &appid, query.robot, upload).await?,
    };
    Ok((StatusCode::CREATED, Json((&version).into())))
}

/// Who uploads: a member's API key with `apps:write`, or an upload key (`mpu_…`), which may
/// call this endpoint only.
pub enum UploadCaller {
    Member(Authorized<AppsWrite>),
    Key(UploadKey),
}

impl FromRequestParts<AppState> for UploadCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim);
        match bearer {
            Some(token) if is_upload_key(token) => {
                let client: Option<IpAddr> =
                    ClientSource::capture(parts, &state.web).resolve().0.parse().ok();
                Ok(Self::Key(state.platform.authenticate_upload_key(token, client).await?))
            }
            _ => Authorized::<AppsWrite>::from_request_parts(parts, state).await.map(Self::Member),
        }
    }
}

/// Reads the zip body up to the archive limit (the route has no default body limit).
async fn read_package(state: &AppState, body: Body) -> Result<Vec<u8>, ApiError> {
    let limit = state.platform.config.packages.max_archive_bytes;
    let cap = usize::try_from(limit + BODY_MARGIN).unwrap_or(usize::MAX);
    let bytes = axum::body::to_bytes(body, cap).await.map_err(|_| {
        let message = format!("the package is over the limit of {limit} bytes");
        ApiError::http(StatusCode::PAYLOAD_TOO_LARGE, "package_too_large", message)
    })?;
    Ok(bytes.to_vec())
}

#[utoipa::path(get, path = "/api/v1/apps/{appid}/versions", tag = "versions", security(("api_key" = [])),
    params(("appid" = String, Path)), responses((status = 200, body = VersionList)))]
pub async fn list_versions(
    State(state): State<AppState>,
    caller: Authorized<AppsRead>,
    ApiPath(appid): ApiPath<String>,
) -> Result<Json<VersionList>, ApiError> {
    let (_, versions, trial) = state.platform.develop_versions(&caller.developer, &appid).await?;
    Ok(Json(VersionList {
        versions: versions.iter().map(VersionView::from).collect(),
        trial: trial.as_ref().map(TrialView::from),
    }))
}

#[utoipa::path(get, path = "/api/v1/apps/{appid}/versions/{id}", tag = "versions", security(("api_key" = [])),
    params(("appid" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = VersionDetail), (status = 404, body = super::error::ErrorEnvelope)))]
pub async fn show_version(
    State(state): State<AppState>,
    caller: Authorized<AppsRead>,
    ApiPath((appid, id)): ApiPath<(String, i64)>,
) -> Result<Json<VersionDetail>, ApiError> {
    let (_, version) = state.platform.develop_version(&caller.developer, &appid, id).await?;
    Ok(Json((&version).into()))
}

/// One file of a develop version, as `application/octet-stream`.
#[utoipa::path(get, path = "/api/v1/apps/{appid}/versions/{id}/files/{path}", tag = "versions", security(("api_key" = [])),
    params(("appid" = String, Path), ("id" = i64, Path), ("path" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = super::error::ErrorEnvelope)))]
pub async fn version_file(
    State(state): State<AppState>,
    caller: Authorized<AppsRead>,
    ApiPath((appid, id, path)): ApiPath<(String, i64, String)>,
) -> Result<Response, ApiError> {
    let bytes = state.platform.develop_version_file(&caller.developer, &appid, id, &path).await?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}

#[utoipa::path(delete, path = "/api/v1/apps/{appid}/versions/{id}", tag = "versions", security(("api_key" = [])),
    params(("appid" = String, Path), ("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::error::ErrorEnvelope)))]
pub async fn delete_version(
    State(state): State<AppState>,
    caller: Authorized<AppsWrite>,
    ApiPath((appid, id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    state.platform.delete_develop_version(&caller.developer, &appid, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Makes a develop version the trial version (a copy: deleting the develop version keeps it).
#[utoipa::path(put, path = "/api/v1/apps/{appid}/trial", tag = "versions", security(("api_key" = [])),
    params(("appid" = String, Path)), request_body = ChooseTrialRequest,
    responses((status = 200, body = TrialView), (status = 404, body = super::error::ErrorEnvelope)))]
pub async fn choose_trial(
    State(state): State<AppState>,
    caller: Authorized<AppsWrite>,
    ApiPath(appid): ApiPath<String>,
    ApiJson(body): ApiJson<ChooseTrialRequest>,
) -> Result<Json<TrialView>, ApiError> {
    let trial = state.platform.choose_trial_version(&caller.developer, &appid, body.version_id).await?;
    Ok(Json((&trial).into()))
}

#[utoipa::path(get, path = "/api/v1/apps/{appid}/trial", tag = "versions", security(("api_key" = [])),
    params(("appid" = String, Path)),
    responses((status = 200, body = TrialView), (status = 404, body = super::error::ErrorEnvelope)))]
pub async fn show_trial(
    State(state): State<AppState>,
    caller: Authorized<AppsRead>,
    ApiPath(appid): ApiPath<String>,
) -> Result<Json<TrialView>, ApiError> {
    let trial = state.platform.trial_version(&caller.developer, &appid).await?;
    let trial = trial.ok_or(Error::NotFound("trial version"))?;
    Ok(Json((&trial).into()))
}
