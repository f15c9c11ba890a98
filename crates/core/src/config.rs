//! Tunables of the domain layer. The binary fills this from its layered configuration.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Domain settings with the defaults the specs publish.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlatformConfig {
    /// Base URL people reach the platform at; used in links sent by email.
    pub public_url: String,
    /// Lifetime of WeChat access tokens (the spec keeps 7200; SDKs rely on it).
    pub access_token_ttl_secs: i64,
    /// How long a superseded access token keeps working (spec: at least 5 minutes).
    pub access_token_grace_secs: i64,
    /// Failed sign-ins that lock an account, and for how long.
    pub lockout_threshold: i64,
    pub lockout_secs: i64,
    /// Sign-in attempts allowed per client address per minute.
    pub sign_in_attempts_per_minute: u32,
    /// Verification and password-reset emails per address per minute.
    pub account_emails_per_minute: u32,
    /// `jscode2session` logins per end user per minute (45011 beyond; WeChat documents 100).
    pub logins_per_user_per_minute: u32,
    /// Cookie session lifetime.
    pub session_ttl_secs: i64,
    pub email_verification_ttl_secs: i64,
    pub password_reset_ttl_secs: i64,
    pub invitation_ttl_secs: i64,
    /// Mini program icon limits.
    pub icon_max_bytes: usize,
    pub icon_min_px: u32,
    pub icon_max_px: u32,
    /// Per-API overrides of the quota catalogue, keyed by cgi path.
    pub quotas: BTreeMap<String, QuotaOverride>,
    /// `clear_quota` calls allowed per mini program per month.
    pub quota_clears_per_month: i64,
    /// `stable_token` force-refresh limits.
    pub stable_force_refresh_per_day: i64,
    pub stable_force_refresh_min_interval_secs: i64,
    /// Testers one mini program may bind (85002), and mini programs one user may test (85003).
    pub testers_per_app: i64,
    pub tester_apps_per_user: i64,
    /// Code-package size and shape limits (spec §13.1).
    pub packages: miniplat_package::Limits,
    /// How long a package blob no version names is kept before the purge deletes it. Must
    /// outlast any upload (an upload announces the blob before writing it).
    pub package_blob_grace_secs: i64,
    /// Codes `getwxacode` and `createwxaqrcode` may make per mini program, ever (45029).
    pub qr_code_lifetime_limit: i64,
    /// URL Schemes + URL Links one mini program may generate per day (44993), and openings
    /// of its links per day (85406).
    pub links_per_day: i64,
    pub link_visits_per_day: i64,
    /// URL Schemes + URL Links one mini program may generate per second, per node (44990).
    pub link_generations_per_second: i64,
    /// Distinct pages `getwxacodeunlimit` may encode per mini program with `check_path`
    /// false (41030 past it).
    pub unlimited_code_pages: i64,
    /// Font files for name card images, in order of preference per character.
    pub card_fonts: Vec<String>,
    /// Lets push URLs reach loopback, private and link-local addresses (development only).
    pub push_allow_private_addresses: bool,
    /// Delivery attempts per pushed event before it is given up.
    pub push_max_attempts: i64,
    /// Delay before the first retry of a push; each further retry waits twice as long (≤ 1 h).
    pub push_retry_base_secs: i64,
    /// Pushes one node sends at once.
    pub push_concurrency: usize,
    /// Days the push delivery log is kept.
    pub push_log_days: i64,
    /// How long a submitted version may wait for a review decision before it is marked
    /// delayed and `weapp_audit_delay` is pushed.
    pub review_sla_secs: i64,
    /// Release review quotas and fees (`[platform.review]`).
    pub review: ReviewConfig,
    /// Categories one mini program may have (53301), and add per month (53300).
    pub categories_per_app: i64,
    pub category_adds_per_month: i64,
}

/// Replaces the published daily limit and/or per-minute limit of one API.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaOverride {
    pub daily_limit: Option<i64>,
    pub per_minute: Option<i64>,
}

impl Default for PlatformConfig {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            access_token_ttl_secs: 7200,
            access_token_grace_secs: 300,
            lockout_threshold: 5,
            lockout_secs: 15 * 60,
            sign_in_attempts_per_minute: 20,
            account_emails_per_minute: 3,
            logins_per_user_per_minute: 100,
            session_ttl_secs: 7 * 86_400,
            email_verification_ttl_secs: 2 * 86_400,
            password_reset_ttl_secs: 3600,
            invitation_ttl_secs: 7 * 86_400,
            icon_max_bytes: 2 * 1024 * 1024,
            icon_min_px: 108,
            icon_max_px: 2048,
            quotas: BTreeMap::new(),
            quota_clears_per_month: 10,
            stable_force_refresh_per_day: 20,
            stable_force_refresh_min_interval_secs: 30,
            qr_code_lifetime_limit: 100_000,
            links_per_day: 500_000,
            link_visits_per_day: 3_000_000,
            link_generations_per_second: 100,
            unlimited_code_pages: 60_000,
            card_fonts: vec![
                "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf".into(),
                "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc".into(),
            ],
            testers_per_app: 100,
            tester_apps_per_user: 50,
            packages: miniplat_package::Limits::default(),
            package_blob_grace_secs: 3600,
            push_allow_private_addresses: false,
            push_max_attempts: 8,
            push_retry_base_secs: 5,
            push_concurrency: 32,
            push_log_days: 30,
            review_sla_secs: 7 * 86_400,
            review: ReviewConfig::default(),
            categories_per_app: 5,
            category_adds_per_month: 20,
        }
    }
}

/// What a developer subject may submit for release review each month, and what happens beyond
/// (clause 2.6: too-frequent submissions may be charged or refused).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewConfig {
    /// Submissions per developer subject and UTC month (`queryquota` `limit`).
    pub submit_quota_per_month: i64,
    /// Expedite requests per developer subject and UTC month (`speedup_limit`).
    pub speedup_quota_per_month: i64,
    /// Beyond the submit quota: refuse (85085) or accept and record a fee.
    pub over_quota_policy: OverQuotaPolicy,
    /// The fee of one submission over the quota, in cents of `fee_currency`.
    pub fee_cents: i64,
    pub fee_currency: String,
    /// Withdrawals (`undocodeaudit`) per mini program and UTC day / month.
    pub undo_per_day: i64,
    pub undo_per_month: i64,
}

/// What a submission over the monthly quota gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverQuotaPolicy {
    Refuse,
    Charge,
}

impl Default for ReviewConfig {
    fn default() -> Self {
        Self {
            submit_quota_per_month: 20,
            speedup_quota_per_month: 5,
            over_quota_policy: OverQuotaPolicy::Refuse,
            fee_cents: 5000,
            fee_currency: "CNY".into(),
            undo_per_day: 5,
            undo_per_month: 10,
        }
    }
}
