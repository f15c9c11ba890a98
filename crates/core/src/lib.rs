//! The domain of Miniplat: types, rules and use cases, written against the [`store::Store`],
//! [`blobs::Blobs`], [`mail::Mailer`] and [`clock::Clock`] traits. No HTTP and no SQL here.
//!
//! Entry point for callers is [`Platform`], which holds the ports and exposes one method per use
//! case (`sign_up_developer`, `create_app`, `issue_access_token`, …).

pub mod accounts;
pub mod api_keys;
pub mod apps;
pub mod audit;
pub mod blobs;
pub mod categories;
pub mod clock;
pub mod codes;
pub mod config;
pub mod content;
pub mod domains;
pub mod email;
pub mod error;
pub mod jobs;
pub mod mail;
pub mod media;
pub mod platform;
pub mod privacy;
pub mod push;
pub mod quota;
pub mod release;
pub mod review;
pub mod reviewing;
pub mod store;
pub mod tokens;
pub mod wx;

pub use error::{Error, Result};
pub use platform::Platform;

/// Unix time in seconds; every stored instant uses it.
pub type Timestamp = i64;
