//! The storage contract of releases, gray plans, release settings, the directory
//! (`ReleaseStore`) and enforcement with appeals (`EnforcementStore`), told as stories and run
//! against every backend like `conformance.rs`.

#[expect(dead_code, reason = "this file uses part of the shared support module")]
#[macro_use]
mod support;

use miniplat_core::accounts::Developer;
use miniplat_core::apps::versions::{DevelopVersion, UploaderSlot, UserVersion};
use miniplat_core::apps::{App, AppStatus};
use miniplat_core::error::StoreError;
use miniplat_core::release::enforcement::{
    Appeal, AppealDecision, BanTerm, EnforcementAction, EnforcementId, EnforcementKind,
};
use miniplat_core::release::gray::GrayRule;
use miniplat_core::release::{GrayPlan, GrayStatus, Release, ReleaseSettings};
use miniplat_core::review::{Review, ReviewId, ReviewState, Submission};
use miniplat_core::store::prelude::*;
use miniplat_core::store::{
    EndGray, ALREADY_APPEALED, ALREADY_RELEASED, GRAY_PLAN_RUNNING, RECTIFICATION_CLOSED,
};
use serde_json::json;

use support::{app, developer, Db, T0};

conformance_suite! {
    releases_are_numbered_per_app_once_per_review_and_rolled_back,
    released_packages_are_never_collected,
    one_gray_plan_runs_per_app_and_only_rises,
    settings_and_bans_decide_the_directory,
    enforcement_is_lifted_resolved_and_appealed_once,
}

fn version(app: &App, owner: &Developer, user_version: &str, sha256: &str) -> DevelopVersion {
    DevelopVersion {
        id: 7,
        app: app.key,
        slot: UploaderSlot::Member(owner.id),
        user_version: UserVersion::parse(user_version).unwrap(),
        description: format!("notes {user_version}"),
        uploaded_by: Some(owner.id),
        upload_key: None,
        package_sha256: sha256.to_owned(),
        zip_bytes: 10,
        packages: Vec::new(),
        files: Vec::new(),
        report: json!({}),
        created_at: T0,
    }
}

/// A concluded (approved) review of `user_version`.
async fn approved(db: &Db, app: &App, owner: &Developer, user_version: &str, sha256: &str) -> Review {
    let review = Review {
        id: ReviewId(0),
        app: app.key,
        version: version(app, owner, user_version, sha256),
        submission: Submission::default(),
        state: ReviewState::Approved,
        reason: None,
        screenshots: Vec::new(),
        delayed_at: None,
        delay_reason: None,
        submitted_by: Some(owner.id),
        submitted_at: T0,
        decided_at: Some(T0),
        expedited_at: None,
    };
    db.store.insert_review(&review).await.unwrap()
}

fn release_of(review: &Review, at: i64) -> Release {
    Release {
        id: 0,
        app: review.app,
        app_version: 0,
        review: review.id,
        version: review.version.clone(),
        released_at: at,
        released_by: review.submitted_by,
        reverted_at: None,
    }
}

