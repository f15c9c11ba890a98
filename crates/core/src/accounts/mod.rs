//! People who sign in: developers (and the operator staff among them) and end users, their
//! sessions, and the sign-in rules shared by both (lockout, rate limiting); the native hosts end
//! users reach mini programs through, end users' identities in mini programs (openid, unionid),
//! their logins (js_code, session keys) and the open data they share.

pub mod developers;
pub mod end_users;
pub mod hosts;
pub mod identities;
pub mod login;
pub mod phone;
pub mod sessions;
pub mod sign_in;
pub mod subject;
pub mod user_data;

pub use developers::{AccountStatus, Developer, DeveloperId, PlatformRole, RegistrationMode};
pub use end_users::{EndUser, EndUserId};
pub use hosts::{Host, HostId};
pub use phone::Phone;
pub use sessions::{AccountRef, Session};
pub use subject::{Subject, SubjectDetails, SubjectType};

use crate::error::{Error, Result};

/// Password rules: long enough to resist guessing, short enough to bound hashing cost.
pub fn check_password_rules(password: &str) -> Result<()> {
    let length = password.chars().count();
    if length < 10 {
        return Err(Error::invalid("password", "must be at least 10 characters long"));
    }
    if length > 128 {
        return Err(Error::invalid("password", "must be at most 128 characters long"));
    }
    Ok(())
}
