//! Human release review: organisations, reviewers, the queue and its assignments, delays and
//! the rejection-reason catalogue.

use super::*;
use miniplat_core::jobs::NewJob;
use miniplat_core::review::{ReviewId, ReviewState};
use miniplat_core::reviewing::{Assignment, QueueEntry, RejectionReason, ReviewOrg, ReviewOrgId, Reviewer};
use miniplat_core::store::{QueueFilter, ReviewingStore};

/// `state IN (…)` for the states of a review in progress.
fn open_states(column: &str) -> String {
    let states: Vec<String> = ReviewState::OPEN.iter().map(|s| format!("'{}'", s.as_str())).collect();
    format!("{column} IN ({})", states.join(", "))
}

const ORG_COLUMNS: &str = "id, name, is_platform, active, created_at";

fn org(row: &Row) -> ReviewOrg {
    ReviewOrg {
        id: ReviewOrgId(row.int(0)),
        name: row.text(1),
        is_platform: row.bool(2),
        active: row.bool(3),
        created_at: row.int(4),
    }
}

const REVIEWER_SELECT: &str =
    "SELECT v.developer_id, d.email, v.org_id, o.name, v.active, o.active, v.added_by, v.added_at \
     FROM reviewers v JOIN developers d ON d.id = v.developer_id JOIN review_orgs o ON o.id = v.org_id";

fn reviewer(row: &Row) -> StoreResult<Reviewer> {
    Ok(Reviewer {
        developer: DeveloperId(row.int(0)),
        email: email(row.text(1))?,
        org: ReviewOrgId(row.int(2)),
        org_name: row.text(3),
        active: row.bool(4),
        org_active: row.bool(5),
        added_by: DeveloperId(row.int(6)),
        added_at: row.int(7),
    })
}

fn assignment(row: &Row, from: usize, review: ReviewId) -> Option<Assignment> {
    Some(Assignment {
        review,
        org: ReviewOrgId(row.opt_int(from)?),
        reviewer: row.opt_int(from + 1).map(DeveloperId),
        assigned_at: row.int(from + 2),
        assigned_by: DeveloperId(row.int(from + 3)),
    })
}

/// Queue order: reviews in progress first, expedited ones first among them, then oldest
/// submission first.
fn queue_order() -> String {
    format!(
        "ORDER BY CASE WHEN {} THEN 0 ELSE 1 END, CASE WHEN r.expedited_at IS NULL THEN 1 ELSE 0 END, \
         r.expedited_at, r.submitted_at, r.id",
        open_states("r.state")
    )
}

/// Returns a reviewer's open reviews to their organisation's pool (`other_than`: only those
/// of other organisations).
fn release_open_reviews(
    c: &mut dyn Conn,
    developer: DeveloperId,
    other_than: Option<ReviewOrgId>,
) -> StoreResult<()> {
    let sql = format!(
        "UPDATE review_assignments SET reviewer_id = NULL WHERE reviewer_id = ? AND org_id <> ? \
         AND review_id IN (SELECT id FROM reviews WHERE {})",
        open_states("state")
    );
    c.exec(&sql, params![developer.0, other_than.map_or(-1, |o| o.0)])?;
    Ok(())
}

#[async_trait]
impl ReviewingStore for SqlStore {
    async fn review_orgs(&self) -> StoreResult<Vec<ReviewOrg>> {
        self.read(|c| {
            let sql = format!("SELECT {ORG_COLUMNS} FROM review_orgs ORDER BY is_platform DESC, id");
            Ok(c.query(&sql, &[])?.iter().map(org).collect())
        })
        .await
    }

    async fn insert_review_org(&self, name: &str, at: Timestamp) -> StoreResult<ReviewOrg> {
        let name = name.to_owned();
        self.write(move |c| {
            let sql = format!(
                "INSERT INTO review_orgs (name, name_key, is_platform, active, created_at) \
                 VALUES (?, ?, 0, 1, ?) RETURNING {ORG_COLUMNS}"
            );
            Ok(org(&c.query_one(&sql, params![name.as_str(), name.to_lowercase(), at])?))
        })
        .await
    }

    async fn set_review_org_active(&self, id: ReviewOrgId, active: bool) -> StoreResult<bool> {
        self.write(move |c| {
            Ok(c.exec("UPDATE review_orgs SET active = ? WHERE id = ?", params![active, id.0])? > 0)
        })
        .await
    }

    async fn reviewers(&self) -> StoreResult<Vec<Reviewer>> {
        self.read(|c| {
            c.query(&format!("{REVIEWER_SELECT} ORDER BY o.is_platform DESC, o.id, d.email"), &[])?
                .iter()
                .map(reviewer)
                .collect()
        })
        .await
    }

    async fn reviewer(&self, developer: DeveloperId) -> StoreResult<Option<Reviewer>> {
        self.read(move |c| {
            c.query_opt(&format!("{REVIEWER_SELECT} WHERE v.developer_id = ?"), params![developer.0])?
                .as_ref()
                .map(reviewer)
                .transpose()
        })
        .await
    }

