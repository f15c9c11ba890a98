//! Release, gray release, rollback, and the service and search switches of a released mini
//! program (clauses 2.3–2.5, 4.12; `wechat-api.md` §7.1 rows 9–13, 16–18, 25–26).
//!
//! An approved review becomes live with [`Platform::release`], or gradually with a gray
//! release plan whose percentage only rises; the plan finishes at 100 % or with a full release,
//! and can be reverted (gray users fall back to the stable version). Every release is a row
//! numbered 1, 2, 3… per mini program; the live version is the newest one not reverted, and a
//! rollback marks the releases after its target reverted — once: after a rollback the history
//! is empty until the next release.
//!
//! ```text
//! gray plan:  running ──▶ finished (100 %, or the version is released)
//!                └──────▶ reverted (revertgrayrelease, or another version is released)
//! ```
//!
//! Callers authorise first: an access token of the app, or a member with the release role
//! ([`Platform::app_for_release`]). Enforcement by staff lives in [`enforcement`].

pub mod enforcement;
pub mod gray;

use crate::accounts::{Developer, DeveloperId};
use crate::apps::access::Viewer;
use crate::apps::versions::DevelopVersion;
use crate::apps::{App, AppKey, MemberRole};
use crate::audit::Actor;
use crate::error::{Error, Result, StoreError};
use crate::review::{Review, ReviewId, ReviewState};
use crate::store::{EndGray, ALREADY_RELEASED, GRAY_PLAN_RUNNING};
use crate::wx::WxError;
use crate::{Platform, Timestamp};

use gray::{Audience, GrayRule};

/// How many releases `get_history_version` offers to roll back to.
pub const HISTORY_SIZE: usize = 5;
/// How many recent releases the rules look at (the history plus reverted ones above it).
const RECENT_RELEASES: i64 = 50;
/// How many recent reviews are searched for the approved one.
const RECENT_REVIEWS: i64 = 20;

/// A released version.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    /// Assigned by the store.
    pub id: i64,
    pub app: AppKey,
    /// 1, 2, 3… per mini program (assigned by the store); `app_version` on the wire.
    pub app_version: i64,
    /// The review it came from.
    pub review: ReviewId,
    /// The reviewed version (`id` is the develop version it came from).
    pub version: DevelopVersion,
    pub released_at: Timestamp,
    /// The member who released, or `None` for an access token or a finished gray plan.
    pub released_by: Option<DeveloperId>,
    /// Set when a rollback went back past this release.
    pub reverted_at: Option<Timestamp>,
}

/// Where a gray release plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrayStatus {
    Running,
    Finished,
    Reverted,
}

impl GrayStatus {
    pub const ALL: [Self; 3] = [Self::Running, Self::Finished, Self::Reverted];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Finished => "finished",
            Self::Reverted => "reverted",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }
    /// `getgrayreleaseplan`'s status: 1 running, 3 finished, 4 deleted (0 is "no plan").
    pub fn wire_status(self) -> i64 {
        match self {
            Self::Running => 1,
            Self::Finished => 3,
            Self::Reverted => 4,
        }
    }
}