async fn releases_are_numbered_per_app_once_per_review_and_rolled_back(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let other = app(store, "Other", &owner).await;
    assert_eq!(store.live_release(shop.key).await.unwrap(), None);

    let first = approved(&db, &shop, &owner, "1.0", &"1".repeat(64)).await;
    let one = store.insert_release(&release_of(&first, T0 + 1), None).await.unwrap();
    assert_eq!((one.app_version, one.version.user_version.as_str()), (1, "1.0"));
    let twice = store.insert_release(&release_of(&first, T0 + 2), None).await;
    assert!(matches!(twice, Err(StoreError::Refused(ALREADY_RELEASED))), "{twice:?}");
    assert_eq!(store.app_by_key(shop.key).await.unwrap().unwrap().status, AppStatus::Released);
    assert_eq!(store.app_by_key(other.key).await.unwrap().unwrap().status, AppStatus::Unreleased);

    let second = approved(&db, &shop, &owner, "2.0", &"2".repeat(64)).await;
    let two = store.insert_release(&release_of(&second, T0 + 3), None).await.unwrap();
    let third = approved(&db, &shop, &owner, "3.0", &"3".repeat(64)).await;
    let three = store.insert_release(&release_of(&third, T0 + 4), None).await.unwrap();
    assert_eq!((two.app_version, three.app_version), (2, 3));
    let elsewhere = approved(&db, &other, &owner, "9.0", &"9".repeat(64)).await;
    assert_eq!(store.insert_release(&release_of(&elsewhere, T0), None).await.unwrap().app_version, 1);

    let live = store.live_release(shop.key).await.unwrap().unwrap();
    assert_eq!(live, three, "the newest, read back whole");
    let listed: Vec<i64> =
        store.releases(shop.key, 10).await.unwrap().iter().map(|r| r.app_version).collect();
    assert_eq!(listed, [3, 2, 1]);
    assert_eq!(store.releases(shop.key, 2).await.unwrap().len(), 2);

    // A rollback applies only while the live release is the expected one, and only backwards.
    assert!(!store.revert_releases(shop.key, two.id, one.id, T0 + 5).await.unwrap());
    assert!(!store.revert_releases(shop.key, three.id, three.id, T0 + 5).await.unwrap());
    assert!(!store.revert_releases(other.key, three.id, one.id, T0 + 5).await.unwrap(), "scoped by app");
    assert!(store.revert_releases(shop.key, three.id, one.id, T0 + 5).await.unwrap());
    assert_eq!(store.live_release(shop.key).await.unwrap().unwrap().id, one.id);
    let reverted: Vec<Option<i64>> =
        store.releases(shop.key, 10).await.unwrap().iter().map(|r| r.reverted_at).collect();
    assert_eq!(reverted, [Some(T0 + 5), Some(T0 + 5), None]);
    assert_eq!(store.live_release(other.key).await.unwrap().unwrap().app_version, 1);
}

async fn released_packages_are_never_collected(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let (reviewed, released) = ("r".repeat(64), "z".repeat(64));
    let review = approved(&db, &shop, &owner, "1.0", &reviewed).await;
    store
        .insert_release(
            &Release { version: version(&shop, &owner, "1.0", &released), ..release_of(&review, T0) },
            None,
        )
        .await
        .unwrap();
    // Untouched blob rows whose only reference is the release stay.
    assert!(store.touch_package_blob(&released, T0, T0 - 600).await.unwrap());
    assert_eq!(
        store.claim_package_blobs(T0 + 1000, T0 + 900, T0 + 400, 10).await.unwrap(),
        Vec::<String>::new()
    );
}

async fn one_gray_plan_runs_per_app_and_only_rises(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let other = app(store, "Other", &owner).await;
    let review = approved(&db, &shop, &owner, "2.0", &"2".repeat(64)).await;
    assert_eq!(store.gray_plan(shop.key).await.unwrap(), None);
    let rule = GrayRule { percentage: 10, members_first: true, testers_first: false };
    let plan = GrayPlan {
        id: 0,
        app: shop.key,
        review: review.id,
        status: GrayStatus::Running,
        rule,
        created_at: T0,
        updated_at: T0,
    };
    let plan = store.start_gray_plan(&plan).await.unwrap();
    let second = store.start_gray_plan(&plan).await;
    assert!(matches!(second, Err(StoreError::Refused(GRAY_PLAN_RUNNING))), "{second:?}");
    store.start_gray_plan(&GrayPlan { app: other.key, ..plan.clone() }).await.unwrap();

    let raised = GrayPlan { rule: GrayRule { percentage: 20, ..rule }, updated_at: T0 + 1, ..plan.clone() };
    assert!(!store.raise_gray_plan(&raised, 15).await.unwrap(), "only from the percentage read");
    assert!(store.raise_gray_plan(&raised, 10).await.unwrap());
    assert_eq!(store.gray_plan(shop.key).await.unwrap().unwrap(), raised);

    // Releasing the version finishes the plan in the same unit of work.
    let end = EndGray { plan: plan.id, status: GrayStatus::Finished };
    store.insert_release(&release_of(&review, T0 + 2), Some(end)).await.unwrap();
    let finished = store.gray_plan(shop.key).await.unwrap().unwrap();
    assert_eq!((finished.status, finished.updated_at), (GrayStatus::Finished, T0 + 2));
    assert!(!store.raise_gray_plan(&raised, 20).await.unwrap(), "a finished plan stays finished");
    assert!(!store.end_gray_plan(shop.key, plan.id, GrayStatus::Reverted, T0 + 3).await.unwrap());
    // A new plan may start now; ending it is scoped by app.
    let next = store.start_gray_plan(&GrayPlan { created_at: T0 + 4, ..plan.clone() }).await.unwrap();
    assert!(!store.end_gray_plan(other.key, next.id, GrayStatus::Reverted, T0 + 5).await.unwrap());
    assert!(store.end_gray_plan(shop.key, next.id, GrayStatus::Reverted, T0 + 5).await.unwrap());
    assert_eq!(store.gray_plan(shop.key).await.unwrap().unwrap().status, GrayStatus::Reverted);
    assert_eq!(store.gray_plan(other.key).await.unwrap().unwrap().status, GrayStatus::Running);
}

