//! Content security (clause 2.4's content check, `wechat-api.md` §5.1): an operator-maintained
//! list of terms, each with a label and a suggestion (`risky` or `review`), matched against
//! text by [`matcher`]. The compiled list is cached in memory and rebuilt when the stored list's
//! generation changes; `msg_sec_check` and the release review's "content" check both use it.

pub mod matcher;
mod review;

use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::accounts::developers::ensure_operator;
use crate::accounts::{Developer, DeveloperId};
use crate::audit::Actor;
use crate::error::{Error, Result, StoreError};
use crate::tokens::TokenContext;
use crate::wx::WxError;
use crate::{Platform, Timestamp};

pub use matcher::{Hit, Matcher};

/// The longest term, in characters.
pub const TERM_MAX_CHARS: usize = 50;
/// How many terms the list may hold.
pub const MAX_TERMS: i64 = 10_000;
/// The longest text `msg_sec_check` accepts per field, in characters (§5.1).
pub const MESSAGE_MAX_CHARS: usize = 2_500;
/// How long a node trusts its compiled list before asking the store for the generation again:
/// changes made on another node take effect within this time.
const GENERATION_CHECK_SECS: Timestamp = 5;

/// A content label (§5.1 label enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    Normal,
    Advertising,
    Politics,
    Porn,
    Abuse,
    Illegal,
    Fraud,
    Vulgar,
    Copyright,
    Other,
}

impl Label {
    /// The labels a term may carry (every one but `Normal`).
    pub const TERM_LABELS: [Self; 9] = [
        Self::Advertising,
        Self::Politics,
        Self::Porn,
        Self::Abuse,
        Self::Illegal,
        Self::Fraud,
        Self::Vulgar,
        Self::Copyright,
        Self::Other,
    ];

    pub fn code(self) -> i64 {
        match self {
            Self::Normal => 100,
            Self::Advertising => 10001,
            Self::Politics => 20001,
            Self::Porn => 20002,
            Self::Abuse => 20003,
            Self::Illegal => 20006,
            Self::Fraud => 20008,
            Self::Vulgar => 20012,
            Self::Copyright => 20013,
            Self::Other => 21000,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Advertising => "advertising",
            Self::Politics => "politics",
            Self::Porn => "porn",
            Self::Abuse => "abuse",
            Self::Illegal => "illegal",
            Self::Fraud => "fraud",
            Self::Vulgar => "vulgar",
            Self::Copyright => "copyright",
            Self::Other => "other",
        }
    }

    pub fn from_code(code: i64) -> Option<Self> {
        std::iter::once(Self::Normal).chain(Self::TERM_LABELS).find(|label| label.code() == code)
    }
}

/// What a match suggests, in rising severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Suggest {
    Pass,
    /// A person should look.
    Review,
    Risky,
}

impl Suggest {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Review => "review",
            Self::Risky => "risky",
        }
    }

    /// A term's suggestion: `risky` or `review` (a `pass` term would be pointless).
    pub fn parse_for_term(text: &str) -> Option<Self> {
        [Self::Review, Self::Risky].into_iter().find(|s| s.as_str() == text)
    }
}

/// One term of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentTerm {
    /// Assigned by the store.
    pub id: i64,
    pub term: String,
    pub label: Label,
    pub suggest: Suggest,
    /// The operator who added it; `None` for the shipped defaults.
    pub created_by: Option<DeveloperId>,
    pub created_at: Timestamp,
}

impl ContentTerm {
    /// The key that makes terms unique: two terms that normalise alike match the same texts.
    pub fn key(&self) -> String {
        matcher::normalize(&self.term)
    }
}

/// The compiled list and the stored generation it was built from.
struct Compiled {
    generation: i64,
    checked_at: Timestamp,
    matcher: Arc<Matcher>,
}

/// The node's compiled term list.
#[derive(Default)]
pub struct TermCache {
    compiled: Mutex<Option<Compiled>>,
}

