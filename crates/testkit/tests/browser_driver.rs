//! End-to-end check of the WebDriver client against a real headless Chromium,
//! using a tiny hand-written HTTP server that serves a form.

use std::time::Duration;

use miniplat_testkit::browser::{Browser, BrowserError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const FORM_PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>form</title></head>
<body>
  <h1 id="title">Sign the guestbook</h1>
  <form method="post" action="/submit">
    <input id="name" name="name" value="prefilled">
    <button id="go" type="submit">Send</button>
  </form>
  <p id="late"></p>
  <script>
    setTimeout(function () {
      document.getElementById("late").textContent = "late text arrived";
      var span = document.createElement("span");
      span.id = "delayed";
      span.textContent = "appeared later";
      document.body.appendChild(span);
    }, 700);
  </script>
</body></html>"#;

/// Serves `GET /` (the form) and `POST /submit` (a greeting) until dropped.
async fn serve() -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(handle(stream));
        }
    });
    (format!("http://{addr}"), task)
}

async fn handle(mut stream: TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    // Read the head, then as much body as Content-Length announces.
    let (head_len, content_length) = loop {
        let Ok(n) = stream.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..pos]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            break (pos + 4, len);
        }
    };
    while buf.len() < head_len + content_length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf[..head_len]).into_owned();
    let body = String::from_utf8_lossy(&buf[head_len..head_len + content_length]).into_owned();
    let request_line = head.lines().next().unwrap_or_default();

    let (status, page) = if request_line.starts_with("GET / ") {
        ("200 OK", FORM_PAGE.to_owned())
    } else if request_line.starts_with("POST /submit ") {
        let name =
            body.split('&').find_map(|pair| pair.strip_prefix("name=")).map(form_decode).unwrap_or_default();
        let page = format!(
            "<!doctype html><html><body><p id=\"greeting\">Hello, {}!</p></body></html>",
            html_escape(&name)
        );
        ("200 OK", page)
    } else {
        ("404 Not Found", "<html><body>not found</body></html>".to_owned())
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Decodes `application/x-www-form-urlencoded` values.
fn form_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Launches the browser, or explains loudly why it cannot. Returns `None`
/// (test skipped) only when a browser is not required in this environment.
async fn launch_or_skip() -> Option<Browser> {
    match Browser::launch().await.unwrap_or_else(|e| panic!("launching the browser: {e}")) {
        Some(browser) => Some(browser),
        None => {
            let required = std::env::var_os("CI").is_some()
                || std::env::var("MINIPLAT_REQUIRE_BROWSER").as_deref() == Ok("1");
            let msg = "\n\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
                       !!! browser tests SKIPPED: chromedriver/chromium not found  \n\
                       !!! (install `chromium chromium-driver`, or set           \n\
                       !!!  MINIPLAT_CHROMEDRIVER / MINIPLAT_CHROMIUM)            \n\
                       !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n";
            eprintln!("{msg}");
            assert!(!required, "a browser is required (CI or MINIPLAT_REQUIRE_BROWSER=1) but none was found");
            None
        }
    }
}

#[tokio::test]
async fn drives_a_form_in_headless_chromium() {
    let Some(browser) = launch_or_skip().await else {
        return;
    };
    let (base, server) = serve().await;

    browser.goto(&format!("{base}/")).await.expect("goto");
    assert_eq!(browser.current_url().await.expect("url"), format!("{base}/"));
    assert_eq!(browser.text("#title").await.expect("title"), "Sign the guestbook");
    assert!(browser.exists("#name").await.expect("exists"));
    assert!(!browser.exists("#no-such-thing").await.expect("exists"));

    // Element lookups wait for elements that appear later.
    assert_eq!(browser.text("#delayed").await.expect("delayed element"), "appeared later");
    browser.wait_for_text("late text arrived", Duration::from_secs(5)).await.expect("late text");

    // A timeout reports what the page did say.
    let err = browser
        .wait_for_text("words that never appear", Duration::from_millis(300))
        .await
        .expect_err("must time out");
    assert!(matches!(err, BrowserError::TextTimeout { .. }), "{err}");
    assert!(err.to_string().contains("Sign the guestbook"), "{err}");

    // fill clears the prefilled value before typing.
    browser.fill("#name", "Ada & <Lovelace>").await.expect("fill");
    browser.click("#go").await.expect("click");
    browser
        .wait_for_text("Hello, Ada & <Lovelace>!", Duration::from_secs(10))
        .await
        .expect("greeting after submit");
    assert_eq!(browser.text("#greeting").await.expect("greeting"), "Hello, Ada & <Lovelace>!");
    assert_eq!(browser.current_url().await.expect("url"), format!("{base}/submit"));
    assert!(browser.page_text().await.expect("page text").contains("Hello, Ada"));

    let png = browser.screenshot_png().await.expect("screenshot");
    assert!(png.len() > 100, "screenshot too small: {} bytes", png.len());
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");

    // Missing elements fail with the selector in the message (after ~5 s).
    let err = browser.click("#missing").await.expect_err("no such element");
    assert!(matches!(err, BrowserError::NoSuchElement { .. }), "{err}");
    assert!(err.to_string().contains("#missing"), "{err}");

    browser.close().await.expect("close");
    server.abort();
}

#[tokio::test]
async fn drop_without_close_cleans_up() {
    let Some(browser) = launch_or_skip().await else {
        return;
    };
    browser.goto("about:blank").await.expect("goto");
    assert_eq!(browser.page_text().await.expect("page text"), "");
    drop(browser);
}
