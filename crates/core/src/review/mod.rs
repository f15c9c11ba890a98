//! Release review (clauses 2.4–2.6, `wechat-api.md` §7.2–7.4). Submitting for review snapshots
//! the trial version together with what the developer declared (the [`Submission`]); a review
//! then moves through automated checks to a human reviewer and ends approved or rejected, or is
//! withdrawn by the developer. Only an approved review can be released.
//!
//! ```text
//! checking ──▶ queued ──▶ approved
//!    │           │   └──▶ rejected
//!    │           └──────▶ withdrawn
//!    ├──▶ rejected (an automated check failed)
//!    └──▶ withdrawn
//! ```
//!
//! A review past its deadline is *delayed*: still open, shown as status 4 on the wire. Every
//! conclusion is pushed to the developer's server (`weapp_audit_success` / `_fail`) in the same
//! unit of work that records it, so neither is lost without the other.

pub mod checks;
pub mod fees;
mod invoice_pdf;
pub mod quota;
pub mod submit;
mod wire_errors;

use serde::{Deserialize, Serialize};

use crate::accounts::DeveloperId;
use crate::apps::versions::DevelopVersion;
use crate::apps::{App, AppKey};
use crate::audit::Actor;
use crate::error::Result;
use crate::push::PushEvent;
use crate::store::ReviewUpdate;
use crate::{Platform, Timestamp};

/// A review's id; on the wire it is the `auditid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(transparent)]
pub struct ReviewId(pub i64);

/// Where a review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// The automated checks are running.
    Checking,
    /// Waiting for, or with, a human reviewer.
    Queued,
    Approved,
    Rejected,
    /// Withdrawn by the developer (`undocodeaudit`).
    Withdrawn,
}

impl ReviewState {
    pub const ALL: [Self; 5] =
        [Self::Checking, Self::Queued, Self::Approved, Self::Rejected, Self::Withdrawn];
    /// The states of a review still in progress; a mini program has at most one such review.
    pub const OPEN: [Self; 2] = [Self::Checking, Self::Queued];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Checking => "checking",
            Self::Queued => "queued",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    /// The `status` of `get_auditstatus` (§7.3): 0 approved, 1 rejected, 2 under review,
    /// 3 withdrawn, 4 delayed.
    pub fn wire_status(self, delayed: bool) -> i64 {
        match self {
            Self::Approved => 0,
            Self::Rejected => 1,
            Self::Checking | Self::Queued if delayed => 4,
            Self::Checking | Self::Queued => 2,
            Self::Withdrawn => 3,
        }
    }
}

/// One page declared for review (`item_list[]`, §7.2). Every field is optional on the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ReviewItem {
    pub address: Option<String>,
    pub tag: Option<String>,
    pub first_class: Option<String>,
    pub second_class: Option<String>,
    pub third_class: Option<String>,
    pub first_id: Option<i64>,
    pub second_id: Option<i64>,
    pub third_id: Option<i64>,
    pub title: Option<String>,
}

/// Screenshots and videos for the reviewer (`preview_info`): media ids from `/wxa/uploadmedia`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PreviewInfo {
    pub video_id_list: Vec<String>,
    pub pic_id_list: Vec<String>,
}

/// How user-generated content is moderated (`ugc_declare`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct UgcDeclare {
    pub scene: Vec<i64>,
    pub other_scene_desc: String,
    pub method: Vec<i64>,
    pub has_audit_team: i64,
    pub audit_desc: String,
}

/// What the developer submits with a version (`submit_audit`, §7.2), as validated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Submission {
    pub item_list: Vec<ReviewItem>,
    /// Version notes for the reviewer.
    pub version_desc: String,
    /// Feedback to the previous rejection (honoured only after one).
    pub feedback_info: String,
    /// Media ids of feedback images.
    pub feedback_stuff: Vec<String>,
    pub preview_info: PreviewInfo,
    pub ugc_declare: Option<UgcDeclare>,
    pub privacy_api_not_use: bool,
    pub order_path: Option<String>,
}

