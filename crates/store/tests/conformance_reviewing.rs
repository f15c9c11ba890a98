//! The storage contract of human release review (`ReviewingStore`): organisations and
//! reviewers, queue order, claims that never share a review, assignments only while queued,
//! the automated check report, delays marked once with their push, and the rejection-reason
//! catalogue; told as stories and run against every backend like `conformance.rs`.

#[expect(dead_code, reason = "this file uses part of the shared support module")]
#[macro_use]
mod support;

use std::collections::HashSet;

use miniplat_core::accounts::Developer;
use miniplat_core::apps::versions::{DevelopVersion, UploaderSlot, UserVersion};
use miniplat_core::apps::App;
use miniplat_core::error::StoreError;
use miniplat_core::jobs::NewJob;
use miniplat_core::review::{Review, ReviewId, ReviewState, Submission};
use miniplat_core::reviewing::{Assignment, RejectionReason, ReviewOrgId};
use miniplat_core::store::prelude::*;
use miniplat_core::store::{QueueFilter, ReviewUpdate};
use miniplat_store::SqlStore;

use support::{app, developer, Db, T0};

conformance_suite! {
    organisations_and_reviewers_are_kept_and_deactivated,
    claims_follow_queue_order_and_never_share_a_review,
    pools_belong_to_their_organisation_and_assignments_need_a_queued_review,
    leaving_reviewers_return_their_open_reviews_to_the_pool,
    delays_are_marked_once_with_their_push,
    the_rejection_catalogue_is_seeded_and_edited,
}

const PLATFORM_ORG: ReviewOrgId = ReviewOrgId(1);

async fn queued(store: &SqlStore, shop: &App, owner: &Developer, state: ReviewState, at: i64) -> ReviewId {
    let version = DevelopVersion {
        id: 1,
        app: shop.key,
        slot: UploaderSlot::Member(owner.id),
        user_version: UserVersion::parse("1.0.0").unwrap(),
        description: "first".into(),
        uploaded_by: Some(owner.id),
        upload_key: None,
        package_sha256: format!("{at:064}"),
        zip_bytes: 10,
        packages: Vec::new(),
        files: Vec::new(),
        report: serde_json::json!({}),
        created_at: at,
    };
    let review = Review {
        id: ReviewId(0),
        app: shop.key,
        version,
        submission: Submission::default(),
        state,
        reason: None,
        screenshots: Vec::new(),
        delayed_at: None,
        delay_reason: None,
        submitted_by: Some(owner.id),
        submitted_at: at,
        decided_at: None,
        expedited_at: None,
    };
    store.insert_review(&review).await.unwrap().id
}

async fn organisations_and_reviewers_are_kept_and_deactivated(db: Db) {
    let store = &db.store;
    let orgs = store.review_orgs().await.unwrap();
    assert_eq!(orgs.len(), 1);
    assert!(orgs[0].is_platform && orgs[0].active && orgs[0].id == PLATFORM_ORG, "{orgs:?}");

    let acme = store.insert_review_org("Acme Review", T0).await.unwrap();
    assert_eq!(
        (acme.name.as_str(), acme.is_platform, acme.active, acme.created_at),
        ("Acme Review", false, true, T0)
    );
    assert!(matches!(store.insert_review_org("ACME review", T0).await, Err(StoreError::UniqueViolation)));

    let staff = developer(store, "staff@example.com").await;
    let rita = developer(store, "rita@example.com").await;
    assert_eq!(store.reviewer(rita.id).await.unwrap(), None);
    store.put_reviewer(rita.id, acme.id, staff.id, T0 + 1).await.unwrap();
    let found = store.reviewer(rita.id).await.unwrap().unwrap();
    assert_eq!(
        (found.org, found.org_name.as_str(), found.active, found.org_active),
        (acme.id, "Acme Review", true, true)
    );
    assert_eq!(
        (found.email.as_str(), found.added_by, found.added_at),
        ("rita@example.com", staff.id, T0 + 1)
    );

    assert!(store.set_review_org_active(acme.id, false).await.unwrap());
    let found = store.reviewer(rita.id).await.unwrap().unwrap();
    assert!(!found.can_review(), "an inactive organisation's reviewers cannot review");
    assert!(store.set_reviewer_active(rita.id, false).await.unwrap());
    assert!(!store.set_reviewer_active(staff.id, false).await.unwrap(), "not a reviewer");

    // Adding again moves and reactivates.
    store.put_reviewer(rita.id, PLATFORM_ORG, staff.id, T0 + 2).await.unwrap();
    let found = store.reviewer(rita.id).await.unwrap().unwrap();
    assert!(found.can_review() && found.org == PLATFORM_ORG);
    assert_eq!(store.reviewers().await.unwrap().len(), 1);
    assert!(store.remove_reviewer(rita.id).await.unwrap());
    assert!(!store.remove_reviewer(rita.id).await.unwrap());
    assert!(store.reviewers().await.unwrap().is_empty());
}

