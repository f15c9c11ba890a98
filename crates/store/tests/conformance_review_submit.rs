//! The storage contract of submitting for review (`ReviewSubmitStore`): quotas and fees,
//! suspensions, check results, withdrawals, expedites and invoices, told as stories and run
//! against every backend.

#[expect(dead_code, reason = "the harness serves several suites; this one uses part of it")]
#[macro_use]
mod support;

use miniplat_core::accounts::DeveloperId;
use miniplat_core::apps::versions::{DevelopVersion, UploaderSlot, UserVersion};
use miniplat_core::apps::App;
use miniplat_core::error::StoreError;
use miniplat_core::jobs::NewJob;
use miniplat_core::review::fees::InvoicingDetails;
use miniplat_core::review::quota::{QuotaUse, ReviewSuspension};
use miniplat_core::review::{CheckResult, CheckStatus, Review, ReviewId, ReviewState, Submission};
use miniplat_core::store::prelude::*;
use miniplat_core::store::{
    SubmitQuota, Window, ALREADY_EXPEDITED, NOT_IN_QUEUE, REVIEW_IN_PROGRESS, REVIEW_SUSPENDED,
    SPEEDUP_QUOTA_USED, SUBMIT_QUOTA_USED, UNDO_LIMIT_REACHED,
};
use serde_json::json;

use support::{app, developer, Db, T0};

conformance_suite! {
    submissions_count_against_the_subjects_quota_then_refuse_or_charge,
    a_suspended_account_cannot_submit_until_resumed,
    check_results_are_replaced_in_order_and_scoped_by_app,
    withdrawals_stay_within_every_window,
    expedites_are_once_per_open_review_within_the_monthly_quota,
    invoices_collect_uninvoiced_fees_once,
}

fn review(app: &App, at: i64) -> Review {
    let version = DevelopVersion {
        id: 1,
        app: app.key,
        slot: UploaderSlot::Member(app.created_by),
        user_version: UserVersion::parse("1.0.0").unwrap(),
        description: "first".into(),
        uploaded_by: Some(app.created_by),
        upload_key: None,
        package_sha256: "c".repeat(64),
        zip_bytes: 100,
        packages: Vec::new(),
        files: Vec::new(),
        report: json!({ "diagnostics": [] }),
        created_at: at,
    };
    Review {
        id: ReviewId(0),
        app: app.key,
        version,
        submission: Submission { version_desc: "notes".into(), ..Submission::default() },
        state: ReviewState::Checking,
        reason: None,
        screenshots: Vec::new(),
        delayed_at: None,
        delay_reason: None,
        submitted_by: Some(app.created_by),
        submitted_at: at,
        decided_at: None,
        expedited_at: None,
    }
}

fn quota(subject: DeveloperId, limit: i64, fee: Option<i64>) -> SubmitQuota {
    SubmitQuota { subject, month_start: T0 - 100, limit, fee: fee.map(|cents| (cents, "CNY".to_owned())) }
}

fn checks_job(app: &App) -> NewJob {
    NewJob {
        kind: "review_checks".into(),
        app: Some(app.key),
        payload: "{}".into(),
        run_at: T0,
        max_attempts: 3,
        created_at: T0,
    }
}

