//! The review desk: who may look at which review, the queue, assignment and claims, what a
//! reviewer reads (submission, media, files, checks, changes since the live version) and the
//! decision.

use crate::accounts::developers::ensure_operator;
use crate::accounts::{Developer, DeveloperId};
use crate::apps::App;
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::media::{sniff, Media, MediaKind};
use crate::review::{CheckResult, Review, ReviewId, ReviewState, Verdict};
use crate::store::QueueFilter;
use crate::Platform;

use super::catalogue::{compose_reason, NOTE_MAX};
use super::diff::{diff_files, diff_lines, ChangedFile, DiffLine};
use super::{review_target, Assignment, QueueEntry, ReviewOrgId, Reviewer};

/// Reviews a desk lists at most.
const LIST_LIMIT: i64 = 200;
/// Rejection limits: cited catalogue entries and screenshots.
const CITED_MAX: usize = 10;
const SCREENSHOTS_MAX: usize = 5;

/// Someone at the review desk: staff (who see every review) and/or a reviewer (who sees the
/// reviews assigned to them).
#[derive(Debug, Clone)]
pub struct ReviewDesk {
    pub developer: Developer,
    pub staff: bool,
    /// Set when the account is an active reviewer of an active organisation.
    pub reviewer: Option<Reviewer>,
}

impl ReviewDesk {
    fn actor(&self) -> Actor {
        Actor::Developer(self.developer.id)
    }

    fn may_open(&self, assignment: Option<&Assignment>) -> bool {
        self.staff
            || self.reviewer.as_ref().is_some_and(|reviewer| {
                assignment.is_some_and(|a| a.reviewer == Some(reviewer.developer) && a.org == reviewer.org)
            })
    }
}

/// Everything the review page shows of one review.
#[derive(Debug, Clone)]
pub struct ReviewFolder {
    pub app: App,
    pub review: Review,
    pub assignment: Option<Assignment>,
    pub checks: Vec<CheckResult>,
    /// The review of the live release, if the mini program is released.
    pub live: Option<Review>,
    /// Files changed since the live version (every file when there is none).
    pub changes: Vec<ChangedFile>,
}

/// A reviewer's decision as submitted from the review page.
#[derive(Debug, Clone)]
pub enum Decision {
    Approve,
    /// Codes of catalogue entries, the reviewer's note, and screenshot images.
    Reject {
        codes: Vec<String>,
        note: String,
        screenshots: Vec<Vec<u8>>,
    },
}

impl Platform {
    /// The desk of `developer`; anyone who is neither staff nor an active reviewer gets
    /// `NotFound` (the review console is not advertised).
    pub async fn review_desk(&self, developer: &Developer) -> Result<ReviewDesk> {
        developer.ensure_active()?;
        let reviewer = self.store.reviewer(developer.id).await?.filter(Reviewer::can_review);
        let staff = developer.is_operator();
        if !staff && reviewer.is_none() {
            return Err(Error::NotFound("page"));
        }
        Ok(ReviewDesk { developer: developer.clone(), staff, reviewer })
    }

    /// Staff: every open review in queue order. Reviewers: the reviews assigned to them.
    pub async fn desk_reviews(&self, desk: &ReviewDesk) -> Result<Vec<QueueEntry>> {
        let filter = if desk.staff { QueueFilter::Open } else { QueueFilter::AssignedTo(desk.developer.id) };
        let mut entries = self.store.review_queue(filter, LIST_LIMIT).await?;
        if let (false, Some(reviewer)) = (desk.staff, &desk.reviewer) {
            entries.retain(|e| e.assignment.as_ref().is_some_and(|a| a.org == reviewer.org));
        }
        Ok(entries)
    }

    /// A review the desk may open, with its mini program and assignment; `NotFound` for any
    /// other, so a reviewer learns nothing about reviews not assigned to them.
    async fn open_review(
        &self,
        desk: &ReviewDesk,
        id: ReviewId,
    ) -> Result<(App, Review, Option<Assignment>)> {
        let not_found = Error::NotFound("review");
        let assignment = self.store.review_assignment(id).await?;
        if !desk.may_open(assignment.as_ref()) {
            return Err(not_found);
        }
        let key = self.store.review_app(id).await?.ok_or(Error::NotFound("review"))?;
        let app = self.store.app_by_key(key).await?.ok_or(Error::NotFound("review"))?;
        let review = self.store.review(key, id).await?.ok_or(not_found)?;
        Ok((app, review, assignment))
    }

