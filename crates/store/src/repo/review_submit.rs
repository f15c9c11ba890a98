//! Submitting for review with its quota, fee and checks job; check results; withdrawals and
//! expedites within their limits; review suspensions; fees, invoicing details and invoices.
//!
//! Quota counts and the rows they gate are written in one unit of work. SQLite's write lock
//! serialises those; on PostgreSQL the subject's `developers` row is locked first, so two
//! submissions of one subject count one after the other.

use super::jobs::insert_job;
use super::review::insert_review_row;
use super::*;
use miniplat_core::jobs::NewJob;
use miniplat_core::review::fees::{Invoice, InvoicingDetails, ReviewFee};
use miniplat_core::review::quota::{QuotaUse, ReviewSuspension};
use miniplat_core::review::{CheckResult, CheckStatus, Review, ReviewId};
use miniplat_core::store::{
    ReviewSubmitStore, SubmitQuota, Window, ALREADY_EXPEDITED, NOT_IN_QUEUE, REVIEW_SUSPENDED,
    SPEEDUP_QUOTA_USED, SUBMIT_QUOTA_USED, UNDO_LIMIT_REACHED,
};

const FEE_COLUMNS: &str =
    "id, developer_id, app_id, review_id, amount_cents, currency, created_at, invoice_id";
const INVOICE_COLUMNS: &str = "id, developer_id, details_json, amount_cents, currency, issued_by, issued_at";

fn fee(row: &Row) -> ReviewFee {
    ReviewFee {
        id: row.int(0),
        developer: DeveloperId(row.int(1)),
        app: AppKey(row.int(2)),
        review: ReviewId(row.int(3)),
        amount_cents: row.int(4),
        currency: row.text(5),
        created_at: row.int(6),
        invoice: row.opt_int(7),
    }
}

fn invoice(row: &Row) -> StoreResult<Invoice> {
    let details = row.text(2);
    Ok(Invoice {
        id: row.int(0),
        developer: DeveloperId(row.int(1)),
        details: serde_json::from_str(&details).map_err(|_| corrupt("invoicing details", &details))?,
        amount_cents: row.int(3),
        currency: row.text(4),
        issued_by: DeveloperId(row.int(5)),
        issued_at: row.int(6),
    })
}

fn status_text(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Pass => "pass",
        CheckStatus::Warn => "warn",
        CheckStatus::Fail => "fail",
        CheckStatus::NeedsHuman => "needs_human",
    }
}

fn parse_status(text: &str) -> Option<CheckStatus> {
    [CheckStatus::Pass, CheckStatus::Warn, CheckStatus::Fail, CheckStatus::NeedsHuman]
        .into_iter()
        .find(|s| status_text(*s) == text)
}

/// Serialises quota counts of one subject on PostgreSQL (SQLite's write lock already does).
fn lock_subject(c: &mut dyn Conn, subject: DeveloperId) -> StoreResult<()> {
    if c.dialect() == Dialect::Postgres {
        c.query("SELECT id FROM developers WHERE id = ? FOR UPDATE", params![subject.0])?;
    }
    Ok(())
}

fn count(c: &mut dyn Conn, sql: &str, values: &[crate::sql::Value]) -> StoreResult<i64> {
    Ok(c.query_one(sql, values)?.int(0))
}

const SUBMITTED_SINCE: &str =
    "SELECT COUNT(*) FROM reviews r JOIN apps a ON a.id = r.app_id WHERE a.created_by = ? AND r.submitted_at >= ?";
const EXPEDITED_SINCE: &str =
    "SELECT COUNT(*) FROM reviews r JOIN apps a ON a.id = r.app_id WHERE a.created_by = ? AND r.expedited_at >= ?";

#[async_trait]
impl ReviewSubmitStore for SqlStore {
    async fn submit_review(
        &self,
        review: &Review,
        quota: &SubmitQuota,
        checks: &NewJob,
    ) -> StoreResult<(Review, Option<ReviewFee>)> {
        let (review, quota, checks) = (review.clone(), quota.clone(), checks.clone());
        self.write(move |c| {
            let subject = quota.subject.0;
            if c.query_opt("SELECT 1 FROM review_suspensions WHERE developer_id = ?", params![subject])?.is_some() {
                return Err(StoreError::Refused(REVIEW_SUSPENDED));
            }
            lock_subject(c, quota.subject)?;
            let over_quota = count(c, SUBMITTED_SINCE, params![subject, quota.month_start])? >= quota.limit;
            if over_quota && quota.fee.is_none() {
                return Err(StoreError::Refused(SUBMIT_QUOTA_USED));
            }
            let review = insert_review_row(c, review)?;
            insert_job(c, &checks)?;
            let fee = match quota.fee.filter(|_| over_quota) {
                Some((amount_cents, currency)) => {
                    let row = c.query_one(
                        &format!(
                            "INSERT INTO review_fees (developer_id, app_id, review_id, amount_cents, currency, \
                             created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING {FEE_COLUMNS}"
                        ),
                        params![subject, review.app.0, review.id.0, amount_cents, currency, review.submitted_at],
                    )?;
                    Some(fee(&row))
                }
                None => None,
            };
            Ok((review, fee))
        })
        .await
    }