/// A gray release plan: the approved review it spreads, and to whom.
#[derive(Debug, Clone, PartialEq)]
pub struct GrayPlan {
    /// Assigned by the store.
    pub id: i64,
    pub app: AppKey,
    pub review: ReviewId,
    pub status: GrayStatus,
    pub rule: GrayRule,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The service and search switches (`change_visitstatus`, `changewxasearchstatus`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReleaseSettings {
    pub visit_paused: bool,
    pub search_hidden: bool,
}

/// Why a release operation was refused; each maps to its WeChat error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReleaseError {
    #[error("no approved version to release")]
    NoApprovedVersion,
    #[error("status not allowed: {0}")]
    NotAllowed(&'static str),
    #[error("the approved version is already released")]
    AlreadyReleased,
    #[error("the mini program has no live version")]
    NoLiveVersion,
    #[error("no approved version that is not released yet")]
    NoGrayCandidate,
    #[error(
        "the gray percentage must be 0–100, and 0 needs support_debuger_first or support_experiencer_first"
    )]
    InvalidPercentage,
    #[error("the gray percentage must be higher than the current {0}%")]
    PercentageMustRise(i64),
    #[error("a gray release is in progress; revert or finish it first")]
    GrayInProgress,
    #[error("there is no version to roll back to (only one rollback after each release)")]
    CannotRevert,
    #[error("the service cannot be switched: {0}")]
    VisitNotAllowed(&'static str),
    #[error("action must be open or close")]
    InvalidVisitAction,
    #[error("search visibility is locked while the mini program is banned")]
    SearchBanned,
    #[error("status must be 0 (searchable) or 1 (hidden)")]
    InvalidSearchStatus,
    #[error("{0}")]
    Platform(String),
}

impl ReleaseError {
    pub fn errcode(&self) -> i64 {
        match self {
            Self::NoApprovedVersion => 85019,
            Self::NotAllowed(_) => 85020,
            Self::AlreadyReleased => 85052,
            Self::NoLiveVersion => 85079,
            Self::NoGrayCandidate => 85080,
            Self::InvalidPercentage => 85081,
            Self::PercentageMustRise(_) => 85082,
            Self::GrayInProgress => 87011,
            Self::CannotRevert => 87012,
            Self::VisitNotAllowed(_) => 85021,
            Self::InvalidVisitAction => 85022,
            Self::SearchBanned => 85083,
            Self::InvalidSearchStatus => 85084,
            Self::Platform(_) => -1,
        }
    }
}

impl From<ReleaseError> for WxError {
    fn from(error: ReleaseError) -> Self {
        match error {
            ReleaseError::Platform(_) => WxError::system_busy(),
            refusal => WxError::new(refusal.errcode(), refusal.to_string()),
        }
    }
}

impl From<ReleaseError> for Error {
    /// For the console and the platform API: a refusal is a conflict with the current state.
    fn from(error: ReleaseError) -> Self {
        match error {
            ReleaseError::Platform(message) => Error::Store(StoreError::Backend(message)),
            refusal => Error::forbidden(refusal.to_string()),
        }
    }
}

impl From<Error> for ReleaseError {
    fn from(error: Error) -> Self {
        tracing::error!(%error, "platform error in a release operation");
        Self::Platform(error.to_string())
    }
}

impl From<StoreError> for ReleaseError {
    fn from(error: StoreError) -> Self {
        Error::from(error).into()
    }
}

/// A history entry of `revertcoderelease?action=get_history_version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryVersion {
    pub app_version: i64,
    pub user_version: String,
    pub user_desc: String,
    pub commit_time: Timestamp,
}

/// What `getversioninfo` shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionInfo {
    /// `(chosen at, user version, description)` of the trial version.
    pub trial: Option<(Timestamp, String, String)>,
    /// `(released at, user version, description)` of the live version.
    pub release: Option<(Timestamp, String, String)>,
}

/// Which version a viewer of a released mini program gets.
#[derive(Debug, Clone, PartialEq)]
pub struct ServedVersion {
    /// The live release (the stable version).
    pub release: Release,
    /// The version served: the live one, or the gray one for users in the gray group.
    pub version: DevelopVersion,
    pub gray: bool,
}

/// Everything the release rules of one mini program look at, read once.
struct ReleaseView {
    /// Newest first, reverted ones included.
    releases: Vec<Release>,
    gray: Option<GrayPlan>,
}

