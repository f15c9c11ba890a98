//! The automated checks of a submission (clause 2.4: development-information verification and
//! security testing before a person looks). They run durably: submitting queues a
//! [`REVIEW_CHECKS_JOB`] in the same unit of work as the review, and each node's background
//! worker ([`Platform::run_review_checks`]) runs them. Their results are stored per review; any
//! failure rejects the submission with every failing reason, otherwise it joins the queue of
//! human reviewers.

use serde::{Deserialize, Serialize};

use crate::apps::{App, AppKey};
use crate::audit::Actor;
use crate::error::{Error, Result, StoreError};
use crate::jobs::{self, Finished, Job, NewJob, Outcome};
use crate::privacy::PolicyKind;
use crate::store::ReviewUpdate;
use crate::{Platform, Timestamp};

use super::{CheckResult, CheckStatus, Review, ReviewState, Verdict};

/// The job kind that runs a submission's checks.
pub const REVIEW_CHECKS_JOB: &str = "review_checks";
/// How long a worker may hold a claimed batch before another may take it over.
const LEASE_SECS: i64 = 300;
const BATCH: i64 = 8;
const MAX_ATTEMPTS: i64 = 5;
const RETRY_BASE_SECS: i64 = 30;

/// What a checks job carries: the mini program whose review in `checking` it checks (a
/// mini program has at most one open review, and the job is queued before its id is known).
#[derive(Debug, Serialize, Deserialize)]
struct ChecksPayload {
    app: i64,
}

/// The job that checks the app's submission.
pub(crate) fn checks_job(app: AppKey, now: Timestamp) -> NewJob {
    NewJob {
        kind: REVIEW_CHECKS_JOB.into(),
        app: Some(app),
        payload: serde_json::to_string(&ChecksPayload { app: app.0 }).expect("payloads serialise"),
        run_at: now,
        max_attempts: MAX_ATTEMPTS,
        created_at: now,
    }
}

impl Platform {
    /// The automated checks, in the order they run and are shown.
    async fn review_checks(&self, app: &App, review: &Review) -> Result<Vec<CheckResult>> {
        Ok(vec![
            self.check_review_package(app, review).await?,
            self.check_review_privacy(app, review).await?,
            self.check_review_categories(app, &review.submission).await?,
            self.check_review_content(app, review).await?,
            self.check_review_domains(app, review).await?,
        ])
    }

    /// Runs one batch of due checks jobs; returns how many ran (0: nothing due). Safe to run on
    /// several nodes at once; tests call it to run the checks synchronously.
    pub async fn run_review_checks(&self) -> Result<usize> {
        let now = self.clock.now();
        let jobs = self.store.claim_jobs(REVIEW_CHECKS_JOB, now, now + LEASE_SECS, BATCH).await?;
        let mut finished = Vec::with_capacity(jobs.len());
        for job in jobs {
            let outcome = match self.check_submission_of_job(&job).await {
                Ok(()) => Outcome::Done,
                Err(error) => {
                    tracing::warn!(%error, job = job.id, "review checks failed; will retry");
                    jobs::after_failure(&job, self.clock.now(), RETRY_BASE_SECS, error.to_string())
                }
            };
            finished.push(Finished { id: job.id, attempt: job.attempt, outcome });
        }
        self.store.finish_jobs(&finished, self.clock.now()).await?;
        Ok(finished.len())
    }

    async fn check_submission_of_job(&self, job: &Job) -> Result<()> {
        let payload: ChecksPayload = serde_json::from_str(&job.payload)
            .map_err(|e| StoreError::Backend(format!("unreadable review checks job: {e}")))?;
        let Some(app) = self.store.app_by_key(AppKey(payload.app)).await? else {
            return Ok(());
        };
        // Withdrawn (or already checked) meanwhile: nothing to do.
        let Some(review) =
            self.store.latest_review(app.key).await?.filter(|r| r.state == ReviewState::Checking)
        else {
            return Ok(());
        };
        let results = self.review_checks(&app, &review).await?;
        self.store.put_review_checks(app.key, review.id, &results).await?;
        let failures: Vec<&str> =
            results.iter().filter(|r| r.status == CheckStatus::Fail).map(|r| r.reason.as_str()).collect();
        if failures.is_empty() {
            let update = ReviewUpdate {
                app: app.key,
                review: review.id,
                from: vec![ReviewState::Checking],
                to: ReviewState::Queued,
                reason: None,
                screenshots: Vec::new(),
                at: self.clock.now(),
            };
            if self.store.update_review(&update, None).await? {
                self.audit(Actor::System, "review.queued", app.appid.as_str(), &review.id.0.to_string())
                    .await?;
            }
        } else {
            let verdict = Verdict::Rejected { reason: failures.join("<br>"), screenshots: Vec::new() };
            self.conclude_review(&app, review.id, verdict, Actor::System).await?;
        }
        Ok(())
    }

    /// "package": the version's stored validation report has no errors; warnings are shown.
    pub async fn check_review_package(&self, _app: &App, review: &Review) -> Result<CheckResult> {
        let report = stored_report(review)?;
        let errors: Vec<String> = report.errors().map(ToString::to_string).collect();
        let warnings: Vec<String> = report.warnings().map(ToString::to_string).collect();
        Ok(if !errors.is_empty() {
            CheckResult::new(
                "package",
                CheckStatus::Fail,
                format!("The package has errors: {}", errors.join("; ")),
            )
        } else if !warnings.is_empty() {
            CheckResult::new(
                "package",
                CheckStatus::Warn,
                format!("The package has warnings: {}", warnings.join("; ")),
            )
        } else {
            CheckResult::new("package", CheckStatus::Pass, "The package is valid.")
        })
    }

    /// "privacy": every privacy-relevant API the code uses is declared in the development
    /// privacy guide, and location APIs in `app.json` `requiredPrivateInfos` (unless the
    /// developer declared with `privacy_api_not_use` that such detected uses never run, which
    /// leaves them to the reviewer as a warning).
    pub async fn check_review_privacy(&self, app: &App, review: &Review) -> Result<CheckResult> {
        let report = stored_report(review)?;
        let guide = self.store.privacy_policy(app.key, PolicyKind::Development, None).await?;
        let mut failures = Vec::new();
        for used in &report.privacy_uses {
            if !guide.as_ref().is_some_and(|g| g.document.declares(&used.privacy_key)) {
                failures.push(format!(
                    "{} uses {} but the privacy guide does not declare it",
                    used.api, used.privacy_key
                ));
            }
        }
        let undeclared: Vec<String> = report
            .diagnostics
            .iter()
            .filter(|d| d.code == miniplat_package::codes::PRIVACY_UNDECLARED)
            .map(|d| d.message.clone())
            .collect();
        let mut warnings = Vec::new();
        if review.submission.privacy_api_not_use {
            warnings.extend(undeclared.into_iter().map(|m| format!("{m} (declared unused)")));
        } else {
            failures.extend(undeclared);
        }
        failures.dedup();
        Ok(if !failures.is_empty() {
            CheckResult::new("privacy", CheckStatus::Fail, format!("Privacy: {}", failures.join("; ")))
        } else if !warnings.is_empty() {
            CheckResult::new("privacy", CheckStatus::Warn, format!("Privacy: {}", warnings.join("; ")))
        } else {
            CheckResult::new("privacy", CheckStatus::Pass, "Every privacy-relevant API used is declared.")
        })
    }
}

fn stored_report(review: &Review) -> Result<miniplat_package::Report> {
    serde_json::from_value(review.version.report.clone())
        .map_err(|e| Error::Store(StoreError::Backend(format!("stored validation report: {e}"))))
}
