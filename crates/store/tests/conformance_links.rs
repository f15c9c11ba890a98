//! The storage contract of mini program codes (`CodeStore`), told as stories and run against
//! every backend like `conformance.rs`.

#[expect(dead_code, reason = "this file uses part of the shared support module")]
#[macro_use]
mod support;

use miniplat_core::apps::access::EnvVersion;
use miniplat_core::codes::links::{Link, LinkKind};
use miniplat_core::codes::{Code, CodeKind};
use miniplat_core::error::StoreError;
use miniplat_core::store::prelude::*;

use support::{app, developer, Db, T0};

conformance_suite! {
    codes_round_trip_and_keep_their_first_version,
    limited_codes_count_up_to_the_cap_and_refusals_roll_back,
    unlimited_codes_use_a_capped_number_of_distinct_pages,
    links_expire_early_when_revoked,
}

fn code(app: miniplat_core::apps::AppKey, ticket: &str, kind: CodeKind) -> Code {
    Code {
        ticket: ticket.into(),
        app,
        kind,
        page: "pages/item/item".into(),
        query: "id=7".into(),
        scene: (kind == CodeKind::Unlimited).then(|| "s=1".into()),
        env: EnvVersion::Trial,
        created_at: T0,
    }
}

async fn codes_round_trip_and_keep_their_first_version(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;

    let unlimited = code(shop.key, "aaaaaaaaaaaaaaaaaaaa", CodeKind::Unlimited);
    store.insert_code(&unlimited).await.unwrap();
    assert_eq!(store.code_by_ticket("aaaaaaaaaaaaaaaaaaaa").await.unwrap(), Some(unlimited.clone()));
    // The same ticket again (an identical request) keeps the stored row.
    store.insert_code(&Code { created_at: T0 + 60, ..unlimited.clone() }).await.unwrap();
    assert_eq!(store.code_by_ticket("aaaaaaaaaaaaaaaaaaaa").await.unwrap(), Some(unlimited));

    let trial =
        Code { scene: None, query: String::new(), ..code(shop.key, "bbbbbbbbbbbbbbbbbbbb", CodeKind::Trial) };
    store.insert_code(&trial).await.unwrap();
    assert_eq!(store.code_by_ticket("bbbbbbbbbbbbbbbbbbbb").await.unwrap(), Some(trial));
    assert_eq!(store.code_by_ticket("cccccccccccccccccccc").await.unwrap(), None);
}

async fn limited_codes_count_up_to_the_cap_and_refusals_roll_back(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let other = app(store, "Other", &owner).await;

    let first = code(shop.key, "dddddddddddddddddddd", CodeKind::Limited);
    assert_eq!(store.insert_limited_code(&first, 2).await.unwrap(), 1);
    // The same code again still counts: WeChat counts calls.
    assert_eq!(store.insert_limited_code(&first, 2).await.unwrap(), 2);
    let square = code(shop.key, "eeeeeeeeeeeeeeeeeeee", CodeKind::LimitedSquare);
    for _ in 0..2 {
        assert!(matches!(store.insert_limited_code(&square, 2).await, Err(StoreError::Refused(_))));
    }
    assert_eq!(
        store.code_by_ticket("eeeeeeeeeeeeeeeeeeee").await.unwrap(),
        None,
        "refused codes are not stored"
    );
    assert_eq!(store.insert_limited_code(&square, 3).await.unwrap(), 3, "refusals did not count");
    // Counts are per mini program.
    let theirs = code(other.key, "ffffffffffffffffffff", CodeKind::Limited);
    assert_eq!(store.insert_limited_code(&theirs, 2).await.unwrap(), 1);
}

async fn unlimited_codes_use_a_capped_number_of_distinct_pages(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let other = app(store, "Other", &owner).await;
    let unlimited = |app, ticket: &str, page: &str, scene: &str| Code {
        page: page.into(),
        query: String::new(),
        scene: Some(scene.into()),
        ..code(app, ticket, CodeKind::Unlimited)
    };

    store
        .insert_unlimited_code(&unlimited(shop.key, "a1aaaaaaaaaaaaaaaaaa", "pages/a", "1"), 2)
        .await
        .unwrap();
    store
        .insert_unlimited_code(&unlimited(shop.key, "a2aaaaaaaaaaaaaaaaaa", "pages/b", "1"), 2)
        .await
        .unwrap();
    // A third page is refused and not stored; more scenes of a used page still pass.
    let third = unlimited(shop.key, "a3aaaaaaaaaaaaaaaaaa", "pages/c", "1");
    assert!(matches!(store.insert_unlimited_code(&third, 2).await, Err(StoreError::Refused(_))));
    assert_eq!(store.code_by_ticket("a3aaaaaaaaaaaaaaaaaa").await.unwrap(), None);
    let scene = unlimited(shop.key, "a4aaaaaaaaaaaaaaaaaa", "pages/a", "2");
    store.insert_unlimited_code(&scene, 2).await.unwrap();
    assert_eq!(store.code_by_ticket("a4aaaaaaaaaaaaaaaaaa").await.unwrap(), Some(scene.clone()));
    // A stored ticket passes even with a lower cap; other kinds and apps do not count.
    store.insert_unlimited_code(&scene, 1).await.unwrap();
    store
        .insert_code(&Code {
            page: "pages/t".into(),
            ..code(shop.key, "a5aaaaaaaaaaaaaaaaaa", CodeKind::Trial)
        })
        .await
        .unwrap();
    store
        .insert_unlimited_code(&unlimited(shop.key, "a6aaaaaaaaaaaaaaaaaa", "pages/c", "1"), 3)
        .await
        .unwrap();
    store
        .insert_unlimited_code(&unlimited(other.key, "a7aaaaaaaaaaaaaaaaaa", "pages/z", "1"), 1)
        .await
        .unwrap();
}

async fn links_expire_early_when_revoked(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let other = app(store, "Other", &owner).await;
    let link = Link {
        ticket: "0123456789abcdef0123".into(),
        app: shop.key,
        kind: LinkKind::UrlLink,
        page: "pages/item/item".into(),
        query: "id=7".into(),
        env: EnvVersion::Trial,
        cloud_base: None,
        created_at: T0,
        expire_at: T0 + 86_400,
    };
    store.insert_link(&link).await.unwrap();

    // Only the owning app's link changes.
    assert!(!store.expire_link(other.key, &link.ticket, T0 + 60).await.unwrap());
    assert!(store.expire_link(shop.key, &link.ticket, T0 + 60).await.unwrap());
    let stored = store.link_by_ticket(&link.ticket).await.unwrap().unwrap();
    assert_eq!(stored, Link { expire_at: T0 + 60, ..link.clone() });
    // An expiry never moves later, and unknown tickets change nothing.
    assert!(!store.expire_link(shop.key, &link.ticket, T0 + 120).await.unwrap());
    assert_eq!(store.link_by_ticket(&link.ticket).await.unwrap().unwrap().expire_at, T0 + 60);
    assert!(!store.expire_link(shop.key, "ffffffffffffffffffff", T0).await.unwrap());
}