impl ReleaseView {
    fn live(&self) -> Option<&Release> {
        self.releases.iter().find(|r| r.reverted_at.is_none())
    }
    fn running_gray(&self) -> Option<&GrayPlan> {
        self.gray.as_ref().filter(|plan| plan.status == GrayStatus::Running)
    }
    /// The releases a rollback may return to: none when the live one was itself reached by a
    /// rollback (a reverted release is newer), else up to five unreverted older ones.
    fn history(&self) -> Vec<&Release> {
        let Some(live) = self.live() else { return Vec::new() };
        if self.releases.iter().any(|r| r.reverted_at.is_some() && r.id > live.id) {
            return Vec::new();
        }
        self.releases
            .iter()
            .filter(|r| r.reverted_at.is_none() && r.id < live.id)
            .take(HISTORY_SIZE)
            .collect()
    }
    fn is_released(&self, review: ReviewId) -> bool {
        self.releases.iter().any(|r| r.review == review)
    }
}

impl Platform {
    /// The mini program for a member who may release (the Operator role; admins too).
    pub async fn app_for_release(&self, actor: &Developer, appid: &str) -> Result<App> {
        actor.ensure_active()?;
        let (app, role) = self.app_for_member(actor, appid).await?;
        role.ensure(MemberRole::Operator)?;
        Ok(app)
    }

    async fn release_view(&self, app: AppKey) -> Result<ReleaseView> {
        Ok(ReleaseView {
            releases: self.store.releases(app, RECENT_RELEASES).await?,
            gray: self.store.gray_plan(app).await?,
        })
    }

    /// The newest approved review, with its files: the version a release would make live.
    async fn approved_review(&self, app: AppKey) -> Result<Option<Review>> {
        let reviews = self.store.reviews(app, RECENT_REVIEWS).await?;
        let Some(approved) = reviews.iter().find(|r| r.state == ReviewState::Approved) else {
            return Ok(None);
        };
        Ok(self.store.review(app, approved.id).await?)
    }

    /// The approved review that is not released yet, if there is one (for the console).
    pub async fn release_candidate(&self, app: &App) -> Result<Option<Review>> {
        let view = self.release_view(app.key).await?;
        Ok(self.approved_review(app.key).await?.filter(|review| !view.is_released(review.id)))
    }

    /// `POST /wxa/release`: makes the newest approved review live, ends a running gray plan,
    /// and publishes the development privacy guide as the live one.
    pub async fn release(&self, app: &App, actor: Actor) -> Result<Release, ReleaseError> {
        self.ensure_release_allowed(app).await?;
        let view = self.release_view(app.key).await?;
        let review = self.approved_review(app.key).await?.ok_or(ReleaseError::NoApprovedVersion)?;
        if view.is_released(review.id) {
            return Err(ReleaseError::AlreadyReleased);
        }
        let end_gray = view.running_gray().map(|plan| EndGray {
            plan: plan.id,
            status: if plan.review == review.id { GrayStatus::Finished } else { GrayStatus::Reverted },
        });
        self.make_live(app, review, actor, end_gray).await
    }

    async fn make_live(
        &self,
        app: &App,
        review: Review,
        actor: Actor,
        end_gray: Option<EndGray>,
    ) -> Result<Release, ReleaseError> {
        let release = Release {
            id: 0,
            app: app.key,
            app_version: 0,
            review: review.id,
            version: review.version,
            released_at: self.clock.now(),
            released_by: match actor {
                Actor::Developer(id) => Some(id),
                Actor::System | Actor::EndUser(_) => None,
            },
            reverted_at: None,
        };
        let release = match self.store.insert_release(&release, end_gray).await {
            Ok(release) => release,
            Err(StoreError::Refused(ALREADY_RELEASED)) => return Err(ReleaseError::AlreadyReleased),
            Err(error) => return Err(error.into()),
        };
        self.publish_privacy_policy(app.key).await?;
        let detail = format!("app_version {} from review {}", release.app_version, release.review.0);
        self.audit(actor, "release.released", app.appid.as_str(), &detail).await?;
        Ok(release)
    }

