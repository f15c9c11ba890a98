//! The platform API's one error envelope:
//! `{"error": {"code": "app_not_found", "message": "…", "request_id": "…"}}` with the matching
//! HTTP status. Codes are the stable catalogue in `docs/API.md`; internal failures are logged
//! once here and shown only as `internal`.

use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use miniplat_core::Error;
use serde::Serialize;

use crate::RequestId;

#[derive(Debug)]
pub enum ApiError {
    Domain(Error),
    /// A failure of the HTTP layer itself (malformed JSON, unknown route …).
    Http {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
}

impl ApiError {
    pub fn http(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self::Http { status, code, message: message.into() }
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        Self::Domain(error)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => Self::http(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send a JSON body with Content-Type: application/json",
            ),
            JsonRejection::JsonDataError(e) => {
                Self::http(StatusCode::BAD_REQUEST, "invalid_input", e.body_text())
            }
            JsonRejection::JsonSyntaxError(_) => {
                Self::http(StatusCode::BAD_REQUEST, "malformed_json", "the body is not valid JSON")
            }
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Self::http(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "the body is too large")
            }
            other => Self::http(StatusCode::BAD_REQUEST, "malformed_json", other.body_text()),
        }
    }
}

/// The status each domain error answers with.
pub fn status_of(error: &Error) -> StatusCode {
    match error {
        Error::Invalid { .. } => StatusCode::BAD_REQUEST,
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Conflict(_) => StatusCode::CONFLICT,
        Error::BadCredentials | Error::Unauthenticated => StatusCode::UNAUTHORIZED,
        Error::Forbidden(_) | Error::AccountSuspended | Error::EmailNotVerified => StatusCode::FORBIDDEN,
        Error::RegistrationClosed | Error::InvitationRequired => StatusCode::FORBIDDEN,
        Error::Locked { .. } | Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::LinkExpired | Error::LinkInvalid => StatusCode::GONE,
        Error::PackageRejected(_) | Error::PackageInvalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::PackageTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        Error::Privacy(_) => StatusCode::FORBIDDEN,
        Error::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code (see the catalogue in docs/API.md).
    pub code: String,
    /// A sentence for people.
    pub message: String,
    pub request_id: String,
    /// With `package_invalid`: every finding of validation (`file:line:column` in `location`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub diagnostics: Option<serde_json::Value>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let request_id = RequestId::current();
        let mut diagnostics = None;
        let (status, code, message) = match self {
            Self::Domain(error) => {
                if let Error::PackageInvalid(report) = &error {
                    diagnostics = serde_json::to_value(&report.diagnostics).ok();
                }
                let status = status_of(&error);
                if status == StatusCode::INTERNAL_SERVER_ERROR {
                    tracing::error!(%request_id, error = ?error, "internal error");
                    (
                        status,
                        error.code(),
                        "an internal error occurred; quote the request id when reporting it".to_owned(),
                    )
                } else {
                    (status, error.code(), error.to_string())
                }
            }
            Self::Http { status, code, message } => (status, code, message),
        };
        let body = ErrorEnvelope { error: ErrorBody { code: code.into(), message, request_id, diagnostics } };
        (status, Json(body)).into_response()
    }
}