    async fn review_quota_use(&self, subject: DeveloperId, month_start: Timestamp) -> StoreResult<QuotaUse> {
        self.read(move |c| {
            Ok(QuotaUse {
                submitted: count(c, SUBMITTED_SINCE, params![subject.0, month_start])?,
                expedited: count(c, EXPEDITED_SINCE, params![subject.0, month_start])?,
            })
        })
        .await
    }

    async fn put_review_checks(
        &self,
        app: AppKey,
        review: ReviewId,
        checks: &[CheckResult],
    ) -> StoreResult<()> {
        let checks = checks.to_vec();
        self.write(move |c| {
            if c.query_opt("SELECT 1 FROM reviews WHERE app_id = ? AND id = ?", params![app.0, review.0])?.is_none() {
                return Err(StoreError::Refused("no such review"));
            }
            c.exec("DELETE FROM review_checks WHERE review_id = ?", params![review.0])?;
            for (ordinal, check) in checks.iter().enumerate() {
                c.exec(
                    "INSERT INTO review_checks (review_id, ordinal, check_name, status, reason) VALUES (?, ?, ?, ?, ?)",
                    params![review.0, ordinal as i64, check.check.as_str(), status_text(check.status), check.reason.as_str()],
                )?;
            }
            Ok(())
        })
        .await
    }

    async fn review_checks(&self, app: AppKey, review: ReviewId) -> StoreResult<Vec<CheckResult>> {
        self.read(move |c| {
            c.query(
                "SELECT k.check_name, k.status, k.reason FROM review_checks k JOIN reviews r ON r.id = k.review_id \
                 WHERE r.app_id = ? AND k.review_id = ? ORDER BY k.ordinal",
                params![app.0, review.0],
            )?
            .iter()
            .map(|row| {
                let status = row.text(1);
                Ok(CheckResult {
                    check: row.text(0),
                    status: parse_status(&status).ok_or_else(|| corrupt("check status", &status))?,
                    reason: row.text(2),
                })
            })
            .collect()
        })
        .await
    }

    async fn withdraw_review(
        &self,
        app: AppKey,
        at: Timestamp,
        windows: &[Window],
    ) -> StoreResult<Option<ReviewId>> {
        let windows = windows.to_vec();
        self.write(move |c| {
            let open = c.query_opt(
                "SELECT id FROM reviews WHERE app_id = ? AND state IN ('checking', 'queued')",
                params![app.0],
            )?;
            let Some(open) = open else { return Ok(None) };
            for window in windows {
                let withdrawn = count(
                    c,
                    "SELECT COUNT(*) FROM reviews WHERE app_id = ? AND state = 'withdrawn' AND decided_at >= ?",
                    params![app.0, window.since],
                )?;
                if withdrawn >= window.limit {
                    return Err(StoreError::Refused(UNDO_LIMIT_REACHED));
                }
            }
            let id = ReviewId(open.int(0));
            c.exec(
                "UPDATE reviews SET state = 'withdrawn', decided_at = ? WHERE app_id = ? AND id = ?",
                params![at, app.0, id.0],
            )?;
            Ok(Some(id))
        })
        .await
    }

    async fn expedite_review(
        &self,
        app: AppKey,
        review: ReviewId,
        subject: DeveloperId,
        quota: Window,
        at: Timestamp,
    ) -> StoreResult<()> {
        self.write(move |c| {
            lock_subject(c, subject)?;
            let row = c
                .query_opt(
                    "SELECT state, expedited_at FROM reviews WHERE app_id = ? AND id = ?",
                    params![app.0, review.0],
                )?
                .ok_or(StoreError::Refused(NOT_IN_QUEUE))?;
            if !matches!(row.text(0).as_str(), "checking" | "queued") {
                return Err(StoreError::Refused(NOT_IN_QUEUE));
            }
            if row.opt_int(1).is_some() {
                return Err(StoreError::Refused(ALREADY_EXPEDITED));
            }
            if count(c, EXPEDITED_SINCE, params![subject.0, quota.since])? >= quota.limit {
                return Err(StoreError::Refused(SPEEDUP_QUOTA_USED));
            }
            c.exec(
                "UPDATE reviews SET expedited_at = ? WHERE app_id = ? AND id = ?",
                params![at, app.0, review.0],
            )?;
            Ok(())
        })
        .await
    }

    async fn set_review_suspension(
        &self,
        developer: DeveloperId,
        suspension: Option<&ReviewSuspension>,
    ) -> StoreResult<()> {
        let suspension = suspension.cloned();
        self.write(move |c| {
            match suspension {
                Some(s) => c.exec(
                    "INSERT INTO review_suspensions (developer_id, reason, suspended_by, suspended_at) \
                     VALUES (?, ?, ?, ?) ON CONFLICT (developer_id) DO UPDATE SET reason = excluded.reason, \
                     suspended_by = excluded.suspended_by, suspended_at = excluded.suspended_at",
                    params![developer.0, s.reason, s.suspended_by.0, s.suspended_at],
                )?,
                None => {
                    c.exec("DELETE FROM review_suspensions WHERE developer_id = ?", params![developer.0])?
                }
            };
            Ok(())
        })
        .await
    }

