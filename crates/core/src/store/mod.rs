//! The storage port, one trait per concept; [`Store`] is all of them together. One
//! implementation serves both backends in the `miniplat-store` crate; the conformance suite
//! there runs the same stories against each.
//!
//! Every method is one atomic unit of work. Methods that insert into a uniqueness namespace
//! report `StoreError::UniqueViolation` (or a specific error) rather than checking first, so
//! concurrent requests cannot both win.

mod accounts;
mod apps;
mod categories;
mod codes;
mod content;
mod domains;
mod hosts;
mod identities;
mod jobs;
mod platform;
mod privacy;
mod push;
mod quota;
mod release;
mod review;
mod review_submit;
mod reviewing;
mod tokens;
mod versions;

pub use accounts::AccountStore;
pub use apps::AppStore;
pub use categories::{CategoryStore, CATEGORY_ADD_MONTHLY_LIMIT, CATEGORY_LIMIT};
pub use codes::{CodeStore, LinkStore};
pub use content::{ContentStore, CONTENT_TERMS_FULL};
pub use domains::DomainStore;
pub use hosts::HostStore;
pub use identities::IdentityStore;
pub use jobs::JobStore;
pub use platform::PlatformStore;
pub use privacy::PrivacyStore;
pub use push::PushStore;
pub use quota::QuotaStore;
pub use release::{
    EndGray, EnforcementStore, ReleaseStore, ALREADY_APPEALED, ALREADY_RELEASED, GRAY_PLAN_RUNNING,
    RECTIFICATION_CLOSED,
};
pub use review::{ReviewStore, ReviewUpdate, REVIEW_IN_PROGRESS};
pub use review_submit::*;
pub use reviewing::{QueueFilter, ReviewingStore};
pub use tokens::TokenStore;
pub use versions::{VersionStore, PACKAGE_BLOB_CLAIMED};

use crate::error::StoreError;

pub type StoreResult<T> = Result<T, StoreError>;

/// Every storage trait, for code that calls them on a concrete store.
pub mod prelude {
    pub use super::*;
}

/// Everything the platform stores.
pub trait Store:
    PlatformStore
    + AccountStore
    + AppStore
    + TokenStore
    + QuotaStore
    + VersionStore
    + CodeStore
    + LinkStore
    + PrivacyStore
    + HostStore
    + IdentityStore
    + JobStore
    + PushStore
    + ReviewStore
    + ContentStore
    + DomainStore
    + ReviewingStore
    + ReleaseStore
    + EnforcementStore
    + ReviewSubmitStore
    + CategoryStore
{
}

impl<
        T: PlatformStore
            + AccountStore
            + AppStore
            + TokenStore
            + QuotaStore
            + VersionStore
            + CodeStore
            + LinkStore
            + PrivacyStore
            + HostStore
            + IdentityStore
            + JobStore
            + PushStore
            + ReviewStore
            + ContentStore
            + DomainStore
            + ReviewingStore
            + ReleaseStore
            + EnforcementStore
            + ReviewSubmitStore
            + CategoryStore,
    > Store for T
{
}
