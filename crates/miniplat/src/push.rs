//! The push transport: reqwest with a resolver that hands out only addresses a push may reach,
//! so the address checked is the address connected to (a name cannot pass the check and then
//! resolve to a private address). No redirects (a redirect could lead anywhere), no proxy from
//! the environment, short timeouts as WeChat has.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use miniplat_core::push::transport::{Method, PushRequest, PushResponse, PushTransport, TransportError};
use miniplat_core::push::url::is_public_address;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Response bodies are read up to this size (the handshake's echostr is short).
const MAX_BODY: usize = 16 * 1024;

pub struct HttpPushTransport {
    client: reqwest::Client,
    allow_private: bool,
}

impl HttpPushTransport {
    pub fn new(allow_private: bool) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver { allow_private }))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(5))
            .user_agent(concat!("Miniplat-Push/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(64)
            .build()?;
        Ok(Self { client, allow_private })
    }
}

/// Why a name was not resolved: every address it has is off limits. The transport finds it
/// again in reqwest's error chain.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} is not a public address", self.0)
    }
}

impl std::error::Error for Refused {}

struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> =
                resolved.iter().copied().filter(|a| allow_private || is_public_address(a.ip())).collect();
            match (allowed.is_empty(), resolved.first()) {
                (false, _) => Ok(Box::new(allowed.into_iter()) as Addrs),
                (true, Some(first)) => Err(Box::new(Refused(first.ip().to_string())) as _),
                (true, None) => Err(format!("{} has no address", name.as_str()).into()),
            }
        })
    }
}

/// The refusal inside a reqwest error, if that is what it is.
fn refusal(error: &reqwest::Error) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(refused) = current.downcast_ref::<Refused>() {
            return Some(refused.0.clone());
        }
        source = current.source();
    }
    None
}

/// reqwest's message plus its innermost cause ("connection refused", "timed out" …).
fn describe(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    if error.is_timeout() {
        "timed out".into()
    } else if std::ptr::addr_eq(cause, error as &dyn std::error::Error) {
        error.to_string()
    } else {
        format!("{error}: {cause}")
    }
}

#[async_trait]
impl PushTransport for HttpPushTransport {
    async fn send(&self, request: PushRequest) -> Result<PushResponse, TransportError> {
        // Literal addresses never reach the resolver: check them here.
        let literal = match request.url.host() {
            Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
            _ => None,
        };
        if let Some(ip) = literal.filter(|ip| !self.allow_private && !is_public_address(*ip)) {
            return Err(TransportError::forbidden(ip));
        }
        let mut builder = match request.method {
            Method::Get => self.client.get(request.url),
            Method::Post => self.client.post(request.url).body(request.body),
        };
        for (name, value) in request.headers {
            builder = builder.header(name, value);
        }
        let failed = |error: reqwest::Error| match refusal(&error) {
            Some(address) => TransportError::Forbidden(address),
            // The URL is the developer's own and already shown next to the error.
            None => TransportError::Failed(describe(&error.without_url())),
        };
        let mut response = builder.send().await.map_err(failed)?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while body.len() < MAX_BODY {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => break,
                // The status already answers; a broken body only matters to the handshake,
                // which then sees a short body.
                Err(_) => break,
            }
        }
        body.truncate(MAX_BODY);
        Ok(PushResponse { status, body })
    }
}