impl TermCache {
    fn current(&self, now: Timestamp) -> Option<Arc<Matcher>> {
        let compiled = self.compiled.lock().expect("term cache lock");
        compiled.as_ref().filter(|c| now - c.checked_at < GENERATION_CHECK_SECS).map(|c| c.matcher.clone())
    }

    /// The compiled list if it was built from `generation` (marking it checked now).
    fn confirm(&self, generation: i64, now: Timestamp) -> Option<Arc<Matcher>> {
        let mut compiled = self.compiled.lock().expect("term cache lock");
        let c = compiled.as_mut().filter(|c| c.generation == generation)?;
        c.checked_at = now;
        Some(c.matcher.clone())
    }

    fn replace(&self, generation: i64, now: Timestamp, matcher: Arc<Matcher>) {
        *self.compiled.lock().expect("term cache lock") =
            Some(Compiled { generation, checked_at: now, matcher });
    }

    /// Forgets the compiled list, after a change made on this node.
    fn invalidate(&self) {
        *self.compiled.lock().expect("term cache lock") = None;
    }
}

/// A text `msg_sec_check` is asked about (§5.1, version 2). v1 calls carry only `content`.
#[derive(Debug, Clone, Default)]
pub struct MessageCheck {
    pub content: String,
    pub title: Option<String>,
    pub nickname: Option<String>,
    pub signature: Option<String>,
}

/// What `msg_sec_check` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageVerdict {
    pub suggest: Suggest,
    pub label: Label,
    pub hits: Vec<Hit>,
    pub trace_id: String,
}

impl Platform {
    /// The compiled term list, rebuilt when the stored generation has moved.
    pub async fn content_matcher(&self) -> Result<Arc<Matcher>> {
        let now = self.clock.now();
        if let Some(matcher) = self.content_terms_cache.current(now) {
            return Ok(matcher);
        }
        let generation = self.store.content_terms_generation().await?;
        if let Some(matcher) = self.content_terms_cache.confirm(generation, now) {
            return Ok(matcher);
        }
        // Read the terms and the generation together, so the cache never pairs a list with a
        // later generation than it was read at.
        let (generation, terms) = self.store.content_terms().await?;
        let matcher = Arc::new(Matcher::new(&terms));
        self.content_terms_cache.replace(generation, now, matcher.clone());
        Ok(matcher)
    }

    /// `POST /wxa/msg_sec_check` (v2): `openid` must name a service user of the calling mini
    /// program — not shaped like an openid is 40003, any other is 43104. Each field is checked
    /// on its own (≤ 2,500 characters each).
    pub async fn check_message(
        &self,
        caller: &TokenContext,
        openid: &str,
        message: &MessageCheck,
    ) -> Result<MessageVerdict, WxError> {
        if !is_openid_shaped(openid) {
            return Err(WxError::invalid_openid());
        }
        if self.store.service_user_by_openid(caller.app, openid).await?.is_none() {
            return Err(WxError::openid_not_of_app());
        }
        self.check_text(message).await
    }

    /// The v1 check (and v2's after the openid): every field scanned, hits in field order.
    pub async fn check_text(&self, message: &MessageCheck) -> Result<MessageVerdict, WxError> {
        let fields = [
            Some(&message.content),
            message.title.as_ref(),
            message.nickname.as_ref(),
            message.signature.as_ref(),
        ];
        if fields.iter().flatten().any(|text| text.chars().count() > MESSAGE_MAX_CHARS) {
            return Err(WxError::invalid_args(&format!(
                "each text is at most {MESSAGE_MAX_CHARS} characters"
            )));
        }
        let matcher = self.content_matcher().await?;
        let mut hits: Vec<Hit> = Vec::new();
        for text in fields.into_iter().flatten() {
            for hit in matcher.scan(text) {
                if !hits.iter().any(|h| h.term == hit.term) {
                    hits.push(hit);
                }
            }
        }
        let (suggest, label) = matcher::verdict(&hits);
        Ok(MessageVerdict { suggest, label, hits, trace_id: crate::quota::new_rid(self.clock.now()) })
    }

