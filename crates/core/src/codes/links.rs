//! URL Schemes and URL Links (`wechat-api.md` §4.2, §4.3): expiring tickets that open a page
//! with a query, like codes do. A scheme is `miniplat://dl/business/?t=<ticket>` (this
//! platform's counterpart of `weixin://dl/business/?t=`); a link is `{public_url}/l/<ticket>`.
//! Both resolve through `/l/<ticket>` in the web host.
//!
//! Rules: expiry at most 30 days ahead (85401); generation ≤ `link_generations_per_second`
//! (per node, 44990) and ≤ `links_per_day` per mini program (scheme + link together, 44993);
//! openings ≤ `link_visits_per_day` (85406). WeChat no longer makes permanent links, so a
//! request without an expiry gets the longest one, 30 days. Members can also generate links in
//! the console (same rules, same counts) and revoke them, which expires them at once.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::accounts::Developer;
use crate::apps::access::EnvVersion;
use crate::apps::{App, AppKey, MemberRole};
use crate::audit::Actor;
use crate::clock::day_of;
use crate::error::{Error, StoreError};
use crate::wx::WxError;
use crate::Platform;
use crate::Timestamp;

use super::Page;

/// The longest a link may live.
pub const MAX_LIFETIME_SECS: i64 = 30 * 86_400;
const SCHEME_PREFIX: &str = "miniplat://dl/business/?t=";
const TICKET_LEN: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Scheme,
    UrlLink,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheme => "scheme",
            Self::UrlLink => "urllink",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Scheme, Self::UrlLink].into_iter().find(|k| k.as_str() == text)
    }
}

/// `cloud_base` of a URL Link, kept for `query_urllink`; our links never go through a cloud
/// static site, so it only round-trips.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CloudBase {
    pub env: String,
    pub domain: String,
    pub path: String,
    pub query: String,
    pub resource_appid: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub ticket: String,
    pub app: AppKey,
    pub kind: LinkKind,
    pub page: String,
    pub query: String,
    pub env: EnvVersion,
    pub cloud_base: Option<CloudBase>,
    pub created_at: Timestamp,
    pub expire_at: Timestamp,
}

impl Link {
    pub fn is_expired(&self, now: Timestamp) -> bool {
        now >= self.expire_at
    }
}

/// When a link expires, as the request states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// `expire_type` 0: a unix time.
    At(Option<i64>),
    /// `expire_type` 1: days from now.
    InDays(Option<i64>),
}

/// A request for a scheme or link, parsed at the edge.
#[derive(Debug, Clone)]
pub struct LinkRequest {
    pub kind: LinkKind,
    pub page: String,
    pub query: String,
    pub env: EnvVersion,
    pub expiry: Expiry,
    pub cloud_base: Option<CloudBase>,
}

/// Validates `path` (40165) and `query` (40212) of a link request.
pub fn parse_target(path: &str, query: &str) -> Result<(Page, String), WxError> {
    let page = Page::parse(path).ok_or_else(WxError::invalid_link_path)?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || "!#$&'()*+,/:;=?@-._~%".contains(c);
    let pairs_ok = query.is_empty()
        || query.split('&').all(|pair| pair.split_once('=').is_some_and(|(k, _)| !k.is_empty()));
    if query.chars().count() > 1024 || !query.chars().all(allowed) || !pairs_ok {
        return Err(WxError::invalid_link_query());
    }
    Ok((page, query.to_owned()))
}

/// The ticket inside a scheme (`…?t=<ticket>`) or URL Link (`…/l/<ticket>`).
fn ticket_of(text: &str) -> Option<&str> {
    let ticket = text.strip_prefix(SCHEME_PREFIX).or_else(|| text.rsplit_once("/l/").map(|(_, t)| t))?;
    (ticket.len() == TICKET_LEN && ticket.bytes().all(|b| b.is_ascii_hexdigit())).then_some(ticket)
}

/// What opening a link finds.
pub enum Opened {
    Found(Link, App),
    Expired(Link, App),
    /// Today's openings of the mini program's links are used up (85406).
    VisitLimit(App),
}

const DAILY_LIMIT: &str = "daily link limit reached";

/// The error the store returns from `count_link_event` when the cap is reached.
pub const fn daily_limit_reached() -> StoreError {
    StoreError::Refused(DAILY_LIMIT)
}

/// Generations per app in the current second, counted on this node like the per-minute quota
/// windows: each node allows the full rate.
#[derive(Default)]
pub struct GenerationRate {
    windows: Mutex<HashMap<AppKey, (Timestamp, i64)>>,
}

