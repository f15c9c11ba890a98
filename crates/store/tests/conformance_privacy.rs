//! The storage contract of privacy guides, consents and scope grants (`PrivacyStore`), told as
//! stories and run against every backend like `conformance.rs`.

#[expect(dead_code, reason = "this file uses part of the shared support module")]
#[macro_use]
mod support;

use miniplat_core::accounts::EndUserId;
use miniplat_core::apps::AppKey;
use miniplat_core::error::StoreError;
use miniplat_core::privacy::consent::{Consent, ConsentAction, ConsentEvent, ScopeGrant};
use miniplat_core::privacy::{OwnerSetting, PolicyDocument, PolicyKind, PrivacyItem, PrivacyPolicy};
use miniplat_core::store::prelude::*;

use support::{app, developer, new_end_user, Db, T0};

conformance_suite! {
    policy_versions_accumulate_per_app_and_kind,
    consent_replaces_the_earlier_one_and_is_recorded,
    withdrawal_clears_consents_and_grants_of_one_app_only,
    scope_answers_replace_each_other,
}

fn document(keys: &[&str]) -> PolicyDocument {
    PolicyDocument {
        owner_setting: OwnerSetting {
            contact_email: Some("dpo@example.com".into()),
            notice_method: "pop-up".into(),
            ..OwnerSetting::default()
        },
        setting_list: keys
            .iter()
            .map(|k| PrivacyItem { privacy_key: (*k).into(), privacy_text: format!("use {k}") })
            .collect(),
        sdk_privacy_info_list: Vec::new(),
    }
}

fn policy(app: AppKey, kind: PolicyKind, version: i64, keys: &[&str]) -> PrivacyPolicy {
    PrivacyPolicy { app, kind, version, document: document(keys), created_at: T0 + version }
}

fn event(app: AppKey, user: EndUserId, action: ConsentAction, items: &[&str]) -> ConsentEvent {
    ConsentEvent {
        id: 0,
        app,
        user,
        action,
        policy: None,
        items: items.iter().map(|s| (*s).to_owned()).collect(),
        channel: "web".into(),
        at: T0,
    }
}

async fn policy_versions_accumulate_per_app_and_kind(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let other = app(store, "Other", &owner).await;

    assert_eq!(store.privacy_policy(shop.key, PolicyKind::Development, None).await.unwrap(), None);
    let v1 = policy(shop.key, PolicyKind::Development, 1, &["Location"]);
    let v2 = policy(shop.key, PolicyKind::Development, 2, &["Location", "PhoneNumber"]);
    store.insert_privacy_policy(&v1).await.unwrap();
    store.insert_privacy_policy(&v2).await.unwrap();
    // A version saved twice (two concurrent saves) is refused, not overwritten.
    let duplicate = policy(shop.key, PolicyKind::Development, 2, &["Camera"]);
    assert!(matches!(store.insert_privacy_policy(&duplicate).await, Err(StoreError::UniqueViolation)));

    assert_eq!(
        store.privacy_policy(shop.key, PolicyKind::Development, None).await.unwrap(),
        Some(v2.clone())
    );
    assert_eq!(store.privacy_policy(shop.key, PolicyKind::Development, Some(1)).await.unwrap(), Some(v1));
    assert_eq!(store.privacy_policy(shop.key, PolicyKind::Live, None).await.unwrap(), None);
    assert_eq!(store.privacy_policy(other.key, PolicyKind::Development, None).await.unwrap(), None);
    assert_eq!(
        store.privacy_policy_versions(shop.key, PolicyKind::Development).await.unwrap(),
        vec![(2, T0 + 2), (1, T0 + 1)]
    );
}