    /// `POST /wxa/grayrelease`: starts a gray release of the approved, unreleased version, or
    /// raises the running plan's percentage; 100 % releases it fully.
    pub async fn gray_release(&self, app: &App, rule: GrayRule, actor: Actor) -> Result<(), ReleaseError> {
        if !(0..=100).contains(&rule.percentage)
            || (rule.percentage == 0 && !rule.members_first && !rule.testers_first)
        {
            return Err(ReleaseError::InvalidPercentage);
        }
        self.ensure_release_allowed(app).await?;
        let view = self.release_view(app.key).await?;
        if view.live().is_none() {
            return Err(ReleaseError::NoLiveVersion);
        }
        let review = self
            .approved_review(app.key)
            .await?
            .filter(|review| !view.is_released(review.id))
            .ok_or(ReleaseError::NoGrayCandidate)?;
        let now = self.clock.now();
        let plan = match view.running_gray() {
            Some(plan) if plan.review != review.id => {
                return Err(ReleaseError::NotAllowed("a gray release of another version is running"))
            }
            Some(plan) if rule.percentage <= plan.rule.percentage => {
                return Err(ReleaseError::PercentageMustRise(plan.rule.percentage))
            }
            Some(plan) => {
                let raised = GrayPlan { rule, updated_at: now, ..plan.clone() };
                if rule.percentage < 100 && !self.store.raise_gray_plan(&raised, plan.rule.percentage).await?
                {
                    return Err(ReleaseError::PercentageMustRise(plan.rule.percentage));
                }
                raised
            }
            None => {
                let plan = GrayPlan {
                    id: 0,
                    app: app.key,
                    review: review.id,
                    status: GrayStatus::Running,
                    rule,
                    created_at: now,
                    updated_at: now,
                };
                match self.store.start_gray_plan(&plan).await {
                    Ok(plan) => plan,
                    Err(StoreError::Refused(GRAY_PLAN_RUNNING)) => {
                        return Err(ReleaseError::NotAllowed("another gray release started meanwhile"))
                    }
                    Err(error) => return Err(error.into()),
                }
            }
        };
        if rule.percentage == 100 {
            let end_gray = EndGray { plan: plan.id, status: GrayStatus::Finished };
            self.make_live(app, review, actor, Some(end_gray)).await?;
            return Ok(());
        }
        let detail = format!("{}% of review {}", rule.percentage, review.id.0);
        self.audit(actor, "release.gray", app.appid.as_str(), &detail).await?;
        Ok(())
    }

    /// `GET /wxa/getgrayreleaseplan`: the newest plan, if any.
    pub async fn gray_plan(&self, app: &App) -> Result<Option<GrayPlan>> {
        Ok(self.store.gray_plan(app.key).await?)
    }

    /// `GET /wxa/revertgrayrelease`: ends the running plan; its users get the stable version.
    pub async fn revert_gray_release(&self, app: &App, actor: Actor) -> Result<(), ReleaseError> {
        let plan = self
            .store
            .gray_plan(app.key)
            .await?
            .filter(|plan| plan.status == GrayStatus::Running)
            .ok_or(ReleaseError::NotAllowed("no gray release is running"))?;
        let now = self.clock.now();
        if !self.store.end_gray_plan(app.key, plan.id, GrayStatus::Reverted, now).await? {
            return Err(ReleaseError::NotAllowed("no gray release is running"));
        }
        self.audit(actor, "release.gray_reverted", app.appid.as_str(), &format!("plan {}", plan.id)).await?;
        Ok(())
    }

    /// `GET /wxa/revertcoderelease`: rolls back to `app_version` (one of the history) or the
    /// previous release. Returns the release that is live now.
    pub async fn revert_release(
        &self,
        app: &App,
        app_version: Option<i64>,
        actor: Actor,
    ) -> Result<Release, ReleaseError> {
        let view = self.release_view(app.key).await?;
        if view.running_gray().is_some() {
            return Err(ReleaseError::GrayInProgress);
        }
        let live = view.live().ok_or(ReleaseError::CannotRevert)?;
        let history = view.history();
        let target = match app_version {
            Some(wanted) => history.iter().find(|r| r.app_version == wanted),
            None => history.first(),
        }
        .ok_or(ReleaseError::CannotRevert)?;
        if !self.store.revert_releases(app.key, live.id, target.id, self.clock.now()).await? {
            return Err(ReleaseError::CannotRevert);
        }
        let detail = format!("from app_version {} to {}", live.app_version, target.app_version);
        self.audit(actor, "release.reverted", app.appid.as_str(), &detail).await?;
        Ok((*target).clone())
    }

