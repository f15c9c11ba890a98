//! Human release review (clauses 2.4–2.6): what happens to a review once the automated checks
//! have queued it.
//!
//! - Review is done by *organisations*: the platform's own team and third parties the
//!   platform entrusts with review (clause 2.6). Their *reviewers* are platform accounts that
//!   staff add; organisations and reviewers can be deactivated.
//! - Queued reviews wait in one queue (expedited first, then by submission time). Staff assign
//!   a review to an organisation's pool or to a reviewer; a reviewer takes the next one with
//!   [`Platform::claim_next_review`]. A reviewer sees only the reviews assigned to them.
//! - The decision goes through [`Platform::conclude_review`], so the push to the developer's
//!   server is queued with it; rejections cite the published catalogue ([`catalogue`]).
//! - Reviews past the deadline are marked delayed once ([`Platform::mark_overdue_reviews`]).

pub mod catalogue;
mod desk;
pub mod diff;
mod sla;

pub use catalogue::RejectionReason;
pub use desk::{Decision, ReviewDesk, ReviewFolder};

use serde::{Deserialize, Serialize};

use crate::accounts::developers::ensure_operator;
use crate::accounts::{Developer, DeveloperId};
use crate::apps::AppKey;
use crate::audit::Actor;
use crate::email::Email;
use crate::error::{Error, Result, StoreError};
use crate::review::{ReviewId, ReviewState};
use crate::{Platform, Timestamp};

/// Longest organisation name.
const ORG_NAME_MAX: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReviewOrgId(pub i64);

/// An organisation that reviews: the platform's own team or an entrusted third party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewOrg {
    pub id: ReviewOrgId,
    pub name: String,
    /// The platform's own review team (there is exactly one).
    pub is_platform: bool,
    pub active: bool,
    pub created_at: Timestamp,
}

/// A platform account that reviews for an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewer {
    pub developer: DeveloperId,
    pub email: Email,
    pub org: ReviewOrgId,
    pub org_name: String,
    pub active: bool,
    /// Whether the organisation is active; a reviewer of an inactive one cannot review.
    pub org_active: bool,
    pub added_by: DeveloperId,
    pub added_at: Timestamp,
}

impl Reviewer {
    pub fn can_review(&self) -> bool {
        self.active && self.org_active
    }
}

/// Who has a review: an organisation's pool (`reviewer` empty) or one of its reviewers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub review: ReviewId,
    pub org: ReviewOrgId,
    pub reviewer: Option<DeveloperId>,
    pub assigned_at: Timestamp,
    /// Staff who assigned it, or the reviewer who claimed it.
    pub assigned_by: DeveloperId,
}

/// One line of the review queue or of a reviewer's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    pub review: ReviewId,
    pub app: AppKey,
    pub appid: String,
    pub app_name: String,
    pub user_version: String,
    pub state: ReviewState,
    pub submitted_at: Timestamp,
    pub delayed_at: Option<Timestamp>,
    pub expedited_at: Option<Timestamp>,
    pub assignment: Option<Assignment>,
}

fn org_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > ORG_NAME_MAX || name.chars().any(char::is_control) {
        return Err(Error::invalid("name", format!("must be 1 to {ORG_NAME_MAX} printable characters")));
    }
    Ok(name.to_owned())
}

impl Platform {
    /// Every review organisation (staff only).
    pub async fn review_orgs(&self, staff: &Developer) -> Result<Vec<ReviewOrg>> {
        ensure_operator(staff)?;
        Ok(self.store.review_orgs().await?)
    }

    /// Entrusts a new third-party organisation with review (staff only).
    pub async fn create_review_org(&self, staff: &Developer, name: &str) -> Result<ReviewOrg> {
        ensure_operator(staff)?;
        let name = org_name(name)?;
        let org = match self.store.insert_review_org(&name, self.clock.now()).await {
            Ok(org) => org,
            Err(StoreError::UniqueViolation) => {
                return Err(Error::invalid("name", "is already used by another organisation"))
            }
            Err(other) => return Err(other.into()),
        };
        self.audit(Actor::Developer(staff.id), "review_org.created", &org_target(org.id), &name).await?;
        Ok(org)
    }

    /// Activates or deactivates an organisation; its reviewers cannot review while it is
    /// inactive. The platform's own team cannot be deactivated.
    pub async fn set_review_org_active(
        &self,
        staff: &Developer,
        org: ReviewOrgId,
        active: bool,
    ) -> Result<()> {
        ensure_operator(staff)?;
        let orgs = self.store.review_orgs().await?;
        let found = orgs.iter().find(|o| o.id == org).ok_or(Error::NotFound("organisation"))?;
        if found.is_platform && !active {
            return Err(Error::invalid("organisation", "the platform's own review team stays active"));
        }
        self.store.set_review_org_active(org, active).await?;
        let action = if active { "review_org.activated" } else { "review_org.deactivated" };
        self.audit(Actor::Developer(staff.id), action, &org_target(org), "").await
    }

    /// Every reviewer (staff only).
    pub async fn reviewers(&self, staff: &Developer) -> Result<Vec<Reviewer>> {
        ensure_operator(staff)?;
        Ok(self.store.reviewers().await?)
    }

    /// Makes the account with `email` an active reviewer of `org` (staff only).
    pub async fn add_reviewer(&self, staff: &Developer, email: &str, org: ReviewOrgId) -> Result<Reviewer> {
        ensure_operator(staff)?;
        let email = Email::parse(email)?;
        let developer = self.store.developer_by_email(&email).await?.ok_or(Error::NotFound("account"))?;
        developer.ensure_active()?;
        let orgs = self.store.review_orgs().await?;
        let found = orgs.iter().find(|o| o.id == org).ok_or(Error::NotFound("organisation"))?;
        if !found.active {
            return Err(Error::invalid("organisation", "is inactive"));
        }
        self.store.put_reviewer(developer.id, org, staff.id, self.clock.now()).await?;
        self.audit(
            Actor::Developer(staff.id),
            "reviewer.added",
            &reviewer_target(developer.id),
            &org_target(org),
        )
        .await?;
        self.store.reviewer(developer.id).await?.ok_or(Error::NotFound("reviewer"))
    }

    /// Activates or deactivates a reviewer; a deactivated reviewer's open reviews go back to
    /// their organisation's pool.
    pub async fn set_reviewer_active(
        &self,
        staff: &Developer,
        reviewer: DeveloperId,
        active: bool,
    ) -> Result<()> {
        ensure_operator(staff)?;
        if !self.store.set_reviewer_active(reviewer, active).await? {
            return Err(Error::NotFound("reviewer"));
        }
        let action = if active { "reviewer.activated" } else { "reviewer.deactivated" };
        self.audit(Actor::Developer(staff.id), action, &reviewer_target(reviewer), "").await
    }

    /// Removes a reviewer; their open reviews go back to their organisation's pool.
    pub async fn remove_reviewer(&self, staff: &Developer, reviewer: DeveloperId) -> Result<()> {
        ensure_operator(staff)?;
        if !self.store.remove_reviewer(reviewer).await? {
            return Err(Error::NotFound("reviewer"));
        }
        self.audit(Actor::Developer(staff.id), "reviewer.removed", &reviewer_target(reviewer), "").await
    }
}

fn org_target(org: ReviewOrgId) -> String {
    format!("review_org:{}", org.0)
}

fn reviewer_target(developer: DeveloperId) -> String {
    format!("reviewer:{}", developer.0)
}

fn review_target(review: ReviewId) -> String {
    format!("review:{}", review.0)
}
