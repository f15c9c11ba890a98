//! The published catalogue of common rejection reasons (clause 2.5). Operators maintain it;
//! anyone can read it (`/review-guidelines`); a reviewer rejects by citing entries, and the
//! reason the developer receives is composed from them.

use crate::accounts::developers::ensure_operator;
use crate::accounts::Developer;
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::Platform;

const TITLE_MAX: usize = 100;
const DESCRIPTION_MAX: usize = 1000;
const CLAUSE_MAX: usize = 16;
/// Longest free text a reviewer adds to a rejection.
pub const NOTE_MAX: usize = 2000;

/// One entry of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectionReason {
    /// Stable reference such as `R-1.2`.
    pub code: String,
    pub title: String,
    pub description: String,
    /// The clause of the platform rules it relates to, e.g. `2.5`.
    pub clause: String,
    /// Where it is listed; lower first.
    pub position: i64,
}

impl RejectionReason {
    /// Validates an entry an operator typed.
    pub fn new(code: &str, title: &str, description: &str, clause: &str, position: i64) -> Result<Self> {
        let code = code.trim();
        let valid_code = code.len() <= 16
            && code.split_once('-').is_some_and(|(letters, number)| {
                !letters.is_empty()
                    && letters.chars().all(|c| c.is_ascii_uppercase())
                    && !number.is_empty()
                    && number
                        .split('.')
                        .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
            });
        if !valid_code {
            return Err(Error::invalid("code", "looks like R-1.2 (capital letters, a dash, dotted numbers)"));
        }
        let text = |field: &'static str, value: &str, max: usize| -> Result<String> {
            let value = value.trim();
            if value.is_empty() || value.chars().count() > max {
                return Err(Error::invalid(field, format!("must be 1 to {max} characters")));
            }
            Ok(value.to_owned())
        };
        let clause = clause.trim();
        if clause.len() > CLAUSE_MAX || !clause.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(Error::invalid("clause", "is a clause number such as 2.5"));
        }
        if !(0..=10_000).contains(&position) {
            return Err(Error::invalid("position", "must be between 0 and 10000"));
        }
        Ok(Self {
            code: code.to_owned(),
            title: text("title", title, TITLE_MAX)?,
            description: text("description", description, DESCRIPTION_MAX)?,
            clause: clause.to_owned(),
            position,
        })
    }
}

/// The wire `reason` of a rejection (§7.3: HTML-ish, parts separated by `<br>`): one part per
/// cited entry (`R-1.2 Title: description`), then the reviewer's note. Markup the reviewer
/// typed is escaped, so the only tags are the separators.
pub fn compose_reason(cited: &[RejectionReason], note: &str) -> String {
    let mut parts: Vec<String> =
        cited.iter().map(|r| escape(&format!("{} {}: {}", r.code, r.title, r.description))).collect();
    let note = note.trim();
    if !note.is_empty() {
        parts.extend(note.lines().map(str::trim_end).map(escape));
    }
    parts.join("<br>")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

impl Platform {
    /// The catalogue, in published order; public.
    pub async fn rejection_reasons(&self) -> Result<Vec<RejectionReason>> {
        Ok(self.store.rejection_reasons().await?)
    }

    /// Adds an entry or replaces the one with the same code (staff only).
    pub async fn save_rejection_reason(&self, staff: &Developer, reason: &RejectionReason) -> Result<()> {
        ensure_operator(staff)?;
        self.store.put_rejection_reason(reason, self.clock.now()).await?;
        let target = format!("rejection_reason:{}", reason.code);
        self.audit(Actor::Developer(staff.id), "rejection_reason.saved", &target, &reason.title).await
    }

    /// Removes an entry (staff only). Rejections that cited it keep their composed text.
    pub async fn delete_rejection_reason(&self, staff: &Developer, code: &str) -> Result<()> {
        ensure_operator(staff)?;
        if !self.store.delete_rejection_reason(code).await? {
            return Err(Error::NotFound("rejection reason"));
        }
        let target = format!("rejection_reason:{code}");
        self.audit(Actor::Developer(staff.id), "rejection_reason.deleted", &target, "").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_titles_and_clauses_are_checked() {
        assert!(RejectionReason::new("R-1.2", "Crashes", "It crashed.", "2.4", 1).is_ok());
        assert!(RejectionReason::new("RX-10", "Crashes", "It crashed.", "", 1).is_ok());
        for code in ["r-1", "R-", "R-1.", "R1", "-1", "R-1.x", "R-1<2"] {
            assert!(RejectionReason::new(code, "t", "d", "2.5", 1).is_err(), "{code}");
        }
        assert!(RejectionReason::new("R-1", "", "d", "2.5", 1).is_err());
        assert!(RejectionReason::new("R-1", "t", "d", "2.5<b>", 1).is_err());
        assert!(RejectionReason::new("R-1", "t", &"d".repeat(1001), "2.5", 1).is_err());
    }

    #[test]
    fn reasons_join_entries_and_the_note_with_br_and_escape_markup() {
        let crash = RejectionReason::new("R-1.2", "Crashes", "It crashed.", "2.4", 1).unwrap();
        let login = RejectionReason::new("R-5.1", "No test account", "Give one.", "2.5", 2).unwrap();
        assert_eq!(
            compose_reason(&[crash, login], "Page <b>cart</b>\nfails"),
            "R-1.2 Crashes: It crashed.<br>R-5.1 No test account: Give one.<br>Page &lt;b&gt;cart&lt;/b&gt;<br>fails"
        );
        assert_eq!(compose_reason(&[], "  "), "");
    }
}
