//! The server's configuration, layered: built-in defaults, then `miniplat.toml` (or the file
//! `--config`/`MINIPLAT_CONFIG` names), then `MINIPLAT_*` environment variables, then command-line
//! flags. Every secret can also be read from a file named by `<VAR>_FILE`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use miniplat_core::config::PlatformConfig;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// Holds the SQLite database, blobs, the email outbox and the master key file.
    pub data_dir: PathBuf,
    /// `postgres://…` to run on PostgreSQL; SQLite in the data directory otherwise.
    pub database_url: Option<String>,
    /// Hex master key; by default generated into `<data_dir>/master.key` (mode 0600).
    pub master_key: Option<String>,
    /// The operator account created on first start.
    pub admin_email: String,
    /// `smtp://user:pass@host:587` (STARTTLS) or `smtps://…:465`; `.eml` files in the outbox when unset.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// `text` or `json`.
    pub log_format: String,
    /// Take client addresses from `X-Forwarded-For` (behind a trusted proxy only).
    pub trust_forwarded_for: bool,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Domain settings (`[platform]` table): public URL, token lifetimes, quotas, limits.
    pub platform: PlatformConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./miniplat-data"),
            database_url: None,
            master_key: None,
            admin_email: "operator@miniplat.localhost".into(),
            smtp_url: None,
            mail_from: "Miniplat <no-reply@miniplat.localhost>".into(),
            log_format: "text".into(),
            trust_forwarded_for: false,
            max_body_bytes: 4 * 1024 * 1024,
            platform: PlatformConfig { public_url: String::new(), ..PlatformConfig::default() },
        }
    }
}

/// Values given on the command line (highest precedence).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Overrides {
    /// Configuration file (default: ./miniplat.toml when present).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Data directory [env: MINIPLAT_DATA_DIR].
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: postgres://… or sqlite://PATH [env: MINIPLAT_DATABASE_URL].
    #[arg(long, global = true)]
    pub database_url: Option<String>,
}

/// Reads an environment variable, or the file its `_FILE` twin names.
fn env_value(name: &str) -> anyhow::Result<Option<String>> {
    if let Ok(value) = std::env::var(name) {
        return Ok(Some(value));
    }
    match std::env::var(format!("{name}_FILE")) {
        Ok(path) => {
            let text =
                std::fs::read_to_string(&path).with_context(|| format!("reading {name}_FILE ({path})"))?;
            Ok(Some(text.trim().to_owned()))
        }
        Err(_) => Ok(None),
    }
}

impl Config {
    /// Loads the layers in order; `listen` is the `--listen` flag of `serve`.
    pub fn load(overrides: &Overrides, listen: Option<&str>) -> anyhow::Result<Self> {
        let file =
            overrides.config.clone().or_else(|| std::env::var_os("MINIPLAT_CONFIG").map(PathBuf::from));
        let mut config = match file {
            Some(path) => Self::from_file(&path)?,
            None if Path::new("miniplat.toml").exists() => Self::from_file(Path::new("miniplat.toml"))?,
            None => Self::default(),
        };
        if let Some(v) = env_value("MINIPLAT_LISTEN")? {
            config.listen = v;
        }
        if let Some(v) = env_value("MINIPLAT_DATA_DIR")? {
            config.data_dir = v.into();
        }
        if let Some(v) = env_value("MINIPLAT_DATABASE_URL")? {
            config.database_url = Some(v);
        }
        if let Some(v) = env_value("MINIPLAT_MASTER_KEY")? {
            config.master_key = Some(v);
        }
        if let Some(v) = env_value("MINIPLAT_ADMIN_EMAIL")? {
            config.admin_email = v;
        }
        if let Some(v) = env_value("MINIPLAT_SMTP_URL")? {
            config.smtp_url = Some(v);
        }
        if let Some(v) = env_value("MINIPLAT_MAIL_FROM")? {
            config.mail_from = v;
        }
        if let Some(v) = env_value("MINIPLAT_LOG_FORMAT")? {
            config.log_format = v;
        }
        if let Some(v) = env_value("MINIPLAT_PUBLIC_URL")? {
            config.platform.public_url = v;
        }
        if let Some(v) = env_value("MINIPLAT_TRUST_FORWARDED_FOR")? {
            config.trust_forwarded_for = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = env_value("MINIPLAT_PUSH_ALLOW_PRIVATE_ADDRESSES")? {
            config.platform.push_allow_private_addresses = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = &overrides.data_dir {
            config.data_dir = v.clone();
        }
        if let Some(v) = &overrides.database_url {
            config.database_url = Some(v.clone());
        }
        if let Some(v) = listen {
            config.listen = v.to_owned();
        }
        if config.platform.public_url.is_empty() {
            config.platform.public_url = format!("http://{}", config.listen);
        }
        config.platform.public_url = config.platform.public_url.trim_end_matches('/').to_owned();
        config.validate()?;
        Ok(config)
    }

    fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing config file {}", path.display()))
    }

    fn validate(&self) -> anyhow::Result<()> {
        if !matches!(self.log_format.as_str(), "text" | "json") {
            bail!("log_format must be \"text\" or \"json\", not {:?}", self.log_format);
        }
        if !(self.platform.public_url.starts_with("http://")
            || self.platform.public_url.starts_with("https://"))
        {
            bail!("public_url must start with http:// or https://");
        }
        miniplat_core::email::Email::parse(&self.admin_email)
            .map_err(|_| anyhow::anyhow!("admin_email is not a valid email"))?;
        Ok(())
    }

    /// The database URL in force: the configured one, or SQLite in the data directory.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("miniplat.db").display()))
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    pub fn blob_dir(&self) -> PathBuf {
        self.data_dir.join("blobs")
    }
}