async fn consent_replaces_the_earlier_one_and_is_recorded(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let user = store.create_end_user(&new_end_user("u@example.com")).await.unwrap().id;

    let first = Consent {
        app: shop.key,
        user,
        kind: PolicyKind::Development,
        version: 1,
        items: vec!["Location".into()],
        channel: "web".into(),
        agreed_at: T0,
    };
    let agree = |version| ConsentEvent {
        policy: Some((PolicyKind::Development, version)),
        ..event(shop.key, user, ConsentAction::Agree, &["Location"])
    };
    store.record_consent(&first, &agree(1)).await.unwrap();
    let second = Consent { version: 2, agreed_at: T0 + 5, ..first.clone() };
    store.record_consent(&second, &agree(2)).await.unwrap();

    assert_eq!(
        store.privacy_consent(shop.key, user, PolicyKind::Development).await.unwrap(),
        Some(second.clone())
    );
    assert_eq!(store.privacy_consent(shop.key, user, PolicyKind::Live).await.unwrap(), None);
    assert_eq!(store.consents_of_user(user).await.unwrap(), vec![second]);

    let history = store.consent_events_of_user(user, 10).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].policy, Some((PolicyKind::Development, 2)), "newest first");
    assert_eq!(history[1].policy, Some((PolicyKind::Development, 1)));
    assert_eq!(store.consent_events_of_user(user, 1).await.unwrap().len(), 1);
}

async fn withdrawal_clears_consents_and_grants_of_one_app_only(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let other = app(store, "Other", &owner).await;
    let user = store.create_end_user(&new_end_user("u@example.com")).await.unwrap().id;

    for app in [shop.key, other.key] {
        let consent = Consent {
            app,
            user,
            kind: PolicyKind::Live,
            version: 1,
            items: vec!["Location".into()],
            channel: "web".into(),
            agreed_at: T0,
        };
        store.record_consent(&consent, &event(app, user, ConsentAction::Agree, &["Location"])).await.unwrap();
        let grant =
            ScopeGrant { app, user, scope: "scope.userLocation".into(), granted: true, updated_at: T0 };
        store
            .set_scope_grant(&grant, &event(app, user, ConsentAction::Grant, &["scope.userLocation"]))
            .await
            .unwrap();
    }

    let withdraw = event(shop.key, user, ConsentAction::Withdraw, &["Location"]);
    assert!(store.withdraw_privacy_consent(shop.key, user, &withdraw).await.unwrap());
    assert_eq!(store.privacy_consent(shop.key, user, PolicyKind::Live).await.unwrap(), None);
    assert!(store.scope_grants(shop.key, user).await.unwrap().is_empty());
    assert!(store.privacy_consent(other.key, user, PolicyKind::Live).await.unwrap().is_some());
    assert_eq!(store.scope_grants(other.key, user).await.unwrap().len(), 1);

    // Nothing left to withdraw: no change and no event.
    let events = store.consent_events_of_user(user, 100).await.unwrap().len();
    assert!(!store.withdraw_privacy_consent(shop.key, user, &withdraw).await.unwrap());
    assert_eq!(store.consent_events_of_user(user, 100).await.unwrap().len(), events);
    assert_eq!(store.consent_events_of_user(user, 100).await.unwrap()[0].action, ConsentAction::Withdraw);
}

async fn scope_answers_replace_each_other(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let user = store.create_end_user(&new_end_user("u@example.com")).await.unwrap().id;

    let grant =
        ScopeGrant { app: shop.key, user, scope: "scope.camera".into(), granted: true, updated_at: T0 };
    store
        .set_scope_grant(&grant, &event(shop.key, user, ConsentAction::Grant, &["scope.camera"]))
        .await
        .unwrap();
    let revoked = ScopeGrant { granted: false, updated_at: T0 + 1, ..grant };
    store
        .set_scope_grant(&revoked, &event(shop.key, user, ConsentAction::Revoke, &["scope.camera"]))
        .await
        .unwrap();

    assert_eq!(store.scope_grants(shop.key, user).await.unwrap(), vec![revoked.clone()]);
    assert_eq!(store.scope_grants_of_user(user).await.unwrap(), vec![revoked]);
    let actions: Vec<_> =
        store.consent_events_of_user(user, 10).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, vec![ConsentAction::Revoke, ConsentAction::Grant]);
}
