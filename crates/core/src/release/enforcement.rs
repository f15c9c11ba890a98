//! Enforcement by platform staff against mini programs (clauses 2.5, 4.12): short-term,
//! long-term or permanent bans of a released mini program, restrictions on releasing, and
//! orders to rectify by a deadline (which staff may turn into a ban once overdue). Developers
//! see the records and may appeal each once; staff uphold or lift. A ban in force closes the
//! mini program ([`Access::Banned`](crate::apps::access::Access)) and keeps it out of the
//! directory; a restriction refuses `release` and `grayrelease` (85020).

use crate::accounts::{Developer, DeveloperId};
use crate::apps::{App, AppKey, MemberRole};
use crate::audit::Actor;
use crate::error::{Error, Result, StoreError};
use crate::release::ReleaseError;
use crate::store::{ALREADY_APPEALED, RECTIFICATION_CLOSED};
use crate::{Platform, Timestamp};

/// Longest short-term ban; a long-term one must end later.
pub const SHORT_TERM_MAX_SECS: i64 = 30 * 86_400;
const REASON_MAX_CHARS: usize = 500;
const APPEAL_MAX_CHARS: usize = 1_000;
const LIST_LIMIT: i64 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnforcementId(pub i64);

/// What staff ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnforcementKind {
    Ban,
    RestrictRelease,
    Rectification,
}

impl EnforcementKind {
    pub const ALL: [Self; 3] = [Self::Ban, Self::RestrictRelease, Self::Rectification];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ban => "ban",
            Self::RestrictRelease => "restrict_release",
            Self::Rectification => "rectification",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Ban => "Ban",
            Self::RestrictRelease => "Release restricted",
            Self::Rectification => "Rectification ordered",
        }
    }
}

/// How long a ban lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BanTerm {
    /// Up to 30 days.
    Short,
    /// Longer than 30 days, until a date.
    Long,
    Permanent,
}

impl BanTerm {
    pub const ALL: [Self; 3] = [Self::Short, Self::Long, Self::Permanent];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Short => "short",
            Self::Long => "long",
            Self::Permanent => "permanent",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|term| term.as_str() == text)
    }
}

/// One enforcement record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnforcementAction {
    /// Assigned by the store.
    pub id: EnforcementId,
    pub app: AppKey,
    pub kind: EnforcementKind,
    /// Bans only.
    pub term: Option<BanTerm>,
    pub reason: String,
    /// When a ban or restriction ends (`None`: never); a rectification's deadline.
    pub ends_at: Option<Timestamp>,
    pub created_by: DeveloperId,
    pub created_at: Timestamp,
    /// Lifted by staff (a rectification: marked done).
    pub lifted_at: Option<Timestamp>,
    pub lifted_by: Option<DeveloperId>,
    /// The ban an overdue rectification was turned into.
    pub resolved_by: Option<EnforcementId>,
}

impl EnforcementAction {
    /// A ban or restriction in force at `now`; an open rectification.
    pub fn in_force(&self, now: Timestamp) -> bool {
        if self.lifted_at.is_some() || self.resolved_by.is_some() {
            return false;
        }
        match self.kind {
            EnforcementKind::Rectification => true,
            EnforcementKind::Ban | EnforcementKind::RestrictRelease => {
                self.ends_at.is_none_or(|end| end > now)
            }
        }
    }
    /// An open rectification past its deadline (staff may turn it into a ban).
    pub fn overdue(&self, now: Timestamp) -> bool {
        self.kind == EnforcementKind::Rectification
            && self.in_force(now)
            && self.ends_at.is_some_and(|deadline| deadline <= now)
    }
}

/// What staff order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Ban { term: BanTerm, until: Option<Timestamp> },
    RestrictRelease { until: Option<Timestamp> },
    Rectify { deadline: Timestamp },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppealDecision {
    Pending,
    /// The action stands.
    Upheld,
    /// The action is lifted.
    Lifted,
}

impl AppealDecision {
    pub const ALL: [Self; 3] = [Self::Pending, Self::Upheld, Self::Lifted];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Upheld => "upheld",
            Self::Lifted => "lifted",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|decision| decision.as_str() == text)
    }
}

/// A developer's appeal against one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appeal {
    /// Assigned by the store.
    pub id: i64,
    pub action: EnforcementId,
    pub app: AppKey,
    pub text: String,
    pub submitted_by: DeveloperId,
    pub submitted_at: Timestamp,
    pub decision: AppealDecision,
    pub decided_by: Option<DeveloperId>,
    pub decided_at: Option<Timestamp>,
    pub note: Option<String>,
}

