//! Review quotas (clause 2.6, `wechat-api.md` §7.1 rows 8, 14, 15): the monthly submit and
//! expedite quotas of a developer subject (the account that created the mini program), the
//! withdrawal limits of a mini program, expediting, and the operator's suspension of an
//! account's review service.

use crate::accounts::developers::ensure_operator;
use crate::accounts::{Developer, DeveloperId};
use crate::apps::App;
use crate::audit::Actor;
use crate::error::{Error, Result, StoreError};
use crate::store::{Window, ALREADY_EXPEDITED, NOT_IN_QUEUE, SPEEDUP_QUOTA_USED, UNDO_LIMIT_REACHED};
use crate::wx::WxError;
use crate::{Platform, Timestamp};

use super::ReviewId;

/// What a subject used of its monthly quotas.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QuotaUse {
    pub submitted: i64,
    pub expedited: i64,
}

/// `queryquota`: what is left this month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ReviewQuota {
    pub rest: i64,
    pub limit: i64,
    pub speedup_rest: i64,
    pub speedup_limit: i64,
}

/// An operator's suspension of a developer account's review service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewSuspension {
    pub developer: DeveloperId,
    pub reason: String,
    pub suspended_by: DeveloperId,
    pub suspended_at: Timestamp,
}

/// The first second of the UTC month of `at`.
pub fn month_start(at: Timestamp) -> Timestamp {
    let date = time::OffsetDateTime::from_unix_timestamp(at).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let first = date.date().replace_day(1).expect("every month has a first day");
    first.midnight().assume_utc().unix_timestamp()
}

/// The first second of the UTC day of `at`.
pub fn day_start(at: Timestamp) -> Timestamp {
    at - at.rem_euclid(86_400)
}

impl Platform {
    /// `GET /wxa/queryquota`: the subject's submit and expedite quotas left this month.
    pub async fn review_quota(&self, app: &App) -> Result<ReviewQuota> {
        let used = self.store.review_quota_use(app.created_by, month_start(self.clock.now())).await?;
        let config = &self.config.review;
        Ok(ReviewQuota {
            rest: (config.submit_quota_per_month - used.submitted).max(0),
            limit: config.submit_quota_per_month,
            speedup_rest: (config.speedup_quota_per_month - used.expedited).max(0),
            speedup_limit: config.speedup_quota_per_month,
        })
    }

    /// `GET /wxa/undocodeaudit`: withdraws the open review, at most `undo_per_day` times a
    /// day and `undo_per_month` times a month per mini program (87013). With no review in
    /// progress: 89402 (nothing is in the audit queue).
    pub async fn withdraw_review(&self, app: &App, actor: Actor) -> Result<ReviewId, WxError> {
        let now = self.clock.now();
        let config = &self.config.review;
        let windows = [
            Window { since: day_start(now), limit: config.undo_per_day },
            Window { since: month_start(now), limit: config.undo_per_month },
        ];
        let withdrawn = self.store.withdraw_review(app.key, now, &windows).await.map_err(|e| match e {
            StoreError::Refused(UNDO_LIMIT_REACHED) => WxError::undo_quota_reached(),
            e => e.into(),
        })?;
        let review = withdrawn.ok_or_else(WxError::not_in_audit_queue)?;
        self.audit(actor, "review.withdraw", app.appid.as_str(), &review.0.to_string()).await?;
        Ok(review)
    }

    /// `POST /wxa/speedupaudit`: an open review goes first, once, within the subject's
    /// monthly expedite quota.
    pub async fn expedite_review(&self, app: &App, review: ReviewId, actor: Actor) -> Result<(), WxError> {
        if self.store.review(app.key, review).await?.is_none() {
            return Err(WxError::invalid_audit_id());
        }
        let now = self.clock.now();
        let quota = Window { since: month_start(now), limit: self.config.review.speedup_quota_per_month };
        self.store.expedite_review(app.key, review, app.created_by, quota, now).await.map_err(
            |e| match e {
                StoreError::Refused(NOT_IN_QUEUE) => WxError::not_in_audit_queue(),
                StoreError::Refused(ALREADY_EXPEDITED) => WxError::already_expedited(),
                StoreError::Refused(SPEEDUP_QUOTA_USED) => WxError::speedup_quota_reached(),
                e => e.into(),
            },
        )?;
        self.audit(actor, "review.expedite", app.appid.as_str(), &review.0.to_string()).await?;
        Ok(())
    }

    /// The operator suspends (`reason` given) or resumes (`None`) a developer account's review
    /// service; a suspended account's mini programs get 86007 on submit.
    pub async fn set_review_suspension(
        &self,
        actor: &Developer,
        developer: DeveloperId,
        reason: Option<&str>,
    ) -> Result<()> {
        ensure_operator(actor)?;
        self.store.developer_by_id(developer).await?.ok_or(Error::NotFound("developer"))?;
        let suspension = match reason.map(str::trim) {
            Some(reason) if reason.is_empty() || reason.chars().count() > 500 => {
                return Err(Error::invalid("reason", "is required to suspend, at most 500 characters"));
            }
            Some(reason) => Some(ReviewSuspension {
                developer,
                reason: reason.to_owned(),
                suspended_by: actor.id,
                suspended_at: self.clock.now(),
            }),
            None => None,
        };
        self.store.set_review_suspension(developer, suspension.as_ref()).await?;
        let action = if suspension.is_some() { "review.suspend" } else { "review.resume" };
        self.audit(Actor::Developer(actor.id), action, &developer.0.to_string(), reason.unwrap_or("")).await
    }

    /// Whether (and why) the developer's review service is suspended.
    pub async fn review_suspension(&self, developer: DeveloperId) -> Result<Option<ReviewSuspension>> {
        Ok(self.store.review_suspension(developer).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_start_at_utc_boundaries() {
        // 2026-11-30 05:24:47 UTC
        let at = 1_796_016_287;
        assert_eq!(day_start(at), 1_795_996_800);
        // 2026-11-01 00:00:00 UTC
        assert_eq!(month_start(at), 1_793_491_200);
        assert_eq!(month_start(1_793_491_200), 1_793_491_200);
        assert_eq!(month_start(1_793_491_199), 1_790_812_800);
    }
}