    async fn review_suspension(&self, developer: DeveloperId) -> StoreResult<Option<ReviewSuspension>> {
        self.read(move |c| {
            Ok(c.query_opt(
                "SELECT reason, suspended_by, suspended_at FROM review_suspensions WHERE developer_id = ?",
                params![developer.0],
            )?
            .map(|row| ReviewSuspension {
                developer,
                reason: row.text(0),
                suspended_by: DeveloperId(row.int(1)),
                suspended_at: row.int(2),
            }))
        })
        .await
    }

    async fn review_fees(&self, developer: DeveloperId) -> StoreResult<Vec<ReviewFee>> {
        self.read(move |c| {
            Ok(c.query(
                &format!(
                    "SELECT {FEE_COLUMNS} FROM review_fees WHERE developer_id = ? ORDER BY id DESC LIMIT 500"
                ),
                params![developer.0],
            )?
            .iter()
            .map(fee)
            .collect())
        })
        .await
    }

    async fn put_invoicing_details(
        &self,
        developer: DeveloperId,
        d: &InvoicingDetails,
        now: Timestamp,
    ) -> StoreResult<()> {
        let d = d.clone();
        self.write(move |c| {
            c.exec(
                "INSERT INTO invoicing_details (developer_id, title, tax_id, address, email, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (developer_id) DO UPDATE SET title = excluded.title, \
                 tax_id = excluded.tax_id, address = excluded.address, email = excluded.email, \
                 updated_at = excluded.updated_at",
                params![developer.0, d.title, d.tax_id, d.address, d.email, now],
            )
            .map(drop)
        })
        .await
    }

    async fn invoicing_details(&self, developer: DeveloperId) -> StoreResult<Option<InvoicingDetails>> {
        self.read(move |c| {
            Ok(c.query_opt(
                "SELECT title, tax_id, address, email FROM invoicing_details WHERE developer_id = ?",
                params![developer.0],
            )?
            .map(|row| InvoicingDetails {
                title: row.text(0),
                tax_id: row.text(1),
                address: row.text(2),
                email: row.text(3),
            }))
        })
        .await
    }

    async fn issue_invoice(
        &self,
        developer: DeveloperId,
        details: &InvoicingDetails,
        issued_by: DeveloperId,
        at: Timestamp,
    ) -> StoreResult<Option<Invoice>> {
        let details = details.clone();
        self.write(move |c| {
            let fees: Vec<ReviewFee> = c
                .query(
                    &format!(
                        "SELECT {FEE_COLUMNS} FROM review_fees WHERE developer_id = ? AND invoice_id IS NULL ORDER BY id"
                    ),
                    params![developer.0],
                )?
                .iter()
                .map(fee)
                .collect();
            let Some(currency) = fees.first().map(|f| f.currency.clone()) else {
                return Ok(None);
            };
            let fees: Vec<&ReviewFee> = fees.iter().filter(|f| f.currency == currency).collect();
            let amount: i64 = fees.iter().map(|f| f.amount_cents).sum();
            let details_json = serde_json::to_string(&details).map_err(|e| StoreError::Backend(e.to_string()))?;
            let row = c.query_one(
                &format!(
                    "INSERT INTO invoices (developer_id, details_json, amount_cents, currency, issued_by, issued_at) \
                     VALUES (?, ?, ?, ?, ?, ?) RETURNING {INVOICE_COLUMNS}"
                ),
                params![developer.0, details_json, amount, currency, issued_by.0, at],
            )?;
            let invoice = invoice(&row)?;
            for f in fees {
                c.exec("UPDATE review_fees SET invoice_id = ? WHERE id = ?", params![invoice.id, f.id])?;
            }
            Ok(Some(invoice))
        })
        .await
    }

    async fn invoices(&self, developer: DeveloperId) -> StoreResult<Vec<Invoice>> {
        self.read(move |c| {
            c.query(
                &format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE developer_id = ? ORDER BY id DESC LIMIT 200"),
                params![developer.0],
            )?
            .iter()
            .map(invoice)
            .collect()
        })
        .await
    }

    async fn invoice(
        &self,
        developer: DeveloperId,
        id: i64,
    ) -> StoreResult<Option<(Invoice, Vec<ReviewFee>)>> {
        self.read(move |c| {
            let Some(row) = c.query_opt(
                &format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE developer_id = ? AND id = ?"),
                params![developer.0, id],
            )?
            else {
                return Ok(None);
            };
            let fees = c
                .query(
                    &format!("SELECT {FEE_COLUMNS} FROM review_fees WHERE developer_id = ? AND invoice_id = ? ORDER BY id"),
                    params![developer.0, id],
                )?
                .iter()
                .map(fee)
                .collect();
            Ok(Some((invoice(&row)?, fees)))
        })
        .await
    }
}
