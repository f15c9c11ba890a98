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
use miniplat_core::store::prelude::*;
use serde_json::json;

use support::{app, assert_same, developer, new_end_user, Db, T0};

conformance_suite! {
    develop_versions_replace_their_slot_only,
    the_trial_version_is_a_copy_that_outlives_its_source,
    upload_keys_are_found_by_hash_touched_and_revoked,
    testers_bind_once_within_both_caps,
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

    assert!(!store.delete_develop_version(other.key, robot.id).await.unwrap(), "another app's id");
    assert!(store.delete_develop_version(shop.key, robot.id).await.unwrap());
    assert!(!store.delete_develop_version(shop.key, robot.id).await.unwrap());
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
    store.delete_develop_version(shop.key, second.id).await.unwrap();
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
