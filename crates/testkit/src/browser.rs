//! A small W3C WebDriver client for driving headless Chromium in browser tests.
//!
//! [`Browser::launch`] starts a private `chromedriver` on a free loopback port,
//! opens one WebDriver session with a headless Chromium using a fresh temporary
//! profile, and exposes the handful of operations our end-to-end tests need:
//! navigate, fill inputs, click, read text, wait for text and take screenshots.
//!
//! We deliberately do not depend on an external WebDriver crate: the subset of
//! the protocol used here is a dozen JSON-over-HTTP endpoints, which is easier
//! to keep working (and to debug) than a large dependency tree.
//!
//! Binaries are taken from `MINIPLAT_CHROMEDRIVER` / `MINIPLAT_CHROMIUM`
//! (defaults `/usr/bin/chromedriver`, `/usr/bin/chromium`). When either is
//! missing, `launch` returns `Ok(None)` so tests can decide whether to skip.
//!
//! Cleanup: the WebDriver session is deleted by [`Browser::close`] or, best
//! effort, on drop (with a blocking request so Chromium shuts down cleanly),
//! after which the chromedriver child process is killed. If the session cannot
//! be deleted, Chromium's main process is killed too (killing chromedriver alone
//! would leave Chromium running).

use std::fs::File;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tempfile::TempDir;

/// How long element lookups poll for the element to appear.
const ELEMENT_TIMEOUT: Duration = Duration::from_secs(5);
/// Delay between polls (element lookups, `wait_for_text`, driver readiness).
const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// How long to wait for chromedriver's `/status` to report ready.
const DRIVER_READY_TIMEOUT: Duration = Duration::from_secs(20);
/// Per-request timeout for WebDriver commands (page loads happen inside these).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The W3C web element identifier key.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Errors from launching or driving the browser.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    /// chromedriver or Chromium could not be started.
    #[error("failed to launch browser: {0}")]
    Launch(String),
    /// Transport-level failure talking to chromedriver.
    #[error("webdriver request {command} failed: {source}")]
    Http {
        command: String,
        #[source]
        source: reqwest::Error,
    },
    /// chromedriver answered with a WebDriver error.
    #[error("webdriver command {command} failed: {error}: {message}")]
    WebDriver {
        command: String,
        /// The WebDriver error code, e.g. `no such element`.
        error: String,
        message: String,
    },
    /// An element matching the CSS selector did not appear in time.
    #[error("no element matches CSS selector {css:?} after {waited:?}")]
    NoSuchElement { css: String, waited: Duration },
    /// `wait_for_text` gave up; `page_text` is the last body text seen.
    #[error("text {needle:?} did not appear within {waited:?}; page text was:\n{page_text}")]
    TextTimeout { needle: String, waited: Duration, page_text: String },
    /// chromedriver sent something we could not interpret.
    #[error("unexpected webdriver response for {command}: {detail}")]
    Protocol { command: String, detail: String },
}

impl BrowserError {
    fn is_code(&self, code: &str) -> bool {
        matches!(self, BrowserError::WebDriver { error, .. } if error == code)
    }
}

/// A headless Chromium controlled over WebDriver. See the module docs.
pub struct Browser {
    http: reqwest::Client,
    port: u16,
    base: String,
    /// `None` once the session has been deleted.
    session_id: Option<String>,
    /// Chromium's main process (`goog:processID`), killed as a last resort
    /// when the session cannot be deleted: killing chromedriver alone leaves
    /// Chromium running.
    browser_pid: Option<u32>,
    driver: Child,
    // Dropped last: Chromium's profile and chromedriver's log live here.
    _tmp: TempDir,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("base", &self.base)
            .field("session_id", &self.session_id)
            .finish_non_exhaustive()
    }
}