/// A submitted version under (or after) review.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// Assigned by the store.
    pub id: ReviewId,
    pub app: AppKey,
    /// The trial version as it was submitted (`id` is the develop version it came from).
    pub version: DevelopVersion,
    pub submission: Submission,
    pub state: ReviewState,
    /// Why it was rejected (shown to the developer and pushed as `Reason`).
    pub reason: Option<String>,
    /// Media ids of the reviewer's screenshots for a rejection.
    pub screenshots: Vec<String>,
    /// When the review passed its deadline, and the reason given.
    pub delayed_at: Option<Timestamp>,
    pub delay_reason: Option<String>,
    /// The member who submitted, or `None` when an access token did.
    pub submitted_by: Option<DeveloperId>,
    pub submitted_at: Timestamp,
    pub decided_at: Option<Timestamp>,
    /// When the developer asked to expedite it (`speedupaudit`); reviewers take it first.
    pub expedited_at: Option<Timestamp>,
}

impl Review {
    pub fn wire_status(&self) -> i64 {
        self.state.wire_status(self.delayed_at.is_some())
    }
}

/// The outcome of one automated check of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Pass,
    /// Shown to the reviewer; does not stop the review.
    Warn,
    /// Rejects the submission with the check's reason.
    Fail,
    /// Only a person can decide; the reviewer must look at it.
    NeedsHuman,
}

/// One automated check's result: which check (`package`, `privacy`, `categories`, `content`,
/// `domains`), its status and the reason, in words a developer can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckResult {
    pub check: String,
    pub status: CheckStatus,
    pub reason: String,
}

impl CheckResult {
    pub fn new(check: &str, status: CheckStatus, reason: impl Into<String>) -> Self {
        Self { check: check.to_owned(), status, reason: reason.into() }
    }
}

/// How a review ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Approved,
    Rejected { reason: String, screenshots: Vec<String> },
}

impl Platform {
    /// Ends an open review with `verdict`, records who decided, and pushes
    /// `weapp_audit_success` / `weapp_audit_fail` (§7.4) in the same unit of work. Returns
    /// `false`, changing nothing, when the review is no longer open (decided or withdrawn
    /// meanwhile).
    pub async fn conclude_review(
        &self,
        app: &App,
        review: ReviewId,
        verdict: Verdict,
        actor: Actor,
    ) -> Result<bool> {
        let now = self.clock.now();
        let (state, reason, screenshots, event) = match verdict {
            Verdict::Approved => (
                ReviewState::Approved,
                None,
                Vec::new(),
                PushEvent::new("weapp_audit_success").int("SuccTime", now),
            ),
            Verdict::Rejected { reason, screenshots } => {
                let event = PushEvent::new("weapp_audit_fail")
                    .text("Reason", reason.as_str())
                    .int("FailTime", now)
                    .text("ScreenShot", screenshots.join("|"));
                (ReviewState::Rejected, Some(reason), screenshots, event)
            }
        };
        let push = self.push_job(app, event).await?;
        let update = ReviewUpdate {
            app: app.key,
            review,
            from: ReviewState::OPEN.to_vec(),
            to: state,
            reason,
            screenshots,
            at: now,
        };
        let concluded = self.store.update_review(&update, push.as_ref().map(|p| &p.job)).await?;
        if concluded {
            let detail = format!("{} review {}", state.as_str(), review.0);
            self.audit(actor, "review.concluded", app.appid.as_str(), &detail).await?;
        }
        Ok(concluded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip() {
        for state in ReviewState::ALL {
            assert_eq!(ReviewState::parse(state.as_str()), Some(state));
        }
        assert_eq!(ReviewState::parse("released"), None);
    }

    #[test]
    fn wire_statuses_follow_the_spec() {
        assert_eq!(ReviewState::Approved.wire_status(false), 0);
        assert_eq!(ReviewState::Rejected.wire_status(true), 1);
        assert_eq!(ReviewState::Checking.wire_status(false), 2);
        assert_eq!(ReviewState::Queued.wire_status(false), 2);
        assert_eq!(ReviewState::Queued.wire_status(true), 4);
        assert_eq!(ReviewState::Withdrawn.wire_status(false), 3);
    }
}