fn action(app: &App, staff: &Developer, kind: EnforcementKind, ends_at: Option<i64>) -> EnforcementAction {
    EnforcementAction {
        id: EnforcementId(0),
        app: app.key,
        kind,
        term: (kind == EnforcementKind::Ban).then_some(BanTerm::Short),
        reason: format!("{} reason", kind.as_str()),
        ends_at,
        created_by: staff.id,
        created_at: T0,
        lifted_at: None,
        lifted_by: None,
        resolved_by: None,
    }
}

async fn settings_and_bans_decide_the_directory(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let staff = developer(store, "staff@example.com").await;
    let names = ["Coffee Corner", "Coffee 100% Pure", "Tea House", "Coffee Draft"];
    let mut apps = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let shop = app(store, name, &owner).await;
        if *name != "Coffee Draft" {
            let review = approved(&db, &shop, &owner, "1.0", &format!("{index:064}")).await;
            store.insert_release(&release_of(&review, T0), None).await.unwrap();
        }
        apps.push(shop);
    }
    let listed = |key: &'static str| {
        let store = store.clone();
        async move {
            store
                .directory(key, T0, 10)
                .await
                .unwrap()
                .iter()
                .map(|a| a.name.as_str().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        listed("").await,
        ["Coffee 100% Pure", "Coffee Corner", "Tea House"],
        "released only, by name"
    );
    assert_eq!(listed("coffee").await, ["Coffee 100% Pure", "Coffee Corner"]);
    assert_eq!(listed("100%").await, ["Coffee 100% Pure"], "wildcards are literal");
    assert_eq!(listed("_").await, Vec::<String>::new());
    assert_eq!(store.directory("", T0, 1).await.unwrap().len(), 1, "limited");

    assert_eq!(store.release_settings(apps[0].key).await.unwrap(), ReleaseSettings::default());
    let hidden = ReleaseSettings { visit_paused: false, search_hidden: true };
    store.put_release_settings(apps[0].key, &hidden, T0).await.unwrap();
    let paused = ReleaseSettings { visit_paused: true, search_hidden: false };
    store.put_release_settings(apps[1].key, &paused, T0).await.unwrap();
    assert_eq!(store.release_settings(apps[0].key).await.unwrap(), hidden);
    assert_eq!(listed("").await, ["Tea House"]);
    store.put_release_settings(apps[0].key, &ReleaseSettings::default(), T0 + 1).await.unwrap();
    assert_eq!(listed("").await, ["Coffee Corner", "Tea House"]);

    // A ban in force hides it; an ended or lifted one does not.
    let ban = store
        .insert_enforcement(&action(&apps[2], &staff, EnforcementKind::Ban, Some(T0 + 10)), None)
        .await
        .unwrap();
    assert_eq!(listed("").await, ["Coffee Corner"]);
    assert_eq!(store.directory("", T0 + 10, 10).await.unwrap().len(), 2, "the ban ended");
    store
        .insert_enforcement(&action(&apps[0], &staff, EnforcementKind::RestrictRelease, None), None)
        .await
        .unwrap();
    assert_eq!(listed("").await, ["Coffee Corner"], "a release restriction does not hide");
    assert!(store.lift_enforcement(ban.id, staff.id, T0 + 1).await.unwrap());
    assert_eq!(listed("").await, ["Coffee Corner", "Tea House"]);
}

