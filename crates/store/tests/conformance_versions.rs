//! The storage contract for develop versions, the trial version, upload keys and testers
//! (`miniplat_core::store::VersionStore`), told as stories and run against every backend.

#[expect(dead_code, reason = "the harness serves several suites; this one uses part of it")]
#[macro_use]
mod support;

use miniplat_core::apps::testers::{BindTesterError, Tester};
use miniplat_core::apps::upload_keys::{parse_allowed, UploadKey};
use miniplat_core::apps::versions::{
    DevelopVersion, PackageSize, TrialVersion, UploaderSlot, UserVersion, VersionFile,
};
use miniplat_core::apps::{App, AppKey};
use miniplat_core::error::StoreError;
use miniplat_core::store::prelude::*;
use miniplat_core::store::PACKAGE_BLOB_CLAIMED;
use serde_json::json;

use support::{app, assert_same, developer, new_end_user, Db, T0};

conformance_suite! {
    develop_versions_replace_their_slot_only,
    the_trial_version_is_a_copy_that_outlives_its_source,
    upload_keys_are_found_by_hash_touched_and_revoked,
    testers_bind_once_within_both_caps,
    package_blobs_are_claimed_only_unreferenced_and_untouched,
    a_claimed_package_blob_refuses_new_references_until_released,
    a_claim_and_a_new_reference_are_ordered,
}

fn version(app: &App, slot: UploaderSlot, user_version: &str, at: i64) -> DevelopVersion {
    DevelopVersion {
        id: 0,
        app: app.key,
        slot,
        user_version: UserVersion::parse(user_version).unwrap(),
        description: format!("version {user_version}"),
        uploaded_by: match slot {
            UploaderSlot::Member(id) => Some(id),
            UploaderSlot::Robot(_) => None,
        },
        upload_key: match slot {
            UploaderSlot::Member(_) => None,
            UploaderSlot::Robot(_) => Some(9),
        },
        package_sha256: format!("{at:064}"),
        zip_bytes: 1234,
        packages: vec![
            PackageSize { root: String::new(), bytes: 1000 },
            PackageSize { root: "sub".into(), bytes: 234 },
        ],
        files: vec![VersionFile { path: "app.json".into(), size: 20, sha256: "ab".repeat(32) }],
        report: json!({ "diagnostics": [], "total_bytes": 1234 }),
        created_at: at,
    }
}

async fn develop_versions_replace_their_slot_only(db: Db) {
    let store = &db.store;
    let dev = developer(store, "dev@example.com").await;
    let shop = app(store, "Shop", &dev).await;
    let other = app(store, "Other", &dev).await;

    let first =
        store.put_develop_version(&version(&shop, UploaderSlot::Member(dev.id), "1.0", T0)).await.unwrap();
    assert!(first.id > 0);
    let robot =
        store.put_develop_version(&version(&shop, UploaderSlot::Robot(3), "r1", T0 + 1)).await.unwrap();
    store.put_develop_version(&version(&other, UploaderSlot::Member(dev.id), "x", T0 + 2)).await.unwrap();
    let second = store
        .put_develop_version(&version(&shop, UploaderSlot::Member(dev.id), "2.0", T0 + 3))
        .await
        .unwrap();

    // Newest first; the member's slot holds only its second upload. Lists leave out details.
    let listed = store.develop_versions(shop.key).await.unwrap();
    let ids: Vec<i64> = listed.iter().map(|v| v.id).collect();
    assert_eq!(ids, [second.id, robot.id]);
    assert!(listed[0].files.is_empty() && listed[0].report.is_null());
    assert_eq!(listed[0].packages, second.packages);

    assert_same(&store.develop_version(shop.key, second.id).await.unwrap().unwrap(), &second);
    assert!(store.develop_version(shop.key, first.id).await.unwrap().is_none(), "replaced");
    assert!(store.develop_version(other.key, second.id).await.unwrap().is_none(), "scoped by app");

    assert!(!store.delete_develop_version(other.key, robot.id, T0 + 4).await.unwrap(), "another app's id");
    assert!(store.delete_develop_version(shop.key, robot.id, T0 + 4).await.unwrap());
    assert!(!store.delete_develop_version(shop.key, robot.id, T0 + 4).await.unwrap());
    assert_eq!(store.develop_versions(shop.key).await.unwrap().len(), 1);
}

