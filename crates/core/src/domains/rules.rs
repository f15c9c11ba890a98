//! The rules for server and web-view domains, pure: what a domain entry may look like
//! (`scheme://host`, nothing else), and how an `add`/`delete`/`set` changes a list.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// The six server-domain lists of `modify_domain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DomainKind {
    Request,
    Socket,
    Upload,
    Download,
    Udp,
    Tcp,
}

impl DomainKind {
    pub const ALL: [Self; 6] =
        [Self::Request, Self::Socket, Self::Upload, Self::Download, Self::Udp, Self::Tcp];

    /// The list's field on the wire (`requestdomain`, …).
    pub fn field(self) -> &'static str {
        match self {
            Self::Request => "requestdomain",
            Self::Socket => "wsrequestdomain",
            Self::Upload => "uploaddomain",
            Self::Download => "downloaddomain",
            Self::Udp => "udpdomain",
            Self::Tcp => "tcpdomain",
        }
    }

    /// The one scheme the list's entries use.
    pub fn scheme(self) -> &'static str {
        match self {
            Self::Request | Self::Upload | Self::Download => "https",
            Self::Socket => "wss",
            Self::Udp => "udp",
            Self::Tcp => "tcp",
        }
    }

    /// The list a network API's URLs must be in (`wx.request` → request domains).
    pub fn of_api(api: &str) -> Option<Self> {
        match api {
            "wx.request" => Some(Self::Request),
            "wx.connectSocket" => Some(Self::Socket),
            "wx.uploadFile" => Some(Self::Upload),
            "wx.downloadFile" => Some(Self::Download),
            _ => None,
        }
    }
}

/// A mini program's server domains, one list per kind, in the order they were added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerDomains {
    pub requestdomain: Vec<String>,
    pub wsrequestdomain: Vec<String>,
    pub uploaddomain: Vec<String>,
    pub downloaddomain: Vec<String>,
    pub udpdomain: Vec<String>,
    pub tcpdomain: Vec<String>,
}

impl ServerDomains {
    pub fn list(&self, kind: DomainKind) -> &Vec<String> {
        match kind {
            DomainKind::Request => &self.requestdomain,
            DomainKind::Socket => &self.wsrequestdomain,
            DomainKind::Upload => &self.uploaddomain,
            DomainKind::Download => &self.downloaddomain,
            DomainKind::Udp => &self.udpdomain,
            DomainKind::Tcp => &self.tcpdomain,
        }
    }

    pub fn list_mut(&mut self, kind: DomainKind) -> &mut Vec<String> {
        match kind {
            DomainKind::Request => &mut self.requestdomain,
            DomainKind::Socket => &mut self.wsrequestdomain,
            DomainKind::Upload => &mut self.uploaddomain,
            DomainKind::Download => &mut self.downloaddomain,
            DomainKind::Udp => &mut self.udpdomain,
            DomainKind::Tcp => &mut self.tcpdomain,
        }
    }

    /// Whether `host` is in the list of `kind`.
    pub fn allows(&self, kind: DomainKind, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.list(kind).iter().any(|entry| host_of(entry) == Some(host.as_str()))
    }
}

/// The host of a stored entry (`https://a.example.com` → `a.example.com`).
pub fn host_of(entry: &str) -> Option<&str> {
    entry.split_once("://").map(|(_, host)| host)
}

/// How a list changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Add,
    Delete,
    Set,
    Get,
}

impl Action {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "add" => Some(Self::Add),
            "delete" => Some(Self::Delete),
            "set" => Some(Self::Set),
            "get" => Some(Self::Get),
            _ => None,
        }
    }
}

/// Applies `action` with `given` (already normalised) to `list`: `add` appends what is new,
/// `delete` removes what is there, `set` replaces the list (`get` changes nothing).
pub fn apply(action: Action, list: &[String], given: &[String]) -> Vec<String> {
    let mut unique: Vec<String> = Vec::with_capacity(given.len());
    for entry in given {
        if !unique.contains(entry) {
            unique.push(entry.clone());
        }
    }
    match action {
        Action::Get => list.to_vec(),
        Action::Set => unique,
        Action::Add => {
            let mut next = list.to_vec();
            next.extend(unique.into_iter().filter(|entry| !list.contains(entry)));
            next
        }
        Action::Delete => list.iter().filter(|entry| !unique.contains(entry)).cloned().collect(),
    }
}

