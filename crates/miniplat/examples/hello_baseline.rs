//! The benchmark baseline: the smallest axum server on the same runtime settings as
//! `miniplat serve`, so load results can be reported as ratios measured in the same run.
//!
//! `cargo run --release -p miniplat --example hello_baseline -- 127.0.0.1:18090`

use axum::routing::get;

#[tokio::main]
async fn main() {
    let address = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:18090".into());
    let app = axum::Router::new().route("/", get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind(&address).await.expect("bind");
    axum::serve(listener, app).await.expect("serve");
}
