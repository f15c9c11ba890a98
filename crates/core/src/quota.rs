//! API call quotas (`wechat-api.md` §12): a daily limit per mini program and API (45009) and a
//! per-minute rate (45011), `quota/get`, `clear_quota` (10 a month) and request records for
//! `rid/get`.
//!
//! Counting is on the hot path of every call, so counts accumulate in memory and a background
//! flush adds them to the shared store every second; each node's view is the stored total plus
//! its own unflushed calls. Per-minute rates are counted per node.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::apps::{AppId, AppKey};
use crate::audit::Actor;
use crate::clock::{day_of, month_of};
use crate::wx::WxError;
use crate::Platform;
use crate::Timestamp;

/// One API of the catalogue with its published limits.
#[derive(Debug, PartialEq, Eq)]
pub struct Api {
    pub path: &'static str,
    pub daily_limit: i64,
    /// Calls per minute per mini program; `None` where no rate is published.
    pub per_minute: Option<i64>,
}

pub const TOKEN: &Api = &Api { path: "/cgi-bin/token", daily_limit: 2_000, per_minute: None };
pub const STABLE_TOKEN: &Api =
    &Api { path: "/cgi-bin/stable_token", daily_limit: 500_000, per_minute: Some(10_000) };
pub const QUOTA_GET: &Api =
    &Api { path: "/cgi-bin/openapi/quota/get", daily_limit: 500_000, per_minute: None };
pub const RID_GET: &Api = &Api { path: "/cgi-bin/openapi/rid/get", daily_limit: 500_000, per_minute: None };
pub const CLEAR_QUOTA: &Api = &Api { path: "/cgi-bin/clear_quota", daily_limit: 500_000, per_minute: None };

/// Every API whose quota can be queried, with the spec's published numbers where there are
/// any and a generous default otherwise. Later features add their endpoints here.
pub const CATALOGUE: &[&Api] = &[
    TOKEN,
    STABLE_TOKEN,
    QUOTA_GET,
    RID_GET,
    CLEAR_QUOTA,
    &Api { path: "/wxa/getwxacodeunlimit", daily_limit: 10_000_000, per_minute: Some(5_000) },
    &Api { path: "/wxa/getwxacode", daily_limit: 100_000, per_minute: None },
    &Api { path: "/cgi-bin/wxaapp/createwxaqrcode", daily_limit: 100_000, per_minute: None },
    &Api { path: "/wxa/generatescheme", daily_limit: 500_000, per_minute: Some(6_000) },
    &Api { path: "/wxa/generate_urllink", daily_limit: 500_000, per_minute: Some(6_000) },
    &Api { path: "/wxa/msg_sec_check", daily_limit: 2_000_000, per_minute: Some(4_000) },
    &Api { path: "/wxa/media_check_async", daily_limit: 200_000, per_minute: Some(2_000) },
    &Api { path: "/wxa/resetusersessionkey", daily_limit: 10_000_000, per_minute: Some(60_000) },
    &Api { path: "/wxa/business/getuserphonenumber", daily_limit: 10_000_000, per_minute: None },
];

/// Looks an API up by path for `quota/get`.
pub fn find(path: &str) -> Option<&'static Api> {
    CATALOGUE.iter().copied().find(|api| api.path == path)
}

/// The limits in force for one API: the catalogue's, or the operator's override.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub daily_limit: i64,
    pub per_minute: Option<i64>,
}

#[derive(Debug, Default)]
struct Counter {
    day: i64,
    /// The stored total at the last flush (includes other nodes).
    stored: i64,
    /// Calls counted here and not yet flushed.
    pending: i64,
    minute: i64,
    minute_calls: i64,
}

impl Counter {
    fn charge(&mut self, now: Timestamp, limits: Limits) -> Result<(), WxError> {
        if self.stored + self.pending >= limits.daily_limit {
            return Err(WxError::daily_quota_reached());
        }
        let minute = now.div_euclid(60);
        if self.minute != minute {
            self.minute = minute;
            self.minute_calls = 0;
        }
        if limits.per_minute.is_some_and(|limit| self.minute_calls >= limit) {
            return Err(WxError::minute_quota_reached());
        }
        self.minute_calls += 1;
        self.pending += 1;
        Ok(())
    }
}

