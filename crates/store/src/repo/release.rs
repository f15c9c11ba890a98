//! Releases, gray release plans, release settings, and enforcement. A release row repeats the
//! reviewed version's columns (a snapshot), so the version mappers of `versions.rs` read and
//! write them.

use super::versions::{develop_version, reference_package, version_params, VERSION_COLUMNS};
use super::*;
use miniplat_core::release::enforcement::{
    Appeal, AppealDecision, BanTerm, EnforcementAction, EnforcementId, EnforcementKind,
};
use miniplat_core::release::gray::GrayRule;
use miniplat_core::release::{GrayPlan, GrayStatus, Release, ReleaseSettings};
use miniplat_core::review::ReviewId;
use miniplat_core::store::{
    EndGray, EnforcementStore, ReleaseStore, ALREADY_APPEALED, ALREADY_RELEASED, GRAY_PLAN_RUNNING,
    RECTIFICATION_CLOSED,
};

/// `source_version_id, app_id, <VERSION_COLUMNS>` first (the version mapper's layout), then
/// the release's own columns from index 13.
fn release_columns() -> String {
    format!(
        "source_version_id, app_id, {VERSION_COLUMNS}, id, app_version, review_id, released_at, released_by, \
         reverted_at"
    )
}

fn release(row: &Row, detail: bool) -> StoreResult<Release> {
    Ok(Release {
        id: row.int(13),
        app: AppKey(row.int(1)),
        app_version: row.int(14),
        review: ReviewId(row.int(15)),
        version: develop_version(row, detail)?,
        released_at: row.int(16),
        released_by: row.opt_int(17).map(DeveloperId),
        reverted_at: row.opt_int(18),
    })
}

fn select_releases(where_clause: &str) -> String {
    format!("SELECT {} FROM releases WHERE {where_clause}", release_columns())
}

const PLAN_COLUMNS: &str =
    "id, app_id, review_id, status, percentage, debuger_first, experiencer_first, created_at, updated_at";

fn plan(row: &Row) -> StoreResult<GrayPlan> {
    let status = row.text(3);
    Ok(GrayPlan {
        id: row.int(0),
        app: AppKey(row.int(1)),
        review: ReviewId(row.int(2)),
        status: GrayStatus::parse(&status).ok_or_else(|| corrupt("gray plan status", &status))?,
        rule: GrayRule { percentage: row.int(4), members_first: row.bool(5), testers_first: row.bool(6) },
        created_at: row.int(7),
        updated_at: row.int(8),
    })
}

fn end_gray(
    c: &mut dyn Conn,
    app: AppKey,
    plan: i64,
    status: GrayStatus,
    at: Timestamp,
) -> StoreResult<bool> {
    Ok(c.exec(
        "UPDATE gray_release_plans SET status = ?, updated_at = ? WHERE app_id = ? AND id = ? AND status = ?",
        params![status.as_str(), at, app.0, plan, GrayStatus::Running.as_str()],
    )? > 0)
}

/// The condition for a ban in force at `?` (the parameter) on the app aliased `a`.
const BAN_IN_FORCE: &str =
    "EXISTS (SELECT 1 FROM enforcement_actions e WHERE e.app_id = a.id AND e.kind = 'ban' \
     AND e.lifted_at IS NULL AND e.resolved_by_action IS NULL AND (e.ends_at IS NULL OR e.ends_at > ?))";

/// Escapes `LIKE` wildcards so a query matches literally (with `ESCAPE '\'`).
fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

#[async_trait]
impl ReleaseStore for SqlStore {
    async fn insert_release(&self, r: &Release, end: Option<EndGray>) -> StoreResult<Release> {
        let r = r.clone();
        self.write(move |c| {
            reference_package(c, &r.version.package_sha256, r.released_at)?;
            let next = c
                .query_one(
                    "SELECT COALESCE(MAX(app_version), 0) + 1 FROM releases WHERE app_id = ?",
                    params![r.app.0],
                )?
                .int(0);
            let mut values = params![r.version.id, r.app.0].to_vec();
            values.extend(version_params(&r.version));
            values
                .extend(params![next, r.review.0, r.released_at, r.released_by.map(|d| d.0)].iter().cloned());
            let sql = format!(
                "INSERT INTO releases (source_version_id, app_id, {VERSION_COLUMNS}, app_version, review_id, \
                 released_at, released_by) VALUES ({}) RETURNING id",
                vec!["?"; values.len()].join(", ")
            );
            let id = match c.query_one(&sql, &values) {
                Ok(row) => row.int(0),
                Err(StoreError::UniqueViolation) => return Err(StoreError::Refused(ALREADY_RELEASED)),
                Err(error) => return Err(error),
            };
            if let Some(end) = end {
                end_gray(c, r.app, end.plan, end.status, r.released_at)?;
            }
            c.exec("UPDATE apps SET status = 'released' WHERE id = ?", params![r.app.0])?;
            Ok(Release { id, app_version: next, ..r })
        })
        .await
    }