fn ensure_staff(actor: &Developer) -> Result<()> {
    actor.ensure_active()?;
    if actor.is_operator() {
        Ok(())
    } else {
        Err(Error::forbidden("only platform staff may do this"))
    }
}

fn checked_text(field: &'static str, text: &str, max: usize) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::invalid(field, "is required"));
    }
    if text.chars().count() > max || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::invalid(field, format!("must be at most {max} characters")));
    }
    Ok(text.to_owned())
}

impl Order {
    /// The action's kind, term and end, validated against `now`.
    fn shape(self, now: Timestamp) -> Result<(EnforcementKind, Option<BanTerm>, Option<Timestamp>)> {
        let future = |at: Timestamp| {
            if at > now {
                Ok(at)
            } else {
                Err(Error::invalid("until", "must be in the future"))
            }
        };
        Ok(match self {
            Order::Ban { term: BanTerm::Permanent, .. } => {
                (EnforcementKind::Ban, Some(BanTerm::Permanent), None)
            }
            Order::Ban { term, until } => {
                let until =
                    future(until.ok_or_else(|| Error::invalid("until", "is required for this term"))?)?;
                let short = until - now <= SHORT_TERM_MAX_SECS;
                if short != (term == BanTerm::Short) {
                    return Err(Error::invalid(
                        "until",
                        "must be within 30 days for a short-term ban and later for a long-term one",
                    ));
                }
                (EnforcementKind::Ban, Some(term), Some(until))
            }
            Order::RestrictRelease { until } => {
                (EnforcementKind::RestrictRelease, None, until.map(future).transpose()?)
            }
            Order::Rectify { deadline } => (EnforcementKind::Rectification, None, Some(future(deadline)?)),
        })
    }
}

impl Platform {
    /// Staff order an action against a mini program. A ban needs a released mini program.
    pub async fn enforce(
        &self,
        staff: &Developer,
        appid: &str,
        order: Order,
        reason: &str,
    ) -> Result<EnforcementAction> {
        ensure_staff(staff)?;
        let app = self.app_by_appid(appid).await?;
        self.record_enforcement(staff, &app, order, reason, None).await
    }

    async fn record_enforcement(
        &self,
        staff: &Developer,
        app: &App,
        order: Order,
        reason: &str,
        resolves: Option<EnforcementId>,
    ) -> Result<EnforcementAction> {
        let reason = checked_text("reason", reason, REASON_MAX_CHARS)?;
        let now = self.clock.now();
        let (kind, term, ends_at) = order.shape(now)?;
        if kind == EnforcementKind::Ban && self.store.live_release(app.key).await?.is_none() {
            return Err(Error::invalid("appid", "names a mini program that is not released"));
        }
        let action = EnforcementAction {
            id: EnforcementId(0),
            app: app.key,
            kind,
            term,
            reason,
            ends_at,
            created_by: staff.id,
            created_at: now,
            lifted_at: None,
            lifted_by: None,
            resolved_by: None,
        };
        let action = match self.store.insert_enforcement(&action, resolves).await {
            Ok(action) => action,
            Err(StoreError::Refused(RECTIFICATION_CLOSED)) => {
                return Err(Error::forbidden("the rectification is no longer open"))
            }
            Err(error) => return Err(error.into()),
        };
        let detail = format!(
            "{} #{}{}{}: {}",
            kind.as_str(),
            action.id.0,
            term.map(|t| format!(" {}", t.as_str())).unwrap_or_default(),
            ends_at.map(|at| format!(" until {}", crate::clock::format_utc(at))).unwrap_or_default(),
            action.reason
        );
        self.audit(Actor::Developer(staff.id), "enforcement.ordered", app.appid.as_str(), &detail).await?;
        Ok(action)
    }

    /// Staff turn an overdue rectification into a ban.
    pub async fn escalate_rectification(
        &self,
        staff: &Developer,
        id: EnforcementId,
        term: BanTerm,
        until: Option<Timestamp>,
    ) -> Result<EnforcementAction> {
        ensure_staff(staff)?;
        let rectification =
            self.store.enforcement_action(id).await?.ok_or(Error::NotFound("enforcement action"))?;
        if !rectification.overdue(self.clock.now()) {
            return Err(Error::forbidden("only an open rectification past its deadline can become a ban"));
        }
        let app = self.store.app_by_key(rectification.app).await?.ok_or(Error::NotFound("mini program"))?;
        let reason = format!("rectification #{} not done by its deadline: {}", id.0, rectification.reason);
        let reason: String = reason.chars().take(REASON_MAX_CHARS).collect();
        self.record_enforcement(staff, &app, Order::Ban { term, until }, &reason, Some(id)).await
    }

