//! The command line: `serve`, `migrate`, operator commands that work on the data directory
//! directly (`admin …`), and developer commands that talk to a server through the platform API
//! (`login`, `app …`). Every command takes `--json` for scripts.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use miniplat_client::{Client, ClientError, Diagnostic, PrivacyUse, ReviewPage, UploadRequest};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::config::{Config, Overrides};

#[derive(Parser)]
#[command(name = "miniplat", version, about = "Miniplat: a self-hostable mini program platform")]
pub struct Cli {
    #[command(flatten)]
    pub overrides: Overrides,
    /// Print results as JSON.
    #[arg(long, global = true)]
    pub json: bool,
    /// Server URL for developer commands [env: MINIPLAT_SERVER].
    #[arg(long, global = true)]
    pub server: Option<String>,
    /// API key for developer commands [env: MINIPLAT_API_KEY].
    #[arg(long, global = true)]
    pub api_key: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the platform.
    Serve {
        /// Address to listen on [env: MINIPLAT_LISTEN] [default: 127.0.0.1:8080].
        #[arg(long)]
        listen: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Operator commands on the local data directory / database.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Save a server URL and API key for the developer commands.
    Login {
        #[arg(long)]
        server: String,
        #[arg(long)]
        api_key: String,
    },
    /// Manage mini programs.
    App {
        #[command(subcommand)]
        command: AppCommand,
    },
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Developer accounts.
    Developer {
        #[command(subcommand)]
        command: DeveloperCommand,
    },
    /// Print a new one-time sign-in link for an account (for example a locked-out operator).
    SignInLink {
        #[arg(long)]
        email: String,
    },
    /// Native host apps (the Host API's clients).
    Host {
        #[command(subcommand)]
        command: HostCommand,
    },
    /// Release reviews, decided as a staff member or reviewer.
    Review {
        #[command(subcommand)]
        command: ReviewCommand,
    },
}

#[derive(Subcommand)]
pub enum ReviewCommand {
    /// Approve or reject a review waiting for a decision (as on the review page).
    Decide {
        /// The review (`auditid`).
        #[arg(long)]
        auditid: i64,
        /// The account deciding: staff, or the reviewer the review is assigned to.
        #[arg(long = "as")]
        reviewer: String,
        #[arg(long, conflicts_with_all = ["reject", "note"], required_unless_present_any = ["reject", "note"])]
        approve: bool,
        /// Codes of rejection-reason catalogue entries to cite (repeatable).
        #[arg(long)]
        reject: Vec<String>,
        /// The reviewer's note to the developer (a rejection).
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum HostCommand {
    /// Register a native host; prints its key and secret (shown once).
    Create { name: String },
    /// List registered hosts.
    List,
    /// Revoke a host: its secret stops working at once.
    Revoke { key: String },
}

#[derive(Subcommand)]
pub enum DeveloperCommand {
    /// Create a verified developer and print a one-time API key.
    Create {
        #[arg(long)]
        email: String,
        /// Make the account a platform operator.
        #[arg(long)]
        operator: bool,
    },
}

#[derive(Subcommand)]
pub enum AppCommand {
    /// Register a mini program; prints its appid and AppSecret (shown once).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        introduction: String,
        /// The mini program's own account email.
        #[arg(long)]
        contact_email: Option<String>,
    },
    /// List your mini programs.
    List,
    /// Show one mini program.
    Show { appid: String },
    /// Zip a project directory, upload it as a develop version and print the validation report.
    Upload {
        #[arg(long)]
        appid: String,
        /// The project directory (with project.config.json, or the mini program root itself).
        #[arg(long)]
        project: PathBuf,
        /// Version string, 1–64 printable characters.
        #[arg(long)]
        version: String,
        /// Description, at most 200 characters.
        #[arg(long, default_value = "")]
        desc: String,
        /// Robot slot 1–30 (with an upload key).
        #[arg(long)]
        robot: Option<u8>,
        /// A file holding an upload key (`mpu_…`) to upload with instead of the API key.
        #[arg(long)]
        key_file: Option<PathBuf>,
    },
    /// List develop versions and the trial version.
    Versions { appid: String },
    /// Show the trial version's QR code in the terminal and save it as an image.
    Preview {
        appid: String,
        /// Where to save the image (default: preview-<appid>.jpg).
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
    /// Release the approved version (needs the Operator role in the mini program).
    Release { appid: String },
    /// AppSecret commands.
    Secret {
        #[command(subcommand)]
        command: SecretCommand,
    },
    /// Submit the trial version for release review.
    Submit {
        appid: String,
        /// Version notes for the reviewer (at most 500 characters).
        #[arg(long, default_value = "")]
        desc: String,
        /// A page to show the reviewer, `path:title` (up to 5 times).
        #[arg(long = "item")]
        items: Vec<String>,
    },
    /// Show the newest review: status, reason and the automated checks.
    AuditStatus { appid: String },
}

#[derive(Subcommand)]
pub enum SecretCommand {
    /// Issue a new AppSecret; the old one and all access tokens stop working.
    Reset { appid: String },
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let json_output = cli.json;
    match cli.command {
        Command::Serve { listen } => {
            let config = Config::load(&cli.overrides, listen.as_deref())?;
            serve(config).await
        }
        Command::Migrate => {
            let config = Config::load(&cli.overrides, None)?;
            crate::open_store(&config).await?;
            print(json_output, &json!({ "migrated": true }), "Database is up to date.");
            Ok(())
        }
        Command::Admin { command } => {
            let config = Config::load(&cli.overrides, None)?;
            admin(config, command, json_output).await
        }
        Command::Login { server, api_key } => {
            let client = Client::new(&server, &api_key);
            let me = client.me().await.context("checking the API key")?;
            let path = Credentials { server, api_key }.save()?;
            let text = format!("Signed in as {} (saved to {}).", me.developer.email, path.display());
            print(json_output, &json!({ "email": me.developer.email, "credentials": path }), &text);
            Ok(())
        }
        Command::App { command } => {
            // An upload key stands in for the API key of `app upload --key-file`.
            let key = match &command {
                AppCommand::Upload { key_file: Some(path), .. } => Some(
                    std::fs::read_to_string(path)
                        .with_context(|| format!("reading the upload key from {}", path.display()))?
                        .trim()
                        .to_owned(),
                ),
                _ => cli.api_key,
            };
            let client = Credentials::resolve(cli.server, key)?.client();
            app(client, command, json_output).await
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let listen = config.listen.clone();
    let admin_email = config.admin_email.clone();
    let runtime = crate::Runtime::open(config).await?;
    let listener =
        tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("listening on {listen}"))?;
    let address = listener.local_addr()?;
    if let Some(link) = runtime.platform.bootstrap_operator(&admin_email).await? {
        println!("Created the operator account {admin_email}. Sign in once with this link (valid 24 hours):\n\n  {link}\n");
    }
    println!(
        "Miniplat is running at {} (listening on {address}); press Ctrl-C to stop.",
        runtime.config.platform.public_url
    );
    runtime.serve(listener, crate::shutdown_signal()).await
}

async fn admin(config: Config, command: AdminCommand, json_output: bool) -> anyhow::Result<()> {
    let runtime = crate::Runtime::open(config).await?;
    let platform = &runtime.platform;
    match command {
        AdminCommand::Developer { command: DeveloperCommand::Create { email, operator } } => {
            use miniplat_core::accounts::PlatformRole;
            let role = if operator { PlatformRole::Operator } else { PlatformRole::Developer };
            let developer = platform.create_verified_developer(&email, role).await?;
            let scopes = miniplat_core::api_keys::Scope::all_for(&developer);
            let key = platform.create_api_key(&developer, "created by miniplat admin", &scopes).await?;
            let text = format!(
                "Created developer {} (id {}).\nAPI key (shown once): {}",
                developer.email, developer.id.0, key.plaintext
            );
            let value =
                json!({ "developer_id": developer.id.0, "email": developer.email, "api_key": key.plaintext });
            print(json_output, &value, &text);
        }
        AdminCommand::SignInLink { email } => {
            let email = miniplat_core::email::Email::parse(&email)?;
            let Some(developer) = platform.store.developer_by_email(&email).await? else {
                bail!("no developer account has the email {email}");
            };
            let link = platform.create_sign_in_link(&developer).await?;
            print(
                json_output,
                &json!({ "link": link }),
                &format!("One-time sign-in link (24 hours):\n  {link}"),
            );
        }
        AdminCommand::Host { command: HostCommand::Create { name } } => {
            let created = platform.register_host(None, &name).await?;
            let text = format!(
                "Registered host \"{}\".\n  host key:    {}\n  host secret: {}  (shown once: store it now)",
                created.host.name, created.host.key, created.secret
            );
            let value =
                json!({ "key": created.host.key, "name": created.host.name, "secret": created.secret });
            print(json_output, &value, &text);
        }
        AdminCommand::Host { command: HostCommand::List } => {
            let hosts = platform.store.list_hosts().await?;
            let rows: Vec<_> = hosts
                .iter()
                .map(|h| json!({ "key": h.key, "name": h.name, "created_at": h.created_at, "revoked_at": h.revoked_at }))
                .collect();
            let text = hosts
                .iter()
                .map(|h| {
                    format!(
                        "{}  {}{}",
                        h.key,
                        h.name,
                        if h.revoked_at.is_some() { "  (revoked)" } else { "" }
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            print(json_output, &json!({ "hosts": rows }), if text.is_empty() { "No hosts." } else { &text });
        }
        AdminCommand::Host { command: HostCommand::Revoke { key } } => {
            platform.withdraw_host(None, &key).await?;
            print(json_output, &json!({ "revoked": key }), &format!("Revoked host {key}."));
        }
        AdminCommand::Review {
            command: ReviewCommand::Decide { auditid, reviewer, approve, reject, note },
        } => {
            use miniplat_core::reviewing::Decision;
            let email = miniplat_core::email::Email::parse(&reviewer)?;
            let Some(developer) = platform.store.developer_by_email(&email).await? else {
                bail!("no account has the email {email}");
            };
            let desk = platform.review_desk(&developer).await?;
            let decision = if approve {
                Decision::Approve
            } else {
                Decision::Reject { codes: reject, note: note.unwrap_or_default(), screenshots: Vec::new() }
            };
            let state = if approve { "approved" } else { "rejected" };
            platform.decide_review(&desk, miniplat_core::review::ReviewId(auditid), decision).await?;
            print(
                json_output,
                &json!({ "auditid": auditid, "state": state }),
                &format!("Review {auditid} {state}."),
            );
        }
    }
    Ok(())
}

async fn app(client: Client, command: AppCommand, json_output: bool) -> anyhow::Result<()> {
    match command {
        AppCommand::Create { name, introduction, contact_email } => {
            let created = client.create_app(&name, &introduction, contact_email.as_deref()).await?;
            let text = format!(
                "Created mini program \"{}\".\n  appid:     {}\n  AppSecret: {}  (shown once: store it now)",
                created.app.name, created.app.appid, created.secret
            );
            print(json_output, &serde_json::to_value(&created)?, &text);
        }
        AppCommand::List => {
            let apps = client.list_apps().await?;
            let mut text = String::new();
            if apps.is_empty() {
                text.push_str("No mini programs yet; create one with `miniplat app create --name NAME`.");
            }
            for app in &apps {
                text.push_str(&format!(
                    "{}  {:<30}  {:<10}  {}\n",
                    app.appid, app.name, app.role, app.status
                ));
            }
            print(json_output, &json!({ "apps": apps }), text.trim_end());
        }
        AppCommand::Show { appid } => {
            let app = client.app(&appid).await?;
            let text = format!(
                "{}\n  appid:        {}\n  status:       {}\n  your role:    {}\n  introduction: {}",
                app.name, app.appid, app.status, app.role, app.introduction
            );
            print(json_output, &serde_json::to_value(&app)?, &text);
        }
        AppCommand::Upload { appid, project, version, desc, robot, key_file: _ } => {
            let request = UploadRequest { version: &version, description: &desc, robot };
            upload(&client, &appid, &project, &request, json_output).await?;
        }
        AppCommand::Versions { appid } => {
            let list = client.versions(&appid).await?;
            let mut text = String::new();
            for v in &list.versions {
                text.push_str(&format!(
                    "{:>6}  {:<16} {:<20} {}\n",
                    v.id,
                    v.version,
                    uploader(&v.uploader),
                    v.description
                ));
            }
            if list.versions.is_empty() {
                text.push_str("No develop versions.\n");
            }
            match &list.trial {
                Some(t) => {
                    text.push_str(&format!("Trial version: {} (from develop version {})", t.version, t.id))
                }
                None => text.push_str("No trial version."),
            }
            print(json_output, &serde_json::to_value(&list)?, &text);
        }
        AppCommand::Preview { appid, output } => preview(&client, &appid, output, json_output).await?,
        AppCommand::Release { appid } => {
            let released = client.release(&appid).await?;
            let text = format!(
                "Released {} as version {} of {} ({}).",
                released.user_version, released.app_version, released.appid, released.description
            );
            print(json_output, &serde_json::to_value(&released)?, &text);
        }
        AppCommand::Submit { appid, desc, items } => {
            let pages: Vec<ReviewPage> = items
                .iter()
                .map(|item| {
                    let (address, title) = item.split_once(':').unwrap_or((item.as_str(), ""));
                    ReviewPage { address: address.to_owned(), title: title.to_owned() }
                })
                .collect();
            let submitted = client.submit_review(&appid, &desc, &pages).await?;
            let mut text = format!(
                "Submitted version {} for review: auditid {} ({}).",
                submitted.review.user_version, submitted.review.id, submitted.review.state
            );
            if let (Some(cents), Some(currency)) = (submitted.fee_cents, &submitted.fee_currency) {
                text.push_str(&format!(
                    "\nOver the monthly quota: a fee of {}.{:02} {currency} was recorded.",
                    cents / 100,
                    cents % 100
                ));
            }
            print(json_output, &serde_json::to_value(&submitted)?, &text);
        }
        AppCommand::AuditStatus { appid } => {
            let Some(newest) = client.reviews(&appid).await?.into_iter().next() else {
                anyhow::bail!("{appid} has not submitted a version for review");
            };
            let detail = client.review(&appid, newest.id).await?;
            let review = &detail.review;
            let mut text =
                format!("auditid {}  version {}  {}", review.id, review.user_version, review.state);
            if let Some(reason) = &review.reason {
                text.push_str(&format!("\n  reason: {}", reason.replace("<br>", "\n          ")));
            }
            for check in &detail.checks {
                text.push_str(&format!("\n  [{:<11}] {:<10} {}", check.status, check.check, check.reason));
            }
            print(json_output, &serde_json::to_value(&detail)?, &text);
        }
        AppCommand::Secret { command: SecretCommand::Reset { appid } } => {
            let secret = client.reset_secret(&appid).await?;
            let text = format!("New AppSecret for {} (shown once): {}", secret.appid, secret.secret);
            print(json_output, &serde_json::to_value(&secret)?, &text);
        }
    }
    Ok(())
}

/// `app preview`: the trial QR code as Unicode half blocks, and saved as a JPEG.
async fn preview(
    client: &Client,
    appid: &str,
    output: Option<std::path::PathBuf>,
    json_output: bool,
) -> anyhow::Result<()> {
    use base64::Engine;
    let code = client.trial_qrcode(appid).await?;
    let image =
        base64::engine::general_purpose::STANDARD.decode(&code.jpeg_base64).context("decoding the image")?;
    let output = output.unwrap_or_else(|| format!("preview-{appid}.jpg").into());
    std::fs::write(&output, image).with_context(|| format!("writing {}", output.display()))?;
    let qr = miniplat_core::codes::render::render_terminal(&code.url)?;
    let text = format!("{qr}\nScan to open the trial version: {}\nSaved to {}", code.url, output.display());
    print(json_output, &json!({ "url": code.url, "output": output }), &text);
    Ok(())
}

/// `app upload`: zip, send with a progress bar (on a terminal), print the report.
async fn upload(
    client: &Client,
    appid: &str,
    project: &std::path::Path,
    request: &UploadRequest<'_>,
    json_output: bool,
) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let zip = miniplat_package::zip_directory(project, &miniplat_package::Limits::default())
        .with_context(|| format!("packing {}", project.display()))?;
    let bar = if json_output || !std::io::stdout().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        let bar = indicatif::ProgressBar::new(zip.len() as u64);
        let style = indicatif::ProgressStyle::with_template("Uploading [{bar:30}] {bytes}/{total_bytes}")
            .expect("the template is valid")
            .progress_chars("=> ");
        bar.set_style(style);
        bar
    };
    let progress = bar.clone();
    let result = client.upload_version(appid, request, zip, move |sent| progress.set_position(sent)).await;
    bar.finish_and_clear();
    match result {
        Ok(detail) => {
            let mut text = format!(
                "Uploaded version {} (develop version {}, {} bytes).\n",
                detail.version.version, detail.version.id, detail.version.zip_bytes
            );
            text.push_str(&report_text(&detail.report.diagnostics, &detail.report.privacy_uses));
            print(json_output, &serde_json::to_value(&detail)?, text.trim_end());
            Ok(())
        }
        Err(ClientError::Api { code, message, diagnostics, .. }) if code == "package_invalid" => {
            let value = json!({ "error": { "code": code, "message": message, "diagnostics": diagnostics } });
            let text = format!("The package was refused:\n{}", report_text(&diagnostics, &[]));
            print(json_output, &value, text.trim_end());
            bail!("the package has errors")
        }
        Err(error) => Err(error.into()),
    }
}

/// Diagnostics as `file:line:col: severity[code]: message`, then the privacy APIs used.
fn report_text(diagnostics: &[Diagnostic], privacy: &[PrivacyUse]) -> String {
    let mut text = String::new();
    for severity in ["error", "warning"] {
        let found: Vec<_> = diagnostics.iter().filter(|d| d.severity == severity).collect();
        if !found.is_empty() {
            text.push_str(&format!("{} {severity}(s):\n", found.len()));
        }
        for d in found {
            text.push_str(&format!("  {}: {severity}[{}]: {}\n", d.location, d.code, d.message));
        }
    }
    if !privacy.is_empty() {
        text.push_str("Privacy-relevant APIs used:\n");
        for use_ in privacy {
            let at = use_.locations.first().map(ToString::to_string).unwrap_or_default();
            text.push_str(&format!("  {} ({}) at {at}\n", use_.api, use_.category));
        }
    }
    text
}

/// `member 12` or `robot 3`.
fn uploader(value: &serde_json::Value) -> String {
    match value["kind"].as_str() {
        Some("robot") => format!("robot {}", value["robot"]),
        _ => format!("member {}", value["developer_id"]),
    }
}

fn print(json_output: bool, value: &serde_json::Value, text: &str) {
    if json_output {
        println!("{}", serde_json::to_string_pretty(value).expect("JSON values serialise"));
    } else {
        println!("{text}");
    }
}

/// Where developer commands find their server and key: flags, then `MINIPLAT_SERVER` /
/// `MINIPLAT_API_KEY`, then the file `miniplat login` wrote.
#[derive(Serialize, Deserialize)]
struct Credentials {
    server: String,
    api_key: String,
}

impl Credentials {
    fn path() -> anyhow::Result<PathBuf> {
        if let Some(dir) = std::env::var_os("MINIPLAT_CONFIG_DIR") {
            return Ok(PathBuf::from(dir).join("credentials.toml"));
        }
        let base = match std::env::var_os("XDG_CONFIG_HOME") {
            Some(dir) => PathBuf::from(dir),
            None => PathBuf::from(std::env::var_os("HOME").context("HOME is not set")?).join(".config"),
        };
        Ok(base.join("miniplat").join("credentials.toml"))
    }

    fn save(&self) -> anyhow::Result<PathBuf> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let path = Self::path()?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut file =
            std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&path)?;
        file.write_all(toml::to_string(self)?.as_bytes())?;
        Ok(path)
    }

    fn resolve(server: Option<String>, api_key: Option<String>) -> anyhow::Result<Self> {
        let stored: Option<Self> = Self::path()
            .ok()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|text| toml::from_str(&text).ok());
        let server = server
            .or_else(|| std::env::var("MINIPLAT_SERVER").ok())
            .or_else(|| stored.as_ref().map(|s| s.server.clone()));
        let api_key =
            api_key.or_else(|| std::env::var("MINIPLAT_API_KEY").ok()).or_else(|| stored.map(|s| s.api_key));
        match (server, api_key) {
            (Some(server), Some(api_key)) => Ok(Self { server, api_key }),
            _ => bail!("not signed in: run `miniplat login --server URL --api-key KEY` (or set MINIPLAT_SERVER and MINIPLAT_API_KEY)"),
        }
    }

    fn client(&self) -> Client {
        Client::new(&self.server, &self.api_key)
    }
}
