//! Push delivery benchmark (docs/PERFORMANCE.md): queues events for a mini program whose push
//! URL is a receiver on a loopback port, delivers them with the platform's worker on the real
//! clock, and reports events per second. The second round stops the receiver while deliveries
//! run and starts it again on the same port two seconds later; every event must still arrive,
//! duplicates only as retries.
//!
//! `cargo run --release -p miniplat-testkit --example push_bench [EVENTS] [postgres://…]`

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use miniplat::{Config, Runtime};
use miniplat_core::accounts::PlatformRole;
use miniplat_core::push::{PushConfigInput, PushEvent, PushFormat, PushMode};
use miniplat_core::Platform;

const TOKEN: &str = "BenchToken";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const WORKERS: usize = 2;

/// Deliveries seen per event id.
#[derive(Default)]
struct Seen(Mutex<HashMap<String, u32>>);

impl Seen {
    fn unique(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    fn duplicates(&self) -> u32 {
        self.0.lock().unwrap().values().map(|n| n - 1).sum()
    }
}

async fn handshake(Query(query): Query<HashMap<String, String>>) -> String {
    query.get("echostr").cloned().unwrap_or_default()
}

async fn receive(State(seen): State<Arc<Seen>>, headers: HeaderMap) -> (StatusCode, &'static str) {
    let id = headers.get("x-miniplat-event-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    *seen.0.lock().unwrap().entry(id).or_default() += 1;
    (StatusCode::OK, "success")
}

/// Serves the receiver on `port` until `stop` is notified.
async fn serve_receiver(port: u16, seen: Arc<Seen>, stop: Arc<tokio::sync::Notify>) {
    let router = Router::new().route("/push", get(handshake).post(receive)).with_state(seen);
    let listener = loop {
        match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(listener) => break listener,
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    axum::serve(listener, router).with_graceful_shutdown(async move { stop.notified().await }).await.unwrap();
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let events: usize = args.next().map_or(5000, |n| n.parse().expect("EVENTS is a number"));
    let database_url = args.next();

    let dir = tempfile::tempdir().unwrap();
    let mut config = Config { data_dir: dir.path().join("data"), database_url, ..Config::default() };
    config.platform.push_allow_private_addresses = true;
    // Short backoff so the outage round ends soon after the receiver is back.
    config.platform.push_retry_base_secs = 1;
    config.platform.push_max_attempts = 20;
    let runtime = Runtime::open(config).await.unwrap();
    let platform = runtime.platform.clone();
    let dev = platform.create_verified_developer("bench@example.com", PlatformRole::Developer).await.unwrap();
    let created = platform.create_app(&dev, "Push Bench", "", None).await.unwrap();

    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let seen = Arc::new(Seen::default());
    let stop = Arc::new(tokio::sync::Notify::new());
    let mut receiver = tokio::spawn(serve_receiver(port, seen.clone(), stop.clone()));
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let input = PushConfigInput {
        url: format!("http://127.0.0.1:{port}/push"),
        token: Some(TOKEN.into()),
        encoding_aes_key: Some(AES_KEY.into()),
        mode: Some(PushMode::Safe),
        format: Some(PushFormat::Xml),
    };
    platform.set_push_config(&dev, created.app.appid.as_str(), input).await.unwrap();

    for round in ["steady", "receiver restarted"] {
        let outage = round != "steady";
        let before = seen.unique();
        let started = Instant::now();
        for n in 0..events {
            let event = PushEvent::new("weapp_audit_success").int("SuccTime", n as i64);
            platform.push_event(&created.app, event).await.unwrap();
        }
        let queued = started.elapsed();
        let done = Arc::new(AtomicBool::new(false));
        let workers: Vec<_> =
            (0..WORKERS).map(|_| tokio::spawn(work(platform.clone(), done.clone()))).collect();
        let delivering = Instant::now();
        let mut restarted = !outage;
        while seen.unique() - before < events {
            if !restarted && seen.unique() - before >= events / 3 {
                stop.notify_waiters();
                let _ = (&mut receiver).await;
                eprintln!(
                    "receiver stopped after {} events; starting it again in 2 s",
                    seen.unique() - before
                );
                tokio::time::sleep(Duration::from_secs(2)).await;
                receiver = tokio::spawn(serve_receiver(port, seen.clone(), stop.clone()));
                restarted = true;
            }
            assert!(delivering.elapsed() < Duration::from_secs(300), "not all events arrived");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let took = delivering.elapsed();
        done.store(true, Ordering::Relaxed);
        for worker in workers {
            worker.await.unwrap();
        }
        println!(
            "{round}: {events} events queued in {:.2} s ({:.0}/s), delivered in {:.2} s ({:.0}/s); \
             all {} arrived; duplicates so far: {}",
            queued.as_secs_f64(),
            events as f64 / queued.as_secs_f64(),
            took.as_secs_f64(),
            events as f64 / took.as_secs_f64(),
            seen.unique() - before,
            seen.duplicates(),
        );
    }
}

/// The binary's delivery loop, until told to stop.
async fn work(platform: Arc<Platform>, done: Arc<AtomicBool>) {
    while !done.load(Ordering::Relaxed) {
        match platform.run_push_deliveries().await {
            Ok(0) => tokio::time::sleep(Duration::from_millis(20)).await,
            Ok(_) => {}
            Err(error) => panic!("delivering failed: {error}"),
        }
    }
}