    // ---- the operator's list ----

    /// The term list, for platform staff.
    pub async fn content_terms(&self, actor: &Developer) -> Result<Vec<ContentTerm>> {
        ensure_operator(actor)?;
        Ok(self.store.content_terms().await?.1)
    }

    /// Adds a term; platform staff only.
    pub async fn add_content_term(
        &self,
        actor: &Developer,
        term: &str,
        label_code: i64,
        suggest: &str,
    ) -> Result<ContentTerm> {
        ensure_operator(actor)?;
        actor.ensure_active()?;
        let term = term.trim();
        if term.chars().count() > TERM_MAX_CHARS {
            return Err(Error::invalid("term", format!("is at most {TERM_MAX_CHARS} characters")));
        }
        if matcher::normalize(term).is_empty() {
            return Err(Error::invalid("term", "needs at least one letter or digit"));
        }
        let label = Label::from_code(label_code)
            .filter(|l| *l != Label::Normal)
            .ok_or_else(|| Error::invalid("label", "is not a content label"))?;
        let suggest = Suggest::parse_for_term(suggest)
            .ok_or_else(|| Error::invalid("suggest", "is risky or review"))?;
        let mut new = ContentTerm {
            id: 0,
            term: term.to_owned(),
            label,
            suggest,
            created_by: Some(actor.id),
            created_at: self.clock.now(),
        };
        new.id = self.store.add_content_term(&new, MAX_TERMS).await.map_err(|e| match e {
            StoreError::UniqueViolation => {
                Error::invalid("term", "is already on the list (or matches like one)")
            }
            StoreError::Refused(_) => {
                Error::invalid("term", format!("the list holds at most {MAX_TERMS} terms"))
            }
            other => other.into(),
        })?;
        self.content_terms_cache.invalidate();
        let target = format!("content_term:{}", new.id);
        self.audit(Actor::Developer(actor.id), "content_term.add", &target, &new.term).await?;
        Ok(new)
    }

    /// Removes a term; platform staff only.
    pub async fn remove_content_term(&self, actor: &Developer, id: i64) -> Result<()> {
        ensure_operator(actor)?;
        actor.ensure_active()?;
        if !self.store.remove_content_term(id).await? {
            return Err(Error::NotFound("term"));
        }
        self.content_terms_cache.invalidate();
        self.audit(Actor::Developer(actor.id), "content_term.remove", &format!("content_term:{id}"), "").await
    }
}

/// Whether `text` looks like an openid this platform issues: `o` and 27 base64url characters.
fn is_openid_shaped(text: &str) -> bool {
    text.len() == 28
        && text.starts_with('o')
        && text[1..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_through_their_codes() {
        for label in std::iter::once(Label::Normal).chain(Label::TERM_LABELS) {
            assert_eq!(Label::from_code(label.code()), Some(label));
        }
        assert_eq!(Label::from_code(20004), None);
    }

    #[test]
    fn only_risky_and_review_are_term_suggestions() {
        assert_eq!(Suggest::parse_for_term("risky"), Some(Suggest::Risky));
        assert_eq!(Suggest::parse_for_term("review"), Some(Suggest::Review));
        assert_eq!(Suggest::parse_for_term("pass"), None);
        assert!(Suggest::Risky > Suggest::Review && Suggest::Review > Suggest::Pass);
    }

    #[test]
    fn openid_shape() {
        assert!(is_openid_shaped("oAbcdefghijklmnopqrstuvwxyz0"));
        assert!(!is_openid_shaped("xAbcdefghijklmnopqrstuvwxyz0"));
        assert!(!is_openid_shaped("oAbc"));
        assert!(!is_openid_shaped("oAbcdefghijklmnopqrstuvwxy!0"));
    }
}