/// In-memory call counters; see the module docs.
#[derive(Default)]
pub struct QuotaMeter {
    counters: Mutex<HashMap<(AppKey, &'static str), Counter>>,
}

/// Usage of one API as `quota/get` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaUsage {
    pub daily_limit: i64,
    pub used: i64,
    pub per_minute: Option<i64>,
}

/// A stored record of a failed call, for `rid/get`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub rid: String,
    pub app: AppKey,
    pub invoke_time: Timestamp,
    pub cost_in_ms: i64,
    pub request_url: String,
    pub request_body: String,
    pub response_body: String,
    pub client_ip: String,
}

/// A rid looks like `6780fcab-3b23768c-2a7e38ff`: the issue time in hex, then random hex.
/// Rids identify, they do not authorise (`rid/get` checks ownership), so a fast thread-local
/// generator serves; every request gets one.
pub fn new_rid(now: Timestamp) -> String {
    let random = miniplat_crypto::random::fast_u64();
    format!("{:08x}-{:08x}-{:08x}", now, random >> 32, random & 0xffff_ffff)
}

fn parse_rid(rid: &str) -> Option<Timestamp> {
    let mut parts = rid.split('-');
    let (Some(time), Some(a), Some(b), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let hex8 = |s: &str| s.len() == 8 && s.bytes().all(|c| c.is_ascii_hexdigit());
    (hex8(time) && hex8(a) && hex8(b)).then(|| i64::from_str_radix(time, 16).ok()).flatten()
}

impl Platform {
    pub fn quota_limits(&self, api: &Api) -> Limits {
        let overridden = self.config.quotas.get(api.path).copied().unwrap_or_default();
        Limits {
            daily_limit: overridden.daily_limit.unwrap_or(api.daily_limit),
            per_minute: overridden.per_minute.or(api.per_minute),
        }
    }

    /// Counts one call of `api` by `app`, refusing it past the daily limit or minute rate.
    pub async fn charge_quota(&self, app: AppKey, api: &'static Api) -> Result<(), WxError> {
        let now = self.clock.now();
        let day = day_of(now);
        let limits = self.quota_limits(api);
        loop {
            {
                let mut counters = self.quota.counters.lock().expect("quota lock");
                if let Some(counter) = counters.get_mut(&(app, api.path)).filter(|c| c.day == day) {
                    return counter.charge(now, limits);
                }
            }
            // First call of the day on this node: read the stored total, then charge.
            self.load_counter(app, api, day).await?;
        }
    }

    /// Makes sure today's counter of (app, api) is in memory, reading the stored total once.
    async fn load_counter(&self, app: AppKey, api: &'static Api, day: i64) -> Result<(), WxError> {
        let current = {
            let counters = self.quota.counters.lock().expect("quota lock");
            counters.get(&(app, api.path)).is_some_and(|c| c.day == day)
        };
        if current {
            return Ok(());
        }
        let stored = self.store.quota_used(app, api.path, day).await?;
        let mut counters = self.quota.counters.lock().expect("quota lock");
        let counter = counters.entry((app, api.path)).or_default();
        if counter.day != day {
            // Calls of the previous day not yet flushed (at most a second's worth) are dropped
            // with its counter: that day is over.
            *counter = Counter { day, stored, ..Counter::default() };
        }
        Ok(())
    }

    /// Adds the unflushed counts to the store and refreshes the stored totals. Runs every
    /// second and at shutdown.
    pub async fn flush_quota(&self) -> crate::Result<()> {
        let batch: Vec<((AppKey, &'static str), i64, i64)> = {
            let mut counters = self.quota.counters.lock().expect("quota lock");
            counters
                .iter_mut()
                .filter(|(_, c)| c.pending > 0)
                .map(|(key, c)| {
                    let delta = std::mem::take(&mut c.pending);
                    c.stored += delta;
                    (*key, c.day, delta)
                })
                .collect()
        };
        for ((app, path), day, delta) in batch {
            let total = match self.store.add_quota_used(app, path, day, delta).await {
                Ok(total) => total,
                Err(error) => {
                    // Put the calls back so the next flush retries them.
                    let mut counters = self.quota.counters.lock().expect("quota lock");
                    if let Some(c) = counters.get_mut(&(app, path)).filter(|c| c.day == day) {
                        c.pending += delta;
                        c.stored -= delta;
                    }
                    return Err(error.into());
                }
            };
            let mut counters = self.quota.counters.lock().expect("quota lock");
            if let Some(c) = counters.get_mut(&(app, path)).filter(|c| c.day == day) {
                c.stored = total;
            }
        }
        Ok(())
    }

    /// `quota/get`: the usage of `cgi_path` by `app` today.
    pub async fn quota_usage(&self, app: AppKey, cgi_path: &str) -> Result<QuotaUsage, WxError> {
        if cgi_path.starts_with("/sns/") {
            return Err(WxError::cgi_path_not_owned());
        }
        let api = find(cgi_path).ok_or_else(WxError::cgi_path_not_found)?;
        let day = day_of(self.clock.now());
        self.load_counter(app, api, day).await?;
        let limits = self.quota_limits(api);
        let counters = self.quota.counters.lock().expect("quota lock");
        let used = counters.get(&(app, api.path)).map_or(0, |c| c.stored + c.pending);
        Ok(QuotaUsage {
            daily_limit: limits.daily_limit,
            used: used.min(limits.daily_limit),
            per_minute: limits.per_minute,
        })
    }

    /// `clear_quota`: resets today's counts of every API of the app, at most
    /// `quota_clears_per_month` times a month.
    pub async fn clear_quota(&self, caller: AppKey, appid: Option<&str>) -> Result<(), WxError> {
        let appid = appid.filter(|a| !a.is_empty()).ok_or_else(WxError::missing_appid)?;
        let appid = AppId::parse(appid).ok_or_else(WxError::invalid_appid)?;
        let app = self.store.app_by_appid(&appid).await?.ok_or_else(WxError::invalid_appid)?;
        if app.key != caller {
            return Err(WxError::invalid_appid());
        }
        let now = self.clock.now();
        if !self.store.record_quota_clear(app.key, month_of(now), self.config.quota_clears_per_month).await? {
            return Err(WxError::clear_quota_limit());
        }
        // Flush first so no unflushed call survives the reset under today's count.
        self.flush_quota().await?;
        self.store.reset_quota_used(app.key, day_of(now)).await?;
        self.quota.counters.lock().expect("quota lock").retain(|(key, _), _| *key != app.key);
        self.audit(Actor::System, "quota.clear", app.appid.as_str(), "").await?;
        Ok(())
    }

    /// Keeps a failed call for `rid/get` (7 days).
    pub async fn record_failed_call(&self, record: RequestRecord) {
        if let Err(error) = self.store.insert_request_record(&record).await {
            tracing::warn!(%error, rid = %record.rid, "could not store request record");
        }
    }

    /// `rid/get`: a failed call of this app by its rid.
    pub async fn request_record(&self, caller: AppKey, rid: &str) -> Result<RequestRecord, WxError> {
        let issued = parse_rid(rid).ok_or_else(WxError::rid_malformed)?;
        let now = self.clock.now();
        if now - issued > 7 * 86_400 {
            return Err(WxError::rid_too_old());
        }
        let record = self.store.request_record(rid).await?.ok_or_else(WxError::rid_not_found)?;
        if record.app != caller {
            return Err(WxError::rid_not_owned());
        }
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rids_round_trip() {
        let rid = new_rid(0x6780fcab);
        assert!(rid.starts_with("6780fcab-"));
        assert_eq!(parse_rid(&rid), Some(0x6780fcab));
        for bad in [
            "",
            "6780fcab",
            "6780fcab-3b23768c",
            "6780fcab-3b23768c-2a7e38fg",
            "6780fcab-3b23768c-2a7e38ff-00",
        ] {
            assert_eq!(parse_rid(bad), None, "{bad}");
        }
    }

    #[test]
    fn catalogue_paths_are_unique() {
        for api in CATALOGUE {
            assert_eq!(CATALOGUE.iter().filter(|a| a.path == api.path).count(), 1, "{}", api.path);
        }
    }
}
