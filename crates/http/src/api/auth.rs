//! Bearer-key authentication. The scope a handler needs is part of its signature:
//! `Authorized<AppsWrite>` admits only keys carrying `apps:write`.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use miniplat_core::accounts::Developer;
use miniplat_core::api_keys::{ApiKey, Scope};

use super::ApiError;
use crate::AppState;

/// A scope as a type.
pub trait ScopeMarker: Send + Sync {
    const SCOPE: Scope;
}

macro_rules! scope_marker {
    ($name:ident, $scope:expr) => {
        pub struct $name;
        impl ScopeMarker for $name {
            const SCOPE: Scope = $scope;
        }
    };
}

scope_marker!(AppsRead, Scope::AppsRead);
scope_marker!(AppsWrite, Scope::AppsWrite);
scope_marker!(Account, Scope::Account);
scope_marker!(Admin, Scope::Admin);

/// The developer behind a valid API key that carries scope `S`.
pub struct Authorized<S: ScopeMarker> {
    pub developer: Developer,
    pub key: ApiKey,
    scope: PhantomData<S>,
}

impl<S: ScopeMarker> FromRequestParts<AppState> for Authorized<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let token = header.and_then(|h| h.strip_prefix("Bearer ")).map(str::trim).ok_or_else(|| {
            ApiError::http(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "send an API key as `Authorization: Bearer <key>`",
            )
        })?;
        let (developer, key) = state.platform.authenticate_api_key(token).await?;
        if !key.allows(S::SCOPE) {
            return Err(ApiError::http(
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                format!("this API key lacks the `{}` scope", S::SCOPE.as_str()),
            ));
        }
        Ok(Self { developer, key, scope: PhantomData })
    }
}