impl GenerationRate {
    /// Counts one generation at `now`; refuses it (uncounted) past `per_second`.
    fn charge(&self, app: AppKey, now: Timestamp, per_second: i64) -> Result<(), WxError> {
        let mut windows = self.windows.lock().expect("link rate lock");
        if windows.len() > 10_000 {
            windows.retain(|_, (second, _)| *second == now);
        }
        let window = windows.entry(app).or_insert((now, 0));
        if window.0 != now {
            *window = (now, 0);
        }
        if window.1 >= per_second {
            return Err(WxError::link_rate_reached());
        }
        window.1 += 1;
        Ok(())
    }
}

/// A link a member asks for in the console.
#[derive(Debug, Clone)]
pub struct MemberLinkRequest {
    pub kind: LinkKind,
    pub path: String,
    pub query: String,
    pub env: EnvVersion,
    /// 1–30.
    pub days: i64,
}

/// A refusal of the WeChat rules as a domain error for the console: the same rule, said for
/// people and pointed at the form field it concerns. `now` dates the end of a rate window.
fn member_error(error: WxError, now: Timestamp) -> Error {
    match error.errcode {
        40165 => {
            Error::invalid("path", "must be a page path like pages/index/index, without a leading / or query")
        }
        40212 => Error::invalid("query", "must be k1=v1&k2=v2 of letters, digits and !#$&'()*+,/:;=?@-._~%"),
        85401 => Error::invalid("days", "must be between 1 and 30"),
        85079 => Error::invalid("env_version", "cannot be release until the mini program is released"),
        44990 => Error::RateLimited { retry_after: 1 },
        44993 => Error::RateLimited { retry_after: (day_of(now) + 1) * 86_400 - now },
        _ => Error::Store(StoreError::Backend(error.errmsg)),
    }
}

impl Platform {
    /// Generates a scheme or URL Link; returns the stored link and its text.
    pub async fn generate_link(&self, app: AppKey, request: LinkRequest) -> Result<(Link, String), WxError> {
        let now = self.clock.now();
        self.link_rate.charge(app, now, self.config.link_generations_per_second)?;
        if request.env == EnvVersion::Release && self.store.live_release(app).await?.is_none() {
            return Err(WxError::no_released_version());
        }
        let expire_at = match request.expiry {
            Expiry::At(None) | Expiry::InDays(None) => now + MAX_LIFETIME_SECS,
            Expiry::At(Some(at)) => at,
            Expiry::InDays(Some(days)) if (1..=30).contains(&days) => now + days * 86_400,
            Expiry::InDays(Some(_)) => return Err(WxError::invalid_link_expiry()),
        };
        if expire_at < now + 60 || expire_at > now + MAX_LIFETIME_SECS {
            return Err(WxError::invalid_link_expiry());
        }
        let day = day_of(now);
        match self.store.count_link_event(app, day, "generate", self.config.links_per_day).await {
            Ok(_) => {}
            Err(StoreError::Refused(DAILY_LIMIT)) => return Err(WxError::link_daily_limit_reached()),
            Err(e) => return Err(e.into()),
        }
        let link = Link {
            ticket: miniplat_crypto::random::hex(TICKET_LEN / 2),
            app,
            kind: request.kind,
            page: request.page,
            query: request.query,
            env: request.env,
            cloud_base: request.cloud_base,
            created_at: now,
            expire_at,
        };
        self.store.insert_link(&link).await?;
        let text = self.link_text(&link);
        Ok((link, text))
    }

    /// The text handed out for a link: the scheme or the URL.
    pub fn link_text(&self, link: &Link) -> String {
        match link.kind {
            LinkKind::Scheme => format!("{SCHEME_PREFIX}{}", link.ticket),
            LinkKind::UrlLink => self.link_url(&link.ticket),
        }
    }

    /// The web address that opens a link (also the landing page of a scheme).
    pub fn link_url(&self, ticket: &str) -> String {
        format!("{}/l/{ticket}", self.config.public_url.trim_end_matches('/'))
    }

    /// A link of `app` by its text, for `queryscheme` / `query_urllink` (85403 otherwise).
    pub async fn query_link(&self, app: AppKey, kind: LinkKind, text: &str) -> Result<Link, WxError> {
        let ticket = ticket_of(text.trim()).ok_or_else(WxError::link_not_found)?;
        match self.store.link_by_ticket(ticket).await? {
            Some(link) if link.app == app && link.kind == kind => Ok(link),
            _ => Err(WxError::link_not_found()),
        }
    }

