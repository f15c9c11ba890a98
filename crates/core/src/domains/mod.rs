//! Server and web-view domains (`wechat-api.md` §7.1 rows 22–24): the hosts a mini program's
//! network APIs may reach (`modify_domain`), the pages `<web-view>` may open
//! (`setwebviewdomain`) and the confirm file a web-view site serves to prove it agrees
//! (`get_webviewdomain_confirmfile`). All of it is one row per app, written with a revision
//! check so concurrent changes never overwrite each other.
//!
//! Limits: 200 domains per server list (85016), 100 web-view domains (89029), 50 successful
//! server-domain changes per calendar month. WeChat publishes no code of its own for the monthly
//! limit; §12.1 files it under 85016, which is what it answers (with its own message).

mod review;
pub mod rules;

use crate::accounts::Developer;
use crate::apps::{App, AppKey, MemberRole};
use crate::audit::Actor;
use crate::clock::month_of;
use crate::error::{Error, Result};
use crate::wx::WxError;
use crate::{Platform, Timestamp};

pub use rules::{Action, DomainKind, ServerDomains};

/// Entries per server-domain list.
pub const SERVER_LIST_LIMIT: usize = 200;
/// Web-view domains per mini program.
pub const WEBVIEW_LIMIT: usize = 100;
/// Successful `add`/`delete`/`set` calls of `modify_domain` per calendar month.
pub const MODIFICATIONS_PER_MONTH: i64 = 50;
/// Hosts no mini program may name: WeChat's own API host.
const RESERVED_HOSTS: &[&str] = &["api.weixin.qq.com"];
/// Attempts at a change that lost a race with another change.
const SAVE_ATTEMPTS: usize = 5;

/// The web-view confirm file: served by the web-view site at `/<file_name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmFile {
    pub file_name: String,
    pub file_content: String,
}

/// Everything stored about one mini program's domains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppDomains {
    pub app: AppKey,
    pub server: ServerDomains,
    pub webview: Vec<String>,
    /// Bumped by every save; 0 before the first.
    pub revision: i64,
    /// The month (`clock::month_of`) `modifications` counts.
    pub month: i64,
    pub modifications: i64,
    pub confirm_file: Option<ConfirmFile>,
    pub updated_at: Timestamp,
}

impl AppDomains {
    fn empty(app: AppKey) -> Self {
        Self {
            app,
            server: ServerDomains::default(),
            webview: Vec::new(),
            revision: 0,
            month: 0,
            modifications: 0,
            confirm_file: None,
            updated_at: 0,
        }
    }

    /// Server-domain changes left this month.
    pub fn modifications_left(&self, now: Timestamp) -> i64 {
        let used = if self.month == month_of(now) { self.modifications } else { 0 };
        (MODIFICATIONS_PER_MONTH - used).max(0)
    }
}

/// The domains a `modify_domain` call names, per list; `None` where the list was not sent.
pub type DomainRequest = Vec<(DomainKind, Option<Vec<String>>)>;

impl Platform {
    /// The app's domains (empty lists when none were ever set).
    pub async fn app_domains(&self, app: AppKey) -> Result<AppDomains> {
        Ok(self.store.app_domains(app).await?.unwrap_or_else(|| AppDomains::empty(app)))
    }

    /// Hosts that may not be used as domains: WeChat's API host and the platform's own.
    fn reserved_hosts(&self) -> Vec<String> {
        let own = url::Url::parse(&self.config.public_url).ok().and_then(|u| u.host_str().map(str::to_owned));
        RESERVED_HOSTS.iter().map(|h| (*h).to_owned()).chain(own).collect()
    }

    /// Reads, changes and saves the app's domains, retrying when another change won the race.
    async fn change_domains(
        &self,
        app: AppKey,
        change: impl Fn(&mut AppDomains) -> Result<bool, WxError>,
    ) -> Result<AppDomains, WxError> {
        for _ in 0..SAVE_ATTEMPTS {
            let mut domains = self.app_domains(app).await?;
            if !change(&mut domains)? {
                return Ok(domains);
            }
            domains.revision += 1;
            domains.updated_at = self.clock.now();
            if self.store.save_app_domains(&domains).await? {
                return Ok(domains);
            }
        }
        Err(WxError::system_busy())
    }

    /// `POST /wxa/modify_domain`: `get` returns the lists; `add`, `delete` and `set` change the
    /// lists that were sent (every entry must be valid, else nothing changes) and count as one
    /// of the month's 50 changes. A change that changes nothing is 85017.
    pub async fn modify_server_domains(
        &self,
        app: AppKey,
        action: Action,
        request: &DomainRequest,
    ) -> Result<ServerDomains, WxError> {
        if action == Action::Get {
            return Ok(self.app_domains(app).await?.server);
        }
        let reserved = self.reserved_hosts();
        let reserved: Vec<&str> = reserved.iter().map(String::as_str).collect();
        let mut parsed: Vec<(DomainKind, Vec<String>)> = Vec::new();
        let mut problems: Vec<String> = Vec::new();
        for (kind, entries) in request {
            let Some(entries) = entries else { continue };
            if entries.len() > SERVER_LIST_LIMIT * 2 {
                return Err(WxError::too_many_domains(SERVER_LIST_LIMIT));
            }
            let mut list = Vec::with_capacity(entries.len());
            for entry in entries {
                match rules::parse_domain(entry, kind.scheme(), &reserved) {
                    Ok(domain) => list.push(domain),
                    Err(why) => problems.push(format!("{} {entry:?} {why}", kind.field())),
                }
            }
            parsed.push((*kind, list));
        }
        if !problems.is_empty() {
            return Err(WxError::invalid_args(&problems.join("; ")));
        }
        let now = self.clock.now();
        let domains = self
            .change_domains(app, |domains| {
                let mut next = domains.server.clone();
                for (kind, given) in &parsed {
                    let changed = rules::apply(action, next.list(*kind), given);
                    if changed.len() > SERVER_LIST_LIMIT {
                        return Err(WxError::too_many_domains(SERVER_LIST_LIMIT));
                    }
                    *next.list_mut(*kind) = changed;
                }
                if next == domains.server {
                    return Err(WxError::no_domain_change());
                }
                if domains.modifications_left(now) == 0 {
                    return Err(WxError::domain_modification_limit(MODIFICATIONS_PER_MONTH));
                }
                let month = month_of(now);
                domains.modifications = if domains.month == month { domains.modifications + 1 } else { 1 };
                domains.month = month;
                domains.server = next;
                Ok(true)
            })
            .await?;
        Ok(domains.server)
    }

