//! The content-security term list and its generation (bumped by every change, so each node
//! knows when to rebuild its compiled list).

use async_trait::async_trait;

use crate::content::ContentTerm;

use super::StoreResult;

/// Refusal of `add_content_term` when the list is full.
pub const CONTENT_TERMS_FULL: &str = "the content term list is full";

#[async_trait]
pub trait ContentStore: Send + Sync {
    /// The list's current generation.
    async fn content_terms_generation(&self) -> StoreResult<i64>;
    /// The generation and every term, oldest first, read together.
    async fn content_terms(&self) -> StoreResult<(i64, Vec<ContentTerm>)>;
    /// Adds a term and bumps the generation; returns its id. A term that normalises like one
    /// on the list is a `UniqueViolation`; a list of `max_terms` is `Refused(CONTENT_TERMS_FULL)`.
    async fn add_content_term(&self, term: &ContentTerm, max_terms: i64) -> StoreResult<i64>;
    /// Removes a term and bumps the generation; false when there is no such term.
    async fn remove_content_term(&self, id: i64) -> StoreResult<bool>;
}