    /// `revertcoderelease?action=get_history_version`: the releases a rollback may return to,
    /// newest first (empty after a rollback).
    pub async fn release_history(&self, app: &App) -> Result<Vec<HistoryVersion>> {
        let view = self.release_view(app.key).await?;
        Ok(view
            .history()
            .into_iter()
            .map(|r| HistoryVersion {
                app_version: r.app_version,
                user_version: r.version.user_version.as_str().to_owned(),
                user_desc: r.version.description.clone(),
                commit_time: r.released_at,
            })
            .collect())
    }

    /// The app's releases, newest first (for the console).
    pub async fn releases(&self, app: &App) -> Result<Vec<Release>> {
        Ok(self.store.releases(app.key, RECENT_RELEASES).await?)
    }

    /// The live release, if any.
    pub async fn live_release(&self, app: &App) -> Result<Option<Release>> {
        Ok(self.store.live_release(app.key).await?)
    }

    pub async fn release_settings(&self, app: &App) -> Result<ReleaseSettings> {
        Ok(self.store.release_settings(app.key).await?)
    }

    /// `POST /wxa/change_visitstatus`: `close` pauses the service (nobody can open the mini
    /// program), `open` resumes it. Needs a live version and no ban in force.
    pub async fn change_visit_status(
        &self,
        app: &App,
        action: &str,
        actor: Actor,
    ) -> Result<(), ReleaseError> {
        let paused = match action {
            "open" => false,
            "close" => true,
            _ => return Err(ReleaseError::InvalidVisitAction),
        };
        if self.store.live_release(app.key).await?.is_none() {
            return Err(ReleaseError::VisitNotAllowed("the mini program is not released"));
        }
        if self.ban_in_force(app).await?.is_some() {
            return Err(ReleaseError::VisitNotAllowed("the mini program is banned"));
        }
        let mut settings = self.store.release_settings(app.key).await?;
        settings.visit_paused = paused;
        self.store.put_release_settings(app.key, &settings, self.clock.now()).await?;
        self.audit(actor, "release.visit_status", app.appid.as_str(), action).await?;
        Ok(())
    }

    /// `POST /wxa/changewxasearchstatus`: 0 searchable, 1 hidden from the directory.
    pub async fn change_search_status(
        &self,
        app: &App,
        status: i64,
        actor: Actor,
    ) -> Result<(), ReleaseError> {
        let hidden = match status {
            0 => false,
            1 => true,
            _ => return Err(ReleaseError::InvalidSearchStatus),
        };
        if self.ban_in_force(app).await?.is_some() {
            return Err(ReleaseError::SearchBanned);
        }
        let mut settings = self.store.release_settings(app.key).await?;
        settings.search_hidden = hidden;
        self.store.put_release_settings(app.key, &settings, self.clock.now()).await?;
        let detail = if hidden { "hidden" } else { "searchable" };
        self.audit(actor, "release.search_status", app.appid.as_str(), detail).await?;
        Ok(())
    }

    /// `POST /wxa/getversioninfo`: the trial and the live version.
    pub async fn version_info(&self, app: &App) -> Result<VersionInfo> {
        let trial = self.store.trial_version(app.key).await?;
        let live = self.store.live_release(app.key).await?;
        let describe = |at: Timestamp, v: &DevelopVersion| {
            (at, v.user_version.as_str().to_owned(), v.description.clone())
        };
        Ok(VersionInfo {
            trial: trial.map(|t| describe(t.chosen_at, &t.version)),
            release: live.map(|r| describe(r.released_at, &r.version)),
        })
    }

