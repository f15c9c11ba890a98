//! Mini program codes (clause 2.2, `wechat-api.md` §4.1): what a QR code encodes and how scanning
//! it resolves. A code encodes a short URL on this platform, `{public_url}/s/{ticket}`; the
//! ticket names a stored [`Code`] (appid, page, query or scene, env_version), so the web host can
//! open the right page of the right version when someone scans it.
//!
//! Tickets of codes are derived from what they encode, so identical requests give identical
//! images (and rows), and an unlimited code costs one row however often it is requested.

pub mod card;
pub mod links;
pub mod render;

use crate::accounts::Developer;
use crate::apps::access::EnvVersion;
use crate::apps::{App, AppKey};
use crate::error::{Error, StoreError};
use crate::wx::WxError;
use crate::Platform;
use crate::Timestamp;

pub use render::{LineColor, Style};

/// How a code was made; the two limited kinds share a lifetime cap (45029).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// `getwxacode`: a round mini program code for a path with query.
    Limited,
    /// `createwxaqrcode`: a square QR code for a path with query.
    LimitedSquare,
    /// `getwxacodeunlimit`: page + scene.
    Unlimited,
    /// `get_qrcode`: the trial version's QR code.
    Trial,
    /// The code on a mini program's name card: the released home page.
    Card,
}

impl CodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Limited => "wxacode",
            Self::LimitedSquare => "qrcode",
            Self::Unlimited => "unlimited",
            Self::Trial => "trial",
            Self::Card => "card",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Limited, Self::LimitedSquare, Self::Unlimited, Self::Trial, Self::Card]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
    pub fn is_limited(self) -> bool {
        matches!(self, Self::Limited | Self::LimitedSquare)
    }
}

/// A page path as codes carry it: no leading slash, no query, e.g. `pages/index/index`.
/// Empty means the home page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page(String);