async fn claims_follow_queue_order_and_never_share_a_review(db: Db) {
    let store = &db.store;
    let owner = developer(store, "owner@example.com").await;
    let mut ids = Vec::new();
    for (n, at) in [T0 + 30, T0 + 10, T0 + 20].into_iter().enumerate() {
        let shop = app(store, &format!("Shop {n}"), &owner).await;
        ids.push(queued(store, &shop, &owner, ReviewState::Queued, at).await);
    }
    let checking = app(store, "Checking Shop", &owner).await;
    let still_checking = queued(store, &checking, &owner, ReviewState::Checking, T0).await;
    let staff = developer(store, "staff@example.com").await;
    assert!(store.expedite_review_as_staff(ids[0], T0 + 40).await.unwrap());
    assert!(!store.expedite_review_as_staff(ids[0], T0 + 41).await.unwrap(), "once");

    let open = store.review_queue(QueueFilter::Open, 10).await.unwrap();
    let order: Vec<_> = open.iter().map(|e| e.review).collect();
    assert_eq!(order, [ids[0], still_checking, ids[1], ids[2]], "expedited first, then oldest");
    assert_eq!((open[0].expedited_at, open[0].app_name.as_str()), (Some(T0 + 40), "Shop 0"));

    let mut reviewers = Vec::new();
    for n in 0..6 {
        let reviewer = developer(store, &format!("r{n}@example.com")).await;
        store.put_reviewer(reviewer.id, PLATFORM_ORG, staff.id, T0).await.unwrap();
        reviewers.push(reviewer.id);
    }
    let claims = reviewers.iter().map(|&reviewer| {
        let store = store.clone();
        tokio::spawn(async move {
            (reviewer, store.claim_next_review(PLATFORM_ORG, reviewer, T0 + 50).await.unwrap())
        })
    });
    let mut won = Vec::new();
    for claim in claims {
        let (reviewer, claimed) = claim.await.unwrap();
        if let Some(review) = claimed {
            won.push((reviewer, review));
        }
    }
    let distinct: HashSet<_> = won.iter().map(|w| w.1).collect();
    assert_eq!(won.len(), 3, "three queued reviews, three winners: {won:?}");
    assert_eq!(distinct, ids.iter().copied().collect(), "checking reviews are not handed out");
    for (reviewer, review) in &won {
        let assignment = store.review_assignment(*review).await.unwrap().unwrap();
        assert_eq!(
            (assignment.reviewer, assignment.assigned_by, assignment.org),
            (Some(*reviewer), *reviewer, PLATFORM_ORG)
        );
        let theirs = store.review_queue(QueueFilter::AssignedTo(*reviewer), 10).await.unwrap();
        assert_eq!(theirs.iter().map(|e| e.review).collect::<Vec<_>>(), [*review]);
    }
}

