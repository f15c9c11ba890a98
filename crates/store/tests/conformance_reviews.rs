//! The storage contract of release reviews and their media (`ReviewStore`), told as stories
//! and run against every backend like `conformance.rs`.

#[expect(dead_code, reason = "this file uses part of the shared support module")]
#[macro_use]
mod support;

use miniplat_core::apps::versions::{DevelopVersion, PackageSize, UploaderSlot, UserVersion, VersionFile};
use miniplat_core::apps::App;
use miniplat_core::error::StoreError;
use miniplat_core::jobs::NewJob;
use miniplat_core::media::{Media, MediaKind};
use miniplat_core::review::{Review, ReviewId, ReviewItem, ReviewState, Submission};
use miniplat_core::store::prelude::*;
use miniplat_core::store::{ReviewUpdate, REVIEW_IN_PROGRESS};
use serde_json::json;

use support::{app, assert_same, developer, Db, T0};

conformance_suite! {
    a_review_keeps_its_snapshot_and_submission,
    an_app_has_one_open_review_at_a_time,
    updates_apply_only_from_the_expected_states_with_their_push,
    reviewed_packages_are_never_collected,
    media_belong_to_their_app,
}

fn review(app: &App, sha: &str, at: i64) -> Review {
    Review {
        id: ReviewId(0),
        app: app.key,
        version: DevelopVersion {
            id: 7,
            app: app.key,
            slot: UploaderSlot::Robot(1),
            user_version: UserVersion::parse("1.0.0").unwrap(),
            description: "first".into(),
            uploaded_by: None,
            upload_key: Some(3),
            package_sha256: sha.into(),
            zip_bytes: 99,
            packages: vec![PackageSize { root: String::new(), bytes: 99 }],
            files: vec![VersionFile { path: "app.json".into(), size: 9, sha256: "cd".repeat(32) }],
            report: json!({ "diagnostics": [] }),
            created_at: at - 10,
        },
        submission: Submission {
            item_list: vec![ReviewItem {
                address: Some("pages/index/index".into()),
                title: Some("Home".into()),
                ..ReviewItem::default()
            }],
            version_desc: "please review".into(),
            feedback_stuff: vec!["m1".into()],
            ..Submission::default()
        },
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

fn rejection(app: &App, id: ReviewId, from: &[ReviewState]) -> ReviewUpdate {
    ReviewUpdate {
        app: app.key,
        review: id,
        from: from.to_vec(),
        to: ReviewState::Rejected,
        reason: Some("crashes on start".into()),
        screenshots: vec!["s1".into(), "s2".into()],
        at: T0 + 50,
    }
}

async fn a_review_keeps_its_snapshot_and_submission(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let stored = store.insert_review(&review(&shop, &"a".repeat(64), T0)).await.unwrap();
    assert!(stored.id.0 > 0);
    assert_same(&store.review(shop.key, stored.id).await.unwrap(), &Some(stored.clone()));
    assert_same(&store.latest_review(shop.key).await.unwrap(), &Some(stored.clone()));
    let listed = store.reviews(shop.key, 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].version.files.is_empty(), "lists leave file lists out");
    assert_eq!(listed[0].submission, stored.submission);
}

async fn an_app_has_one_open_review_at_a_time(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let other = app(store, "Other", &owner).await;
    let first = store.insert_review(&review(&shop, &"a".repeat(64), T0)).await.unwrap();
    let second = store.insert_review(&review(&shop, &"b".repeat(64), T0 + 1)).await;
    assert!(matches!(second, Err(StoreError::Refused(REVIEW_IN_PROGRESS))), "{second:?}");
    store.insert_review(&review(&other, &"b".repeat(64), T0 + 1)).await.expect("other apps are separate");

    let queued = ReviewUpdate {
        to: ReviewState::Queued,
        reason: None,
        screenshots: vec![],
        ..rejection(&shop, first.id, &[ReviewState::Checking])
    };
    assert!(store.update_review(&queued, None).await.unwrap());
    assert!(
        store.insert_review(&review(&shop, &"b".repeat(64), T0 + 2)).await.is_err(),
        "queued is still open"
    );
    assert!(store.update_review(&rejection(&shop, first.id, &ReviewState::OPEN), None).await.unwrap());
    let next = store.insert_review(&review(&shop, &"b".repeat(64), T0 + 3)).await.unwrap();
    assert_eq!(store.latest_review(shop.key).await.unwrap().map(|r| r.id), Some(next.id));
}

async fn updates_apply_only_from_the_expected_states_with_their_push(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let other = app(store, "Other", &owner).await;
    let stored = store.insert_review(&review(&shop, &"a".repeat(64), T0)).await.unwrap();
    let push = NewJob {
        kind: "push".into(),
        app: Some(shop.key),
        payload: "{}".into(),
        run_at: T0,
        max_attempts: 3,
        created_at: T0,
    };

    let wrong_app = ReviewUpdate { app: other.key, ..rejection(&shop, stored.id, &ReviewState::OPEN) };
    assert!(
        !store.update_review(&wrong_app, Some(&push)).await.unwrap(),
        "another app's review is not touched"
    );
    assert!(!store
        .update_review(&rejection(&shop, stored.id, &[ReviewState::Queued]), Some(&push))
        .await
        .unwrap());
    assert!(store.claim_jobs("push", T0, T0 + 60, 10).await.unwrap().is_empty(), "no change, no push");

    assert!(store
        .update_review(&rejection(&shop, stored.id, &ReviewState::OPEN), Some(&push))
        .await
        .unwrap());
    let rejected = store.review(shop.key, stored.id).await.unwrap().unwrap();
    assert_eq!(
        (rejected.state, rejected.reason.as_deref(), rejected.screenshots.clone(), rejected.decided_at),
        (
            ReviewState::Rejected,
            Some("crashes on start"),
            vec!["s1".to_owned(), "s2".to_owned()],
            Some(T0 + 50)
        )
    );
    assert_eq!(store.claim_jobs("push", T0, T0 + 60, 10).await.unwrap().len(), 1, "the push came with it");
    assert!(
        !store.update_review(&rejection(&shop, stored.id, &ReviewState::OPEN), Some(&push)).await.unwrap(),
        "a decided review stays decided"
    );
}

async fn reviewed_packages_are_never_collected(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let sha = "e".repeat(64);
    assert!(store.touch_package_blob(&sha, T0, T0 - 1).await.unwrap());
    store.insert_review(&review(&shop, &sha, T0 + 1)).await.unwrap();
    let claimed = store.claim_package_blobs(T0 + 10_000, T0 + 5_000, T0, 10).await.unwrap();
    assert!(!claimed.contains(&sha), "a review names the blob");
}

async fn media_belong_to_their_app(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let other = app(store, "Other", &owner).await;
    let media = Media {
        media_id: "f".repeat(40),
        app: shop.key,
        kind: MediaKind::Image,
        content_type: "image/png".into(),
        blob_key: "media/1/x".into(),
        bytes: 10,
        created_at: T0,
        expires_at: T0 + 100,
    };
    store.insert_media(&media).await.unwrap();
    assert_eq!(store.media(shop.key, &media.media_id).await.unwrap(), Some(media.clone()));
    assert_eq!(store.media(other.key, &media.media_id).await.unwrap(), None);
    assert!(matches!(store.insert_media(&media).await, Err(StoreError::UniqueViolation)));
}
