//! The storage contract of categories (`CategoryStore`): the seeded catalogue and its edits,
//! applications per app with their limits, review decisions with their push, told as stories
//! and run against every backend like `conformance.rs`.

#[expect(dead_code, reason = "this file uses part of the shared support module")]
#[macro_use]
mod support;

use miniplat_core::accounts::SubjectType;
use miniplat_core::categories::{
    AppCategory, Category, CategoryId, CategoryLimits, CategoryState, Certificate,
};
use miniplat_core::error::StoreError;
use miniplat_core::jobs::NewJob;
use miniplat_core::store::prelude::*;
use miniplat_core::store::{CATEGORY_ADD_MONTHLY_LIMIT, CATEGORY_LIMIT};

use support::{app, developer, Db, T0};

conformance_suite! {
    the_default_catalogue_is_seeded_and_staff_edits_it,
    applications_are_per_app_unique_and_limited,
    rejected_applications_come_back_and_decisions_queue_their_push_once,
}

const LIMITS: CategoryLimits = CategoryLimits { per_app: 3, adds_per_month: 4, month: 100 };

fn application(
    app: miniplat_core::apps::AppKey,
    first: i64,
    second: i64,
    state: CategoryState,
) -> AppCategory {
    AppCategory {
        id: 0,
        app,
        first: CategoryId(first),
        second: CategoryId(second),
        state,
        reason: None,
        certificates: vec![Certificate { key: "营业执照".into(), value: format!("media-{second}") }],
        applied_at: T0,
        decided_at: None,
        decided_by: None,
    }
}

async fn the_default_catalogue_is_seeded_and_staff_edits_it(db: Db) {
    let store = &db.store;
    let seeded = store.categories().await.unwrap();
    assert!(seeded.len() >= 20, "{}", seeded.len());
    assert!(seeded.windows(2).all(|w| (w[0].level, w[0].id) < (w[1].level, w[1].id)), "level, then id");
    let education = seeded.iter().find(|c| c.id == CategoryId(201)).unwrap();
    assert_eq!((education.name.as_str(), education.level, education.parent), ("在线教育", 2, CategoryId(2)));
    assert!(education.sensitive && !education.delisted);
    assert_eq!(education.qualifications, ["办学许可证"]);
    assert_eq!(
        education.subject_types,
        [SubjectType::Enterprise, SubjectType::Government, SubjectType::OtherOrganisation]
    );
    assert!(seeded.iter().any(|c| c.level == 3));

    let new = Category {
        id: CategoryId(0),
        parent: CategoryId(101),
        level: 3,
        name: "番茄钟".into(),
        sensitive: false,
        qualifications: vec!["甲".into(), "乙".into()],
        qualification_remark: "说明".into(),
        special_rules: Some("规则".into()),
        subject_types: vec![SubjectType::Media],
        delisted: false,
        created_at: T0,
    };
    let stored = store.insert_category(&new).await.unwrap();
    let max_seeded = seeded.iter().map(|c| c.id.0).max().unwrap();
    assert_eq!(stored.id, CategoryId(max_seeded + 1), "new ids follow the seeded ones");
    assert!(
        matches!(store.insert_category(&new).await, Err(StoreError::UniqueViolation)),
        "sibling names are unique"
    );
    let same_name_elsewhere = Category { parent: CategoryId(102), ..new.clone() };
    store.insert_category(&same_name_elsewhere).await.unwrap();

    let mut edited = stored.clone();
    edited.name = "番茄钟计时".into();
    edited.qualifications.clear();
    edited.special_rules = None;
    edited.subject_types.clear();
    edited.delisted = true;
    assert!(store.update_category(&edited).await.unwrap());
    let reread = store.categories().await.unwrap().into_iter().find(|c| c.id == stored.id).unwrap();
    assert_eq!(reread, edited);
    store.insert_category(&Category { name: "其他".into(), ..new.clone() }).await.unwrap();
    let mut rename_to_sibling = edited.clone();
    rename_to_sibling.name = "其他".into();
    assert!(matches!(store.update_category(&rename_to_sibling).await, Err(StoreError::UniqueViolation)));
    assert!(!store.update_category(&Category { id: CategoryId(999_999), ..edited }).await.unwrap());
}