    /// `POST /wxa/setwebviewdomain`: `get` lists, `add`/`delete`/`set` change the web-view
    /// domains (https only, ≤ 100: 89029; no change: 89019). Without an action WeChat copies the
    /// third-party platform's domains; here there are none to copy, so it changes nothing.
    pub async fn modify_webview_domains(
        &self,
        app: AppKey,
        action: Option<Action>,
        given: &[String],
    ) -> Result<Vec<String>, WxError> {
        let Some(action) = action.filter(|a| *a != Action::Get) else {
            return Ok(self.app_domains(app).await?.webview);
        };
        let reserved = self.reserved_hosts();
        let reserved: Vec<&str> = reserved.iter().map(String::as_str).collect();
        if given.len() > WEBVIEW_LIMIT * 2 {
            return Err(WxError::too_many_webview_domains(WEBVIEW_LIMIT));
        }
        let mut parsed = Vec::with_capacity(given.len());
        let mut problems = Vec::new();
        for entry in given {
            match rules::parse_domain(entry, "https", &reserved) {
                Ok(domain) => parsed.push(domain),
                Err(why) => problems.push(format!("webviewdomain {entry:?} {why}")),
            }
        }
        if !problems.is_empty() {
            return Err(WxError::invalid_args(&problems.join("; ")));
        }
        let domains = self
            .change_domains(app, |domains| {
                let next = rules::apply(action, &domains.webview, &parsed);
                if next.len() > WEBVIEW_LIMIT {
                    return Err(WxError::too_many_webview_domains(WEBVIEW_LIMIT));
                }
                if next == domains.webview {
                    return Err(WxError::no_webview_domain_change());
                }
                domains.webview = next;
                Ok(true)
            })
            .await?;
        Ok(domains.webview)
    }

    /// `POST /wxa/get_webviewdomain_confirmfile`: the app's confirm file, made on first request
    /// and the same ever after.
    pub async fn webview_confirm_file(&self, app: AppKey) -> Result<ConfirmFile, WxError> {
        let domains = self
            .change_domains(app, |domains| {
                if domains.confirm_file.is_some() {
                    return Ok(false);
                }
                let name = miniplat_crypto::random::hex(5);
                domains.confirm_file = Some(ConfirmFile {
                    file_name: format!("{name}.txt"),
                    file_content: miniplat_crypto::random::hex(16),
                });
                Ok(true)
            })
            .await?;
        Ok(domains.confirm_file.expect("made above when missing"))
    }

    // ---- the console ----

    /// The app's domains, for a member.
    pub async fn domains_for_member(
        &self,
        actor: &Developer,
        appid: &str,
    ) -> Result<(App, MemberRole, AppDomains)> {
        let (app, role) = self.app_for_member(actor, appid).await?;
        let domains = self.app_domains(app.key).await?;
        Ok((app, role, domains))
    }

    /// Replaces one server list (`kind`) or, with `None`, the web-view list, from the console;
    /// needs the developer role. The same rules and limits as the wire API apply.
    pub async fn set_domains_as_member(
        &self,
        actor: &Developer,
        appid: &str,
        kind: Option<DomainKind>,
        entries: Vec<String>,
    ) -> Result<()> {
        actor.ensure_active()?;
        let (app, role) = self.app_for_member(actor, appid).await?;
        role.ensure(MemberRole::Developer)?;
        let field = kind.map_or("webviewdomain", DomainKind::field);
        let outcome = match kind {
            Some(kind) => {
                self.modify_server_domains(app.key, Action::Set, &vec![(kind, Some(entries))]).await.map(drop)
            }
            None => self.modify_webview_domains(app.key, Some(Action::Set), &entries).await.map(drop),
        };
        match outcome {
            // Saving the list as it is changes nothing, which is fine in a form.
            Err(error)
                if [WxError::no_domain_change().errcode, WxError::no_webview_domain_change().errcode]
                    .contains(&error.errcode) =>
            {
                return Ok(())
            }
            other => other.map_err(|error| domain_error(field, error))?,
        }
        self.audit(Actor::Developer(actor.id), "domains.set", app.appid.as_str(), field).await
    }
}

/// A refusal of the wire rules as a form error on the list `field`.
fn domain_error(field: &'static str, error: WxError) -> Error {
    if error.errcode == -1 {
        return Error::Store(crate::error::StoreError::Backend(error.errmsg));
    }
    let message = error.errmsg.trim_start_matches("invalid args: ").to_owned();
    Error::Invalid { field, message }
}
