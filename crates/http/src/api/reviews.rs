//! Release reviews over the platform API: submit the trial version, list reviews, one review
//! with its automated checks, withdraw the open one. Submitting and withdrawing need the
//! developer role in the mini program; any member may read.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use miniplat_core::apps::MemberRole;
use miniplat_core::audit::Actor;
use miniplat_core::review::{
    CheckResult, PreviewInfo, Review, ReviewId, ReviewItem, ReviewState, Submission, UgcDeclare,
};
use miniplat_core::wx::WxError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{AppsRead, AppsWrite, Authorized};
use super::{ApiError, ApiJson, ApiPath};
use crate::AppState;

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SubmitReviewRequest {
    /// Pages to show the reviewer (at most 5); `address` must be a page of the trial version.
    #[serde(default)]
    pub items: Vec<ReviewItem>,
    /// Version notes for the reviewer (at most 500 characters).
    #[serde(default)]
    pub version_desc: String,
    /// Feedback to the previous rejection (at most 200 characters).
    #[serde(default)]
    pub feedback_info: String,
    /// Media ids of uploaded screenshots (at most 10) and videos (at most 5).
    #[serde(default)]
    pub preview_pictures: Vec<String>,
    #[serde(default)]
    pub preview_videos: Vec<String>,
    /// Required when an item's category is one of user-generated content.
    pub ugc_declare: Option<UgcDeclare>,
    /// The code never runs the privacy APIs the scan found undeclared.
    #[serde(default)]
    pub privacy_api_not_use: bool,
    pub order_path: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewView {
    /// The `auditid` of the WeChat API.
    pub id: i64,
    pub state: ReviewState,
    /// `get_auditstatus` status: 0 approved, 1 rejected, 2 under review, 3 withdrawn, 4 delayed.
    pub status: i64,
    pub user_version: String,
    pub user_desc: String,
    pub reason: Option<String>,
    /// Media ids of the reviewer's screenshots.
    pub screenshots: Vec<String>,
    pub submitted_at: i64,
    pub decided_at: Option<i64>,
    pub expedited_at: Option<i64>,
}

impl From<&Review> for ReviewView {
    fn from(r: &Review) -> Self {
        Self {
            id: r.id.0,
            state: r.state,
            status: r.wire_status(),
            user_version: r.version.user_version.as_str().to_owned(),
            user_desc: r.version.description.clone(),
            reason: r.reason.clone(),
            screenshots: r.screenshots.clone(),
            submitted_at: r.submitted_at,
            decided_at: r.decided_at,
            expedited_at: r.expedited_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SubmittedReview {
    pub review: ReviewView,
    /// Charged when the submission was over the monthly quota (cents).
    pub fee_cents: Option<i64>,
    pub fee_currency: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewList {
    /// Newest first, at most 50.
    pub reviews: Vec<ReviewView>,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewDetail {
    pub review: ReviewView,
    pub submission: Submission,
    /// The automated checks, in the order they ran (empty while they have not run).
    pub checks: Vec<CheckResult>,
}

/// A WeChat refusal as the platform API says it: `review_refused` (409) naming the errcode;
/// unknown reviews are `not_found`.
fn refused(error: WxError) -> ApiError {
    match error.errcode {
        85012 | 86001 => ApiError::http(StatusCode::NOT_FOUND, "not_found", error.errmsg),
        -1 => ApiError::http(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error"),
        code => ApiError::http(
            StatusCode::CONFLICT,
            "review_refused",
            format!("{} (errcode {code})", error.errmsg),
        ),
    }
}

/// Submits the trial version for release review.
#[utoipa::path(post, path = "/api/v1/apps/{appid}/reviews", tag = "reviews", security(("api_key" = [])),
    params(("appid" = String, Path)), request_body = SubmitReviewRequest,
    responses((status = 201, body = SubmittedReview), (status = 409, body = super::error::ErrorEnvelope)))]
pub async fn submit_review(
    State(state): State<AppState>,
    caller: Authorized<AppsWrite>,
    ApiPath(appid): ApiPath<String>,
    ApiJson(body): ApiJson<SubmitReviewRequest>,
) -> Result<(StatusCode, Json<SubmittedReview>), ApiError> {
    let app = state.platform.app_for_review(&caller.developer, &appid, Some(MemberRole::Developer)).await?;
    let submission = Submission {
        item_list: body.items,
        version_desc: body.version_desc,
        feedback_info: body.feedback_info,
        feedback_stuff: Vec::new(),
        preview_info: PreviewInfo { video_id_list: body.preview_videos, pic_id_list: body.preview_pictures },
        ugc_declare: body.ugc_declare,
        privacy_api_not_use: body.privacy_api_not_use,
        order_path: body.order_path.filter(|p| !p.is_empty()),
    };
    let (review, fee) = state
        .platform
        .submit_for_review(&app, submission, Some(caller.developer.id))
        .await
        .map_err(refused)?;
    Ok((
        StatusCode::CREATED,
        Json(SubmittedReview {
            review: ReviewView::from(&review),
            fee_cents: fee.as_ref().map(|f| f.amount_cents),
            fee_currency: fee.map(|f| f.currency),
        }),
    ))
}

/// The mini program's reviews, newest first.
#[utoipa::path(get, path = "/api/v1/apps/{appid}/reviews", tag = "reviews", security(("api_key" = [])),
    params(("appid" = String, Path)), responses((status = 200, body = ReviewList)))]
pub async fn list_reviews(
    State(state): State<AppState>,
    caller: Authorized<AppsRead>,
    ApiPath(appid): ApiPath<String>,
) -> Result<Json<ReviewList>, ApiError> {
    let app = state.platform.app_for_review(&caller.developer, &appid, None).await?;
    let reviews = state.platform.reviews_of(app.key).await?;
    Ok(Json(ReviewList { reviews: reviews.iter().map(ReviewView::from).collect() }))
}

/// One review with what was submitted and the automated checks' results.
#[utoipa::path(get, path = "/api/v1/apps/{appid}/reviews/{id}", tag = "reviews", security(("api_key" = [])),
    params(("appid" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = ReviewDetail), (status = 404, body = super::error::ErrorEnvelope)))]
pub async fn show_review(
    State(state): State<AppState>,
    caller: Authorized<AppsRead>,
    ApiPath((appid, id)): ApiPath<(String, i64)>,
) -> Result<Json<ReviewDetail>, ApiError> {
    let app = state.platform.app_for_review(&caller.developer, &appid, None).await?;
    let (review, checks) = state.platform.review_with_checks(app.key, ReviewId(id)).await?;
    Ok(Json(ReviewDetail {
        review: ReviewView::from(&review),
        submission: review.submission.clone(),
        checks,
    }))
}

/// Withdraws the review in progress (at most 5 a day and 10 a month per mini program).
#[utoipa::path(post, path = "/api/v1/apps/{appid}/reviews/withdraw", tag = "reviews", security(("api_key" = [])),
    params(("appid" = String, Path)),
    responses((status = 200, body = ReviewView), (status = 409, body = super::error::ErrorEnvelope)))]
pub async fn withdraw_review(
    State(state): State<AppState>,
    caller: Authorized<AppsWrite>,
    ApiPath(appid): ApiPath<String>,
) -> Result<Json<ReviewView>, ApiError> {
    let app = state.platform.app_for_review(&caller.developer, &appid, Some(MemberRole::Developer)).await?;
    let id =
        state.platform.withdraw_review(&app, Actor::Developer(caller.developer.id)).await.map_err(refused)?;
    let review = state.platform.review_of(app.key, id).await.map_err(refused)?;
    Ok(Json(ReviewView::from(&review)))
}
