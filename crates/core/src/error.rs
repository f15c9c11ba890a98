//! The platform's error type. Every variant has a stable machine code (the catalogue documented
//! in `docs/API.md`) and a message that is safe to show to the caller. Storage failures keep
//! their cause for the log and show nothing of it.

use crate::Timestamp;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input failed validation; `field` names the offending input.
    #[error("{field} {message}")]
    Invalid { field: &'static str, message: String },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(Conflict),
    /// Wrong email or password, or an unknown account: one answer for all of them.
    #[error("the email or password is wrong")]
    BadCredentials,
    /// No valid session or API key.
    #[error("authentication required")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("too many failed sign-ins; try again after {}", crate::clock::format_utc(*until))]
    Locked { until: Timestamp },
    #[error("too many requests; try again in {retry_after} seconds")]
    RateLimited { retry_after: i64 },
    #[error("registration is closed")]
    RegistrationClosed,
    #[error("registration is by invitation only; use the invitation link you received")]
    InvitationRequired,
    #[error("verify your email address first")]
    EmailNotVerified,
    #[error("this account is suspended")]
    AccountSuspended,
    #[error("the link has expired; request a new one")]
    LinkExpired,
    #[error("the link is invalid or was already used")]
    LinkInvalid,
    /// An uploaded package that is unsafe to unpack (path traversal, zip bomb …).
    #[error("the package was refused: {0}")]
    PackageRejected(String),
    /// An uploaded package with validation errors; the report lists them.
    #[error("the package has errors: {}", first_error(.0))]
    PackageInvalid(Box<miniplat_package::Report>),
    #[error("the package is {size} bytes, over the limit of {limit}")]
    PackageTooLarge { size: u64, limit: u64 },
    /// A privacy-relevant request without the declaration, consent or grant it needs.
    #[error("{0}")]
    Privacy(crate::privacy::consent::PrivacyRefusal),
    #[error("storage error")]
    Store(#[from] StoreError),
}

fn first_error(report: &miniplat_package::Report) -> String {
    let count = report.errors().count();
    let first = report.errors().next().map(ToString::to_string).unwrap_or_default();
    if count > 1 {
        format!("{first} (and {} more)", count - 1)
    } else {
        first
    }
}

/// Which uniqueness rule a request ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    #[error("this email address is already used by another account")]
    EmailTaken,
    #[error("a mini program with this name already exists")]
    AppNameTaken,
    #[error("this person is already a member of the mini program")]
    AlreadyMember,
    #[error("the mini program must keep at least one admin")]
    LastAdmin,
}

/// A failure inside a storage backend. `UniqueViolation` is the one callers branch on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unique constraint violated")]
    UniqueViolation,
    /// The unit of work stopped and rolled back for a domain reason the caller knows by name.
    #[error("refused: {0}")]
    Refused(&'static str),
    #[error("{0}")]
    Backend(String),
}

impl Error {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { field, message: message.into() }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    /// The stable code of the catalogue.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "invalid_input",
            Self::NotFound("mini program") => "app_not_found",
            Self::NotFound("developer") => "developer_not_found",
            Self::NotFound(_) => "not_found",
            Self::Conflict(Conflict::EmailTaken) => "email_taken",
            Self::Conflict(Conflict::AppNameTaken) => "app_name_taken",
            Self::Conflict(Conflict::AlreadyMember) => "already_member",
            Self::Conflict(Conflict::LastAdmin) => "last_admin",
            Self::BadCredentials => "bad_credentials",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::Locked { .. } => "account_locked",
            Self::RateLimited { .. } => "rate_limited",
            Self::RegistrationClosed => "registration_closed",
            Self::InvitationRequired => "invitation_required",
            Self::EmailNotVerified => "email_not_verified",
            Self::AccountSuspended => "account_suspended",
            Self::LinkExpired => "link_expired",
            Self::LinkInvalid => "link_invalid",
            Self::PackageRejected(_) => "package_rejected",
            Self::PackageInvalid(_) => "package_invalid",
            Self::PackageTooLarge { .. } => "package_too_large",
            Self::Privacy(refusal) => refusal.code(),
            Self::Store(_) => "internal",
        }
    }
}

impl From<miniplat_crypto::signed::LinkError> for Error {
    fn from(error: miniplat_crypto::signed::LinkError) -> Self {
        match error {
            miniplat_crypto::signed::LinkError::Expired => Self::LinkExpired,
            miniplat_crypto::signed::LinkError::Invalid => Self::LinkInvalid,
        }
    }
}
