//! The `miniplat` program as a library: configuration, the adapters behind the core's ports
//! (mail, blobs), and the server's start-up and shutdown. `main.rs` is the command line on top;
//! the test harness starts servers through [`Runtime`] too.

pub mod blobs;
pub mod cli;
pub mod config;
pub mod mail;
pub mod push;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use miniplat_core::clock::{Clock, SystemClock};
use miniplat_core::platform::Ports;
use miniplat_core::store::{PlatformStore, Store};
use miniplat_core::Platform;
use miniplat_crypto::seal::MasterKey;
use miniplat_http::{AppState, WebConfig};
use miniplat_store::SqlStore;

pub use config::Config;

/// An opened platform: data directory prepared, database migrated, ports wired.
pub struct Runtime {
    pub config: Config,
    pub platform: Arc<Platform>,
}

impl Runtime {
    /// Prepares everything `serve` needs, with the real clock.
    pub async fn open(config: Config) -> anyhow::Result<Self> {
        Self::open_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn open_with_clock(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
        let master_key = load_master_key(&config)?;
        let store = open_store(&config).await?;
        let mailer: Arc<dyn miniplat_core::mail::Mailer> = match &config.smtp_url {
            Some(url) => Arc::new(mail::LettreMailer::smtp(url, &config.mail_from)?),
            None => Arc::new(mail::LettreMailer::outbox(config.outbox_dir(), &config.mail_from)?),
        };
        let blobs = Arc::new(blobs::ObjectBlobs::local(&config.blob_dir())?);
        let push = Arc::new(push::HttpPushTransport::new(config.platform.push_allow_private_addresses)?);
        let ports = Ports { store, blobs, mailer, clock, push };
        let platform = Arc::new(Platform::new(ports, &master_key, config.platform.clone()));
        Ok(Self { config, platform })
    }

    /// The HTTP application.
    pub fn router(&self) -> axum::Router {
        let web = WebConfig {
            secure_cookies: self.config.platform.public_url.starts_with("https://"),
            max_body_bytes: self.config.max_body_bytes,
            trust_forwarded_for: self.config.trust_forwarded_for,
        };
        miniplat_http::router(AppState { platform: self.platform.clone(), web: Arc::new(web) })
    }

    /// Serves on `listener` until `shutdown` resolves, then drains requests and flushes counters.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let background = tokio::spawn(background_work(self.platform.clone()));
        let pushes = tokio::spawn(deliver_pushes(self.platform.clone()));
        let review_checks = tokio::spawn(run_review_checks(self.platform.clone()));
        let app = self.router().into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
        background.abort();
        // A batch cut short here is leased; another node, or this one after a restart,
        // delivers it once the lease expires.
        pushes.abort();
        // Likewise for review checks: a leased job runs again once its lease expires.
        review_checks.abort();
        // Calls counted since the last flush must reach the store before the process ends.
        self.platform.flush_quota().await.context("flushing quota counters at shutdown")?;
        served.context("serving HTTP")
    }
}

/// Opens and migrates the database the configuration names.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    }
    let url = config.database_url();
    let store = SqlStore::open(&url).with_context(|| "opening the database")?;
    let applied = store.migrate().await.context("migrating the database")?;
    if applied > 0 {
        tracing::info!(applied, backend = store.backend(), "database migrated");
    }
    Ok(Arc::new(store))
}

/// The master key: from configuration, or the key file in the data directory (created with
/// mode 0600 on first start).
fn load_master_key(config: &Config) -> anyhow::Result<MasterKey> {
    if let Some(hex) = &config.master_key {
        return MasterKey::from_hex(hex).map_err(|_| anyhow::anyhow!("master_key must be 64 hex characters"));
    }
    let path = config.data_dir.join("master.key");
    if path.exists() {
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        return MasterKey::from_hex(&text)
            .map_err(|_| anyhow::anyhow!("{} is not a valid master key", path.display()));
    }
    let key = MasterKey::generate();
    write_private_file(&path, &key.to_hex())?;
    tracing::info!(path = %path.display(), "generated a new master key; back it up: without it sealed data cannot be read");
    Ok(key)
}

fn write_private_file(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// Periodic work of a serving node: flush quota counters every second; every hour, purge
/// expired rows and the package blobs no version has named for the grace period, and mark
/// reviews past their deadline as delayed.
async fn background_work(platform: Arc<Platform>) {
    let mut flush = tokio::time::interval(Duration::from_secs(1));
    let mut purge = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = flush.tick() => {
                if let Err(error) = platform.flush_quota().await {
                    tracing::warn!(%error, "flushing quota counters failed; will retry");
                }
            }
            _ = purge.tick() => {
                match platform.store.purge_expired(platform.clock.now()).await {
                    Ok(purged) if purged > 0 => tracing::info!(purged, "purged expired rows"),
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "purging expired rows failed"),
                }
                match platform.purge_package_blobs().await {
                    Ok(deleted) if deleted > 0 => tracing::info!(deleted, "deleted unreferenced package blobs"),
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "purging package blobs failed"),
                }
                if let Err(error) = platform.purge_push_log().await {
                    tracing::warn!(%error, "purging the push delivery log failed");
                }
                match platform.mark_overdue_reviews().await {
                    Ok(marked) if marked > 0 => tracing::info!(marked, "marked overdue reviews as delayed"),
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "marking overdue reviews failed"),
                }
            }
        }
    }
}

/// Delivers queued pushes: batch after batch while there are due ones, otherwise a look every
/// quarter second.
async fn deliver_pushes(platform: Arc<Platform>) {
    loop {
        match platform.run_push_deliveries().await {
            Ok(0) => tokio::time::sleep(Duration::from_millis(250)).await,
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "delivering pushes failed; will retry");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Runs the automated checks of submitted reviews as their jobs come due (a look every second
/// when there are none).
async fn run_review_checks(platform: Arc<Platform>) {
    loop {
        match platform.run_review_checks().await {
            Ok(0) => tokio::time::sleep(Duration::from_secs(1)).await,
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "running review checks failed; will retry");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
