//! The caller's network address, for rate limits and `rid/get` records.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderValue;

use crate::{AppState, WebConfig};

/// The client's IP address as text (`unknown` when the transport does not say).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

/// What names the client, captured cheaply so the address is only formatted when needed.
#[derive(Debug, Clone)]
pub struct ClientSource {
    /// `X-Forwarded-For`, kept only when the operator trusts it.
    forwarded: Option<HeaderValue>,
    peer: Option<SocketAddr>,
}

impl ClientSource {
    pub fn capture(parts: &Parts, web: &WebConfig) -> Self {
        let forwarded =
            if web.trust_forwarded_for { parts.headers.get("x-forwarded-for").cloned() } else { None };
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0);
        Self { forwarded, peer }
    }

    pub fn resolve(&self) -> ClientAddr {
        let forwarded = self
            .forwarded
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| v.parse::<std::net::IpAddr>().is_ok());
        match (forwarded, self.peer) {
            (Some(address), _) => ClientAddr(address.to_owned()),
            (None, Some(peer)) => ClientAddr(peer.ip().to_string()),
            (None, None) => ClientAddr("unknown".into()),
        }
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientSource::capture(parts, &state.web).resolve())
    }
}