async fn applications_are_per_app_unique_and_limited(db: Db) {
    let store = &db.store;
    let owner = developer(store, "owner@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let other = app(store, "Other", &owner).await;

    let first_two = [
        application(shop.key, 1, 101, CategoryState::Approved),
        application(shop.key, 2, 201, CategoryState::Reviewing),
    ];
    store.add_app_categories(&first_two, LIMITS).await.unwrap();
    store
        .add_app_categories(&[application(other.key, 1, 101, CategoryState::Approved)], LIMITS)
        .await
        .unwrap();
    let mine = store.app_categories(shop.key).await.unwrap();
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[1].certificates, first_two[1].certificates);
    assert_eq!(
        (mine[1].state, mine[1].app, mine[1].second),
        (CategoryState::Reviewing, shop.key, CategoryId(201))
    );
    assert_eq!(store.app_category_by_id(mine[1].id).await.unwrap().as_ref(), Some(&mine[1]));
    assert_eq!(store.category_adds(shop.key, 100).await.unwrap(), 2);
    assert_eq!(store.category_adds(shop.key, 101).await.unwrap(), 0);

    // A duplicate, too many, or the month used up: all refused, nothing stored or counted.
    let duplicate = [
        application(shop.key, 1, 102, CategoryState::Approved),
        application(shop.key, 1, 101, CategoryState::Approved),
    ];
    assert!(matches!(store.add_app_categories(&duplicate, LIMITS).await, Err(StoreError::UniqueViolation)));
    let too_many = [
        application(shop.key, 1, 102, CategoryState::Approved),
        application(shop.key, 1, 103, CategoryState::Approved),
    ];
    assert!(matches!(
        store.add_app_categories(&too_many, LIMITS).await,
        Err(StoreError::Refused(CATEGORY_LIMIT))
    ));
    assert_eq!(store.app_categories(shop.key).await.unwrap().len(), 2);
    assert_eq!(store.category_adds(shop.key, 100).await.unwrap(), 2);

    // Deleting: not while under review, never another app's.
    assert!(!store.delete_app_category(shop.key, mine[1].id).await.unwrap());
    let theirs = store.app_categories(other.key).await.unwrap()[0].id;
    assert!(!store.delete_app_category(shop.key, theirs).await.unwrap());
    assert!(store.delete_app_category(shop.key, mine[0].id).await.unwrap());
    assert_eq!(store.app_categories(other.key).await.unwrap().len(), 1);

    store
        .add_app_categories(&[application(shop.key, 1, 101, CategoryState::Approved)], LIMITS)
        .await
        .unwrap();
    store
        .add_app_categories(&[application(shop.key, 1, 102, CategoryState::Approved)], LIMITS)
        .await
        .unwrap();
    assert_eq!(store.category_adds(shop.key, 100).await.unwrap(), 4);
    assert!(store
        .delete_app_category(shop.key, store.app_categories(shop.key).await.unwrap()[2].id)
        .await
        .unwrap());
    let refused =
        store.add_app_categories(&[application(shop.key, 1, 103, CategoryState::Approved)], LIMITS).await;
    assert!(matches!(refused, Err(StoreError::Refused(CATEGORY_ADD_MONTHLY_LIMIT))));
    assert_eq!(store.category_adds(shop.key, 100).await.unwrap(), 4, "a refused addition is not counted");
    let next_month = CategoryLimits { month: 101, ..LIMITS };
    store
        .add_app_categories(&[application(shop.key, 1, 103, CategoryState::Approved)], next_month)
        .await
        .unwrap();
}

async fn rejected_applications_come_back_and_decisions_queue_their_push_once(db: Db) {
    let store = &db.store;
    let owner = developer(store, "owner@example.com").await;
    let staff = developer(store, "staff@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let other = app(store, "Other", &owner).await;
    store
        .add_app_categories(
            &[
                application(shop.key, 2, 201, CategoryState::Reviewing),
                application(shop.key, 2, 203, CategoryState::Reviewing),
            ],
            LIMITS,
        )
        .await
        .unwrap();
    store
        .add_app_categories(&[application(other.key, 2, 201, CategoryState::Reviewing)], LIMITS)
        .await
        .unwrap();
    let pending = store.pending_app_categories(10).await.unwrap();
    assert_eq!(pending.len(), 3, "every app's, for staff");
    assert_eq!(store.pending_app_categories(1).await.unwrap().len(), 1);
    let (school, training) = (pending[0].id, pending[1].id);

    let push = NewJob {
        kind: "push".into(),
        app: Some(shop.key),
        payload: "wxa_category_audit".into(),
        run_at: T0,
        max_attempts: 3,
        created_at: T0,
    };
    assert!(store
        .decide_app_category(school, CategoryState::Approved, None, staff.id, T0 + 5, Some(&push))
        .await
        .unwrap());
    assert!(
        !store
            .decide_app_category(school, CategoryState::Rejected, Some("late"), staff.id, T0 + 6, Some(&push))
            .await
            .unwrap(),
        "decided once"
    );
    let queued = store.claim_jobs("push", T0 + 10, T0 + 70, 10).await.unwrap();
    assert_eq!(queued.len(), 1, "one push for one decision");
    let approved = store.app_category_by_id(school).await.unwrap().unwrap();
    assert_eq!(
        (approved.state, approved.decided_at, approved.decided_by),
        (CategoryState::Approved, Some(T0 + 5), Some(staff.id))
    );

    assert!(store
        .decide_app_category(training, CategoryState::Rejected, Some("模糊"), staff.id, T0 + 7, None)
        .await
        .unwrap());
    let new_documents = [Certificate { key: "营业执照".into(), value: "media-new".into() }];
    assert!(
        !store.resubmit_app_category(other.key, training, &new_documents, T0 + 8).await.unwrap(),
        "not theirs"
    );
    assert!(
        !store.resubmit_app_category(shop.key, school, &new_documents, T0 + 8).await.unwrap(),
        "not rejected"
    );
    assert!(store.resubmit_app_category(shop.key, training, &new_documents, T0 + 8).await.unwrap());
    let back = store.app_category_by_id(training).await.unwrap().unwrap();
    assert_eq!(
        (back.state, back.reason, back.applied_at, back.decided_at),
        (CategoryState::Reviewing, None, T0 + 8, None)
    );
    assert_eq!(back.certificates, new_documents);
    assert_eq!(store.pending_app_categories(10).await.unwrap().len(), 2);
}