    async fn put_reviewer(
        &self,
        developer: DeveloperId,
        org: ReviewOrgId,
        added_by: DeveloperId,
        at: Timestamp,
    ) -> StoreResult<()> {
        self.write(move |c| {
            release_open_reviews(c, developer, Some(org))?;
            c.exec(
                "INSERT INTO reviewers (developer_id, org_id, active, added_by, added_at) VALUES (?, ?, 1, ?, ?) \
                 ON CONFLICT (developer_id) DO UPDATE SET org_id = excluded.org_id, active = 1, \
                 added_by = excluded.added_by, added_at = excluded.added_at",
                params![developer.0, org.0, added_by.0, at],
            )?;
            Ok(())
        })
        .await
    }

    async fn set_reviewer_active(&self, developer: DeveloperId, active: bool) -> StoreResult<bool> {
        self.write(move |c| {
            let changed = c.exec(
                "UPDATE reviewers SET active = ? WHERE developer_id = ?",
                params![active, developer.0],
            )? > 0;
            if changed && !active {
                release_open_reviews(c, developer, None)?;
            }
            Ok(changed)
        })
        .await
    }

    async fn remove_reviewer(&self, developer: DeveloperId) -> StoreResult<bool> {
        self.write(move |c| {
            let removed = c.exec("DELETE FROM reviewers WHERE developer_id = ?", params![developer.0])? > 0;
            if removed {
                release_open_reviews(c, developer, None)?;
            }
            Ok(removed)
        })
        .await
    }

    async fn review_queue(&self, filter: QueueFilter, limit: i64) -> StoreResult<Vec<QueueEntry>> {
        self.read(move |c| {
            let (condition, param) = match filter {
                QueueFilter::Open => (open_states("r.state"), None),
                QueueFilter::AssignedTo(developer) => ("a.reviewer_id = ?".to_owned(), Some(developer.0)),
            };
            let sql = format!(
                "SELECT r.id, r.app_id, p.appid, p.name, r.user_version, r.state, r.submitted_at, r.delayed_at, \
                 r.expedited_at, a.org_id, a.reviewer_id, a.assigned_at, a.assigned_by \
                 FROM reviews r JOIN apps p ON p.id = r.app_id \
                 LEFT JOIN review_assignments a ON a.review_id = r.id \
                 WHERE {condition} {} LIMIT ?",
                queue_order()
            );
            let mut values = param.map(crate::sql::Value::from).into_iter().collect::<Vec<_>>();
            values.push(limit.into());
            c.query(&sql, &values)?
                .iter()
                .map(|row| {
                    let review = ReviewId(row.int(0));
                    let state = row.text(5);
                    Ok(QueueEntry {
                        review,
                        app: AppKey(row.int(1)),
                        appid: row.text(2),
                        app_name: row.text(3),
                        user_version: row.text(4),
                        state: ReviewState::parse(&state).ok_or_else(|| corrupt("review state", &state))?,
                        submitted_at: row.int(6),
                        delayed_at: row.opt_int(7),
                        expedited_at: row.opt_int(8),
                        assignment: assignment(row, 9, review),
                    })
                })
                .collect()
        })
        .await
    }

    async fn review_app(&self, review: ReviewId) -> StoreResult<Option<AppKey>> {
        self.read(move |c| {
            Ok(c.query_opt("SELECT app_id FROM reviews WHERE id = ?", params![review.0])?
                .map(|r| AppKey(r.int(0))))
        })
        .await
    }

    async fn review_assignment(&self, review: ReviewId) -> StoreResult<Option<Assignment>> {
        self.read(move |c| {
            let row = c.query_opt(
                "SELECT org_id, reviewer_id, assigned_at, assigned_by FROM review_assignments WHERE review_id = ?",
                params![review.0],
            )?;
            Ok(row.and_then(|row| assignment(&row, 0, review)))
        })
        .await
    }

    async fn assign_review(&self, a: &Assignment) -> StoreResult<bool> {
        let a = a.clone();
        self.write(move |c| {
            let queued = c.query_opt(
                "SELECT id FROM reviews WHERE id = ? AND state = ?",
                params![a.review.0, ReviewState::Queued.as_str()],
            )?;
            if queued.is_none() {
                return Ok(false);
            }
            c.exec(
                "INSERT INTO review_assignments (review_id, org_id, reviewer_id, assigned_at, assigned_by) \
                 VALUES (?, ?, ?, ?, ?) ON CONFLICT (review_id) DO UPDATE SET org_id = excluded.org_id, \
                 reviewer_id = excluded.reviewer_id, assigned_at = excluded.assigned_at, \
                 assigned_by = excluded.assigned_by",
                params![a.review.0, a.org.0, a.reviewer.map(|d| d.0), a.assigned_at, a.assigned_by.0],
            )?;
            Ok(true)
        })
        .await
    }