async fn pools_belong_to_their_organisation_and_assignments_need_a_queued_review(db: Db) {
    let store = &db.store;
    let owner = developer(store, "owner@example.com").await;
    let staff = developer(store, "staff@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let id = queued(store, &shop, &owner, ReviewState::Queued, T0).await;
    assert_eq!(store.review_app(id).await.unwrap(), Some(shop.key));
    assert_eq!(store.review_app(ReviewId(id.0 + 100)).await.unwrap(), None);
    let acme = store.insert_review_org("Acme", T0).await.unwrap();
    let pool =
        Assignment { review: id, org: acme.id, reviewer: None, assigned_at: T0 + 1, assigned_by: staff.id };
    assert!(store.assign_review(&pool).await.unwrap());
    assert_eq!(store.review_assignment(id).await.unwrap(), Some(pool.clone()));

    let outsider = developer(store, "outsider@example.com").await;
    assert_eq!(
        store.claim_next_review(PLATFORM_ORG, outsider.id, T0 + 2).await.unwrap(),
        None,
        "another org's pool"
    );
    let own = store.claim_next_review(acme.id, owner.id, T0 + 2).await.unwrap();
    assert_eq!(own, None, "members never get their own mini program");
    let insider = developer(store, "insider@example.com").await;
    assert_eq!(store.claim_next_review(acme.id, insider.id, T0 + 2).await.unwrap(), Some(id));
    assert_eq!(store.claim_next_review(acme.id, outsider.id, T0 + 3).await.unwrap(), None, "taken");

    // Staff reassign while queued; a decided review stays where it was.
    let direct = Assignment { org: PLATFORM_ORG, reviewer: Some(outsider.id), assigned_at: T0 + 4, ..pool };
    assert!(store.assign_review(&direct).await.unwrap());
    assert_eq!(store.review_assignment(id).await.unwrap(), Some(direct.clone()));
    let approve = ReviewUpdate {
        app: shop.key,
        review: id,
        from: ReviewState::OPEN.to_vec(),
        to: ReviewState::Approved,
        reason: None,
        screenshots: Vec::new(),
        at: T0 + 5,
    };
    assert!(store.update_review(&approve, None).await.unwrap());
    let late = Assignment { reviewer: Some(insider.id), ..direct.clone() };
    assert!(!store.assign_review(&late).await.unwrap());
    assert!(!store.expedite_review_as_staff(id, T0 + 6).await.unwrap(), "decided reviews are not expedited");
    assert!(store.review_queue(QueueFilter::Open, 10).await.unwrap().is_empty());
    let history = store.review_queue(QueueFilter::AssignedTo(outsider.id), 10).await.unwrap();
    assert_eq!(
        history.iter().map(|e| (e.review, e.state)).collect::<Vec<_>>(),
        [(id, ReviewState::Approved)]
    );
}

async fn leaving_reviewers_return_their_open_reviews_to_the_pool(db: Db) {
    let store = &db.store;
    let owner = developer(store, "owner@example.com").await;
    let staff = developer(store, "staff@example.com").await;
    let rita = developer(store, "rita@example.com").await;
    store.put_reviewer(rita.id, PLATFORM_ORG, staff.id, T0).await.unwrap();
    let (one, two) = (app(store, "One", &owner).await, app(store, "Two", &owner).await);
    let first = queued(store, &one, &owner, ReviewState::Queued, T0).await;
    let second = queued(store, &two, &owner, ReviewState::Queued, T0 + 1).await;
    assert_eq!(store.claim_next_review(PLATFORM_ORG, rita.id, T0 + 2).await.unwrap(), Some(first));
    assert_eq!(store.claim_next_review(PLATFORM_ORG, rita.id, T0 + 3).await.unwrap(), Some(second));
    let decided = ReviewUpdate {
        app: two.key,
        review: second,
        from: ReviewState::OPEN.to_vec(),
        to: ReviewState::Rejected,
        reason: Some("no".into()),
        screenshots: Vec::new(),
        at: T0 + 4,
    };
    assert!(store.update_review(&decided, None).await.unwrap());

    assert!(store.set_reviewer_active(rita.id, false).await.unwrap());
    assert_eq!(
        store.review_assignment(first).await.unwrap().unwrap().reviewer,
        None,
        "open: back to the pool"
    );
    assert_eq!(
        store.review_assignment(second).await.unwrap().unwrap().reviewer,
        Some(rita.id),
        "decided: kept"
    );

    // Moving to another organisation releases the reviews of the old one.
    store.put_reviewer(rita.id, PLATFORM_ORG, staff.id, T0 + 5).await.unwrap();
    assert_eq!(store.claim_next_review(PLATFORM_ORG, rita.id, T0 + 6).await.unwrap(), Some(first));
    let acme = store.insert_review_org("Acme", T0).await.unwrap();
    store.put_reviewer(rita.id, acme.id, staff.id, T0 + 7).await.unwrap();
    assert_eq!(store.review_assignment(first).await.unwrap().unwrap().reviewer, None);
}

async fn delays_are_marked_once_with_their_push(db: Db) {
    let store = &db.store;
    let owner = developer(store, "owner@example.com").await;
    let (slow, fresh, done) = (
        app(store, "Slow", &owner).await,
        app(store, "Fresh", &owner).await,
        app(store, "Done", &owner).await,
    );
    let late = queued(store, &slow, &owner, ReviewState::Checking, T0).await;
    queued(store, &fresh, &owner, ReviewState::Queued, T0 + 500).await;
    let decided = queued(store, &done, &owner, ReviewState::Queued, T0 - 5).await;
    let approve = ReviewUpdate {
        app: done.key,
        review: decided,
        from: ReviewState::OPEN.to_vec(),
        to: ReviewState::Approved,
        reason: None,
        screenshots: Vec::new(),
        at: T0 + 1,
    };
    assert!(store.update_review(&approve, None).await.unwrap());
    assert_eq!(store.overdue_reviews(T0 + 100, 10).await.unwrap(), [(slow.key, late)]);

    let job = NewJob {
        kind: "push".into(),
        app: Some(slow.key),
        payload: "delay".into(),
        run_at: T0 + 100,
        max_attempts: 3,
        created_at: T0 + 100,
    };
    assert!(
        !store.mark_review_delayed(fresh.key, late, T0 + 100, "slow", Some(&job)).await.unwrap(),
        "other app"
    );
    assert!(store.mark_review_delayed(slow.key, late, T0 + 100, "slow", Some(&job)).await.unwrap());
    assert!(!store.mark_review_delayed(slow.key, late, T0 + 200, "again", Some(&job)).await.unwrap());
    assert!(!store.mark_review_delayed(done.key, decided, T0 + 200, "decided", Some(&job)).await.unwrap());
    let review = store.review(slow.key, late).await.unwrap().unwrap();
    assert_eq!((review.delayed_at, review.delay_reason.as_deref()), (Some(T0 + 100), Some("slow")));
    assert!(store.overdue_reviews(T0 + 100, 10).await.unwrap().is_empty());
    let jobs = store.claim_jobs("push", T0 + 300, T0 + 400, 10).await.unwrap();
    assert_eq!(
        jobs.iter().map(|j| j.payload.as_str()).collect::<Vec<_>>(),
        ["delay"],
        "one push, with the mark"
    );
}

async fn the_rejection_catalogue_is_seeded_and_edited(db: Db) {
    let store = &db.store;
    let seeded = store.rejection_reasons().await.unwrap();
    assert_eq!(seeded.len(), 15);
    assert_eq!(seeded[0].code, "R-1.1");
    assert!(seeded.windows(2).all(|w| w[0].position <= w[1].position));
    for entry in &seeded {
        RejectionReason::new(&entry.code, &entry.title, &entry.description, &entry.clause, entry.position)
            .unwrap_or_else(|e| panic!("seeded {} is valid: {e}", entry.code));
    }

    let first = RejectionReason::new("R-0.1", "First", "Listed first.", "2.5", 0).unwrap();
    store.put_rejection_reason(&first, T0).await.unwrap();
    let replaced = RejectionReason { title: "Crashes on start".into(), ..seeded[1].clone() };
    store.put_rejection_reason(&replaced, T0).await.unwrap();
    let now = store.rejection_reasons().await.unwrap();
    assert_eq!(now.len(), 16);
    assert_eq!(now[0], first);
    assert!(now.contains(&replaced));
    assert!(store.delete_rejection_reason("R-0.1").await.unwrap());
    assert!(!store.delete_rejection_reason("R-0.1").await.unwrap());
    assert_eq!(store.rejection_reasons().await.unwrap().len(), 15);
}