async fn enforcement_is_lifted_resolved_and_appealed_once(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let staff = developer(store, "staff@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let other = app(store, "Other", &owner).await;

    let order = store
        .insert_enforcement(&action(&shop, &staff, EnforcementKind::Rectification, Some(T0 + 5)), None)
        .await
        .unwrap();
    assert_eq!(store.enforcement_action(order.id).await.unwrap().unwrap(), order);
    // A ban resolves an open rectification of the same app, once.
    let elsewhere =
        store.insert_enforcement(&action(&other, &staff, EnforcementKind::Ban, None), Some(order.id)).await;
    assert!(matches!(elsewhere, Err(StoreError::Refused(RECTIFICATION_CLOSED))), "{elsewhere:?}");
    assert!(store.enforcement_actions(Some(other.key), 10).await.unwrap().is_empty(), "rolled back");
    let ban = store
        .insert_enforcement(&action(&shop, &staff, EnforcementKind::Ban, None), Some(order.id))
        .await
        .unwrap();
    assert_eq!(store.enforcement_action(order.id).await.unwrap().unwrap().resolved_by, Some(ban.id));
    let again =
        store.insert_enforcement(&action(&shop, &staff, EnforcementKind::Ban, None), Some(order.id)).await;
    assert!(matches!(again, Err(StoreError::Refused(RECTIFICATION_CLOSED))));
    assert!(!store.lift_enforcement(order.id, staff.id, T0).await.unwrap(), "a resolved order is closed");

    let ids: Vec<EnforcementId> =
        store.enforcement_actions(Some(shop.key), 10).await.unwrap().iter().map(|a| a.id).collect();
    assert_eq!(ids, [ban.id, order.id], "newest first, this app only");
    assert_eq!(store.enforcement_actions(None, 10).await.unwrap().len(), 2);

    let appeal = Appeal {
        id: 0,
        action: ban.id,
        app: shop.key,
        text: "please".into(),
        submitted_by: owner.id,
        submitted_at: T0 + 1,
        decision: AppealDecision::Pending,
        decided_by: None,
        decided_at: None,
        note: None,
    };
    let appeal = store.insert_appeal(&appeal).await.unwrap();
    let twice = store.insert_appeal(&appeal).await;
    assert!(matches!(twice, Err(StoreError::Refused(ALREADY_APPEALED))), "{twice:?}");
    assert_eq!(store.appeals(Some(other.key), 10).await.unwrap(), Vec::<Appeal>::new());
    assert_eq!(store.appeals(None, 10).await.unwrap(), std::slice::from_ref(&appeal));

    assert!(store.decide_appeal(appeal.id, AppealDecision::Lifted, "ok", staff.id, T0 + 2).await.unwrap());
    assert!(!store.decide_appeal(appeal.id, AppealDecision::Upheld, "", staff.id, T0 + 3).await.unwrap());
    let decided = store.appeal(appeal.id).await.unwrap().unwrap();
    assert_eq!(
        (decided.decision, decided.decided_at, decided.note.as_deref()),
        (AppealDecision::Lifted, Some(T0 + 2), Some("ok"))
    );
    let lifted = store.enforcement_action(ban.id).await.unwrap().unwrap();
    assert_eq!((lifted.lifted_at, lifted.lifted_by), (Some(T0 + 2), Some(staff.id)));
    assert!(!store.lift_enforcement(ban.id, staff.id, T0 + 4).await.unwrap(), "lifted once");
}
