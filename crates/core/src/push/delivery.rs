//! Queueing pushes and delivering them. An event becomes a job holding its [`QueuedPush`]; the
//! worker claims due jobs under a lease, renders each with the app's current configuration,
//! sends them concurrently (bounded), logs every attempt and retries failures with backoff.
//! Success is any 2xx answer, whatever the body.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use futures_util::StreamExt;

use super::message::{QueuedPush, Rendering};
use super::transport::{Method, PushRequest, TransportError};
use super::{DeliveryOutcome, PushConfig, PushDelivery, PushEvent, DELIVERY_LOG_LIMIT};
use crate::accounts::Developer;
use crate::apps::{App, AppId, AppKey};
use crate::error::{Error, Result};
use crate::jobs::{self, Finished, Job, NewJob, Outcome};
use crate::Platform;

/// The job kind of push deliveries.
pub const PUSH_JOB: &str = "push";
/// How long a worker may hold a claimed batch before others may take it over.
const LEASE_SECS: i64 = 120;
/// Errors are kept short in the log.
const MAX_ERROR_LEN: usize = 300;

/// The mini program's original id (`gh_…`), which pushes carry as `ToUserName`. Miniplat has no
/// separate original ids; this one is derived from the appid, so it is stable.
pub fn original_id(appid: &AppId) -> String {
    let digest = miniplat_crypto::sha256_hex(format!("original-id|{}", appid.as_str()).as_bytes());
    format!("gh_{}", &digest[..12])
}

/// The sender of platform events (`FromUserName`), shaped like an openid and stable per app.
fn system_sender(appid: &AppId) -> String {
    let digest = miniplat_crypto::sha256_hex(format!("push-sender|{}", appid.as_str()).as_bytes());
    format!("o{}", &digest[..27])
}

/// A push ready to be queued: the delivery job and the event id it carries.
pub(crate) struct PushJob {
    pub event_id: String,
    pub job: NewJob,
}

impl Platform {
    /// Queues `event` for the app's server if the app has push configured; returns the event
    /// id, or `None` when push is off.
    pub async fn push_event(&self, app: &App, event: PushEvent) -> Result<Option<String>> {
        let Some(push) = self.push_job(app, event).await? else {
            return Ok(None);
        };
        self.store.enqueue_job(&push.job).await?;
        Ok(Some(push.event_id))
    }

    /// The job that delivers `event`, or `None` when the app has no push configured. Use cases
    /// whose event must not be lost hand it to the store with their own unit of work.
    pub(crate) async fn push_job(&self, app: &App, event: PushEvent) -> Result<Option<PushJob>> {
        event.check()?;
        if self.store.push_config(app.key).await?.is_none() {
            return Ok(None);
        }
        let now = self.clock.now();
        let random = miniplat_crypto::random::hex(8);
        let queued = QueuedPush {
            event_id: miniplat_crypto::random::hex(12),
            to: original_id(&app.appid),
            from: system_sender(&app.appid),
            create_time: now,
            nonce: super::random_digits(),
            random: random.as_bytes().try_into().expect("16 hex digits"),
            event,
        };
        let job = NewJob {
            kind: PUSH_JOB.into(),
            app: Some(app.key),
            payload: serde_json::to_string(&queued).expect("queued pushes serialise"),
            run_at: now,
            max_attempts: self.config.push_max_attempts.max(1),
            created_at: now,
        };
        Ok(Some(PushJob { event_id: queued.event_id, job }))
    }

    /// Queues WeChat's `debug_demo` test event (field `debug_str`) for the app; any member may.
    pub async fn push_test_event(&self, actor: &Developer, appid: &str, debug_str: &str) -> Result<String> {
        actor.ensure_active()?;
        let (app, _) = self.app_for_member(actor, appid).await?;
        let debug_str = debug_str.trim();
        if debug_str.chars().count() > 200 {
            return Err(Error::invalid("debug_str", "must be at most 200 characters"));
        }
        let debug_str = if debug_str.is_empty() { "hello world" } else { debug_str };
        let event = PushEvent::new("debug_demo").text("debug_str", debug_str);
        self.push_event(&app, event).await?.ok_or_else(|| Error::invalid("push", "is not configured"))
    }

    /// The app's latest delivery attempts; any member may read them.
    pub async fn push_deliveries(&self, actor: &Developer, appid: &str) -> Result<(App, Vec<PushDelivery>)> {
        let (app, _) = self.app_for_member(actor, appid).await?;
        let deliveries = self.store.push_deliveries(app.key, DELIVERY_LOG_LIMIT).await?;
        Ok((app, deliveries))
    }

    /// Forgets delivery attempts older than `push_log_days`; returns how many.
    pub async fn purge_push_log(&self) -> Result<u64> {
        let before = self.clock.now() - self.config.push_log_days.max(1) * 86_400;
        Ok(self.store.purge_push_deliveries(before).await?)
    }