    /// Staff lift a ban or restriction, or mark a rectification done.
    pub async fn lift_enforcement(&self, staff: &Developer, id: EnforcementId) -> Result<()> {
        ensure_staff(staff)?;
        let action = self.store.enforcement_action(id).await?.ok_or(Error::NotFound("enforcement action"))?;
        if !self.store.lift_enforcement(id, staff.id, self.clock.now()).await? {
            return Err(Error::forbidden("the action was already lifted"));
        }
        let app = self.store.app_by_key(action.app).await?.ok_or(Error::NotFound("mini program"))?;
        let detail = format!("{} #{}", action.kind.as_str(), id.0);
        self.audit(Actor::Developer(staff.id), "enforcement.lifted", app.appid.as_str(), &detail).await
    }

    /// Every action and appeal, newest first, with the app each concerns (for staff).
    pub async fn enforcement_overview(
        &self,
        staff: &Developer,
    ) -> Result<(Vec<(EnforcementAction, App)>, Vec<(Appeal, App)>)> {
        ensure_staff(staff)?;
        let actions = self.store.enforcement_actions(None, LIST_LIMIT).await?;
        let appeals = self.store.appeals(None, LIST_LIMIT).await?;
        let mut apps = std::collections::HashMap::new();
        let keys: std::collections::BTreeSet<AppKey> =
            actions.iter().map(|a| a.app).chain(appeals.iter().map(|a| a.app)).collect();
        for key in keys {
            let app = self.store.app_by_key(key).await?.ok_or(Error::NotFound("mini program"))?;
            apps.insert(key, app);
        }
        let actions = actions
            .into_iter()
            .map(|a| {
                let app = apps[&a.app].clone();
                (a, app)
            })
            .collect();
        let appeals = appeals
            .into_iter()
            .map(|a| {
                let app = apps[&a.app].clone();
                (a, app)
            })
            .collect();
        Ok((actions, appeals))
    }

    /// The actions against a mini program and their appeals, for any of its members.
    pub async fn violations(
        &self,
        actor: &Developer,
        appid: &str,
    ) -> Result<(App, MemberRole, Vec<(EnforcementAction, Option<Appeal>)>)> {
        let (app, role) = self.app_for_member(actor, appid).await?;
        let appeals = self.store.appeals(Some(app.key), LIST_LIMIT).await?;
        let actions = self
            .store
            .enforcement_actions(Some(app.key), LIST_LIMIT)
            .await?
            .into_iter()
            .map(|action| {
                let appeal = appeals.iter().find(|a| a.action == action.id).cloned();
                (action, appeal)
            })
            .collect();
        Ok((app, role, actions))
    }

    /// A member with the release role appeals an action against their mini program, once.
    pub async fn appeal(
        &self,
        actor: &Developer,
        appid: &str,
        id: EnforcementId,
        text: &str,
    ) -> Result<Appeal> {
        let app = self.app_for_release(actor, appid).await?;
        let text = checked_text("text", text, APPEAL_MAX_CHARS)?;
        let action = self
            .store
            .enforcement_action(id)
            .await?
            .filter(|action| action.app == app.key)
            .ok_or(Error::NotFound("enforcement action"))?;
        let appeal = Appeal {
            id: 0,
            action: action.id,
            app: app.key,
            text,
            submitted_by: actor.id,
            submitted_at: self.clock.now(),
            decision: AppealDecision::Pending,
            decided_by: None,
            decided_at: None,
            note: None,
        };
        let appeal = match self.store.insert_appeal(&appeal).await {
            Ok(appeal) => appeal,
            Err(StoreError::Refused(ALREADY_APPEALED)) => {
                return Err(Error::forbidden(
                    "this record was already appealed; each record can be appealed once",
                ))
            }
            Err(error) => return Err(error.into()),
        };
        let detail = format!("appeal #{} against {} #{}", appeal.id, action.kind.as_str(), id.0);
        self.audit(Actor::Developer(actor.id), "enforcement.appealed", app.appid.as_str(), &detail).await?;
        Ok(appeal)
    }