    /// Which version `viewer` gets when opening the released mini program: the live one, or,
    /// while a gray plan runs, the gray one for the users it reaches. `None` when nothing is
    /// live. Whether the viewer may open it at all is [`Platform::access_to`]'s answer.
    pub async fn served_version(&self, app: &App, viewer: &Viewer) -> Result<Option<ServedVersion>> {
        let Some(release) = self.store.live_release(app.key).await? else { return Ok(None) };
        let plan = self.store.gray_plan(app.key).await?.filter(|plan| plan.status == GrayStatus::Running);
        let gray_review = match plan {
            Some(plan) if gray::gets_new_version(plan.rule, self.audience(app, viewer, plan.id).await?) => {
                self.store.review(app.key, plan.review).await?
            }
            _ => None,
        };
        Ok(Some(match gray_review {
            Some(review) => ServedVersion { release, version: review.version, gray: true },
            None => ServedVersion { version: release.version.clone(), release, gray: false },
        }))
    }

    async fn audience(&self, app: &App, viewer: &Viewer, plan: i64) -> Result<Audience> {
        let bucket = |user: String| gray::bucket(&self.gray_key, app.appid.as_str(), &user, plan);
        Ok(match viewer {
            Viewer::Anonymous => Audience::Anonymous,
            Viewer::Developer(id) => {
                let bucket = bucket(format!("developer:{}", id.0));
                if self.store.member_role(app.key, *id).await?.is_some() {
                    Audience::Member(bucket)
                } else {
                    Audience::User(bucket)
                }
            }
            Viewer::EndUser(user) => {
                let bucket = bucket(format!("end_user:{}", user.0));
                if self.store.is_tester(app.key, *user).await? {
                    Audience::Tester(bucket)
                } else {
                    Audience::User(bucket)
                }
            }
        })
    }

    /// Whether `page` (`pages/index/index`; empty for the home page) is a page of the live
    /// version: what `getwxacodeunlimit`'s `check_path` asks.
    pub async fn is_live_page(&self, app: AppKey, page: &str) -> Result<bool> {
        let Some(live) = self.store.live_release(app).await? else { return Ok(false) };
        let template = format!("{page}.wxml");
        Ok(page.is_empty() || live.version.files.iter().any(|file| file.path == template))
    }

    /// The public directory (clause 4.12): released, running, searchable mini programs under
    /// no ban, whose name contains `query` (compared as names are: case and width folded).
    pub async fn directory(&self, query: &str) -> Result<Vec<App>> {
        let query: String = query.chars().take(40).collect();
        let key = crate::apps::name::comparison_key(&query);
        Ok(self.store.directory(&key, self.clock.now(), 100).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gray_statuses_round_trip() {
        for status in GrayStatus::ALL {
            assert_eq!(GrayStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(GrayStatus::parse("paused"), None);
        assert_eq!(GrayStatus::Running.wire_status(), 1);
        assert_eq!(GrayStatus::Finished.wire_status(), 3);
        assert_eq!(GrayStatus::Reverted.wire_status(), 4);
    }

    #[test]
    fn refusals_carry_the_spec_codes() {
        let codes: Vec<i64> = [
            ReleaseError::NoApprovedVersion,
            ReleaseError::NotAllowed("x"),
            ReleaseError::AlreadyReleased,
            ReleaseError::NoLiveVersion,
            ReleaseError::NoGrayCandidate,
            ReleaseError::InvalidPercentage,
            ReleaseError::PercentageMustRise(10),
            ReleaseError::GrayInProgress,
            ReleaseError::CannotRevert,
            ReleaseError::VisitNotAllowed("x"),
            ReleaseError::InvalidVisitAction,
            ReleaseError::SearchBanned,
            ReleaseError::InvalidSearchStatus,
        ]
        .iter()
        .map(ReleaseError::errcode)
        .collect();
        assert_eq!(
            codes,
            [85019, 85020, 85052, 85079, 85080, 85081, 85082, 87011, 87012, 85021, 85022, 85083, 85084]
        );
    }
}