impl Page {
    /// Accepts `pages/a/b` (letters, digits, `_-./@` and non-ASCII); refuses a leading `/`,
    /// a query, `..` and empty segments.
    pub fn parse(raw: &str) -> Option<Self> {
        if raw.is_empty() {
            return Some(Self(String::new()));
        }
        let valid = raw.len() <= 512
            && !raw.starts_with('/')
            && raw.split('/').all(|s| !s.is_empty() && s != "." && s != "..")
            && raw.chars().all(|c| c.is_alphanumeric() || "_-./@".contains(c));
        valid.then(|| Self(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn is_home(&self) -> bool {
        self.0.is_empty()
    }
}

/// The `scene` of an unlimited code: 1–32 visible characters of WeChat's allowed set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scene(String);

/// Why a scene was refused: 40169 when too long, 40129 otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SceneError {
    TooLong,
    Invalid,
}

impl Scene {
    pub const MAX_CHARS: usize = 32;
    const ALLOWED_PUNCTUATION: &'static str = "!#$&'()*+,/:;=?@-._~";

    pub fn parse(raw: &str) -> Result<Self, SceneError> {
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(SceneError::TooLong);
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || Self::ALLOWED_PUNCTUATION.contains(c);
        if raw.is_empty() || !raw.chars().all(allowed) {
            return Err(SceneError::Invalid);
        }
        Ok(Self(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A path with optional query (`pages/index?id=1`), as `getwxacode`, `createwxaqrcode` and
/// `get_qrcode` take it. A leading `/` is tolerated and dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagePath {
    pub page: Page,
    pub query: String,
}

impl PagePath {
    /// `max_chars` is the endpoint's limit (1024 or 128); `None` when empty, too long or
    /// malformed (40159).
    pub fn parse(raw: &str, max_chars: usize) -> Option<Self> {
        if raw.is_empty() || raw.chars().count() > max_chars {
            return None;
        }
        Self::parse_optional(raw)
    }

    /// Like [`Self::parse`] but an empty path means the home page (`get_qrcode`).
    pub fn parse_optional(raw: &str) -> Option<Self> {
        let raw = raw.strip_prefix('/').unwrap_or(raw);
        let (page, query) = raw.split_once('?').unwrap_or((raw, ""));
        let query_ok = query.chars().all(|c| !c.is_control() && !c.is_whitespace());
        Some(Self { page: Page::parse(page)?, query: query_ok.then(|| query.to_owned())? })
    }

    /// `scancode_time` is a query key WeChat reserves for itself (85096).
    pub fn uses_reserved_key(&self) -> bool {
        self.query.split('&').any(|pair| pair.split('=').next() == Some("scancode_time"))
    }
}

/// A stored code: what its ticket opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub ticket: String,
    pub app: AppKey,
    pub kind: CodeKind,
    pub page: String,
    pub query: String,
    pub scene: Option<String>,
    pub env: EnvVersion,
    pub created_at: Timestamp,
}

/// What a code request asks for, after parsing.
#[derive(Debug, Clone)]
pub enum CodeTarget {
    Path(PagePath),
    Scene { page: Page, scene: Scene },
}

/// A rendered code: the image, the URL it encodes, and for limited kinds how many of the
/// lifetime cap are used.
pub struct RenderedCode {
    pub image: Vec<u8>,
    pub url: String,
    pub num_used: Option<i64>,
}

/// The lifetime cap of `getwxacode` + `createwxaqrcode` was reached.
const CAP_REACHED: &str = "code count limit reached";
/// The distinct pages of unlimited codes are used up.
const PAGE_CAP_REACHED: &str = "unlimited code page limit reached";

impl Platform {
    /// Makes (or finds) the code for `target` and renders it. Limited kinds count towards the
    /// app's lifetime cap (45029) on every call, as WeChat counts calls, not distinct codes.
    /// Unlimited codes may use at most `unlimited_code_pages` distinct pages (41030): the cap
    /// of `check_path: false`, which allows pages the live version does not have.
    pub async fn create_code(
        &self,
        app: AppKey,
        kind: CodeKind,
        target: CodeTarget,
        env: EnvVersion,
        style: Style,
    ) -> Result<RenderedCode, WxError> {
        let (page, query, scene) = match target {
            CodeTarget::Path(path) => (path.page.0, path.query, None),
            CodeTarget::Scene { page, scene } => (page.0, String::new(), Some(scene.0)),
        };
        let ticket = code_ticket(app, kind, &page, &query, scene.as_deref(), env);
        // Style is part of the image, and the round/square kinds draw alike but differ in name.
        let cache_key = format!("{ticket}{}", kind.as_str());
        if !kind.is_limited() {
            // The row was stored when the image was first made.
            if let Some(image) = self.code_images.get(&cache_key, style) {
                return Ok(RenderedCode { image, url: self.code_url(&ticket), num_used: None });
            }
        }
        let code = Code { ticket, app, kind, page, query, scene, env, created_at: self.clock.now() };
        let num_used = if kind.is_limited() {
            match self.store.insert_limited_code(&code, self.config.qr_code_lifetime_limit).await {
                Ok(used) => Some(used),
                Err(StoreError::Refused(CAP_REACHED)) => return Err(WxError::code_limit_reached()),
                Err(e) => return Err(e.into()),
            }
        } else if kind == CodeKind::Unlimited {
            match self.store.insert_unlimited_code(&code, self.config.unlimited_code_pages).await {
                Ok(()) => None,
                Err(StoreError::Refused(PAGE_CAP_REACHED)) => {
                    return Err(WxError::invalid_page(&format!(
                        "the mini program has used its {} distinct pages of unlimited codes",
                        self.config.unlimited_code_pages
                    )))
                }
                Err(e) => return Err(e.into()),
            }
        } else {
            self.store.insert_code(&code).await?;
            None
        };
        let url = self.code_url(&code.ticket);
        let image = match self.code_images.get(&cache_key, style) {
            Some(image) => image,
            None => {
                let image = render::render(&url, kind, style).map_err(|e| {
                    tracing::error!(error = %e, "rendering a code failed");
                    WxError::system_busy()
                })?;
                self.code_images.put(cache_key, style, image.clone());
                image
            }
        };
        Ok(RenderedCode { image, url, num_used })
    }

    /// A code of `env` for `path` (empty: the home page), for a member: the image and the URL
    /// it encodes (`miniplat app preview`, the console's Share tab).
    pub async fn member_code(
        &self,
        member: &Developer,
        appid: &str,
        env: EnvVersion,
        path: &str,
    ) -> crate::Result<(Vec<u8>, String)> {
        let (app, _) = self.app_for_member(member, appid).await?;
        let path =
            PagePath::parse_optional(path).ok_or_else(|| Error::invalid("path", "is not a page path"))?;
        // The release's code is the one on the name card; the others are `get_qrcode`'s kind.
        let kind = if env == EnvVersion::Release { CodeKind::Card } else { CodeKind::Trial };
        let code = self
            .create_code(app.key, kind, CodeTarget::Path(path), env, Style::default())
            .await
            // These kinds are not capped: only storage or rendering can fail, and both are logged.
            .map_err(|e| Error::Store(StoreError::Backend(e.errmsg)))?;
        Ok((code.image, code.url))
    }

    /// The URL a code encodes.
    pub fn code_url(&self, ticket: &str) -> String {
        format!("{}/s/{ticket}", self.config.public_url.trim_end_matches('/'))
    }

    /// The code a scanned ticket names, with its mini program.
    pub async fn resolve_code(&self, ticket: &str) -> crate::Result<Option<(Code, App)>> {
        if ticket.len() != TICKET_LEN || !ticket.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Ok(None);
        }
        let Some(code) = self.store.code_by_ticket(ticket).await? else { return Ok(None) };
        let Some(app) = self.store.app_by_key(code.app).await? else { return Ok(None) };
        Ok(Some((code, app)))
    }
}

/// The error the store returns from `insert_limited_code` when the cap is reached.
pub const fn cap_reached() -> StoreError {
    StoreError::Refused(CAP_REACHED)
}

/// The error the store returns from `insert_unlimited_code` when the page cap is reached.
pub const fn page_cap_reached() -> StoreError {
    StoreError::Refused(PAGE_CAP_REACHED)
}

const TICKET_LEN: usize = 20;

/// A ticket derived from what the code encodes: 20 hex digits of SHA-256 (80 bits, so two
/// different codes never share one in practice). Short, because QR capacity is precious.
fn code_ticket(
    app: AppKey,
    kind: CodeKind,
    page: &str,
    query: &str,
    scene: Option<&str>,
    env: EnvVersion,
) -> String {
    // The limited kinds encode the same thing; the image style (round/square) differs.
    let family = if kind.is_limited() { "limited" } else { kind.as_str() };
    let material =
        format!("{}\n{family}\n{page}\n{query}\n{}\n{}", app.0, scene.unwrap_or("\u{0}"), env.as_str());
    miniplat_crypto::sha256_hex(material.as_bytes())[..TICKET_LEN].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenes_are_short_and_of_the_allowed_set() {
        assert!(Scene::parse("id=42&from=poster").is_ok());
        assert!(Scene::parse("a!#$&'()*+,/:;=?@-._~Z9").is_ok());
        assert_eq!(Scene::parse(&"a".repeat(33)), Err(SceneError::TooLong));
        assert!(Scene::parse(&"a".repeat(32)).is_ok());
        assert_eq!(Scene::parse("100%"), Err(SceneError::Invalid));
        assert_eq!(Scene::parse("a b"), Err(SceneError::Invalid));
        assert_eq!(Scene::parse(""), Err(SceneError::Invalid));
    }

    #[test]
    fn pages_have_no_leading_slash_or_query() {
        assert!(Page::parse("pages/index/index").is_some());
        assert!(Page::parse("").is_some_and(|p| p.is_home()));
        assert!(Page::parse("/pages/index").is_none());
        assert!(Page::parse("pages/index?x=1").is_none());
        assert!(Page::parse("pages/../etc").is_none());
    }

    #[test]
    fn paths_carry_a_query_and_a_length_limit() {
        let path = PagePath::parse("/pages/item?id=7", 128).unwrap();
        assert_eq!(path.page.as_str(), "pages/item");
        assert_eq!(path.query, "id=7");
        assert!(PagePath::parse("", 128).is_none());
        assert!(PagePath::parse(&format!("p?{}", "x".repeat(200)), 128).is_none());
        assert!(PagePath::parse("p?scancode_time=1", 128).unwrap().uses_reserved_key());
    }

    #[test]
    fn tickets_are_stable_and_distinct() {
        let a = code_ticket(AppKey(1), CodeKind::Unlimited, "p", "", Some("s"), EnvVersion::Release);
        assert_eq!(a, code_ticket(AppKey(1), CodeKind::Unlimited, "p", "", Some("s"), EnvVersion::Release));
        assert_ne!(a, code_ticket(AppKey(1), CodeKind::Unlimited, "p", "", Some("t"), EnvVersion::Release));
        assert_ne!(a, code_ticket(AppKey(1), CodeKind::Unlimited, "p", "", Some("s"), EnvVersion::Trial));
        assert_eq!(a.len(), TICKET_LEN);
    }
}