    /// Staff decide a pending appeal; lifting it lifts the action.
    pub async fn decide_appeal(&self, staff: &Developer, id: i64, lift: bool, note: &str) -> Result<()> {
        ensure_staff(staff)?;
        let note: String = note.trim().chars().take(REASON_MAX_CHARS).collect();
        let appeal = self.store.appeal(id).await?.ok_or(Error::NotFound("appeal"))?;
        let decision = if lift { AppealDecision::Lifted } else { AppealDecision::Upheld };
        if !self.store.decide_appeal(id, decision, &note, staff.id, self.clock.now()).await? {
            return Err(Error::forbidden("the appeal was already decided"));
        }
        let app = self.store.app_by_key(appeal.app).await?.ok_or(Error::NotFound("mini program"))?;
        let detail = format!("appeal #{id} {}", decision.as_str());
        self.audit(Actor::Developer(staff.id), "enforcement.appeal_decided", app.appid.as_str(), &detail)
            .await
    }

    /// The ban in force on the mini program, if any.
    pub async fn ban_in_force(&self, app: &App) -> Result<Option<EnforcementAction>> {
        Ok(self.actions_in_force(app.key, EnforcementKind::Ban).await?.into_iter().next())
    }

    async fn actions_in_force(&self, app: AppKey, kind: EnforcementKind) -> Result<Vec<EnforcementAction>> {
        let now = self.clock.now();
        Ok(self
            .store
            .enforcement_actions(Some(app), LIST_LIMIT)
            .await?
            .into_iter()
            .filter(|action| action.kind == kind && action.in_force(now))
            .collect())
    }

    /// Refuses releasing while a ban or a release restriction is in force (85020).
    pub(crate) async fn ensure_release_allowed(&self, app: &App) -> Result<(), ReleaseError> {
        if self.ban_in_force(app).await?.is_some() {
            return Err(ReleaseError::NotAllowed("the mini program is banned"));
        }
        if !self.actions_in_force(app.key, EnforcementKind::RestrictRelease).await?.is_empty() {
            return Err(ReleaseError::NotAllowed("releasing is restricted by the platform"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(kind: EnforcementKind, ends_at: Option<Timestamp>) -> EnforcementAction {
        EnforcementAction {
            id: EnforcementId(1),
            app: AppKey(1),
            kind,
            term: None,
            reason: "r".into(),
            ends_at,
            created_by: DeveloperId(1),
            created_at: 0,
            lifted_at: None,
            lifted_by: None,
            resolved_by: None,
        }
    }

    #[test]
    fn bans_end_at_their_date_or_when_lifted() {
        let ban = action(EnforcementKind::Ban, Some(100));
        assert!(ban.in_force(99) && !ban.in_force(100));
        assert!(action(EnforcementKind::Ban, None).in_force(i64::MAX));
        let lifted = EnforcementAction { lifted_at: Some(5), ..ban };
        assert!(!lifted.in_force(0));
    }

    #[test]
    fn rectifications_stay_open_and_become_overdue() {
        let order = action(EnforcementKind::Rectification, Some(100));
        assert!(order.in_force(1_000) && !order.overdue(99) && order.overdue(100));
        let resolved = EnforcementAction { resolved_by: Some(EnforcementId(2)), ..order };
        assert!(!resolved.in_force(0) && !resolved.overdue(1_000));
    }

    #[test]
    fn orders_are_checked() {
        let now = 1_000;
        let day = 86_400;
        assert!(Order::Ban { term: BanTerm::Short, until: Some(now + day) }.shape(now).is_ok());
        assert!(Order::Ban { term: BanTerm::Short, until: Some(now + 31 * day) }.shape(now).is_err());
        assert!(Order::Ban { term: BanTerm::Long, until: Some(now + day) }.shape(now).is_err());
        assert!(Order::Ban { term: BanTerm::Long, until: Some(now + 90 * day) }.shape(now).is_ok());
        assert!(Order::Ban { term: BanTerm::Short, until: None }.shape(now).is_err());
        assert!(Order::Ban { term: BanTerm::Short, until: Some(now) }.shape(now).is_err());
        let permanent = Order::Ban { term: BanTerm::Permanent, until: Some(now + day) }.shape(now).unwrap();
        assert_eq!(permanent, (EnforcementKind::Ban, Some(BanTerm::Permanent), None));
        assert!(Order::Rectify { deadline: now - 1 }.shape(now).is_err());
        assert_eq!(Order::RestrictRelease { until: None }.shape(now).unwrap().2, None);
    }
}