    /// The version this one would replace: the review of the live release.
    async fn live_review(&self, app: &App) -> Result<Option<Review>> {
        let Some(live) = self.store.live_release(app.key).await? else {
            return Ok(None);
        };
        Ok(self.store.review(app.key, live.review).await?)
    }

    /// Everything the review page shows.
    pub async fn review_folder(&self, desk: &ReviewDesk, id: ReviewId) -> Result<ReviewFolder> {
        let (app, review, assignment) = self.open_review(desk, id).await?;
        let checks = self.store.review_checks(app.key, id).await?;
        let live = self.live_review(&app).await?;
        let live_files = live.as_ref().map_or(&[][..], |l| l.version.files.as_slice());
        let changes = diff_files(live_files, &review.version.files);
        Ok(ReviewFolder { app, review, assignment, checks, live, changes })
    }

    /// One file of the package under review.
    pub async fn review_file(&self, desk: &ReviewDesk, id: ReviewId, path: &str) -> Result<Vec<u8>> {
        let (_, review, _) = self.open_review(desk, id).await?;
        self.version_file(&review.version, path).await
    }

    /// A line diff of one file between the live version and the one under review; `None`
    /// when either side is not text or the change is too large to diff. A file only one side
    /// has diffs against nothing.
    pub async fn review_file_diff(
        &self,
        desk: &ReviewDesk,
        id: ReviewId,
        path: &str,
    ) -> Result<Option<Vec<DiffLine>>> {
        let (app, review, _) = self.open_review(desk, id).await?;
        let live = self.live_review(&app).await?;
        let read = |version| async move {
            match self.version_file(version, path).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(Error::NotFound(_)) => Ok(None),
                Err(other) => Err(other),
            }
        };
        let new = read(&review.version).await?;
        let old = match &live {
            Some(live) => read(&live.version).await?,
            None => None,
        };
        if old.is_none() && new.is_none() {
            return Err(Error::NotFound("file"));
        }
        let text = |bytes: Option<Vec<u8>>| String::from_utf8(bytes.unwrap_or_default()).ok();
        let (Some(old), Some(new)) = (text(old), text(new)) else { return Ok(None) };
        Ok(diff_lines(&old, &new))
    }

    /// A medium the submission or the decision names, for the desk of that review.
    pub async fn review_media(
        &self,
        desk: &ReviewDesk,
        id: ReviewId,
        media_id: &str,
    ) -> Result<(Media, Vec<u8>)> {
        let (app, review, _) = self.open_review(desk, id).await?;
        let submission = &review.submission;
        let named = submission
            .preview_info
            .pic_id_list
            .iter()
            .chain(&submission.preview_info.video_id_list)
            .chain(&submission.feedback_stuff)
            .chain(&review.screenshots)
            .any(|m| m == media_id);
        if !named {
            return Err(Error::NotFound("media"));
        }
        self.media_bytes(app.key, media_id).await?.ok_or(Error::NotFound("media"))
    }

    /// The desk's reviewer takes the next review from the queue (unassigned, or in their
    /// organisation's pool). `None` when the queue is empty.
    pub async fn claim_next_review(&self, desk: &ReviewDesk) -> Result<Option<ReviewId>> {
        let reviewer =
            desk.reviewer.as_ref().ok_or_else(|| Error::forbidden("only reviewers take reviews"))?;
        let claimed =
            self.store.claim_next_review(reviewer.org, reviewer.developer, self.clock.now()).await?;
        if let Some(id) = claimed {
            self.audit(desk.actor(), "review.claimed", &review_target(id), "").await?;
        }
        Ok(claimed)
    }

    /// Staff assign a queued review to an organisation's pool or to one of its active reviewers.
    pub async fn assign_review(
        &self,
        staff: &Developer,
        id: ReviewId,
        org: ReviewOrgId,
        reviewer: Option<DeveloperId>,
    ) -> Result<()> {
        ensure_operator(staff)?;
        let orgs = self.store.review_orgs().await?;
        if !orgs.iter().any(|o| o.id == org && o.active) {
            return Err(Error::invalid("organisation", "is not an active review organisation"));
        }
        if let Some(developer) = reviewer {
            let member = self.store.reviewer(developer).await?;
            if !member.is_some_and(|r| r.org == org && r.can_review()) {
                return Err(Error::invalid("reviewer", "is not an active reviewer of that organisation"));
            }
            let app = self.store.review_app(id).await?.ok_or(Error::NotFound("review"))?;
            if self.store.member_role(app, developer).await?.is_some() {
                return Err(Error::invalid(
                    "reviewer",
                    "is a member of the mini program and may not review it",
                ));
            }
        }
        let assignment =
            Assignment { review: id, org, reviewer, assigned_at: self.clock.now(), assigned_by: staff.id };
        if !self.store.assign_review(&assignment).await? {
            return Err(Error::invalid("review", "is not waiting for a reviewer"));
        }
        let detail = match reviewer {
            Some(developer) => format!("org {} reviewer {}", org.0, developer.0),
            None => format!("org {}", org.0),
        };
        self.audit(Actor::Developer(staff.id), "review.assigned", &review_target(id), &detail).await
    }

    /// Staff move an open review to the front of the queue.
    pub async fn expedite_review_as_staff(&self, staff: &Developer, id: ReviewId) -> Result<()> {
        ensure_operator(staff)?;
        if !self.store.expedite_review_as_staff(id, self.clock.now()).await? {
            return Err(Error::invalid("review", "is not in progress or is already expedited"));
        }
        self.audit(Actor::Developer(staff.id), "review.expedited", &review_target(id), "").await
    }

    /// Approves or rejects a queued review the desk may open. A rejection cites catalogue
    /// entries and/or a note, with up to five screenshot images (stored as media of the mini
    /// program, so the developer can fetch them by id). The decision and its push are one
    /// unit of work ([`Platform::conclude_review`]).
    pub async fn decide_review(&self, desk: &ReviewDesk, id: ReviewId, decision: Decision) -> Result<()> {
        let (app, review, _) = self.open_review(desk, id).await?;
        // Nobody decides on a mini program they work on, staff included.
        if self.store.member_role(app.key, desk.developer.id).await?.is_some() {
            return Err(Error::forbidden("members of a mini program may not decide its review"));
        }
        if review.state != ReviewState::Queued {
            return Err(Error::invalid("review", "is not waiting for a decision"));
        }
        let verdict = match decision {
            Decision::Approve => Verdict::Approved,
            Decision::Reject { codes, note, screenshots } => {
                let reason = self.rejection_text(&codes, &note).await?;
                if screenshots.len() > SCREENSHOTS_MAX {
                    return Err(Error::invalid("screenshots", format!("at most {SCREENSHOTS_MAX}")));
                }
                if screenshots.iter().any(|bytes| sniff(bytes).map(|s| s.0) != Some(MediaKind::Image)) {
                    return Err(Error::invalid("screenshots", "must be JPEG, PNG, GIF, BMP or WebP images"));
                }
                let mut media_ids = Vec::with_capacity(screenshots.len());
                for bytes in screenshots {
                    media_ids.push(self.upload_media(app.key, bytes).await?.media_id);
                }
                Verdict::Rejected { reason, screenshots: media_ids }
            }
        };
        if !self.conclude_review(&app, id, verdict, desk.actor()).await? {
            return Err(Error::invalid("review", "was decided or withdrawn meanwhile"));
        }
        Ok(())
    }

    /// The wire reason of a rejection from the cited catalogue codes and the note.
    async fn rejection_text(&self, codes: &[String], note: &str) -> Result<String> {
        if codes.len() > CITED_MAX {
            return Err(Error::invalid("reasons", format!("cite at most {CITED_MAX}")));
        }
        if note.chars().count() > NOTE_MAX {
            return Err(Error::invalid("note", format!("may be at most {NOTE_MAX} characters")));
        }
        let catalogue = self.store.rejection_reasons().await?;
        let mut cited = Vec::with_capacity(codes.len());
        for code in codes {
            let entry = catalogue.iter().find(|r| &r.code == code);
            cited.push(
                entry
                    .cloned()
                    .ok_or_else(|| Error::invalid("reasons", format!("{code} is not in the catalogue")))?,
            );
        }
        let reason = compose_reason(&cited, note);
        if reason.is_empty() {
            return Err(Error::invalid("reasons", "cite a catalogue entry or write a note"));
        }
        Ok(reason)
    }
}
