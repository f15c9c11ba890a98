//! The matching engine, pure: text is normalised (NFKC width folding, lowercase, only letters
//! and digits kept) so `加 微-信`, `ＦＲＥＥ money` and `f.r.e.e money` all meet their terms, and
//! an Aho-Corasick automaton finds every term in one pass over the text.

use aho_corasick::{AhoCorasick, MatchKind};
use unicode_normalization::UnicodeNormalization;

use super::{ContentTerm, Label, Suggest};

/// Text as it is matched: NFKC-folded (full-width forms become ASCII), lowercased, and with
/// everything that is not a letter or digit dropped, so spacing and punctuation inserted between
/// the characters of a term do not hide it. Terms are normalised the same way.
pub fn normalize(text: &str) -> String {
    text.nfkc().flat_map(char::to_lowercase).filter(|c| c.is_alphanumeric()).collect()
}

/// One term found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The term as the operator wrote it.
    pub term: String,
    pub label: Label,
    pub suggest: Suggest,
}

/// The compiled term list.
#[derive(Debug)]
pub struct Matcher {
    automaton: Option<AhoCorasick>,
    /// Per pattern, in the automaton's order.
    terms: Vec<Hit>,
}

impl Matcher {
    /// Compiles `terms`; terms with nothing left after normalising can never match and are
    /// skipped.
    pub fn new(terms: &[ContentTerm]) -> Self {
        let (patterns, terms): (Vec<String>, Vec<Hit>) = terms
            .iter()
            .map(|t| (normalize(&t.term), Hit { term: t.term.clone(), label: t.label, suggest: t.suggest }))
            .filter(|(pattern, _)| !pattern.is_empty())
            .unzip();
        let automaton = (!patterns.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&patterns)
                .expect("normalised terms are short enough for the automaton")
        });
        Self { automaton, terms }
    }

    /// Every distinct term in `text`, in the order they first occur.
    pub fn scan(&self, text: &str) -> Vec<Hit> {
        let Some(automaton) = &self.automaton else { return Vec::new() };
        let normalized = normalize(text);
        let mut seen = vec![false; self.terms.len()];
        let mut hits = Vec::new();
        for found in automaton.find_overlapping_iter(&normalized) {
            let index = found.pattern().as_usize();
            if !std::mem::replace(&mut seen[index], true) {
                hits.push(self.terms[index].clone());
            }
        }
        hits
    }
}

/// The overall verdict on a set of hits: the most severe suggestion, with the label of its first
/// hit (`100`, normal, when nothing matched).
pub fn verdict(hits: &[Hit]) -> (Suggest, Label) {
    hits.iter()
        .fold(None::<&Hit>, |worst, hit| match worst {
            Some(w) if w.suggest >= hit.suggest => Some(w),
            _ => Some(hit),
        })
        .map_or((Suggest::Pass, Label::Normal), |hit| (hit.suggest, hit.label))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(text: &str, label: Label, suggest: Suggest) -> ContentTerm {
        ContentTerm { id: 0, term: text.into(), label, suggest, created_by: None, created_at: 0 }
    }

    fn matcher() -> Matcher {
        Matcher::new(&[
            term("加微信领红包", Label::Advertising, Suggest::Risky),
            term("free money", Label::Fraud, Suggest::Risky),
            term("赌博", Label::Illegal, Suggest::Review),
            term("  ", Label::Other, Suggest::Risky),
        ])
    }

    #[test]
    fn normalising_folds_width_and_case_and_drops_separators() {
        assert_eq!(normalize("ＦＲＥＥ Money!"), "freemoney");
        assert_eq!(normalize("加 微-信，领*红 包"), "加微信领红包");
        assert_eq!(normalize("Ｃｌｉｃｋ\u{3000}ＨＥＲＥ"), "clickhere");
        assert_eq!(normalize(" .,;-_ "), "");
    }

    #[test]
    fn terms_are_found_through_spacing_punctuation_and_width() {
        let m = matcher();
        let hits = m.scan("快来 加.微.信 领 红 包！Get ＦＲＥＥ-money now");
        let terms: Vec<_> = hits.iter().map(|h| h.term.as_str()).collect();
        assert_eq!(terms, ["加微信领红包", "free money"]);
        assert!(m.scan("an ordinary sentence about money").is_empty());
    }

    #[test]
    fn each_term_is_reported_once_and_overlaps_are_all_found() {
        let m = Matcher::new(&[
            term("ab", Label::Other, Suggest::Review),
            term("bc", Label::Other, Suggest::Risky),
        ]);
        let hits = m.scan("abc abc");
        assert_eq!(hits.iter().map(|h| h.term.as_str()).collect::<Vec<_>>(), ["ab", "bc"]);
    }

    #[test]
    fn an_empty_list_matches_nothing() {
        assert!(Matcher::new(&[]).scan("free money").is_empty());
    }

    #[test]
    fn the_verdict_is_the_most_severe_hit() {
        let m = matcher();
        assert_eq!(verdict(&m.scan("hello")), (Suggest::Pass, Label::Normal));
        assert_eq!(verdict(&m.scan("赌博")), (Suggest::Review, Label::Illegal));
        assert_eq!(verdict(&m.scan("赌博 free money")), (Suggest::Risky, Label::Fraud));
    }
}