async fn the_trial_version_is_a_copy_that_outlives_its_source(db: Db) {
    let store = &db.store;
    let dev = developer(store, "dev@example.com").await;
    let shop = app(store, "Shop", &dev).await;
    assert!(store.trial_version(shop.key).await.unwrap().is_none());

    let first = store.put_develop_version(&version(&shop, UploaderSlot::Robot(1), "1.0", T0)).await.unwrap();
    let second = store.put_develop_version(&version(&shop, UploaderSlot::Robot(2), "2.0", T0)).await.unwrap();
    let trial = TrialVersion { version: first.clone(), chosen_by: dev.id, chosen_at: T0 + 5 };
    store.set_trial_version(&trial).await.unwrap();
    assert_same(&store.trial_version(shop.key).await.unwrap().unwrap(), &trial);

    // Choosing again replaces it; deleting the source keeps it.
    let trial = TrialVersion { version: second.clone(), chosen_by: dev.id, chosen_at: T0 + 6 };
    store.set_trial_version(&trial).await.unwrap();
    store.delete_develop_version(shop.key, second.id, T0 + 7).await.unwrap();
    assert_same(&store.trial_version(shop.key).await.unwrap().unwrap(), &trial);
}

async fn upload_keys_are_found_by_hash_touched_and_revoked(db: Db) {
    let store = &db.store;
    let dev = developer(store, "dev@example.com").await;
    let shop = app(store, "Shop", &dev).await;
    let other = app(store, "Other", &dev).await;
    let key = UploadKey {
        id: 0,
        app: shop.key,
        label: "CI".into(),
        prefix: "mpu_12345678".into(),
        hash: "hash-1".into(),
        allowed: vec![parse_allowed("10.0.0.0/8").unwrap(), parse_allowed("2001:db8::1").unwrap()],
        created_by: dev.id,
        created_at: T0,
        revoked_at: None,
        last_used_at: None,
    };
    let key = store.create_upload_key(&key).await.unwrap();
    assert!(key.id > 0);
    let open = store
        .create_upload_key(&UploadKey { hash: "hash-2".into(), allowed: Vec::new(), ..key.clone() })
        .await
        .unwrap();
    assert!(store.create_upload_key(&key).await.is_err(), "hashes are unique");

    assert_same(&store.upload_key_by_hash("hash-1").await.unwrap().unwrap(), &key);
    assert!(store.upload_key_by_hash("nope").await.unwrap().is_none());
    assert_eq!(store.upload_keys(shop.key).await.unwrap().len(), 2);
    assert!(store.upload_keys(other.key).await.unwrap().is_empty());

    store.touch_upload_key(open.id, T0 + 10).await.unwrap();
    assert_eq!(store.upload_key_by_hash("hash-2").await.unwrap().unwrap().last_used_at, Some(T0 + 10));
    assert!(!store.revoke_upload_key(other.key, key.id, T0 + 20).await.unwrap(), "scoped by app");
    assert!(store.revoke_upload_key(shop.key, key.id, T0 + 20).await.unwrap());
    assert!(!store.revoke_upload_key(shop.key, key.id, T0 + 30).await.unwrap(), "revoked once");
    assert_eq!(store.upload_key_by_hash("hash-1").await.unwrap().unwrap().revoked_at, Some(T0 + 20));
}

async fn testers_bind_once_within_both_caps(db: Db) {
    let store = &db.store;
    let dev = developer(store, "dev@example.com").await;
    let shop = app(store, "Shop", &dev).await;
    let other = app(store, "Other", &dev).await;
    let ann = store.create_end_user(&new_end_user("ann@example.com")).await.unwrap();
    let bob = store.create_end_user(&new_end_user("bob@example.com")).await.unwrap();
    let tester = |app: AppKey, user: &miniplat_core::accounts::EndUser, userstr: &str| Tester {
        app,
        user: user.id,
        email: None,
        userstr: userstr.into(),
        bound_at: T0,
    };

    store.bind_tester(&tester(shop.key, &ann, "s-ann"), 2, 2).await.unwrap();
    assert!(matches!(
        store.bind_tester(&tester(shop.key, &ann, "s-ann"), 2, 2).await,
        Err(BindTesterError::AlreadyBound)
    ));
    assert!(matches!(
        store.bind_tester(&tester(shop.key, &bob, "s-bob"), 1, 2).await,
        Err(BindTesterError::AppLimit)
    ));
    assert!(matches!(
        store.bind_tester(&tester(other.key, &ann, "o-ann"), 2, 1).await,
        Err(BindTesterError::UserLimit)
    ));
    store.bind_tester(&tester(shop.key, &bob, "s-bob"), 2, 2).await.unwrap();
    store.bind_tester(&tester(other.key, &ann, "o-ann"), 2, 2).await.unwrap();

    let listed = store.testers(shop.key).await.unwrap();
    let emails: Vec<_> = listed.iter().map(|t| t.email.as_ref().unwrap().as_str()).collect();
    assert_eq!(emails, ["ann@example.com", "bob@example.com"]);
    assert!(store.is_tester(shop.key, ann.id).await.unwrap());

    assert!(store.unbind_tester(shop.key, None, Some("s-ann")).await.unwrap());
    assert!(!store.unbind_tester(shop.key, None, Some("o-ann")).await.unwrap(), "another app's userstr");
    assert!(store.unbind_tester(shop.key, Some(bob.id), None).await.unwrap());
    assert!(!store.unbind_tester(shop.key, Some(bob.id), None).await.unwrap());
    assert!(!store.is_tester(shop.key, ann.id).await.unwrap());
    assert!(store.is_tester(other.key, ann.id).await.unwrap());
}