/// Parses one domain entry for a list whose entries use `scheme`: `scheme://host`, a public
/// host name (no IP address, no `localhost`, none of `forbidden_hosts`), no port, path, query
/// or credentials. Returns the entry in its stored form (lowercase, no trailing slash), or why
/// not.
pub fn parse_domain(raw: &str, scheme: &str, forbidden_hosts: &[&str]) -> Result<String, String> {
    let raw = raw.trim();
    let Some((given_scheme, rest)) = raw.split_once("://") else {
        return Err(format!("must start with {scheme}://"));
    };
    if !given_scheme.eq_ignore_ascii_case(scheme) {
        return Err(format!("must start with {scheme}://"));
    }
    let host = rest.strip_suffix('/').unwrap_or(rest).to_ascii_lowercase();
    if host.contains(['/', '?', '#']) {
        return Err("must be a domain without a path, query or fragment".into());
    }
    if host.contains('@') {
        return Err("must not contain credentials".into());
    }
    if host.starts_with('[') || host.parse::<IpAddr>().is_ok() {
        return Err("must be a domain name, not an IP address".into());
    }
    if host.contains(':') {
        return Err("must not name a port".into());
    }
    if !is_public_host_name(&host) {
        return Err("is not a valid public domain name".into());
    }
    if host == "localhost" || host.ends_with(".localhost") {
        return Err("must not be localhost".into());
    }
    if forbidden_hosts.iter().any(|f| host == *f || host.ends_with(&format!(".{f}"))) {
        return Err("is reserved by the platform".into());
    }
    Ok(format!("{scheme}://{host}"))
}

/// Letters, digits and hyphens in dot-separated labels (1–63 each, no hyphen at either end),
/// at least two labels, a top-level label that is not all digits, ≤ 253 characters.
fn is_public_host_name(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    host.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && !labels.last().is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORBIDDEN: &[&str] = &["api.weixin.qq.com", "miniplat.example"];

    #[test]
    fn good_domains_are_normalised() {
        assert_eq!(
            parse_domain("HTTPS://API.Shop.example/", "https", FORBIDDEN).unwrap(),
            "https://api.shop.example"
        );
        assert_eq!(
            parse_domain(" wss://ws.shop.example ", "wss", FORBIDDEN).unwrap(),
            "wss://ws.shop.example"
        );
        assert_eq!(parse_domain("udp://u.shop.example", "udp", FORBIDDEN).unwrap(), "udp://u.shop.example");
        assert_eq!(parse_domain("tcp://xn--fsq.example", "tcp", FORBIDDEN).unwrap(), "tcp://xn--fsq.example");
    }

    #[test]
    fn bad_domains_say_why() {
        let refused = |raw: &str, scheme: &str| parse_domain(raw, scheme, FORBIDDEN).unwrap_err();
        assert!(refused("http://shop.example", "https").contains("https://"));
        assert!(refused("shop.example", "https").contains("https://"));
        assert!(refused("https://shop.example", "wss").contains("wss://"));
        assert!(refused("https://1.2.3.4", "https").contains("IP address"));
        assert!(refused("udp://10.0.0.1", "udp").contains("IP address"));
        assert!(refused("https://[::1]", "https").contains("IP address"));
        assert!(refused("https://localhost", "https").contains("public domain"));
        assert!(refused("https://app.localhost", "https").contains("localhost"));
        assert!(refused("https://shop.example:8443", "https").contains("port"));
        assert!(refused("https://shop.example/api", "https").contains("path"));
        assert!(refused("https://shop.example?x=1", "https").contains("query"));
        assert!(refused("https://u:p@shop.example", "https").contains("credentials"));
        assert!(refused("https://-bad.example", "https").contains("valid"));
        assert!(refused("https://shop..example", "https").contains("valid"));
        assert!(refused("https://api.weixin.qq.com", "https").contains("reserved"));
        assert!(refused("https://x.miniplat.example", "https").contains("reserved"));
    }

    #[test]
    fn actions_change_lists_as_documented() {
        let list = vec!["https://a.example".to_owned(), "https://b.example".to_owned()];
        let given = vec![
            "https://b.example".to_owned(),
            "https://c.example".to_owned(),
            "https://c.example".to_owned(),
        ];
        assert_eq!(
            apply(Action::Add, &list, &given),
            ["https://a.example", "https://b.example", "https://c.example"]
        );
        assert_eq!(apply(Action::Delete, &list, &given), ["https://a.example"]);
        assert_eq!(apply(Action::Set, &list, &given), ["https://b.example", "https://c.example"]);
        assert_eq!(apply(Action::Get, &list, &given), list);
    }

    #[test]
    fn hosts_are_looked_up_in_the_list_of_their_kind() {
        let domains =
            ServerDomains { requestdomain: vec!["https://api.shop.example".into()], ..Default::default() };
        assert!(domains.allows(DomainKind::Request, "API.shop.example"));
        assert!(!domains.allows(DomainKind::Upload, "api.shop.example"));
        assert!(!domains.allows(DomainKind::Request, "shop.example"));
        assert_eq!(DomainKind::of_api("wx.connectSocket"), Some(DomainKind::Socket));
    }
}
