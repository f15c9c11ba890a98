//! Push URLs and the addresses a push may reach. A developer's push URL is fetched by the
//! platform, so it must not become a way into the operator's own network: unless the operator
//! allows it (`push_allow_private_addresses`, for development), only public unicast addresses
//! are reached. The transport applies [`is_public_address`] to the addresses it actually
//! connects to, so a name that resolves differently later (DNS rebinding) gains nothing.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::error::{Error, Result};

const MAX_URL_LEN: usize = 1024;

/// An `http`/`https` URL with a host and without credentials or fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushUrl(url::Url);

impl PushUrl {
    /// Parses a push URL. With `allow_private` false a host that is itself a non-public IP
    /// address (or `localhost`) is refused here; names are checked when they are resolved.
    pub fn parse(raw: &str, allow_private: bool) -> Result<Self> {
        let raw = raw.trim();
        if raw.is_empty() || raw.len() > MAX_URL_LEN {
            return Err(Error::invalid("url", format!("must be 1 to {MAX_URL_LEN} characters")));
        }
        let url = url::Url::parse(raw).map_err(|e| Error::invalid("url", format!("is not a URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::invalid("url", "must start with http:// or https://"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::invalid("url", "must not contain a user name or password"));
        }
        if url.fragment().is_some() {
            return Err(Error::invalid("url", "must not contain a #fragment"));
        }
        let refused = || {
            Error::invalid(
                "url",
                "points at a loopback, private, link-local or otherwise non-public address; the operator \
                 can allow those for development (push_allow_private_addresses)",
            )
        };
        match url.host() {
            None => return Err(Error::invalid("url", "must name a host")),
            Some(url::Host::Ipv4(ip)) if !allow_private && !is_public_address(IpAddr::V4(ip)) => {
                return Err(refused())
            }
            Some(url::Host::Ipv6(ip)) if !allow_private && !is_public_address(IpAddr::V6(ip)) => {
                return Err(refused())
            }
            Some(url::Host::Domain(name)) if !allow_private && is_local_name(name) => return Err(refused()),
            _ => {}
        }
        Ok(Self(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The URL with `pairs` appended to its query.
    pub fn with_query(&self, pairs: &[(&str, &str)]) -> url::Url {
        let mut url = self.0.clone();
        url.query_pairs_mut().extend_pairs(pairs);
        url
    }
}

impl std::fmt::Display for PushUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// Ranges that are not public unicast: "this network", loopback, private (RFC 1918), shared
/// address space (CGNAT), link-local, IETF protocol assignments, documentation, benchmarking,
/// multicast, reserved and broadcast.
const V4_NOT_PUBLIC: &[(Ipv4Addr, u8)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8),
    (Ipv4Addr::new(10, 0, 0, 0), 8),
    (Ipv4Addr::new(100, 64, 0, 0), 10),
    (Ipv4Addr::new(127, 0, 0, 0), 8),
    (Ipv4Addr::new(169, 254, 0, 0), 16),
    (Ipv4Addr::new(172, 16, 0, 0), 12),
    (Ipv4Addr::new(192, 0, 0, 0), 24),
    (Ipv4Addr::new(192, 0, 2, 0), 24),
    (Ipv4Addr::new(192, 88, 99, 0), 24),
    (Ipv4Addr::new(192, 168, 0, 0), 16),
    (Ipv4Addr::new(198, 18, 0, 0), 15),
    (Ipv4Addr::new(198, 51, 100, 0), 24),
    (Ipv4Addr::new(203, 0, 113, 0), 24),
    (Ipv4Addr::new(224, 0, 0, 0), 4),
    (Ipv4Addr::new(240, 0, 0, 0), 4),
];

/// Unspecified, loopback, discard-only, documentation, unique local (ULA), link-local,
/// site-local (deprecated) and multicast.
const V6_NOT_PUBLIC: &[(Ipv6Addr, u8)] = &[
    (Ipv6Addr::UNSPECIFIED, 128),
    (Ipv6Addr::LOCALHOST, 128),
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64),
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8),
];

/// Whether `ip` is a public unicast address a push may connect to. IPv6 forms that carry an
/// IPv4 address (mapped, compatible, NAT64 `64:ff9b::/96`) are judged by that address.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !V4_NOT_PUBLIC
            .iter()
            .any(|&(net, len)| Ipv4Net::new(net, len).is_ok_and(|n| IpNet::V4(n).contains(&IpAddr::V4(v4)))),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return is_public_address(IpAddr::V4(v4));
            }
            !V6_NOT_PUBLIC.iter().any(|&(net, len)| Ipv6Net::new(net, len).is_ok_and(|n| n.contains(&v6)))
        }
    }
}

fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    let mapped = s[..5] == [0; 5] && s[5] == 0xffff;
    // `::a.b.c.d` (deprecated "compatible"), but not `::` and `::1`, which are their own ranges.
    let compatible = s[..6] == [0; 6] && (s[6] != 0 || s[7] > 1);
    let nat64 = s[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    (mapped || compatible || nat64).then_some(tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(text: &str) -> bool {
        is_public_address(text.parse().unwrap())
    }

    #[test]
    fn only_public_unicast_addresses_pass() {
        for address in [
            "0.0.0.0",
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.2.5",
            "198.18.0.1",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "::7f00:1",
        ] {
            assert!(!public(address), "{address} must be refused");
        }
        for address in [
            "1.1.1.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "203.0.114.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(public(address), "{address} must pass");
        }
    }

    #[test]
    fn urls_are_http_with_a_host_and_no_credentials() {
        assert!(PushUrl::parse("https://push.example.com/wx?x=1", false).is_ok());
        assert!(PushUrl::parse("http://push.example.com:8080/", false).is_ok());
        for bad in [
            "",
            "ftp://example.com/",
            "https://user:pw@example.com/",
            "https://example.com/#frag",
            "not a url",
            "https://127.0.0.1/",
            "http://[::1]:9000/",
            "http://10.0.0.8/",
            "http://localhost:8000/",
            "http://api.localhost./",
            "http://2130706433/",
        ] {
            assert!(PushUrl::parse(bad, false).is_err(), "{bad:?} must be refused");
        }
        assert!(PushUrl::parse("http://127.0.0.1:9000/push", true).is_ok());
        assert!(PushUrl::parse(&format!("https://example.com/{}", "a".repeat(1100)), false).is_err());
    }

    #[test]
    fn query_pairs_are_appended_encoded() {
        let url = PushUrl::parse("https://example.com/p?a=1", false).unwrap();
        assert_eq!(
            url.with_query(&[("signature", "ab"), ("nonce", "1 2")]).as_str(),
            "https://example.com/p?a=1&signature=ab&nonce=1+2"
        );
    }
}