/// A develop version of `slot` holding the package with digest `sha256`, uploaded at `at`.
fn holding(app: &App, slot: UploaderSlot, sha256: &str, at: i64) -> DevelopVersion {
    DevelopVersion { package_sha256: sha256.to_owned(), ..version(app, slot, "1.0", at) }
}

/// What a purge with a grace period of 100 s claims at `now` (claims live 600 s).
async fn claim(db: &Db, now: i64) -> Vec<String> {
    db.store.claim_package_blobs(now, now - 100, now - 600, 10).await.unwrap()
}

async fn package_blobs_are_claimed_only_unreferenced_and_untouched(db: Db) {
    let store = &db.store;
    let dev = developer(store, "dev@example.com").await;
    let shop = app(store, "Shop", &dev).await;
    let (a, b) = ("a".repeat(64), "b".repeat(64));

    // Two uploads of the same content: announced, then stored as two versions.
    assert!(store.touch_package_blob(&a, T0, T0 - 600).await.unwrap());
    let mine =
        store.put_develop_version(&holding(&shop, UploaderSlot::Member(dev.id), &a, T0)).await.unwrap();
    assert!(store.touch_package_blob(&a, T0 + 1, T0 - 599).await.unwrap());
    let robot = store.put_develop_version(&holding(&shop, UploaderSlot::Robot(1), &a, T0 + 1)).await.unwrap();
    // Referenced: not claimed, and forgotten until a reference goes.
    assert_eq!(claim(&db, T0 + 1000).await, Vec::<String>::new());

    // One version goes: the other still names the blob.
    store.delete_develop_version(shop.key, mine.id, T0 + 1000).await.unwrap();
    assert_eq!(claim(&db, T0 + 1100).await, Vec::<String>::new());
    // The last one goes: claimed only once untouched for the grace period.
    store.delete_develop_version(shop.key, robot.id, T0 + 2000).await.unwrap();
    assert_eq!(claim(&db, T0 + 2099).await, Vec::<String>::new(), "within the grace period");
    assert_eq!(claim(&db, T0 + 2100).await, [a.as_str()]);
    assert_eq!(claim(&db, T0 + 2101).await, Vec::<String>::new(), "claimed once");
    store.end_package_blob_claim(&a, T0 + 2100, true).await.unwrap();
    assert_eq!(claim(&db, T0 + 9000).await, Vec::<String>::new(), "forgotten once deleted");

    // A slot's replaced version and a replaced trial version release their blobs too; the
    // trial copy keeps its blob after its develop version goes.
    let first =
        store.put_develop_version(&holding(&shop, UploaderSlot::Robot(2), &a, T0 + 3000)).await.unwrap();
    store
        .set_trial_version(&TrialVersion { version: first.clone(), chosen_by: dev.id, chosen_at: T0 + 3000 })
        .await
        .unwrap();
    let second =
        store.put_develop_version(&holding(&shop, UploaderSlot::Robot(2), &b, T0 + 3001)).await.unwrap();
    assert_eq!(claim(&db, T0 + 4000).await, Vec::<String>::new(), "the trial names a");
    store
        .set_trial_version(&TrialVersion { version: second, chosen_by: dev.id, chosen_at: T0 + 4001 })
        .await
        .unwrap();
    assert_eq!(claim(&db, T0 + 4100).await, Vec::<String>::new(), "touched when the trial changed");
    assert_eq!(claim(&db, T0 + 4101).await, [a.as_str()]);

    // A failed delete releases the claim for a later purge.
    store.end_package_blob_claim(&a, T0 + 4101, false).await.unwrap();
    assert_eq!(claim(&db, T0 + 4102).await, [a.as_str()]);
    // Ending a claim that was taken over changes nothing.
    store.end_package_blob_claim(&a, T0 + 4101, true).await.unwrap();
    assert_eq!(claim(&db, T0 + 4102 + 600).await, [a.as_str()], "an abandoned claim is taken again");
}