    async fn releases(&self, app: AppKey, limit: i64) -> StoreResult<Vec<Release>> {
        self.read(move |c| {
            c.query(&(select_releases("app_id = ?") + " ORDER BY id DESC LIMIT ?"), params![app.0, limit])?
                .iter()
                .map(|row| release(row, false))
                .collect()
        })
        .await
    }

    async fn live_release(&self, app: AppKey) -> StoreResult<Option<Release>> {
        self.read(move |c| {
            c.query_opt(
                &(select_releases("app_id = ? AND reverted_at IS NULL") + " ORDER BY id DESC LIMIT 1"),
                params![app.0],
            )?
            .map(|row| release(&row, true))
            .transpose()
        })
        .await
    }

    async fn revert_releases(
        &self,
        app: AppKey,
        expected_live: i64,
        to: i64,
        at: Timestamp,
    ) -> StoreResult<bool> {
        self.write(move |c| {
            let live = c.query_opt(
                "SELECT id FROM releases WHERE app_id = ? AND reverted_at IS NULL ORDER BY id DESC LIMIT 1",
                params![app.0],
            )?;
            if live.map(|row| row.int(0)) != Some(expected_live) || to >= expected_live {
                return Ok(false);
            }
            c.exec(
                "UPDATE releases SET reverted_at = ? WHERE app_id = ? AND id > ? AND reverted_at IS NULL",
                params![at, app.0, to],
            )?;
            Ok(true)
        })
        .await
    }

    async fn gray_plan(&self, app: AppKey) -> StoreResult<Option<GrayPlan>> {
        self.read(move |c| {
            c.query_opt(
                &format!(
                    "SELECT {PLAN_COLUMNS} FROM gray_release_plans WHERE app_id = ? ORDER BY id DESC LIMIT 1"
                ),
                params![app.0],
            )?
            .as_ref()
            .map(plan)
            .transpose()
        })
        .await
    }

    async fn start_gray_plan(&self, p: &GrayPlan) -> StoreResult<GrayPlan> {
        let p = p.clone();
        self.write(move |c| {
            let inserted = c.query_one(
                "INSERT INTO gray_release_plans (app_id, review_id, status, percentage, debuger_first, \
                 experiencer_first, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                params![
                    p.app.0,
                    p.review.0,
                    p.status.as_str(),
                    p.rule.percentage,
                    p.rule.members_first,
                    p.rule.testers_first,
                    p.created_at,
                    p.updated_at
                ],
            );
            match inserted {
                Ok(row) => Ok(GrayPlan { id: row.int(0), ..p }),
                Err(StoreError::UniqueViolation) => Err(StoreError::Refused(GRAY_PLAN_RUNNING)),
                Err(error) => Err(error),
            }
        })
        .await
    }

    async fn raise_gray_plan(&self, p: &GrayPlan, from_percentage: i64) -> StoreResult<bool> {
        let p = p.clone();
        self.write(move |c| {
            Ok(c.exec(
                "UPDATE gray_release_plans SET percentage = ?, debuger_first = ?, experiencer_first = ?, \
                 updated_at = ? WHERE app_id = ? AND id = ? AND status = ? AND percentage = ?",
                params![
                    p.rule.percentage,
                    p.rule.members_first,
                    p.rule.testers_first,
                    p.updated_at,
                    p.app.0,
                    p.id,
                    GrayStatus::Running.as_str(),
                    from_percentage
                ],
            )? > 0)
        })
        .await
    }

    async fn end_gray_plan(
        &self,
        app: AppKey,
        plan: i64,
        status: GrayStatus,
        at: Timestamp,
    ) -> StoreResult<bool> {
        self.write(move |c| end_gray(c, app, plan, status, at)).await
    }

    async fn release_settings(&self, app: AppKey) -> StoreResult<ReleaseSettings> {
        self.read(move |c| {
            Ok(c.query_opt(
                "SELECT visit_paused, search_hidden FROM release_settings WHERE app_id = ?",
                params![app.0],
            )?
            .map(|row| ReleaseSettings { visit_paused: row.bool(0), search_hidden: row.bool(1) })
            .unwrap_or_default())
        })
        .await
    }

    async fn put_release_settings(&self, app: AppKey, s: &ReleaseSettings, at: Timestamp) -> StoreResult<()> {
        let s = *s;
        self.write(move |c| {
            c.exec(
                "INSERT INTO release_settings (app_id, visit_paused, search_hidden, updated_at) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (app_id) DO UPDATE SET visit_paused = excluded.visit_paused, \
                 search_hidden = excluded.search_hidden, updated_at = excluded.updated_at",
                params![app.0, s.visit_paused, s.search_hidden, at],
            )
            .map(drop)
        })
        .await
    }

    async fn directory(&self, name_key: &str, now: Timestamp, limit: i64) -> StoreResult<Vec<App>> {
        let pattern = like_pattern(name_key);
        self.read(move |c| {
            let sql = format!(
                "SELECT {APP_COLUMNS} FROM apps a \
                 WHERE EXISTS (SELECT 1 FROM releases r WHERE r.app_id = a.id AND r.reverted_at IS NULL) \
                 AND NOT EXISTS (SELECT 1 FROM release_settings s WHERE s.app_id = a.id \
                                 AND (s.visit_paused <> 0 OR s.search_hidden <> 0)) \
                 AND NOT {BAN_IN_FORCE} AND a.name_key LIKE ? ESCAPE '\\' \
                 ORDER BY a.name_key LIMIT ?"
            );
            c.query(&sql, params![now, pattern, limit])?.iter().map(app).collect()
        })
        .await
    }
}

