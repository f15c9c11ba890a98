//! A typed client for the Miniplat platform API (`/api/v1`), used by the `miniplat` CLI and by
//! tests. Response types mirror the API's JSON; unknown fields are ignored so newer servers
//! keep working with older clients.

mod reviews;

pub use reviews::{Review, ReviewCheck, ReviewDetail, ReviewPage, SubmittedReview};

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with the error envelope.
    #[error("{message} ({code}, HTTP {status}, request {request_id})")]
    Api {
        status: u16,
        code: String,
        message: String,
        request_id: String,
        /// With `package_invalid`: the validation findings.
        diagnostics: Vec<Diagnostic>,
    },
    #[error("cannot reach the server: {0}")]
    Transport(#[from] reqwest::Error),
    #[error("unexpected response (HTTP {status}): {body}")]
    Unexpected { status: u16, body: String },
}

impl ClientError {
    /// The envelope code, when the server sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => Some(code),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Developer {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub status: String,
    pub email_verified: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Me {
    pub developer: Developer,
    pub subject: Option<Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct App {
    pub appid: String,
    pub name: String,
    pub introduction: String,
    pub status: String,
    pub contact_email: Option<String>,
    pub icon_url: Option<String>,
    pub role: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct CreatedApp {
    #[serde(flatten)]
    pub app: App,
    pub secret: String,
}

/// The trial version's QR code: the URL it encodes and the JPEG, base64-encoded.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TrialCode {
    pub url: String,
    pub jpeg_base64: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Secret {
    pub appid: String,
    pub secret: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ReleasedVersion {
    pub appid: String,
    pub app_version: i64,
    pub user_version: String,
    pub description: String,
    pub released_at: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct CreatedDeveloper {
    pub developer_id: i64,
    pub email: String,
    pub api_key: String,
}

#[derive(Deserialize)]
struct Envelope {
    error: EnvelopeBody,
}

#[derive(Deserialize)]
struct EnvelopeBody {
    code: String,
    message: String,
    #[serde(default)]
    request_id: String,
    #[serde(default)]
    diagnostics: Vec<Diagnostic>,
}

/// Where a package finding is: file, 1-based line and column.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Location {
    pub file: String,
    #[serde(default)]
    pub line: u32,
    #[serde(default)]
    pub column: u32,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One finding of package validation.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Diagnostic {
    pub code: String,
    /// `error` or `warning`.
    pub severity: String,
    pub message: String,
    pub location: Location,
}

/// One privacy-relevant API use found in a package.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PrivacyUse {
    pub api: String,
    pub category: String,
    #[serde(default)]
    pub privacy_key: String,
    #[serde(default)]
    pub locations: Vec<Location>,
}

/// The validation report stored with a version (the fields the CLI shows; the rest is kept
/// as JSON in `extra`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Report {
    #[serde(default)]
    pub diagnostics: Vec<Diagnostic>,
    #[serde(default)]
    pub privacy_uses: Vec<PrivacyUse>,
    #[serde(default)]
    pub total_bytes: u64,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// A develop version as listed.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Version {
    pub id: i64,
    /// `{kind: "member"|"robot", developer_id, robot}`.
    pub uploader: Value,
    pub version: String,
    pub description: String,
    pub package_sha256: String,
    pub zip_bytes: u64,
    pub created_at: i64,
}

/// A develop version with its report (what an upload returns).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct VersionDetail {
    #[serde(flatten)]
    pub version: Version,
    pub report: Report,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct VersionList {
    pub versions: Vec<Version>,
    pub trial: Option<Version>,
}

/// What an upload sends besides the zip.
#[derive(Debug, Clone, Default)]
pub struct UploadRequest<'a> {
    pub version: &'a str,
    pub description: &'a str,
    /// The robot slot, with an upload key.
    pub robot: Option<u8>,
}

#[derive(Deserialize)]
struct AppList {
    apps: Vec<App>,
}

#[derive(Deserialize)]
struct Revoked {
    revoked: u64,
}

/// A connection to one server with one API key.
#[derive(Clone)]
pub struct Client {
    base_url: String,
    api_key: String,
    http: reqwest::Client,
}

impl Client {
    pub fn new(base_url: &str, api_key: &str) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key: api_key.to_owned(),
            http: reqwest::Client::builder()
                .user_agent(concat!("miniplat-client/", env!("CARGO_PKG_VERSION")))
                .build()
                .expect("an HTTP client with default settings builds"),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<T, ClientError> {
        let mut request =
            self.http.request(method, format!("{}/api/v1{path}", self.base_url)).bearer_auth(&self.api_key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        Self::finish(request.send().await?).await
    }

    /// Reads a response: the body on success, the error envelope otherwise.
    async fn finish<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, ClientError> {
        let status = response.status();
        let text = response.text().await?;
        if status.is_success() {
            let text = if status == StatusCode::NO_CONTENT || text.is_empty() { "null" } else { &text };
            return serde_json::from_str(text)
                .map_err(|_| ClientError::Unexpected { status: status.as_u16(), body: text.to_owned() });
        }
        match serde_json::from_str::<Envelope>(&text) {
            Ok(envelope) => Err(ClientError::Api {
                status: status.as_u16(),
                code: envelope.error.code,
                message: envelope.error.message,
                request_id: envelope.error.request_id,
                diagnostics: envelope.error.diagnostics,
            }),
            Err(_) => Err(ClientError::Unexpected { status: status.as_u16(), body: text }),
        }
    }

    pub async fn me(&self) -> Result<Me, ClientError> {
        self.call(Method::GET, "/me", None).await
    }

    pub async fn create_app(
        &self,
        name: &str,
        introduction: &str,
        contact_email: Option<&str>,
    ) -> Result<CreatedApp, ClientError> {
        let body = json!({ "name": name, "introduction": introduction, "contact_email": contact_email });
        self.call(Method::POST, "/apps", Some(body)).await
    }

    pub async fn list_apps(&self) -> Result<Vec<App>, ClientError> {
        Ok(self.call::<AppList>(Method::GET, "/apps", None).await?.apps)
    }

    pub async fn app(&self, appid: &str) -> Result<App, ClientError> {
        self.call(Method::GET, &format!("/apps/{appid}"), None).await
    }

    pub async fn reset_secret(&self, appid: &str) -> Result<Secret, ClientError> {
        self.call(Method::POST, &format!("/apps/{appid}/secret/reset"), None).await
    }

    pub async fn revoke_tokens(&self, appid: &str) -> Result<u64, ClientError> {
        Ok(self.call::<Revoked>(Method::POST, &format!("/apps/{appid}/tokens/revoke"), None).await?.revoked)
    }

    /// Releases the approved version (the Operator role).
    pub async fn release(&self, appid: &str) -> Result<ReleasedVersion, ClientError> {
        self.call(Method::POST, &format!("/apps/{appid}/release"), None).await
    }

    /// The trial version's QR code (home page).
    pub async fn trial_qrcode(&self, appid: &str) -> Result<TrialCode, ClientError> {
        self.call(Method::GET, &format!("/apps/{appid}/trial/qrcode"), None).await
    }

    /// Operator: creates a verified developer with an API key.
    pub async fn create_developer(&self, email: &str) -> Result<CreatedDeveloper, ClientError> {
        self.call(Method::POST, "/admin/developers", Some(json!({ "email": email }))).await
    }

    /// Uploads a zipped project as a develop version. `progress` hears the bytes sent so far
    /// as the body streams out. Authenticates with this client's key: an API key, or an upload
    /// key (then `robot` is required).
    pub async fn upload_version(
        &self,
        appid: &str,
        upload: &UploadRequest<'_>,
        zip: Vec<u8>,
        progress: impl Fn(u64) + Send + Sync + 'static,
    ) -> Result<VersionDetail, ClientError> {
        const CHUNK: usize = 64 * 1024;
        let mut query =
            vec![("version", upload.version.to_owned()), ("description", upload.description.to_owned())];
        if let Some(robot) = upload.robot {
            query.push(("robot", robot.to_string()));
        }
        let chunks: Vec<bytes::Bytes> = zip.chunks(CHUNK).map(bytes::Bytes::copy_from_slice).collect();
        let total = zip.len();
        let mut sent = 0u64;
        let stream = futures_util::stream::iter(chunks.into_iter().map(move |chunk| {
            sent += chunk.len() as u64;
            progress(sent);
            Ok::<_, std::io::Error>(chunk)
        }));
        let response = self
            .http
            .post(format!("{}/api/v1/apps/{appid}/versions", self.base_url))
            .bearer_auth(&self.api_key)
            .query(&query)
            .header(reqwest::header::CONTENT_TYPE, "application/zip")
            .header(reqwest::header::CONTENT_LENGTH, total)
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await?;
        Self::finish(response).await
    }

    /// The app's develop versions and its trial version.
    pub async fn versions(&self, appid: &str) -> Result<VersionList, ClientError> {
        self.call(Method::GET, &format!("/apps/{appid}/versions"), None).await
    }

    /// Any other endpoint, for callers that need one this client has no method for.
    pub async fn raw(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value, ClientError> {
        self.call(method, path, body).await
    }
}
