//! Sign-in rules shared by developers and end users: per-account lockout after repeated
//! failures, and a per-client-address attempt limit held in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::config::PlatformConfig;
use crate::error::{Error, Result};
use crate::Timestamp;

/// The stored sign-in state of one account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInState {
    pub failed_sign_ins: i64,
    pub locked_until: Option<Timestamp>,
}

/// What a password check did to an account's sign-in state.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Accepted(SignInState),
    /// Wrong password; the state to store (possibly now locked).
    Rejected(SignInState),
}

/// Checks `password` against `password_hash` under the lockout rules. A locked account is refused
/// before the password is even looked at, so guessing during a lockout learns nothing.
pub fn judge(
    state: &SignInState,
    password_hash: Option<&str>,
    password: &str,
    now: Timestamp,
    config: &PlatformConfig,
) -> Result<Verdict> {
    if let Some(until) = state.locked_until.filter(|until| *until > now) {
        return Err(Error::Locked { until });
    }
    let accepted = match password_hash {
        Some(hash) => miniplat_crypto::password::verify_password(password, hash),
        None => {
            miniplat_crypto::password::burn_verification_time(password);
            false
        }
    };
    if accepted {
        return Ok(Verdict::Accepted(SignInState::default()));
    }
    let failed_sign_ins = state.failed_sign_ins + 1;
    let locked_until = (failed_sign_ins >= config.lockout_threshold).then_some(now + config.lockout_secs);
    Ok(Verdict::Rejected(SignInState {
        failed_sign_ins: if locked_until.is_some() { 0 } else { failed_sign_ins },
        locked_until,
    }))
}

/// Counts attempts per key (a client address) in fixed one-minute windows.
pub struct AttemptLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

impl AttemptLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self { per_minute, windows: Mutex::new(HashMap::new()) }
    }

    /// Records one attempt; refuses it when the key is over its limit for this minute.
    pub fn attempt(&self, key: &str, now: Timestamp) -> Result<()> {
        let minute = now.div_euclid(60);
        let mut windows = self.windows.lock().expect("limiter lock");
        if windows.len() > 100_000 {
            windows.retain(|_, (window, _)| *window == minute);
        }
        let entry = windows.entry(key.to_owned()).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        if entry.1 >= self.per_minute {
            return Err(Error::RateLimited { retry_after: (minute + 1) * 60 - now });
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_threshold_and_refuses_while_locked() {
        let config = PlatformConfig { lockout_threshold: 2, lockout_secs: 100, ..Default::default() };
        let hash = miniplat_crypto::password::hash_password("right password");
        let mut state = SignInState::default();
        let Verdict::Rejected(next) = judge(&state, Some(&hash), "wrong", 10, &config).unwrap() else {
            panic!()
        };
        assert_eq!(next, SignInState { failed_sign_ins: 1, locked_until: None });
        state = next;
        let Verdict::Rejected(next) = judge(&state, Some(&hash), "wrong", 11, &config).unwrap() else {
            panic!()
        };
        assert_eq!(next.locked_until, Some(111));
        state = next;
        assert!(matches!(
            judge(&state, Some(&hash), "right password", 50, &config),
            Err(Error::Locked { until: 111 })
        ));
        let verdict = judge(&state, Some(&hash), "right password", 112, &config).unwrap();
        assert_eq!(verdict, Verdict::Accepted(SignInState::default()));
    }

    #[test]
    fn limiter_resets_each_minute() {
        let limiter = AttemptLimiter::new(2);
        assert!(limiter.attempt("ip", 60).is_ok());
        assert!(limiter.attempt("ip", 61).is_ok());
        assert!(matches!(limiter.attempt("ip", 62), Err(Error::RateLimited { retry_after: 58 })));
        assert!(limiter.attempt("other", 62).is_ok());
        assert!(limiter.attempt("ip", 120).is_ok());
    }
}