    /// Delivers one batch of due pushes; returns how many attempts were made (0: nothing due).
    /// Safe to run on several nodes at once.
    pub async fn run_push_deliveries(&self) -> Result<usize> {
        let now = self.clock.now();
        let concurrency = self.config.push_concurrency.max(1);
        let batch = i64::try_from(concurrency * 4).unwrap_or(i64::MAX);
        let jobs = self.store.claim_jobs(PUSH_JOB, now, now + LEASE_SECS, batch).await?;
        if jobs.is_empty() {
            return Ok(0);
        }
        let apps: BTreeSet<AppKey> = jobs.iter().filter_map(|job| job.app).collect();
        let mut configs: HashMap<AppKey, Option<(App, PushConfig)>> = HashMap::new();
        for app in apps {
            let found = match self.store.app_by_key(app).await? {
                Some(found) => self.open_push_config(app).await?.map(|config| (found, config)),
                None => None,
            };
            configs.insert(app, found);
        }
        let attempts: Vec<(Option<PushDelivery>, Finished)> = futures_util::stream::iter(jobs)
            .map(|job| {
                let config = job.app.and_then(|app| configs.get(&app).cloned().flatten());
                async move { self.attempt_delivery(job, config).await }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        let (deliveries, finished): (Vec<_>, Vec<_>) = attempts.into_iter().unzip();
        let deliveries: Vec<PushDelivery> = deliveries.into_iter().flatten().collect();
        // Logged before the jobs are settled: a crash in between repeats an attempt rather
        // than losing one from the log.
        self.store.record_push_deliveries(&deliveries).await?;
        self.store.finish_jobs(&finished, self.clock.now()).await?;
        Ok(finished.len())
    }

    /// One attempt at one job, and its log entry (none for a job of no app, which push jobs
    /// never are).
    async fn attempt_delivery(
        &self,
        job: Job,
        config: Option<(App, PushConfig)>,
    ) -> (Option<PushDelivery>, Finished) {
        let Some(app_key) = job.app else {
            return (
                None,
                Finished {
                    id: job.id,
                    attempt: job.attempt,
                    outcome: Outcome::Dead { error: "no app".into() },
                },
            );
        };
        let started = Instant::now();
        let queued: std::result::Result<QueuedPush, _> = serde_json::from_str(&job.payload);
        let mut delivery = PushDelivery {
            id: 0,
            app: app_key,
            event_id: queued.as_ref().map(|q| q.event_id.clone()).unwrap_or_default(),
            event: queued.as_ref().map(|q| q.event.event.clone()).unwrap_or_default(),
            attempt: job.attempt,
            at: self.clock.now(),
            outcome: DeliveryOutcome::Dropped,
            status_code: None,
            error: None,
            duration_ms: 0,
        };
        let finish = |outcome| Finished { id: job.id, attempt: job.attempt, outcome };
        let (queued, (app, config)) = match (queued, config) {
            (Ok(queued), Some(config)) => (queued, config),
            (Err(error), _) => {
                delivery.outcome = DeliveryOutcome::Dead;
                delivery.error = Some(format!("unreadable queued push: {error}"));
                return (Some(delivery), finish(Outcome::Dead { error: "unreadable payload".into() }));
            }
            (Ok(_), None) => {
                delivery.error = Some("push is not configured any more".into());
                return (Some(delivery), finish(Outcome::Done));
            }
        };
        let key = config.secrets.encoding_aes_key.key();
        let rendered = queued.render(&Rendering {
            mode: config.mode,
            format: config.format,
            token: config.secrets.token.as_str(),
            key: &key,
            appid: app.appid.as_str(),
        });
        let query: Vec<(&str, &str)> = rendered.query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let request = PushRequest {
            method: Method::Post,
            url: config.url.with_query(&query),
            headers: vec![
                ("content-type", rendered.content_type.into()),
                ("x-miniplat-event-id", queued.event_id),
            ],
            body: rendered.body.into_bytes(),
        };
        let sent = self.push_transport.send(request).await;
        delivery.duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let error = match sent {
            Ok(response) if (200..300).contains(&response.status) => {
                delivery.outcome = DeliveryOutcome::Delivered;
                delivery.status_code = Some(i64::from(response.status));
                return (Some(delivery), finish(Outcome::Done));
            }
            Ok(response) => {
                delivery.status_code = Some(i64::from(response.status));
                format!("HTTP {}", response.status)
            }
            Err(TransportError::Forbidden(address)) => format!("{address} is not a public address"),
            Err(TransportError::Failed(reason)) => reason,
        };
        let error: String = error.chars().take(MAX_ERROR_LEN).collect();
        let outcome =
            jobs::after_failure(&job, self.clock.now(), self.config.push_retry_base_secs, error.clone());
        delivery.outcome = if matches!(outcome, Outcome::Dead { .. }) {
            DeliveryOutcome::Dead
        } else {
            DeliveryOutcome::Retrying
        };
        delivery.error = Some(error);
        (Some(delivery), finish(outcome))
    }
}