    /// Openings left today for the app's links.
    pub async fn remaining_link_visits(&self, app: AppKey) -> Result<i64, WxError> {
        let used = self.store.link_events(app, day_of(self.clock.now()), "visit").await?;
        Ok((self.config.link_visits_per_day - used).max(0))
    }

    /// Opens a link by ticket: counts the visit unless expired or over the daily limit.
    pub async fn open_link(&self, ticket: &str) -> crate::Result<Option<Opened>> {
        if ticket.len() != TICKET_LEN || !ticket.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let Some(link) = self.store.link_by_ticket(ticket).await? else { return Ok(None) };
        let Some(app) = self.store.app_by_key(link.app).await? else { return Ok(None) };
        let now = self.clock.now();
        if link.is_expired(now) {
            return Ok(Some(Opened::Expired(link, app)));
        }
        match self
            .store
            .count_link_event(app.key, day_of(now), "visit", self.config.link_visits_per_day)
            .await
        {
            Ok(_) => Ok(Some(Opened::Found(link, app))),
            Err(StoreError::Refused(DAILY_LIMIT)) => Ok(Some(Opened::VisitLimit(app))),
            Err(e) => Err(e.into()),
        }
    }

    /// The app's links, newest first (console).
    pub async fn links_of(&self, app: AppKey) -> crate::Result<Vec<Link>> {
        Ok(self.store.links_of(app).await?)
    }

    /// A link generated by a member (developer role) in the console, under the rules and counts
    /// of `generatescheme` / `generate_urllink`.
    pub async fn member_generate_link(
        &self,
        member: &Developer,
        appid: &str,
        request: MemberLinkRequest,
    ) -> crate::Result<(Link, String)> {
        let (app, role) = self.app_for_member(member, appid).await?;
        role.ensure(MemberRole::Developer)?;
        let now = self.clock.now();
        let (page, query) =
            parse_target(request.path.trim(), request.query.trim()).map_err(|e| member_error(e, now))?;
        let request = LinkRequest {
            kind: request.kind,
            page: page.as_str().to_owned(),
            query,
            env: request.env,
            expiry: Expiry::InDays(Some(request.days)),
            cloud_base: None,
        };
        let (link, text) = self.generate_link(app.key, request).await.map_err(|e| member_error(e, now))?;
        self.audit(Actor::Developer(member.id), "link.generate", app.appid.as_str(), &link.ticket).await?;
        Ok((link, text))
    }

    /// Revokes a link of the app (developer role): it expires now, and opening it shows the
    /// expired page. Revoking an expired link changes nothing.
    pub async fn revoke_link(&self, member: &Developer, appid: &str, ticket: &str) -> crate::Result<()> {
        let (app, role) = self.app_for_member(member, appid).await?;
        role.ensure(MemberRole::Developer)?;
        let link = match self.store.link_by_ticket(ticket).await? {
            Some(link) if link.app == app.key => link,
            _ => return Err(Error::NotFound("link")),
        };
        let now = self.clock.now();
        if link.is_expired(now) {
            return Ok(());
        }
        self.store.expire_link(app.key, ticket, now).await?;
        self.audit(Actor::Developer(member.id), "link.revoke", app.appid.as_str(), ticket).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_checked() {
        assert!(parse_target("pages/a", "id=1&b=2").is_ok());
        assert!(parse_target("", "").is_ok());
        assert_eq!(parse_target("/pages/a", "").unwrap_err().errcode, 40165);
        assert_eq!(parse_target("pages/a?x=1", "").unwrap_err().errcode, 40165);
        assert_eq!(parse_target("pages/a", "a b").unwrap_err().errcode, 40212);
        assert_eq!(parse_target("pages/a", "novalue").unwrap_err().errcode, 40212);
    }

    #[test]
    fn the_generation_rate_is_a_window_per_app_and_second() {
        let rate = GenerationRate::default();
        for _ in 0..2 {
            assert!(rate.charge(AppKey(1), 100, 2).is_ok());
        }
        assert_eq!(rate.charge(AppKey(1), 100, 2).unwrap_err().errcode, 44990);
        assert!(rate.charge(AppKey(2), 100, 2).is_ok(), "per app");
        assert!(rate.charge(AppKey(1), 101, 2).is_ok(), "a new second");
    }

    #[test]
    fn tickets_are_read_from_schemes_and_links() {
        assert_eq!(ticket_of("miniplat://dl/business/?t=0123456789abcdef0123"), Some("0123456789abcdef0123"));
        assert_eq!(ticket_of("https://x.test/l/0123456789abcdef0123"), Some("0123456789abcdef0123"));
        assert_eq!(ticket_of("weixin://dl/business/?t=abc"), None);
    }
}