    async fn claim_next_review(
        &self,
        org: ReviewOrgId,
        reviewer: DeveloperId,
        at: Timestamp,
    ) -> StoreResult<Option<ReviewId>> {
        self.write(move |c| {
            let candidate = format!(
                "SELECT r.id FROM reviews r \
                 LEFT JOIN review_assignments a ON a.review_id = r.id \
                 WHERE r.state = ? AND (a.review_id IS NULL OR (a.org_id = ? AND a.reviewer_id IS NULL)) \
                 AND NOT EXISTS (SELECT 1 FROM app_members m WHERE m.app_id = r.app_id AND m.developer_id = ?) \
                 {} LIMIT 1",
                queue_order()
            );
            // The conditional upsert takes the review only if nobody has meanwhile (PostgreSQL
            // waits on the other claim's row, then skips it); a lost race tries the next one.
            // SQLite's write lock means the first candidate always wins there.
            for _ in 0..16 {
                let values = params![ReviewState::Queued.as_str(), org.0, reviewer.0];
                let Some(row) = c.query_opt(&candidate, values)? else {
                    return Ok(None);
                };
                let id = row.int(0);
                let taken = c.exec(
                    "INSERT INTO review_assignments (review_id, org_id, reviewer_id, assigned_at, assigned_by) \
                     VALUES (?, ?, ?, ?, ?) ON CONFLICT (review_id) DO UPDATE SET reviewer_id = excluded.reviewer_id, \
                     assigned_at = excluded.assigned_at, assigned_by = excluded.assigned_by \
                     WHERE review_assignments.reviewer_id IS NULL AND review_assignments.org_id = excluded.org_id",
                    params![id, org.0, reviewer.0, at, reviewer.0],
                )?;
                if taken > 0 {
                    return Ok(Some(ReviewId(id)));
                }
            }
            Ok(None)
        })
        .await
    }

    async fn expedite_review_as_staff(&self, review: ReviewId, at: Timestamp) -> StoreResult<bool> {
        self.write(move |c| {
            let sql = format!(
                "UPDATE reviews SET expedited_at = ? WHERE id = ? AND expedited_at IS NULL AND {}",
                open_states("state")
            );
            Ok(c.exec(&sql, params![at, review.0])? > 0)
        })
        .await
    }

    async fn overdue_reviews(
        &self,
        submitted_before: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<(AppKey, ReviewId)>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT app_id, id FROM reviews WHERE {} AND delayed_at IS NULL AND submitted_at < ? \
                 ORDER BY submitted_at, id LIMIT ?",
                open_states("state")
            );
            Ok(c.query(&sql, params![submitted_before, limit])?
                .iter()
                .map(|row| (AppKey(row.int(0)), ReviewId(row.int(1))))
                .collect())
        })
        .await
    }

    async fn mark_review_delayed(
        &self,
        app: AppKey,
        review: ReviewId,
        at: Timestamp,
        reason: &str,
        push: Option<&NewJob>,
    ) -> StoreResult<bool> {
        let reason = reason.to_owned();
        let push = push.cloned();
        self.write(move |c| {
            let sql = format!(
                "UPDATE reviews SET delayed_at = ?, delay_reason = ? \
                 WHERE app_id = ? AND id = ? AND delayed_at IS NULL AND {}",
                open_states("state")
            );
            if c.exec(&sql, params![at, reason.as_str(), app.0, review.0])? == 0 {
                return Ok(false);
            }
            if let Some(job) = &push {
                super::jobs::insert_job(c, job)?;
            }
            Ok(true)
        })
        .await
    }

    async fn rejection_reasons(&self) -> StoreResult<Vec<RejectionReason>> {
        self.read(|c| {
            Ok(c.query(
                "SELECT code, title, description, clause, position FROM rejection_reasons ORDER BY position, code",
                &[],
            )?
            .iter()
            .map(|row| RejectionReason {
                code: row.text(0),
                title: row.text(1),
                description: row.text(2),
                clause: row.text(3),
                position: row.int(4),
            })
            .collect())
        })
        .await
    }

    async fn put_rejection_reason(&self, r: &RejectionReason, at: Timestamp) -> StoreResult<()> {
        let r = r.clone();
        self.write(move |c| {
            c.exec(
                "INSERT INTO rejection_reasons (code, title, description, clause, position, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET title = excluded.title, \
                 description = excluded.description, clause = excluded.clause, position = excluded.position, \
                 updated_at = excluded.updated_at",
                params![
                    r.code.as_str(),
                    r.title.as_str(),
                    r.description.as_str(),
                    r.clause.as_str(),
                    r.position,
                    at
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn delete_rejection_reason(&self, code: &str) -> StoreResult<bool> {
        let code = code.to_owned();
        self.write(move |c| {
            Ok(c.exec("DELETE FROM rejection_reasons WHERE code = ?", params![code.as_str()])? > 0)
        })
        .await
    }
}
