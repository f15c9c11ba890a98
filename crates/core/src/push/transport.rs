//! The port pushes leave through: one HTTP request to a developer's server. The binary's
//! implementation connects only to addresses [`super::url::is_public_address`] admits (unless
//! the operator allows private ones), follows no redirects and uses no proxy.

use std::net::IpAddr;

use async_trait::async_trait;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

#[derive(Debug, Clone)]
pub struct PushRequest {
    pub method: Method,
    pub url: url::Url,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PushResponse {
    pub status: u16,
    /// The start of the body (implementations may cut it; a few KiB are kept).
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransportError {
    /// The host is, or resolves only to, addresses a push may not reach.
    #[error("{0} is not a public address")]
    Forbidden(String),
    /// No answer: resolution, connection, TLS or timeout failure.
    #[error("{0}")]
    Failed(String),
}

impl TransportError {
    pub fn forbidden(address: IpAddr) -> Self {
        Self::Forbidden(address.to_string())
    }
}

#[async_trait]
pub trait PushTransport: Send + Sync {
    async fn send(&self, request: PushRequest) -> Result<PushResponse, TransportError>;
}