const ACTION_COLUMNS: &str =
    "id, app_id, kind, term, reason, ends_at, created_by, created_at, lifted_at, lifted_by, \
     resolved_by_action";

fn action(row: &Row) -> StoreResult<EnforcementAction> {
    let kind = row.text(2);
    let term = row.opt_text(3);
    Ok(EnforcementAction {
        id: EnforcementId(row.int(0)),
        app: AppKey(row.int(1)),
        kind: EnforcementKind::parse(&kind).ok_or_else(|| corrupt("enforcement kind", &kind))?,
        term: term.map(|term| BanTerm::parse(&term).ok_or_else(|| corrupt("ban term", &term))).transpose()?,
        reason: row.text(4),
        ends_at: row.opt_int(5),
        created_by: DeveloperId(row.int(6)),
        created_at: row.int(7),
        lifted_at: row.opt_int(8),
        lifted_by: row.opt_int(9).map(DeveloperId),
        resolved_by: row.opt_int(10).map(EnforcementId),
    })
}

const APPEAL_COLUMNS: &str =
    "id, action_id, app_id, text, submitted_by, submitted_at, decision, decided_by, decided_at, note";

fn appeal(row: &Row) -> StoreResult<Appeal> {
    let decision = row.text(6);
    Ok(Appeal {
        id: row.int(0),
        action: EnforcementId(row.int(1)),
        app: AppKey(row.int(2)),
        text: row.text(3),
        submitted_by: DeveloperId(row.int(4)),
        submitted_at: row.int(5),
        decision: AppealDecision::parse(&decision).ok_or_else(|| corrupt("appeal decision", &decision))?,
        decided_by: row.opt_int(7).map(DeveloperId),
        decided_at: row.opt_int(8),
        note: row.opt_text(9),
    })
}

/// `WHERE` for an optional app filter: `(clause, params)`.
fn for_app(app: Option<AppKey>) -> (&'static str, Vec<crate::sql::Value>) {
    match app {
        Some(app) => ("WHERE app_id = ?", params![app.0].to_vec()),
        None => ("", Vec::new()),
    }
}