async fn a_claimed_package_blob_refuses_new_references_until_released(db: Db) {
    let store = &db.store;
    let dev = developer(store, "dev@example.com").await;
    let shop = app(store, "Shop", &dev).await;
    let a = "a".repeat(64);
    let old = store.put_develop_version(&holding(&shop, UploaderSlot::Robot(1), &a, T0)).await.unwrap();
    store.delete_develop_version(shop.key, old.id, T0).await.unwrap();
    assert_eq!(claim(&db, T0 + 100).await, [a.as_str()]);

    // While a purge deletes the blob, an upload of it waits and no version may name it.
    assert!(!store.touch_package_blob(&a, T0 + 101, T0 + 101 - 600).await.unwrap());
    let refused = store.put_develop_version(&holding(&shop, UploaderSlot::Robot(2), &a, T0 + 101)).await;
    assert!(matches!(refused, Err(StoreError::Refused(PACKAGE_BLOB_CLAIMED))), "{refused:?}");
    let trial = TrialVersion { version: old, chosen_by: dev.id, chosen_at: T0 + 101 };
    let refused = store.set_trial_version(&trial).await;
    assert!(matches!(refused, Err(StoreError::Refused(PACKAGE_BLOB_CLAIMED))), "{refused:?}");
    assert!(store.develop_versions(shop.key).await.unwrap().is_empty(), "nothing stored");
    assert!(store.trial_version(shop.key).await.unwrap().is_none());

    // Once the purge is done, the upload goes ahead and the blob is safe for the grace period.
    store.end_package_blob_claim(&a, T0 + 100, true).await.unwrap();
    assert!(store.touch_package_blob(&a, T0 + 102, T0 + 102 - 600).await.unwrap());
    assert_eq!(claim(&db, T0 + 150).await, Vec::<String>::new());
    store.put_develop_version(&holding(&shop, UploaderSlot::Robot(2), &a, T0 + 103)).await.unwrap();
    assert_eq!(claim(&db, T0 + 1000).await, Vec::<String>::new(), "referenced");

    // A claim left by a purge that died is taken over by the next upload after 600 s.
    let b = "b".repeat(64);
    assert!(store.touch_package_blob(&b, T0, T0 - 600).await.unwrap());
    assert_eq!(claim(&db, T0 + 200).await, [b.as_str()], "an upload that never stored a version");
    assert!(!store.touch_package_blob(&b, T0 + 799, T0 + 199).await.unwrap());
    assert!(store.touch_package_blob(&b, T0 + 800, T0 + 200).await.unwrap());
    store.put_develop_version(&holding(&shop, UploaderSlot::Robot(3), &b, T0 + 801)).await.unwrap();
}

/// A purge's claim and an upload's version row race on the same blob: whatever the order,
/// never both (the blob deleted while a version names it).
async fn a_claim_and_a_new_reference_are_ordered(db: Db) {
    let store = &db.store;
    let dev = developer(store, "dev@example.com").await;
    let shop = app(store, "Shop", &dev).await;
    for round in 0..20_u8 {
        let sha256 = format!("{round:064}");
        // Left over from an upload long ago: due for collection.
        assert!(store.touch_package_blob(&sha256, T0, T0 - 600).await.unwrap());
        let now = T0 + 10_000;
        let slot = UploaderSlot::Robot(1 + round % 30);
        let version = holding(&shop, slot, &sha256, now);
        let (put, claimed) = tokio::join!(
            store.put_develop_version(&version),
            store.claim_package_blobs(now, now - 100, now - 600, 10)
        );
        let claimed = claimed.unwrap().contains(&sha256);
        match put {
            Ok(_) => assert!(!claimed, "round {round}: claimed while a version names it"),
            Err(StoreError::Refused(PACKAGE_BLOB_CLAIMED)) => assert!(claimed, "round {round}"),
            Err(other) => panic!("round {round}: {other}"),
        }
    }
}
