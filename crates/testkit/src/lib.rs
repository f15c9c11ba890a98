//! The test harness of Miniplat. [`TestApp`] is a whole platform on a temporary data directory
//! (SQLite, or a fresh PostgreSQL schema when `MINIPLAT_TEST_POSTGRES_URL` is set) with a fixed
//! clock. Drive it in-process through [`TestApp::request`], or over a real socket after
//! [`TestApp::spawn`]; read the emails it sent with [`TestApp::outbox`].

pub mod browser;
pub mod mail;
pub mod postgres;
pub mod visitor;

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use miniplat::{Config, Runtime};
use miniplat_core::accounts::{Developer, PlatformRole};
use miniplat_core::api_keys::Scope;
use miniplat_core::apps::AppKey;
use miniplat_core::clock::FixedClock;
use miniplat_core::push::{PushFormat, PushMode, StoredPushConfig};
use miniplat_core::Platform;
use serde_json::{json, Value};
use tower::ServiceExt;

pub use mail::Mail;

/// The public URL test platforms believe they have; links in emails start with it.
pub const PUBLIC_URL: &str = "http://miniplat.test";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// SQLite always; PostgreSQL too when `MINIPLAT_TEST_POSTGRES_URL` is set.
    pub fn all() -> Vec<Backend> {
        let mut backends = vec![Backend::Sqlite];
        if postgres::admin_url().is_some() {
            backends.push(Backend::Postgres);
        }
        backends
    }
}

pub struct TestApp {
    pub runtime: Runtime,
    pub clock: Arc<FixedClock>,
    pub backend: Backend,
    dir: tempfile::TempDir,
    _schema: Option<postgres::TestSchema>,
}

