//! The platform API `/api/v1`: JSON, bearer API keys with scopes, one error envelope
//! ([`error`]). The OpenAPI document is generated from these handlers ([`openapi`]) and
//! committed as `docs/openapi.json`; a test fails when the two drift apart.

mod account;
mod admin;
mod apps;
mod auth;
mod codes;
pub mod error;
mod hosts;
pub mod openapi;
mod push;
mod release;
mod reviews;
mod upload_keys;
mod versions;
mod views;

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::routing::{get, patch, post, put};
use axum::Router;
use serde::de::DeserializeOwned;

pub use auth::{Authorized, ScopeMarker};
pub use error::ApiError;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(account::me))
        .route("/me/subject", put(account::put_subject))
        .route("/api-keys", get(account::list_api_keys).post(account::create_api_key))
        .route("/api-keys/{id}", axum::routing::delete(account::revoke_api_key))
        .route("/apps", get(apps::list_apps).post(apps::create_app))
        .route("/apps/{appid}", get(apps::show_app).patch(apps::update_app))
        .route("/apps/{appid}/icon", put(apps::put_icon).get(apps::get_icon))
        .route("/apps/{appid}/secret/reset", post(apps::reset_secret))
        .route("/apps/{appid}/tokens/revoke", post(apps::revoke_tokens))
        .route("/apps/{appid}/members", get(apps::list_members).post(apps::invite_member))
        .route("/apps/{appid}/members/{developer_id}", patch(apps::change_member).delete(apps::remove_member))
        .route(
            "/apps/{appid}/versions",
            get(versions::list_versions)
                .post(versions::upload_version)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/apps/{appid}/versions/{id}", get(versions::show_version).delete(versions::delete_version))
        .route("/apps/{appid}/versions/{id}/files/{*path}", get(versions::version_file))
        .route("/apps/{appid}/trial", get(versions::show_trial).put(versions::choose_trial))
        .route(
            "/apps/{appid}/upload-keys",
            get(upload_keys::list_upload_keys).post(upload_keys::create_upload_key),
        )
        .route("/apps/{appid}/upload-keys/{id}", axum::routing::delete(upload_keys::revoke_upload_key))
        .route("/apps/{appid}/trial/qrcode", get(codes::trial_qrcode))
        .route("/apps/{appid}/push", get(push::show_push).put(push::put_push).delete(push::delete_push))
        .route("/apps/{appid}/push/test", post(push::test_push))
        .route("/apps/{appid}/push/deliveries", get(push::list_deliveries))
        .route("/apps/{appid}/release", post(release::release))
        .route("/apps/{appid}/reviews", get(reviews::list_reviews).post(reviews::submit_review))
        .route("/apps/{appid}/reviews/withdraw", post(reviews::withdraw_review))
        .route("/apps/{appid}/reviews/{id}", get(reviews::show_review))
        .route("/invitations/{token}/accept", post(apps::accept_invitation))
        .route("/admin/developers", get(admin::list_developers).post(admin::create_developer))
        .route("/admin/developers/{id}/status", put(admin::set_status))
        .route("/admin/registration", get(admin::registration).put(admin::set_registration))
        .route("/admin/invitations", post(admin::invite))
        .route("/admin/hosts", get(hosts::list_hosts).post(hosts::create_host))
        .route("/admin/hosts/{key}", axum::routing::delete(hosts::revoke_host))
        .route("/admin/end-users/{id}/blocked", put(hosts::set_blocked))
        .route("/openapi.json", get(openapi::serve))
        .fallback(unknown_route)
}

async fn unknown_route() -> ApiError {
    ApiError::http(StatusCode::NOT_FOUND, "not_found", "no such API endpoint")
}

/// A JSON body that must match its type exactly (request types deny unknown fields).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<T>::from_request(request, state).await?;
        Ok(Self(value))
    }
}

/// Path parameters; a malformed one (say, a non-numeric id) is "not found" in the envelope.
pub struct ApiPath<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(_) => Err(ApiError::http(StatusCode::NOT_FOUND, "not_found", "no such resource")),
        }
    }
}
