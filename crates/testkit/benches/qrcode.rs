//! `getwxacodeunlimit` throughput against raw QR generation + JPEG encoding with the same crates,
//! in the same run (docs/PERFORMANCE.md, "QR codes"). Target: the endpoint reaches at least 70%
//! of the raw rate; repeated identical requests come from the image cache.
//!
//! `cargo bench -p miniplat-testkit --bench qrcode` runs the whole platform in process (SQLite,
//! token check, quota, the code row, rendering, the HTTP layer) and prints medians of interleaved
//! rounds.

use std::hint::black_box;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use miniplat_core::codes::render::{render, Style};
use miniplat_core::codes::CodeKind;
use miniplat_core::config::QuotaOverride;
use miniplat_testkit::{Backend, TestApp, PUBLIC_URL};
use serde_json::json;

const PER_ROUND: usize = 200;
const ROUNDS: usize = 9;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let app = TestApp::with_config(Backend::Sqlite, |config| {
        let unlimited = QuotaOverride { daily_limit: Some(i64::MAX / 2), per_minute: Some(i64::MAX / 2) };
        config.platform.quotas.insert("/wxa/getwxacodeunlimit".into(), unlimited);
    })
    .await;
    let (_, key) = app.developer("bench@example.com").await;
    let (appid, secret) = app.app(&key, "Bench Shop").await;
    let token =
        app.get(&format!("/cgi-bin/token?grant_type=client_credential&appid={appid}&secret={secret}")).await;
    let token = token.json()["access_token"].as_str().unwrap().to_owned();
    let uri = format!("/wxa/getwxacodeunlimit?access_token={token}");

    let (mut raw, mut endpoint, mut cached) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        // Raw: QR generation + JPEG encoding of distinct URLs as long as the ones codes carry.
        let started = Instant::now();
        for i in 0..PER_ROUND {
            let url = format!("{PUBLIC_URL}/s/{:020x}", round * PER_ROUND + i);
            black_box(render(&url, CodeKind::Unlimited, Style::default()).expect("renders"));
        }
        raw.push(started.elapsed() / PER_ROUND as u32);

        // The endpoint with distinct scenes: every request renders and stores a code.
        let started = Instant::now();
        for i in 0..PER_ROUND {
            let body =
                json!({"scene": format!("r{round}i{i}"), "page": "pages/item/item", "check_path": false});
            let response = app.json(Method::POST, &uri, Some(body), None).await;
            assert_eq!(response.status, StatusCode::OK);
            assert_eq!(response.header("content-type"), Some("image/jpeg"));
        }
        endpoint.push(started.elapsed() / PER_ROUND as u32);

        // The same request again and again: served from the image cache.
        let started = Instant::now();
        for _ in 0..PER_ROUND {
            let body = json!({"scene": "same", "page": "pages/item/item", "check_path": false});
            let response = app.json(Method::POST, &uri, Some(body), None).await;
            assert_eq!(response.header("content-type"), Some("image/jpeg"));
        }
        cached.push(started.elapsed() / PER_ROUND as u32);
    }
    let (raw, endpoint, cached) = (median(raw), median(endpoint), median(cached));
    let rate = |d: Duration| 1.0 / d.as_secs_f64();
    println!("raw QR + JPEG:             {:>9.1?} per code, {:>7.0}/s", raw, rate(raw));
    println!("getwxacodeunlimit:         {:>9.1?} per call, {:>7.0}/s", endpoint, rate(endpoint));
    println!("getwxacodeunlimit, cached: {:>9.1?} per call, {:>7.0}/s", cached, rate(cached));
    println!(
        "endpoint throughput = {:.0}% of raw (target >= 70%); cached = {:.1}x raw",
        100.0 * rate(endpoint) / rate(raw),
        rate(cached) / rate(raw)
    );
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}