fn refused(result: Result<impl std::fmt::Debug, StoreError>) -> &'static str {
    match result {
        Err(StoreError::Refused(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn submissions_count_against_the_subjects_quota_then_refuse_or_charge(db: Db) {
    let store = &db.store;
    let owner = developer(store, "owner@example.com").await;
    let other = developer(store, "other@example.com").await;
    let (a, b, c) = (
        app(store, "Shop A", &owner).await,
        app(store, "Shop B", &owner).await,
        app(store, "Shop C", &owner).await,
    );
    let foreign = app(store, "Foreign", &other).await;

    // A submission last month does not count.
    let (old, _) =
        store.submit_review(&review(&a, T0 - 200), &quota(owner.id, 2, None), &checks_job(&a)).await.unwrap();
    store.withdraw_review(a.key, T0 - 150, &[]).await.unwrap();
    let (first, fee) =
        store.submit_review(&review(&a, T0), &quota(owner.id, 2, None), &checks_job(&a)).await.unwrap();
    assert!(first.id > old.id && fee.is_none());
    assert_eq!(store.review(a.key, first.id).await.unwrap().unwrap().submission.version_desc, "notes");
    assert_eq!(
        refused(store.submit_review(&review(&a, T0), &quota(owner.id, 5, None), &checks_job(&a)).await),
        REVIEW_IN_PROGRESS
    );
    store.submit_review(&review(&b, T0 + 1), &quota(owner.id, 2, None), &checks_job(&b)).await.unwrap();
    // The quota is the subject's, shared by its mini programs; others are not affected.
    assert_eq!(
        refused(store.submit_review(&review(&c, T0 + 2), &quota(owner.id, 2, None), &checks_job(&c)).await),
        SUBMIT_QUOTA_USED
    );
    store
        .submit_review(&review(&foreign, T0 + 2), &quota(other.id, 2, None), &checks_job(&foreign))
        .await
        .unwrap();
    let (charged, fee) = store
        .submit_review(&review(&c, T0 + 3), &quota(owner.id, 2, Some(5000)), &checks_job(&c))
        .await
        .unwrap();
    let fee = fee.expect("over the quota, a fee");
    assert_eq!(
        (fee.developer, fee.app, fee.review, fee.amount_cents, fee.currency.as_str(), fee.invoice),
        (owner.id, c.key, charged.id, 5000, "CNY", None)
    );
    assert_eq!(store.review_fees(owner.id).await.unwrap(), vec![fee]);
    assert!(store.review_fees(other.id).await.unwrap().is_empty());
    assert_eq!(
        store.review_quota_use(owner.id, T0 - 100).await.unwrap(),
        QuotaUse { submitted: 3, expedited: 0 }
    );

    // Every accepted submission queued its checks job in the same unit of work; refused ones none.
    let jobs = store.claim_jobs("review_checks", T0 + 10, T0 + 100, 50).await.unwrap();
    assert_eq!(jobs.len(), 5);
}

async fn a_suspended_account_cannot_submit_until_resumed(db: Db) {
    let store = &db.store;
    let owner = developer(store, "owner@example.com").await;
    let staff = developer(store, "staff@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let suspension = ReviewSuspension {
        developer: owner.id,
        reason: "spam".into(),
        suspended_by: staff.id,
        suspended_at: T0,
    };
    store.set_review_suspension(owner.id, Some(&suspension)).await.unwrap();
    store
        .set_review_suspension(
            owner.id,
            Some(&ReviewSuspension { reason: "spam again".into(), ..suspension.clone() }),
        )
        .await
        .unwrap();
    assert_eq!(store.review_suspension(owner.id).await.unwrap().unwrap().reason, "spam again");
    assert_eq!(store.review_suspension(staff.id).await.unwrap(), None);
    assert_eq!(
        refused(store.submit_review(&review(&shop, T0), &quota(owner.id, 9, None), &checks_job(&shop)).await),
        REVIEW_SUSPENDED
    );
    assert!(store.latest_review(shop.key).await.unwrap().is_none(), "nothing stored");
    store.set_review_suspension(owner.id, None).await.unwrap();
    store.submit_review(&review(&shop, T0), &quota(owner.id, 9, None), &checks_job(&shop)).await.unwrap();
}

async fn check_results_are_replaced_in_order_and_scoped_by_app(db: Db) {
    let store = &db.store;
    let owner = developer(store, "owner@example.com").await;
    let (shop, other) = (app(store, "Shop", &owner).await, app(store, "Other", &owner).await);
    let (submitted, _) =
        store.submit_review(&review(&shop, T0), &quota(owner.id, 9, None), &checks_job(&shop)).await.unwrap();
    let checks = vec![
        CheckResult::new("package", CheckStatus::Warn, "a warning"),
        CheckResult::new("privacy", CheckStatus::Fail, "wx.getLocation undeclared"),
        CheckResult::new("content", CheckStatus::NeedsHuman, "look at it"),
    ];
    store.put_review_checks(shop.key, submitted.id, &checks).await.unwrap();
    assert_eq!(store.review_checks(shop.key, submitted.id).await.unwrap(), checks);
    store.put_review_checks(shop.key, submitted.id, &checks[1..2]).await.unwrap();
    assert_eq!(store.review_checks(shop.key, submitted.id).await.unwrap(), checks[1..2]);
    assert!(store.review_checks(other.key, submitted.id).await.unwrap().is_empty());
    assert!(store.put_review_checks(other.key, submitted.id, &checks).await.is_err());
    assert_eq!(store.review_checks(shop.key, submitted.id).await.unwrap().len(), 1);
}

async fn withdrawals_stay_within_every_window(db: Db) {
    let store = &db.store;
    let owner = developer(store, "owner@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let windows = [Window { since: T0, limit: 2 }, Window { since: T0 - 1000, limit: 3 }];
    assert_eq!(store.withdraw_review(shop.key, T0, &windows).await.unwrap(), None, "nothing open");
    // One withdrawal before the day window began counts for the month only.
    for at in [T0 - 500, T0 + 10, T0 + 20] {
        let (open, _) = store
            .submit_review(&review(&shop, at), &quota(owner.id, 99, None), &checks_job(&shop))
            .await
            .unwrap();
        assert_eq!(store.withdraw_review(shop.key, at, &windows).await.unwrap(), Some(open.id));
        let withdrawn = store.review(shop.key, open.id).await.unwrap().unwrap();
        assert_eq!((withdrawn.state, withdrawn.decided_at), (ReviewState::Withdrawn, Some(at)));
    }
    let at = T0 + 30;
    store.submit_review(&review(&shop, at), &quota(owner.id, 99, None), &checks_job(&shop)).await.unwrap();
    assert_eq!(refused(store.withdraw_review(shop.key, at, &windows).await), UNDO_LIMIT_REACHED);
    assert_eq!(
        store.latest_review(shop.key).await.unwrap().unwrap().state,
        ReviewState::Checking,
        "still open"
    );
}

async fn expedites_are_once_per_open_review_within_the_monthly_quota(db: Db) {
    let store = &db.store;
    let owner = developer(store, "owner@example.com").await;
    let (a, b) = (app(store, "Shop A", &owner).await, app(store, "Shop B", &owner).await);
    let quota_of_one = Window { since: T0 - 100, limit: 1 };
    let (ra, _) =
        store.submit_review(&review(&a, T0), &quota(owner.id, 9, None), &checks_job(&a)).await.unwrap();
    let (rb, _) =
        store.submit_review(&review(&b, T0), &quota(owner.id, 9, None), &checks_job(&b)).await.unwrap();
    assert_eq!(
        refused(store.expedite_review(b.key, ra.id, owner.id, quota_of_one, T0).await),
        NOT_IN_QUEUE,
        "other app's review"
    );
    store.expedite_review(a.key, ra.id, owner.id, quota_of_one, T0 + 5).await.unwrap();
    assert_eq!(store.review(a.key, ra.id).await.unwrap().unwrap().expedited_at, Some(T0 + 5));
    assert_eq!(
        refused(store.expedite_review(a.key, ra.id, owner.id, quota_of_one, T0 + 6).await),
        ALREADY_EXPEDITED
    );
    assert_eq!(
        refused(store.expedite_review(b.key, rb.id, owner.id, quota_of_one, T0 + 6).await),
        SPEEDUP_QUOTA_USED
    );
    assert_eq!(store.review_quota_use(owner.id, T0 - 100).await.unwrap().expedited, 1);
    store.withdraw_review(b.key, T0 + 7, &[]).await.unwrap();
    let roomy = Window { since: T0 - 100, limit: 5 };
    assert_eq!(
        refused(store.expedite_review(b.key, rb.id, owner.id, roomy, T0 + 8).await),
        NOT_IN_QUEUE,
        "withdrawn"
    );
}

async fn invoices_collect_uninvoiced_fees_once(db: Db) {
    let store = &db.store;
    let owner = developer(store, "owner@example.com").await;
    let staff = developer(store, "staff@example.com").await;
    let (a, b) = (app(store, "Shop A", &owner).await, app(store, "Shop B", &owner).await);
    let details = InvoicingDetails {
        title: "Acme Ltd".into(),
        tax_id: "91440300".into(),
        address: "1 Road".into(),
        email: "billing@acme.example".into(),
    };
    assert_eq!(store.invoicing_details(owner.id).await.unwrap(), None);
    store
        .put_invoicing_details(owner.id, &InvoicingDetails { title: "Old".into(), ..details.clone() }, T0)
        .await
        .unwrap();
    store.put_invoicing_details(owner.id, &details, T0 + 1).await.unwrap();
    assert_eq!(store.invoicing_details(owner.id).await.unwrap(), Some(details.clone()));
    assert_eq!(
        store.issue_invoice(owner.id, &details, staff.id, T0).await.unwrap(),
        None,
        "nothing to invoice"
    );

    store.submit_review(&review(&a, T0), &quota(owner.id, 0, Some(5000)), &checks_job(&a)).await.unwrap();
    store.submit_review(&review(&b, T0 + 1), &quota(owner.id, 0, Some(2500)), &checks_job(&b)).await.unwrap();
    let invoice = store.issue_invoice(owner.id, &details, staff.id, T0 + 10).await.unwrap().unwrap();
    assert_eq!(
        (invoice.amount_cents, invoice.currency.as_str(), invoice.issued_by, &invoice.details),
        (7500, "CNY", staff.id, &details)
    );
    let (found, fees) = store.invoice(owner.id, invoice.id).await.unwrap().unwrap();
    assert_eq!(found, invoice);
    assert_eq!(
        fees.iter().map(|f| (f.app, f.amount_cents)).collect::<Vec<_>>(),
        [(a.key, 5000), (b.key, 2500)]
    );
    assert!(fees.iter().all(|f| f.invoice == Some(invoice.id)));
    assert_eq!(
        store.issue_invoice(owner.id, &details, staff.id, T0 + 11).await.unwrap(),
        None,
        "each fee once"
    );
    assert_eq!(store.invoices(owner.id).await.unwrap(), vec![invoice.clone()]);
    assert_eq!(store.invoice(staff.id, invoice.id).await.unwrap(), None, "scoped by developer");
}
