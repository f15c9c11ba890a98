//! Time as a port, so tests can fix and advance it.

use std::sync::atomic::{AtomicI64, Ordering};

use crate::Timestamp;

pub trait Clock: Send + Sync {
    /// Unix time in seconds.
    fn now(&self) -> Timestamp;
    /// Unix time in milliseconds (for request timings).
    fn now_millis(&self) -> i64 {
        self.now() * 1000
    }
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        self.now_millis() / 1000
    }
    fn now_millis(&self) -> i64 {
        let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        since.as_millis() as i64
    }
}

/// A clock that only moves when told to.
pub struct FixedClock(AtomicI64);

impl FixedClock {
    pub fn new(at: Timestamp) -> Self {
        Self(AtomicI64::new(at))
    }
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
    pub fn set(&self, at: Timestamp) {
        self.0.store(at, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0.load(Ordering::SeqCst)
    }
}

/// The UTC day number of an instant (days since 1970-01-01): the unit daily quotas reset on.
pub fn day_of(at: Timestamp) -> i64 {
    at.div_euclid(86_400)
}

/// The UTC month of an instant as `year * 12 + month0`: the unit monthly limits reset on.
pub fn month_of(at: Timestamp) -> i64 {
    let date = time::OffsetDateTime::from_unix_timestamp(at).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1
}

/// Midnight UTC starting the day `YYYY-MM-DD` (dates people type in forms).
pub fn parse_utc_date(text: &str) -> Option<Timestamp> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    let month = time::Month::try_from(month).ok()?;
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp())
}

/// `2026-11-29 23:03 UTC`, for people.
pub fn format_utc(at: Timestamp) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|d| d.format(&format).ok())
        .unwrap_or_else(|| at.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_to_midnight_utc() {
        assert_eq!(parse_utc_date("1970-01-02"), Some(86_400));
        assert_eq!(parse_utc_date(" 2026-12-01 ").map(format_utc).as_deref(), Some("2026-12-01 00:00 UTC"));
        for bad in ["", "2026-13-01", "2026-02-30", "tomorrow", "2026-1"] {
            assert_eq!(parse_utc_date(bad), None, "{bad}");
        }
    }
}