/// A response read to the end.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl TestApp {
    /// A platform on SQLite.
    pub async fn new() -> Self {
        Self::with_backend(Backend::Sqlite).await
    }

    pub async fn with_backend(backend: Backend) -> Self {
        Self::with_config(backend, |_| {}).await
    }

    /// A platform whose configuration `adjust` may change first (limits, quotas …).
    pub async fn with_config(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut config = Config { data_dir: dir.path().join("data"), ..Config::default() };
        config.platform.public_url = PUBLIC_URL.into();
        let schema = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let schema = postgres::TestSchema::create().await;
                config.database_url = Some(schema.url.clone());
                Some(schema)
            }
        };
        adjust(&mut config);
        let clock = Arc::new(FixedClock::new(real_now()));
        let runtime = Runtime::open_with_clock(config, clock.clone()).await.expect("test platform opens");
        Self { runtime, clock, backend, dir, _schema: schema }
    }

    pub fn platform(&self) -> &Arc<Platform> {
        &self.runtime.platform
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn router(&self) -> axum::Router {
        self.runtime.router()
    }

    /// Sends one request through the router, in process.
    pub async fn request(&self, request: Request<Body>) -> TestResponse {
        let response = self.router().oneshot(request).await.expect("the router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body reads").to_vec();
        TestResponse { status, headers, body }
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.request(Request::get(uri).body(Body::empty()).expect("request builds")).await
    }

    /// A JSON request, with a bearer key when given.
    pub async fn json(
        &self,
        method: Method,
        uri: &str,
        body: Option<Value>,
        api_key: Option<&str>,
    ) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(key) = api_key {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {key}"));
        }
        let body = match body {
            Some(value) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(value.to_string())
            }
            None => Body::empty(),
        };
        self.request(builder.body(body).expect("request builds")).await
    }

    /// A raw POST with the given body and no content type (as some SDKs send).
    pub async fn post_raw(&self, uri: &str, body: &str) -> TestResponse {
        self.request(Request::post(uri).body(Body::from(body.to_owned())).expect("request builds")).await
    }

    /// The emails sent so far, oldest first.
    pub fn outbox(&self) -> Vec<Mail> {
        mail::read_outbox(&self.runtime.config.outbox_dir())
    }

    /// A verified developer with an all-scopes API key.
    pub async fn developer(&self, email: &str) -> (Developer, String) {
        self.account(email, PlatformRole::Developer).await
    }

    /// An operator with an all-scopes API key (including `admin`).
    pub async fn operator(&self, email: &str) -> (Developer, String) {
        self.account(email, PlatformRole::Operator).await
    }

    async fn account(&self, email: &str, role: PlatformRole) -> (Developer, String) {
        let platform = self.platform();
        let developer = platform.create_verified_developer(email, role).await.expect("developer is created");
        let key = platform
            .create_api_key(&developer, "test", &Scope::all_for(&developer))
            .await
            .expect("key is created");
        (developer, key.plaintext)
    }

    /// A fresh `access_token` of the mini program, from `/cgi-bin/token`.
    pub async fn access_token(&self, appid: &str, secret: &str) -> String {
        let response = self
            .get(&format!("/cgi-bin/token?grant_type=client_credential&appid={appid}&secret={secret}"))
            .await;
        response.json()["access_token"].as_str().expect("a token").to_owned()
    }

    /// A token-bearing WeChat POST as SDKs send it; asserts the HTTP 200 every answer has.
    pub async fn wx_post(&self, path: &str, token: &str, body: Value) -> Value {
        let response =
            self.json(Method::POST, &format!("{path}?access_token={token}"), Some(body), None).await;
        assert_eq!(response.status, StatusCode::OK, "WeChat answers are HTTP 200");
        response.json()
    }

    /// Declares every privacy key the development version's code uses, each with `purpose`, in
    /// the mini program's development privacy settings (what a release review asks for).
    pub async fn declare_privacy(&self, token: &str, purpose: &str) {
        let current =
            self.wx_post("/cgi-bin/component/getprivacysetting", token, json!({ "privacy_ver": 2 })).await;
        let items: Vec<Value> = current["privacy_list"]
            .as_array()
            .expect("a privacy_list")
            .iter()
            .map(|key| json!({ "privacy_key": key, "privacy_text": purpose }))
            .collect();
        let body = json!({
            "owner_setting": { "contact_email": "dpo@example.com", "notice_method": "pop-up" },
            "setting_list": items,
        });
        let answer = self.wx_post("/cgi-bin/component/setprivacysetting", token, body).await;
        assert_eq!(answer["errcode"], 0, "{answer}");
    }

    /// Switches on plain-JSON push to `https://push.example.com/` for the mini program, as if
    /// `by` had configured and verified it (the deliveries land in the push outbox).
    pub async fn plain_push(&self, app: AppKey, by: &Developer) {
        let config = StoredPushConfig {
            app,
            url: "https://push.example.com/".into(),
            mode: PushMode::Plain,
            format: PushFormat::Json,
            sealed_secrets: Vec::new(),
            verified_at: 1,
            updated_by: by.id,
            updated_at: 1,
        };
        self.platform().store.put_push_config(&config).await.expect("push config is stored");
    }

    /// Creates a mini program through the API; returns (appid, secret).
    pub async fn app(&self, api_key: &str, name: &str) -> (String, String) {
        let response = self
            .json(Method::POST, "/api/v1/apps", Some(serde_json::json!({ "name": name })), Some(api_key))
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        let body = response.json();
        (body["appid"].as_str().unwrap().to_owned(), body["secret"].as_str().unwrap().to_owned())
    }

    /// Serves the platform on a free loopback port until the returned server is dropped.
    pub async fn spawn(&self) -> RunningServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = listener.local_addr().expect("bound address");
        let app = self.router().into_make_service_with_connect_info::<std::net::SocketAddr>();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        RunningServer { base_url: format!("http://{address}"), stop: Some(stop), task }
    }
}

/// A server on a real socket; stops when dropped.
pub struct RunningServer {
    pub base_url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    /// Rewrites a link from an email (which names [`PUBLIC_URL`]) to this server.
    pub fn url_of(&self, link: &str) -> String {
        format!("{}{}", self.base_url, link.strip_prefix(PUBLIC_URL).unwrap_or(link))
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}

/// Wall-clock seconds, the starting point of test clocks.
pub fn real_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs() as i64
}

/// The path (and query) of a link from an email, for in-process requests.
pub fn path_of(link: &str) -> &str {
    link.strip_prefix(PUBLIC_URL).unwrap_or(link)
}

/// Runs `story` once per backend in [`Backend::all`], each on a fresh platform.
pub async fn for_each_backend<F, Fut>(story: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in Backend::all() {
        eprintln!("--- backend: {backend:?}");
        story(TestApp::with_backend(backend).await).await;
    }
}

impl TestApp {
    /// The test clock's current time.
    pub fn clock_now(&self) -> i64 {
        use miniplat_core::clock::Clock;
        self.clock.now()
    }
}
