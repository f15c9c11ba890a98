//! Privacy guides and their versions, custom guide files, consents, scope grants and the
//! consent history.

use async_trait::async_trait;

use crate::accounts::DeveloperId;
use crate::accounts::EndUserId;
use crate::apps::AppKey;
use crate::privacy::consent::{Consent, ConsentEvent, ScopeGrant};
use crate::privacy::interfaces::{InterfaceApplication, InterfaceStatus};
use crate::privacy::{PolicyKind, PrivacyExtFile, PrivacyPolicy};
use crate::Timestamp;

use super::StoreResult;

#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// Adds a version of a guide; a version that exists already is a `UniqueViolation`.
    async fn insert_privacy_policy(&self, policy: &PrivacyPolicy) -> StoreResult<()>;
    /// One version of a guide, or the newest when `version` is `None`.
    async fn privacy_policy(
        &self,
        app: AppKey,
        kind: PolicyKind,
        version: Option<i64>,
    ) -> StoreResult<Option<PrivacyPolicy>>;
    /// Every version of a guide with when it was saved, newest first.
    async fn privacy_policy_versions(
        &self,
        app: AppKey,
        kind: PolicyKind,
    ) -> StoreResult<Vec<(i64, Timestamp)>>;

    async fn insert_privacy_ext_file(&self, file: &PrivacyExtFile) -> StoreResult<()>;
    async fn privacy_ext_file(&self, app: AppKey, media_id: &str) -> StoreResult<Option<PrivacyExtFile>>;

    /// Stores the consent (replacing the user's earlier one to the same guide) and records the
    /// event, in one unit of work.
    async fn record_consent(&self, consent: &Consent, event: &ConsentEvent) -> StoreResult<()>;
    async fn privacy_consent(
        &self,
        app: AppKey,
        user: EndUserId,
        kind: PolicyKind,
    ) -> StoreResult<Option<Consent>>;
    /// Deletes the user's consents and scope grants for `app` and records the event, in one unit
    /// of work; `false` (and no event) when there was nothing to withdraw.
    async fn withdraw_privacy_consent(
        &self,
        app: AppKey,
        user: EndUserId,
        event: &ConsentEvent,
    ) -> StoreResult<bool>;
    /// Stores the answer to a scope and records the event, in one unit of work.
    async fn set_scope_grant(&self, grant: &ScopeGrant, event: &ConsentEvent) -> StoreResult<()>;
    async fn scope_grants(&self, app: AppKey, user: EndUserId) -> StoreResult<Vec<ScopeGrant>>;

    async fn consents_of_user(&self, user: EndUserId) -> StoreResult<Vec<Consent>>;
    async fn scope_grants_of_user(&self, user: EndUserId) -> StoreResult<Vec<ScopeGrant>>;
    /// The user's consent events, newest first.
    async fn consent_events_of_user(&self, user: EndUserId, limit: i64) -> StoreResult<Vec<ConsentEvent>>;

    /// Stores a new application and returns its id; refuses with
    /// `Refused(interfaces::ALREADY_APPLYING)` while one for the same interface is under review.
    async fn insert_interface_application(&self, application: &InterfaceApplication) -> StoreResult<i64>;
    /// The app's applications, newest first.
    async fn interface_applications(&self, app: AppKey) -> StoreResult<Vec<InterfaceApplication>>;
    /// Applications under review, oldest first.
    async fn pending_interface_applications(&self, limit: i64) -> StoreResult<Vec<InterfaceApplication>>;
    /// Decides an application under review; `false` when there is none with that id.
    async fn decide_interface_application(
        &self,
        id: i64,
        status: InterfaceStatus,
        fail_reason: Option<&str>,
        at: Timestamp,
        by: DeveloperId,
    ) -> StoreResult<bool>;
}