fn binary_from_env(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

fn free_loopback_port() -> Result<u16, BrowserError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| BrowserError::Launch(format!("cannot find a free port: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| BrowserError::Launch(format!("cannot find a free port: {e}")))
}

/// Last few lines of chromedriver's log, for launch error messages.
fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(20);
    lines[start..].join("\n")
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session.
    ///
    /// Returns `Ok(None)` when chromedriver or Chromium is not installed
    /// (paths from `MINIPLAT_CHROMEDRIVER` / `MINIPLAT_CHROMIUM`, defaulting to
    /// `/usr/bin/chromedriver` and `/usr/bin/chromium`).
    pub async fn launch() -> Result<Option<Browser>, BrowserError> {
        let driver_bin = binary_from_env("MINIPLAT_CHROMEDRIVER", "/usr/bin/chromedriver");
        let chromium_bin = binary_from_env("MINIPLAT_CHROMIUM", "/usr/bin/chromium");
        if !driver_bin.is_file() || !chromium_bin.is_file() {
            return Ok(None);
        }

        // The free port is found by binding and releasing it, so another
        // process may grab it in between; retry a few times if that happens.
        let mut last_err = None;
        for _ in 0..3 {
            match Self::launch_once(&driver_bin, &chromium_bin).await {
                Ok(browser) => return Ok(Some(browser)),
                Err(e) => last_err = Some(e),
            }
        }
        Err(last_err.expect("at least one launch attempt"))
    }

    async fn launch_once(driver_bin: &Path, chromium_bin: &Path) -> Result<Browser, BrowserError> {
        let tmp = tempfile::Builder::new()
            .prefix("miniplat-browser-")
            .tempdir()
            .map_err(|e| BrowserError::Launch(format!("cannot create temp dir: {e}")))?;
        let profile_dir = tmp.path().join("profile");
        let log_path = tmp.path().join("chromedriver.log");
        let log = File::create(&log_path)
            .map_err(|e| BrowserError::Launch(format!("cannot create driver log: {e}")))?;
        let log_err =
            log.try_clone().map_err(|e| BrowserError::Launch(format!("cannot create driver log: {e}")))?;

        let port = free_loopback_port()?;
        let driver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| BrowserError::Launch(format!("cannot start {}: {e}", driver_bin.display())))?;

        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .no_proxy()
            .build()
            .map_err(|e| BrowserError::Launch(format!("cannot build HTTP client: {e}")))?;
        let mut browser = Browser {
            http,
            port,
            base: format!("http://127.0.0.1:{port}"),
            session_id: None,
            browser_pid: None,
            driver,
            _tmp: tmp,
        };

        let with_log = |msg: String| {
            BrowserError::Launch(format!("{msg}\n--- chromedriver log ---\n{}", log_tail(&log_path)))
        };
        browser.wait_driver_ready().await.map_err(with_log)?;

        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": chromium_bin.to_string_lossy(),
                        "args": [
                            "--headless=new",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            "--disable-quic",
                            "--no-first-run",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            "--window-size=1280,900",
                            format!("--user-data-dir={}", profile_dir.display()),
                        ],
                    },
                },
            },
        });
        let value = browser
            .request(reqwest::Method::POST, "/session", Some(capabilities))
            .await
            .map_err(|e| with_log(format!("cannot create session: {e}")))?;
        let session_id = value
            .get("sessionId")
            .and_then(Value::as_str)
            .ok_or_else(|| with_log(format!("new session response has no sessionId: {value}")))?;
        browser.session_id = Some(session_id.to_owned());
        browser.browser_pid =
            value["capabilities"]["goog:processID"].as_u64().and_then(|pid| u32::try_from(pid).ok());
        Ok(browser)
    }

    async fn wait_driver_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + DRIVER_READY_TIMEOUT;
        let url = format!("{}/status", self.base);
        loop {
            if let Ok(Some(status)) = self.driver.try_wait() {
                return Err(format!("chromedriver exited early with {status}"));
            }
            let resp = self.http.get(&url).timeout(Duration::from_secs(2)).send().await;
            if let Ok(resp) = resp {
                if let Ok(body) = resp.json::<Value>().await {
                    if body["value"]["ready"] == Value::Bool(true) {
                        return Ok(());
                    }
                }
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "chromedriver on port {} not ready after {DRIVER_READY_TIMEOUT:?}",
                    self.port
                ));
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Sends one WebDriver command and returns its `value`.
    async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, BrowserError> {
        let command = format!("{method} {path}");
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        // chromedriver rejects POSTs without a JSON body, even empty ones.
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp =
            req.send().await.map_err(|source| BrowserError::Http { command: command.clone(), source })?;
        let status = resp.status();
        let text =
            resp.text().await.map_err(|source| BrowserError::Http { command: command.clone(), source })?;
        let parsed: Value = serde_json::from_str(&text).map_err(|e| BrowserError::Protocol {
            command: command.clone(),
            detail: format!("HTTP {status}, invalid JSON ({e}): {text}"),
        })?;
        let value = parsed.get("value").cloned().unwrap_or(Value::Null);
        if !status.is_success() {
            let error = value.get("error").and_then(Value::as_str).unwrap_or("unknown error").to_owned();
            let message = value.get("message").and_then(Value::as_str).unwrap_or(&text).to_owned();
            return Err(BrowserError::WebDriver { command, error, message });
        }
        Ok(value)
    }

    fn session_path(&self, suffix: &str) -> Result<String, BrowserError> {
        match &self.session_id {
            Some(id) => Ok(format!("/session/{id}{suffix}")),
            None => Err(BrowserError::Protocol {
                command: suffix.to_owned(),
                detail: "session already closed".to_owned(),
            }),
        }
    }

    async fn session_cmd(
        &self,
        method: reqwest::Method,
        suffix: &str,
        body: Option<Value>,
    ) -> Result<Value, BrowserError> {
        let path = self.session_path(suffix)?;
        self.request(method, &path, body).await
    }

    /// Finds the first element matching `css`, polling until it appears.
    async fn find(&self, css: &str) -> Result<String, BrowserError> {
        let deadline = Instant::now() + ELEMENT_TIMEOUT;
        loop {
            let found = self
                .session_cmd(
                    reqwest::Method::POST,
                    "/element",
                    Some(json!({ "using": "css selector", "value": css })),
                )
                .await;
            match found {
                Ok(value) => {
                    return value.get(ELEMENT_KEY).and_then(Value::as_str).map(str::to_owned).ok_or_else(
                        || BrowserError::Protocol {
                            command: format!("find element {css:?}"),
                            detail: format!("no element reference in {value}"),
                        },
                    );
                }
                Err(e) if e.is_code("no such element") && Instant::now() < deadline => {}
                Err(e) if e.is_code("no such element") => {
                    return Err(BrowserError::NoSuchElement { css: css.to_owned(), waited: ELEMENT_TIMEOUT });
                }
                Err(e) => return Err(e),
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Runs `op` against the element matching `css`, looking it up again if
    /// the page replaced it in between (stale element reference).
    async fn on_element(
        &self,
        css: &str,
        method: reqwest::Method,
        action: &str,
        body: Option<Value>,
    ) -> Result<Value, BrowserError> {
        let deadline = Instant::now() + ELEMENT_TIMEOUT;
        loop {
            let id = self.find(css).await?;
            let result =
                self.session_cmd(method.clone(), &format!("/element/{id}/{action}"), body.clone()).await;
            match result {
                Err(e) if e.is_code("stale element reference") && Instant::now() < deadline => {
                    tokio::time::sleep(POLL_INTERVAL).await;
                }
                other => return other,
            }
        }
    }

    /// Navigates to `url` and waits for the page load to complete.
    pub async fn goto(&self, url: &str) -> Result<(), BrowserError> {
        self.session_cmd(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await.map(drop)
    }

    /// The URL of the current page.
    pub async fn current_url(&self) -> Result<String, BrowserError> {
        let value = self.session_cmd(reqwest::Method::GET, "/url", None).await?;
        value.as_str().map(str::to_owned).ok_or_else(|| BrowserError::Protocol {
            command: "GET url".to_owned(),
            detail: format!("expected a string, got {value}"),
        })
    }

    /// Clears the input matching `css`, then types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) -> Result<(), BrowserError> {
        self.on_element(css, reqwest::Method::POST, "clear", Some(json!({}))).await?;
        self.on_element(css, reqwest::Method::POST, "value", Some(json!({ "text": text }))).await.map(drop)
    }

    /// Clicks the first element matching `css`.
    pub async fn click(&self, css: &str) -> Result<(), BrowserError> {
        self.on_element(css, reqwest::Method::POST, "click", Some(json!({}))).await.map(drop)
    }

    /// The rendered (visible) text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> Result<String, BrowserError> {
        let value = self.on_element(css, reqwest::Method::GET, "text", None).await?;
        value.as_str().map(str::to_owned).ok_or_else(|| BrowserError::Protocol {
            command: format!("text of {css:?}"),
            detail: format!("expected a string, got {value}"),
        })
    }

    /// The rendered text of the whole page body (empty while there is none).
    pub async fn page_text(&self) -> Result<String, BrowserError> {
        let value = self
            .session_cmd(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({
                    "script": "return document.body ? document.body.innerText : '';",
                    "args": [],
                })),
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Polls the body text until it contains `needle`. On timeout the error
    /// carries the last page text seen, to make failures self-explanatory.
    pub async fn wait_for_text(&self, needle: &str, timeout: Duration) -> Result<(), BrowserError> {
        let deadline = Instant::now() + timeout;
        loop {
            // Errors while a navigation is in flight are expected; keep polling.
            let page_text = match self.page_text().await {
                Ok(text) if text.contains(needle) => return Ok(()),
                Ok(text) => text,
                Err(e) => format!("<could not read page text: {e}>"),
            };
            if Instant::now() >= deadline {
                return Err(BrowserError::TextTimeout {
                    needle: needle.to_owned(),
                    waited: timeout,
                    page_text,
                });
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Whether an element matching `css` is currently in the page.
    ///
    /// Unlike the other element operations this does not wait for the
    /// element to appear, so asserting absence is fast.
    pub async fn exists(&self, css: &str) -> Result<bool, BrowserError> {
        let value = self
            .session_cmd(
                reqwest::Method::POST,
                "/elements",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await?;
        value.as_array().map(|found| !found.is_empty()).ok_or_else(|| BrowserError::Protocol {
            command: format!("find elements {css:?}"),
            detail: format!("expected an array, got {value}"),
        })
    }

    /// A PNG screenshot of the current viewport.
    pub async fn screenshot_png(&self) -> Result<Vec<u8>, BrowserError> {
        let value = self.session_cmd(reqwest::Method::GET, "/screenshot", None).await?;
        let encoded = value.as_str().ok_or_else(|| BrowserError::Protocol {
            command: "GET screenshot".to_owned(),
            detail: "expected a base64 string".to_owned(),
        })?;
        decode_base64(encoded).ok_or_else(|| BrowserError::Protocol {
            command: "GET screenshot".to_owned(),
            detail: "invalid base64 in screenshot".to_owned(),
        })
    }

    /// Deletes the session (shutting Chromium down) and stops chromedriver.
    pub async fn close(mut self) -> Result<(), BrowserError> {
        let result = match self.session_id.take() {
            Some(id) => {
                self.request(reqwest::Method::DELETE, &format!("/session/{id}"), None).await.map(drop)
            }
            None => Ok(()),
        };
        if result.is_err() {
            self.kill_chromium();
        }
        // Drop kills chromedriver and removes the temp dir.
        drop(self);
        result
    }

    /// Last-resort cleanup: SIGKILL Chromium's main process (its helper
    /// processes exit with it). Uses `kill(1)` because unsafe code is forbidden.
    fn kill_chromium(&self) {
        if let Some(pid) = self.browser_pid {
            let _ = Command::new("kill")
                .args(["-9", &pid.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(id) = self.session_id.take() {
            // Drop cannot await, so send the DELETE with a tiny blocking
            // HTTP/1.1 request. Killing chromedriver alone would leave
            // Chromium running.
            if delete_session_blocking(self.port, &id).is_err() {
                self.kill_chromium();
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn delete_session_blocking(port: u16, session_id: &str) -> std::io::Result<()> {
    let timeout = Duration::from_secs(10);
    let addr = (Ipv4Addr::LOCALHOST, port).into();
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "DELETE /session/{session_id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    // Wait for the whole response so Chromium is gone before the profile dir
    // is removed. chromedriver answers `Connection: close` but keeps the
    // socket open, so read by Content-Length rather than to EOF.
    let mut response = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        response.extend_from_slice(&chunk[..n]);
        if let Some(head_end) = response.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&response[..head_end]).to_ascii_lowercase();
            let body_len = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if response.len() >= head_end + 4 + body_len {
                return Ok(());
            }
        }
    }
}

/// Decodes standard (padded or unpadded) base64, ignoring whitespace.
fn decode_base64(input: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let mut digits: Vec<u8> = input.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    // Padding may only appear at the end; it carries no information.
    while digits.last() == Some(&b'=') {
        digits.pop();
    }
    if digits.contains(&b'=') || digits.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let mut acc = 0u32;
        for &c in chunk {
            acc = (acc << 6) | sextet(c)?;
        }
        acc <<= 6 * (4 - chunk.len() as u32);
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::decode_base64;

    #[test]
    fn base64_round_trips_known_vectors() {
        let cases: [(&str, &[u8]); 7] = [
            ("", b""),
            ("Zg==", b"f"),
            ("Zm8=", b"fo"),
            ("Zm9v", b"foo"),
            ("Zm9vYg==", b"foob"),
            ("Zm9vYmE=", b"fooba"),
            ("Zm9vYmFy", b"foobar"),
        ];
        for (encoded, decoded) in cases {
            assert_eq!(decode_base64(encoded).as_deref(), Some(decoded), "{encoded}");
        }
        assert_eq!(decode_base64("iVBORw0KGgo=").unwrap()[..4], [0x89, b'P', b'N', b'G']);
        assert_eq!(decode_base64("Zm9v\nYmFy").as_deref(), Some(&b"foobar"[..]));
        assert!(decode_base64("Zm9v!").is_none());
        assert!(decode_base64("Z").is_none());
        assert!(decode_base64("Zg=a").is_none());
    }
}
