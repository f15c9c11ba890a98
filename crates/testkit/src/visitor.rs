//! A browser without JavaScript for in-process tests of the console and the web host: it keeps
//! cookies, reads CSRF tokens from pages and posts forms as a person would.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use crate::{TestApp, TestResponse};

/// A browser without JavaScript: keeps cookies and reads CSRF tokens from pages.
pub struct Visitor<'a> {
    app: &'a TestApp,
    pub cookies: BTreeMap<String, String>,
}

impl<'a> Visitor<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self { app, cookies: BTreeMap::new() }
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    pub async fn send(&mut self, builder: axum::http::request::Builder, body: Body) -> TestResponse {
        let mut builder = builder;
        if !self.cookies.is_empty() {
            let line = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            builder = builder.header(header::COOKIE, line);
        }
        let response = self.app.request(builder.body(body).expect("request builds")).await;
        for value in response.headers.get_all(header::SET_COOKIE) {
            let text = value.to_str().expect("ascii cookie");
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').expect("name=value");
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        response
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        self.send(Request::get(path), Body::empty()).await
    }

    /// Posts a form exactly as given (no CSRF token is added).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let builder = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        self.send(builder, Body::from(form_body(fields))).await
    }

    /// Opens `page`, then posts the form to `action` with the page's CSRF token.
    pub async fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> TestResponse {
        let shown = self.get(page).await;
        assert_eq!(shown.status, StatusCode::OK, "{page}: {}", shown.text());
        let token = csrf_of(&shown);
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    /// An htmx request: the token in the `X-CSRF-Token` header, as console.js sends it.
    pub async fn htmx_post(&mut self, path: &str, token: &str, fields: &[(&str, &str)]) -> TestResponse {
        let builder = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("hx-request", "true")
            .header("x-csrf-token", token);
        self.send(builder, Body::from(form_body(fields))).await
    }

    /// A `multipart/form-data` post with text fields and files.
    pub async fn upload(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &[u8])],
    ) -> TestResponse {
        let boundary = "----miniplat-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"file.png\"\r\n\
                     Content-Type: image/png\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let builder = Request::post(path)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"));
        self.send(builder, Body::from(body)).await
    }

    /// Signs in to the web host as an end user.
    pub async fn sign_in_to_host(&mut self, email: &str, password: &str) -> TestResponse {
        self.submit("/signin", "/signin", &[("email", email), ("password", password)]).await
    }

    /// Signs in to the console with the password.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> TestResponse {
        self.submit("/console/signin", "/console/signin", &[("email", email), ("password", password)]).await
    }
}

pub fn form_body(fields: &[(&str, &str)]) -> String {
    fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The value of the first hidden `csrf` input of a page.
pub fn csrf_of(page: &TestResponse) -> String {
    attribute_after(&page.text(), r#"name="csrf" value=""#).expect("the page has a CSRF field")
}

pub fn attribute_after(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}