#[async_trait]
impl EnforcementStore for SqlStore {
    async fn insert_enforcement(
        &self,
        a: &EnforcementAction,
        resolves: Option<EnforcementId>,
    ) -> StoreResult<EnforcementAction> {
        let a = a.clone();
        self.write(move |c| {
            let id = c
                .query_one(
                    "INSERT INTO enforcement_actions (app_id, kind, term, reason, ends_at, created_by, created_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    params![
                        a.app.0,
                        a.kind.as_str(),
                        a.term.map(BanTerm::as_str),
                        a.reason.as_str(),
                        a.ends_at,
                        a.created_by.0,
                        a.created_at
                    ],
                )?
                .int(0);
            if let Some(resolves) = resolves {
                let resolved = c.exec(
                    "UPDATE enforcement_actions SET resolved_by_action = ? WHERE id = ? AND app_id = ? \
                     AND kind = 'rectification' AND lifted_at IS NULL AND resolved_by_action IS NULL",
                    params![id, resolves.0, a.app.0],
                )?;
                if resolved == 0 {
                    return Err(StoreError::Refused(RECTIFICATION_CLOSED));
                }
            }
            Ok(EnforcementAction { id: EnforcementId(id), ..a })
        })
        .await
    }

    async fn enforcement_action(&self, id: EnforcementId) -> StoreResult<Option<EnforcementAction>> {
        self.read(move |c| {
            c.query_opt(
                &format!("SELECT {ACTION_COLUMNS} FROM enforcement_actions WHERE id = ?"),
                params![id.0],
            )?
            .as_ref()
            .map(action)
            .transpose()
        })
        .await
    }

    async fn enforcement_actions(
        &self,
        app: Option<AppKey>,
        limit: i64,
    ) -> StoreResult<Vec<EnforcementAction>> {
        self.read(move |c| {
            let (filter, mut values) = for_app(app);
            values.push(limit.into());
            let sql =
                format!("SELECT {ACTION_COLUMNS} FROM enforcement_actions {filter} ORDER BY id DESC LIMIT ?");
            c.query(&sql, &values)?.iter().map(action).collect()
        })
        .await
    }

    async fn lift_enforcement(&self, id: EnforcementId, by: DeveloperId, at: Timestamp) -> StoreResult<bool> {
        self.write(move |c| {
            Ok(c.exec(
                "UPDATE enforcement_actions SET lifted_at = ?, lifted_by = ? \
                 WHERE id = ? AND lifted_at IS NULL AND resolved_by_action IS NULL",
                params![at, by.0, id.0],
            )? > 0)
        })
        .await
    }

    async fn insert_appeal(&self, a: &Appeal) -> StoreResult<Appeal> {
        let a = a.clone();
        self.write(move |c| {
            let inserted = c.query_one(
                "INSERT INTO appeals (action_id, app_id, text, submitted_by, submitted_at, decision) \
                 VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                params![
                    a.action.0,
                    a.app.0,
                    a.text.as_str(),
                    a.submitted_by.0,
                    a.submitted_at,
                    a.decision.as_str()
                ],
            );
            match inserted {
                Ok(row) => Ok(Appeal { id: row.int(0), ..a }),
                Err(StoreError::UniqueViolation) => Err(StoreError::Refused(ALREADY_APPEALED)),
                Err(error) => Err(error),
            }
        })
        .await
    }

    async fn appeal(&self, id: i64) -> StoreResult<Option<Appeal>> {
        self.read(move |c| {
            c.query_opt(&format!("SELECT {APPEAL_COLUMNS} FROM appeals WHERE id = ?"), params![id])?
                .as_ref()
                .map(appeal)
                .transpose()
        })
        .await
    }

    async fn appeals(&self, app: Option<AppKey>, limit: i64) -> StoreResult<Vec<Appeal>> {
        self.read(move |c| {
            let (filter, mut values) = for_app(app);
            values.push(limit.into());
            let sql = format!("SELECT {APPEAL_COLUMNS} FROM appeals {filter} ORDER BY id DESC LIMIT ?");
            c.query(&sql, &values)?.iter().map(appeal).collect()
        })
        .await
    }

    async fn decide_appeal(
        &self,
        id: i64,
        decision: AppealDecision,
        note: &str,
        by: DeveloperId,
        at: Timestamp,
    ) -> StoreResult<bool> {
        let note = note.to_owned();
        self.write(move |c| {
            let decided = c.query_opt(
                "UPDATE appeals SET decision = ?, note = ?, decided_by = ?, decided_at = ? \
                 WHERE id = ? AND decision = ? RETURNING action_id",
                params![decision.as_str(), note, by.0, at, id, AppealDecision::Pending.as_str()],
            )?;
            let Some(decided) = decided else { return Ok(false) };
            if decision == AppealDecision::Lifted {
                c.exec(
                    "UPDATE enforcement_actions SET lifted_at = ?, lifted_by = ? WHERE id = ? AND lifted_at IS NULL",
                    params![at, by.0, decided.int(0)],
                )?;
            }
            Ok(true)
        })
        .await
    }
}
