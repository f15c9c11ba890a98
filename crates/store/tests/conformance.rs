//! The storage contract (`miniplat_core::store::Store`), told as stories and run against every
//! backend: SQLite always, PostgreSQL when `MINIPLAT_TEST_POSTGRES_URL` names a server. Each
//! story runs on a fresh, migrated database (see `support`), so stories assert exact values.

#[macro_use]
mod support;

use miniplat_core::accounts::developers::NewDeveloper;
use miniplat_core::accounts::sign_in::SignInState;
use miniplat_core::accounts::subject::VerificationStatus;
use miniplat_core::accounts::{
    AccountRef, AccountStatus, Developer, DeveloperId, EndUserId, PlatformRole, Session, Subject, SubjectType,
};
use miniplat_core::api_keys::{ApiKey, Scope};
use miniplat_core::apps::{
    App, AppId, AppKey, AppName, AppStatus, CreateAppError, Invitation, Member, MemberRole, NewApp,
};
use miniplat_core::audit::{chain_hash, verify_chain, AuditEntry, NewAuditEntry, GENESIS};
use miniplat_core::error::StoreError;
use miniplat_core::quota::RequestRecord;
use miniplat_core::store::prelude::*;
use miniplat_core::tokens::{AccessTokenRecord, TokenKind};
use miniplat_core::Timestamp;

use support::{app, assert_same, developer, email, new_app, new_developer, new_end_user, token, Db, T0};

const DAY: i64 = 86_400;

conformance_suite! {
    migrations_apply_once,
    one_email_namespace_for_developers_end_users_and_apps,
    developers_round_trip,
    end_users_round_trip,
    subjects_are_replaced_and_keep_sealed_bytes,
    sign_in_links_work_once_and_expire,
    sessions_are_deleted_one_or_all_of_an_account,
    api_keys_are_listed_touched_and_revoked_by_their_owner,
    apps_have_unique_name_keys_and_creator_admins,
    replacing_the_secret_bumps_the_generation_and_invalidates_tokens,
    members_join_by_invitation_and_change_roles,
    new_tokens_supersede_their_app_and_kind_only,
    current_stable_token_is_the_newest_valid_one,
    revoking_tokens_counts_the_still_valid_ones,
    quota_usage_adds_up_even_concurrently,
    quota_clears_stop_at_the_limit,
    request_records_and_purging_expired_data,
    settings_are_upserted,
    audit_log_is_a_verified_append_only_chain,
    concurrent_audit_appends_keep_one_chain,
}

// ---- schema ----

async fn migrations_apply_once(db: Db) {
    assert_eq!(db.store.backend(), db.backend.name());
    assert_eq!(db.applied, db.backend.migration_files(), "the first run applies every migration file");
    assert_eq!(db.store.migrate().await.unwrap(), 0);
    assert_eq!(db.store.migrate().await.unwrap(), 0);
}

// ---- accounts ----

async fn one_email_namespace_for_developers_end_users_and_apps(db: Db) {
    let store = &db.store;
    let dev = developer(store, "dev@example.com").await;
    store.create_end_user(&new_end_user("user@example.com")).await.unwrap();
    let coffee = store
        .create_app(&NewApp { contact_email: Some(email("app@example.com")), ..new_app("Coffee", &dev) })
        .await
        .unwrap();
    assert_eq!(coffee.contact_email, Some(email("app@example.com")));

    for taken in ["dev@example.com", "user@example.com", "app@example.com", "DEV@Example.COM"] {
        assert!(store.email_in_use(&email(taken)).await.unwrap(), "{taken} is in use");
    }
    assert!(!store.email_in_use(&email("free@example.com")).await.unwrap());

    // An end user cannot take a developer's or an app's email, and no row is left behind.
    for taken in ["dev@example.com", "app@example.com"] {
        let error = store.create_end_user(&new_end_user(taken)).await.unwrap_err();
        assert!(matches!(error, StoreError::UniqueViolation), "end user with {taken}: {error:?}");
        assert!(
            store.end_user_by_email(&email(taken)).await.unwrap().is_none(),
            "end user with {taken} left behind"
        );
    }
    // A developer cannot take another developer's, an end user's or an app's email.
    for taken in ["dev@example.com", "user@example.com", "app@example.com"] {
        let error = store.create_developer(&new_developer(taken)).await.unwrap_err();
        assert!(matches!(error, StoreError::UniqueViolation), "developer with {taken}: {error:?}");
    }
    let developers = store.list_developers().await.unwrap();
    assert_eq!(
        developers.iter().map(|d| d.id).collect::<Vec<_>>(),
        [dev.id],
        "failed creates left developers behind"
    );

    // An app cannot take any account's email; the failed create leaves nothing behind.
    for taken in ["dev@example.com", "user@example.com", "app@example.com"] {
        let new = NewApp { contact_email: Some(email(taken)), ..new_app("Tea House", &dev) };
        let error = store.create_app(&new).await.unwrap_err();
        assert!(matches!(error, CreateAppError::EmailTaken), "app with {taken}: {error:?}");
        assert!(store.app_by_appid(&new.appid).await.unwrap().is_none(), "app with {taken} left behind");
    }
    let apps = store.apps_of(dev.id).await.unwrap();
    assert_eq!(apps.iter().map(|(a, _)| a.key).collect::<Vec<_>>(), [coffee.key]);

    // The name and the email the failed creates asked for are still free.
    let tea = store
        .create_app(&NewApp { contact_email: Some(email("tea@example.com")), ..new_app("Tea House", &dev) })
        .await
        .unwrap();
    assert_eq!(tea.name.as_str(), "Tea House");
    assert!(store.email_in_use(&email("tea@example.com")).await.unwrap());
    let user = store.create_end_user(&new_end_user("late@example.com")).await.unwrap();
    assert_eq!(user.email, email("late@example.com"));
}

async fn developers_round_trip(db: Db) {
    let store = &db.store;
    assert!(store.list_developers().await.unwrap().is_empty());
    assert!(!store.operator_exists().await.unwrap());

    let zed = store.create_developer(&new_developer("Zed@Example.COM")).await.unwrap();
    assert!(zed.id.0 > 0);
    assert_eq!(zed.email.as_str(), "zed@example.com");
    assert_eq!(zed.password_hash.as_deref(), Some("hash-of-Zed@Example.COM"));
    assert_eq!(zed.email_verified_at, Some(T0));
    assert_eq!(zed.status, AccountStatus::Active);
    assert_eq!(zed.role, PlatformRole::Developer);
    assert_eq!(zed.sign_in, SignInState::default());
    assert_eq!(zed.created_at, T0);
    assert!(!store.operator_exists().await.unwrap(), "a developer is not an operator");

    let new_operator = NewDeveloper {
        email: email("ann@example.com"),
        password_hash: None,
        email_verified_at: None,
        role: PlatformRole::Operator,
        created_at: T0 + 1,
    };
    let ann = store.create_developer(&new_operator).await.unwrap();
    assert_eq!(
        (ann.password_hash.as_deref(), ann.email_verified_at, ann.role),
        (None, None, PlatformRole::Operator)
    );
    assert!(store.operator_exists().await.unwrap());

    assert_same(&store.developer_by_id(zed.id).await.unwrap().unwrap(), &zed);
    assert_same(&store.developer_by_email(&email("ZED@example.com")).await.unwrap().unwrap(), &zed);
    assert!(store.developer_by_id(DeveloperId(ann.id.0 + 1000)).await.unwrap().is_none());
    assert!(store.developer_by_email(&email("nobody@example.com")).await.unwrap().is_none());

    // Listed in creation order, not by email.
    let listed = store.list_developers().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_same(&listed[0], &zed);
    assert_same(&listed[1], &ann);

    // The mutable fields round-trip, both set and cleared.
    let mut changed = zed.clone();
    changed.password_hash = Some("new-hash".into());
    changed.email_verified_at = Some(T0 + 50);
    changed.status = AccountStatus::Suspended;
    changed.sign_in = SignInState { failed_sign_ins: 4, locked_until: Some(T0 + 900) };
    store.update_developer(&changed).await.unwrap();
    assert_same(&store.developer_by_id(zed.id).await.unwrap().unwrap(), &changed);

    changed.password_hash = None;
    changed.email_verified_at = None;
    changed.status = AccountStatus::Refused;
    changed.sign_in = SignInState { failed_sign_ins: 2, locked_until: None };
    store.update_developer(&changed).await.unwrap();
    assert_same(&store.developer_by_id(zed.id).await.unwrap().unwrap(), &changed);

    // Identity is not writable through an update: email (the namespace claim), role, creation.
    let mut forged = changed.clone();
    forged.email = email("other@example.com");
    forged.role = PlatformRole::Operator;
    forged.created_at = 1;
    store.update_developer(&forged).await.unwrap();
    assert_same(&store.developer_by_id(zed.id).await.unwrap().unwrap(), &changed);
    assert!(!store.email_in_use(&email("other@example.com")).await.unwrap());
    assert_same(&store.developer_by_id(ann.id).await.unwrap().unwrap(), &ann);
}

async fn end_users_round_trip(db: Db) {
    let store = &db.store;
    let user = store.create_end_user(&new_end_user("Mei@Example.com")).await.unwrap();
    assert!(user.id.0 > 0);
    assert_eq!(user.email.as_str(), "mei@example.com");
    assert_eq!(user.password_hash, "hash-of-Mei@Example.com");
    assert_eq!((user.nickname.as_str(), user.avatar_key.as_deref()), ("Nick", None));
    assert_eq!((user.sign_in.clone(), user.created_at), (SignInState::default(), T0));

    assert_same(&store.end_user_by_id(user.id).await.unwrap().unwrap(), &user);
    assert_same(&store.end_user_by_email(&email("MEI@example.com")).await.unwrap().unwrap(), &user);
    assert!(store.end_user_by_id(EndUserId(user.id.0 + 1000)).await.unwrap().is_none());
    assert!(store.end_user_by_email(&email("nobody@example.com")).await.unwrap().is_none());

    let mut changed = user.clone();
    changed.password_hash = "new-hash".into();
    changed.nickname = "梅".into();
    changed.avatar_key = Some("avatars/mei.png".into());
    changed.sign_in = SignInState { failed_sign_ins: 0, locked_until: Some(T0 + 900) };
    store.update_end_user(&changed).await.unwrap();
    assert_same(&store.end_user_by_id(user.id).await.unwrap().unwrap(), &changed);

    changed.avatar_key = None;
    changed.sign_in = SignInState::default();
    store.update_end_user(&changed).await.unwrap();
    assert_same(&store.end_user_by_id(user.id).await.unwrap().unwrap(), &changed);
}

async fn subjects_are_replaced_and_keep_sealed_bytes(db: Db) {
    let store = &db.store;
    let dev = developer(store, "dev@example.com").await;
    let other = developer(store, "other@example.com").await;
    assert!(store.subject(dev.id).await.unwrap().is_none());

    let first = Subject {
        developer_id: dev.id,
        subject_type: SubjectType::Individual,
        public_name: "李雷".into(),
        // Every byte value, NUL and invalid UTF-8 included: sealed data is opaque.
        sealed_details: (0..=255u8).collect(),
        verification: VerificationStatus::Unverified,
        updated_at: T0,
    };
    store.put_subject(&first).await.unwrap();
    assert_same(&store.subject(dev.id).await.unwrap().unwrap(), &first);

    let second = Subject {
        subject_type: SubjectType::Enterprise,
        public_name: "Coffee Ltd".into(),
        sealed_details: vec![0, 0, 0xff, 0xfe, 0],
        updated_at: T0 + 60,
        ..first.clone()
    };
    store.put_subject(&second).await.unwrap();
    assert_same(&store.subject(dev.id).await.unwrap().unwrap(), &second);
    assert!(store.subject(other.id).await.unwrap().is_none());
}

async fn sign_in_links_work_once_and_expire(db: Db) {
    let store = &db.store;
    let dev = developer(store, "dev@example.com").await;
    let other = developer(store, "other@example.com").await;

    store.create_sign_in_link("link-a", dev.id, T0 + 600).await.unwrap();
    assert_eq!(store.take_sign_in_link("link-a", T0).await.unwrap(), Some(dev.id));
    assert_eq!(store.take_sign_in_link("link-a", T0 + 1).await.unwrap(), None, "a used link is gone");

    store.create_sign_in_link("link-b", other.id, T0 + 600).await.unwrap();
    assert_eq!(
        store.take_sign_in_link("link-b", T0 + 600).await.unwrap(),
        None,
        "expired at its expiry instant"
    );
    assert_eq!(store.take_sign_in_link("link-b", T0 + 601).await.unwrap(), None);
    // Refusing an expired take does not consume the link; `now` decides.
    assert_eq!(store.take_sign_in_link("link-b", T0 + 599).await.unwrap(), Some(other.id));
    assert_eq!(store.take_sign_in_link("link-b", T0 + 599).await.unwrap(), None);

    assert_eq!(store.take_sign_in_link("unknown", T0).await.unwrap(), None);
    let error = store.create_sign_in_link("link-a", other.id, T0 + 600).await.unwrap_err();
    assert!(matches!(error, StoreError::UniqueViolation), "{error:?}");
}

async fn sessions_are_deleted_one_or_all_of_an_account(db: Db) {
    let store = &db.store;
    let a = developer(store, "a@example.com").await;
    let b = developer(store, "b@example.com").await;
    let session = |hash: &str, account: AccountRef| Session {
        id_hash: hash.into(),
        account,
        csrf_token: format!("csrf-{hash}"),
        created_at: T0,
        expires_at: T0 + 3600,
    };
    let a1 = session("a1", AccountRef::Developer(a.id));
    let a2 = session("a2", AccountRef::Developer(a.id));
    let b1 = session("b1", AccountRef::Developer(b.id));
    // An end user whose id number equals developer a's: sessions are told apart by kind.
    let u1 = session("u1", AccountRef::EndUser(EndUserId(a.id.0)));
    for s in [&a1, &a2, &b1, &u1] {
        store.create_session(s).await.unwrap();
    }
    for s in [&a1, &a2, &b1, &u1] {
        assert_same(&store.session_by_hash(&s.id_hash).await.unwrap().unwrap(), s);
    }
    assert!(store.session_by_hash("unknown").await.unwrap().is_none());
    let error = store.create_session(&a1).await.unwrap_err();
    assert!(matches!(error, StoreError::UniqueViolation), "{error:?}");

    store.delete_session("a1").await.unwrap();
    store.delete_session("unknown").await.unwrap();
    assert!(store.session_by_hash("a1").await.unwrap().is_none());
    assert!(store.session_by_hash("a2").await.unwrap().is_some());

    store.delete_sessions_of(AccountRef::Developer(a.id)).await.unwrap();
    assert!(store.session_by_hash("a2").await.unwrap().is_none());
    assert_same(&store.session_by_hash("b1").await.unwrap().unwrap(), &b1);
    assert_same(&store.session_by_hash("u1").await.unwrap().unwrap(), &u1);

    store.delete_sessions_of(AccountRef::EndUser(EndUserId(a.id.0))).await.unwrap();
    assert!(store.session_by_hash("u1").await.unwrap().is_none());
    assert!(store.session_by_hash("b1").await.unwrap().is_some());
}

async fn api_keys_are_listed_touched_and_revoked_by_their_owner(db: Db) {
    let store = &db.store;
    let a = developer(store, "a@example.com").await;
    let b = developer(store, "b@example.com").await;
    let key = |developer: DeveloperId, name: &str, scopes: Vec<Scope>| ApiKey {
        id: 0,
        developer_id: developer,
        name: name.into(),
        prefix: format!("mpk_{name}"),
        scopes,
        created_at: T0,
        last_used_at: None,
        revoked_at: None,
    };
    let ci = key(a.id, "ci", vec![Scope::Account, Scope::AppsRead]);
    let created_ci = store.create_api_key(&ci, "hash-ci").await.unwrap();
    assert!(created_ci.id > 0);
    assert_same(&created_ci, &ApiKey { id: created_ci.id, ..ci });
    let laptop =
        store.create_api_key(&key(a.id, "laptop", vec![Scope::AppsWrite]), "hash-laptop").await.unwrap();
    let theirs =
        store.create_api_key(&key(b.id, "theirs", Scope::ALL.to_vec()), "hash-theirs").await.unwrap();
    assert!(created_ci.id != laptop.id && laptop.id != theirs.id);
    assert_eq!(theirs.scopes, Scope::ALL);

    assert_same(&store.api_key_by_hash("hash-ci").await.unwrap().unwrap(), &created_ci);
    assert!(store.api_key_by_hash("unknown").await.unwrap().is_none());
    let error = store.create_api_key(&key(b.id, "copy", vec![Scope::Account]), "hash-ci").await.unwrap_err();
    assert!(matches!(error, StoreError::UniqueViolation), "{error:?}");

    assert_same(&store.api_keys_of(a.id).await.unwrap(), &vec![created_ci.clone(), laptop.clone()]);
    assert_same(&store.api_keys_of(b.id).await.unwrap(), &vec![theirs.clone()]);

    store.touch_api_key(created_ci.id, T0 + 60).await.unwrap();
    assert_eq!(store.api_key_by_hash("hash-ci").await.unwrap().unwrap().last_used_at, Some(T0 + 60));

    // Only the owner revokes a key, once.
    assert!(!store.revoke_api_key(b.id, created_ci.id, T0 + 90).await.unwrap(), "another developer's key");
    assert_eq!(store.api_key_by_hash("hash-ci").await.unwrap().unwrap().revoked_at, None);
    assert!(store.revoke_api_key(a.id, created_ci.id, T0 + 100).await.unwrap());
    assert!(!store.revoke_api_key(a.id, created_ci.id, T0 + 110).await.unwrap(), "already revoked");
    assert!(!store.revoke_api_key(a.id, theirs.id + 1000, T0 + 110).await.unwrap(), "no such key");
    assert_eq!(store.api_key_by_hash("hash-ci").await.unwrap().unwrap().revoked_at, Some(T0 + 100));

    // Revoking all of a developer's keys keeps earlier revocation times and other developers' keys.
    store.revoke_api_keys_of(a.id, T0 + 200).await.unwrap();
    let revoked: Vec<_> =
        store.api_keys_of(a.id).await.unwrap().iter().map(|k| (k.id, k.revoked_at)).collect();
    assert_eq!(revoked, [(created_ci.id, Some(T0 + 100)), (laptop.id, Some(T0 + 200))]);
    assert_same(&store.api_keys_of(b.id).await.unwrap(), &vec![theirs]);
}

// ---- mini programs ----

async fn apps_have_unique_name_keys_and_creator_admins(db: Db) {
    let store = &db.store;
    let a = developer(store, "a@example.com").await;
    let b = developer(store, "b@example.com").await;

    let new = new_app("Coffee", &a);
    let coffee = store.create_app(&new).await.unwrap();
    assert!(coffee.key.0 > 0);
    assert_eq!(coffee.appid, new.appid);
    assert_eq!(coffee.name, AppName::parse("Coffee").unwrap());
    assert_eq!((coffee.introduction.as_str(), coffee.icon_key.as_deref()), ("About Coffee", None));
    assert_eq!((coffee.contact_email.as_ref(), coffee.status), (None, AppStatus::Unreleased));
    assert_eq!((coffee.secret_hash.as_str(), coffee.secret_generation), ("secret-hash-of-Coffee", 1));
    assert_eq!((coffee.created_by, coffee.created_at), (a.id, T0));

    // The creator is the admin, and the only member.
    assert_eq!(store.member_role(coffee.key, a.id).await.unwrap(), Some(MemberRole::Admin));
    assert_eq!(store.member_role(coffee.key, b.id).await.unwrap(), None);
    let admin = Member {
        app: coffee.key,
        developer_id: a.id,
        email: a.email.clone(),
        role: MemberRole::Admin,
        added_at: T0,
    };
    assert_same(&store.members(coffee.key).await.unwrap(), &vec![admin]);

    // Names are unique by their key: full width and case fold together.
    let wide = new_app("ＣＯＦＦＥＥ", &b);
    assert_eq!(wide.name.key(), new.name.key());
    let error = store.create_app(&wide).await.unwrap_err();
    assert!(matches!(error, CreateAppError::NameTaken), "{error:?}");
    assert!(store.app_by_appid(&wide.appid).await.unwrap().is_none());
    assert!(store.apps_of(b.id).await.unwrap().is_empty());

    assert_same(&store.app_by_appid(&coffee.appid).await.unwrap().unwrap(), &coffee);
    assert_same(&store.app_by_key(coffee.key).await.unwrap().unwrap(), &coffee);
    assert!(store.app_by_appid(&AppId::generate()).await.unwrap().is_none());
    assert!(store.app_by_key(AppKey(coffee.key.0 + 1000)).await.unwrap().is_none());

    // A member's apps, newest first, with the member's role.
    let tea = store.create_app(&NewApp { created_at: T0 + 10, ..new_app("Tea", &a) }).await.unwrap();
    let juice = app(store, "Juice", &b).await;
    let listed = store.apps_of(a.id).await.unwrap();
    assert_same(&listed, &vec![(tea.clone(), MemberRole::Admin), (coffee.clone(), MemberRole::Admin)]);
    assert_same(&store.apps_of(b.id).await.unwrap(), &vec![(juice, MemberRole::Admin)]);

    // The profile is the introduction and the icon; nothing else changes through it.
    let mut edited = coffee.clone();
    edited.introduction = "Fresh beans\nevery day".into();
    edited.icon_key = Some("icons/coffee.png".into());
    let mut forged = edited.clone();
    forged.secret_hash = "forged".into();
    forged.secret_generation = 99;
    forged.name = AppName::parse("Espresso").unwrap();
    store.update_app_profile(&forged).await.unwrap();
    assert_same(&store.app_by_key(coffee.key).await.unwrap().unwrap(), &edited);
    assert_same(&store.app_by_key(tea.key).await.unwrap().unwrap(), &tea);

    edited.icon_key = None;
    store.update_app_profile(&edited).await.unwrap();
    assert_same(&store.app_by_key(coffee.key).await.unwrap().unwrap(), &edited);
}

async fn replacing_the_secret_bumps_the_generation_and_invalidates_tokens(db: Db) {
    let store = &db.store;
    let dev = developer(store, "dev@example.com").await;
    let coffee = app(store, "Coffee", &dev).await;
    let tea = app(store, "Tea", &dev).await;
    let now = T0 + 100;
    store.insert_access_token(&token("basic", &coffee, TokenKind::Basic, T0, T0 + 7200), None).await.unwrap();
    store
        .insert_access_token(&token("stable", &coffee, TokenKind::Stable, T0, T0 + 7200), None)
        .await
        .unwrap();
    // Superseded by the next one, in its grace period until after `now`.
    store
        .insert_access_token(
            &token("basic-new", &coffee, TokenKind::Basic, T0 + 5, T0 + 7205),
            Some(T0 + 300),
        )
        .await
        .unwrap();
    store
        .insert_access_token(&token("other-app", &tea, TokenKind::Basic, T0, T0 + 7200), None)
        .await
        .unwrap();

    let replaced = store.replace_app_secret(coffee.key, "secret-2", now).await.unwrap();
    let expected = App { secret_hash: "secret-2".into(), secret_generation: 2, ..coffee.clone() };
    assert_same(&replaced, &expected);
    assert_same(&store.app_by_key(coffee.key).await.unwrap().unwrap(), &expected);

    for hash in ["basic", "stable", "basic-new"] {
        assert_eq!(
            store.access_token_by_hash(hash).await.unwrap().unwrap().invalid_after,
            Some(now),
            "{hash}"
        );
    }
    assert_eq!(store.access_token_by_hash("other-app").await.unwrap().unwrap().invalid_after, None);
    assert!(store.current_stable_token(coffee.key, now).await.unwrap().is_none());

    let again = store.replace_app_secret(coffee.key, "secret-3", now + 10).await.unwrap();
    assert_eq!((again.secret_hash.as_str(), again.secret_generation), ("secret-3", 3));
    assert_eq!(
        store.access_token_by_hash("basic").await.unwrap().unwrap().invalid_after,
        Some(now),
        "an earlier end stays"
    );
    assert_same(&store.app_by_key(tea.key).await.unwrap().unwrap(), &tea);
}

async fn members_join_by_invitation_and_change_roles(db: Db) {
    let store = &db.store;
    let a = developer(store, "a@example.com").await;
    let b = developer(store, "b@example.com").await;
    let c = developer(store, "c@example.com").await;
    let coffee = app(store, "Coffee", &a).await;
    let invite = |who: &Developer, role: MemberRole, hash: &str| Invitation {
        id: 0,
        app: coffee.key,
        email: who.email.clone(),
        role,
        token_hash: hash.into(),
        invited_by: a.id,
        created_at: T0,
        expires_at: T0 + 3600,
        accepted_at: None,
    };

    store.create_invitation(&invite(&b, MemberRole::Developer, "inv-b")).await.unwrap();
    store.create_invitation(&invite(&c, MemberRole::Analyst, "inv-c")).await.unwrap();
    store.create_invitation(&invite(&a, MemberRole::Operator, "inv-a")).await.unwrap();
    let inv_b = store.invitation_by_hash("inv-b").await.unwrap().unwrap();
    assert!(inv_b.id > 0);
    assert_same(&inv_b, &Invitation { id: inv_b.id, ..invite(&b, MemberRole::Developer, "inv-b") });
    assert!(store.invitation_by_hash("unknown").await.unwrap().is_none());
    let error = store.create_invitation(&invite(&c, MemberRole::Admin, "inv-b")).await.unwrap_err();
    assert!(matches!(error, StoreError::UniqueViolation), "{error:?}");
    let listed = store.invitations(coffee.key).await.unwrap();
    assert_eq!(listed.iter().map(|i| i.token_hash.as_str()).collect::<Vec<_>>(), ["inv-b", "inv-c", "inv-a"]);
    assert_same(&listed[0], &inv_b);

    // Accepting marks the invitation and adds the member, once.
    let member_b = Member {
        app: coffee.key,
        developer_id: b.id,
        email: b.email.clone(),
        role: MemberRole::Developer,
        added_at: T0 + 100,
    };
    store.accept_invitation(inv_b.id, &member_b).await.unwrap();
    assert_eq!(store.invitation_by_hash("inv-b").await.unwrap().unwrap().accepted_at, Some(T0 + 100));
    assert_eq!(store.member_role(coffee.key, b.id).await.unwrap(), Some(MemberRole::Developer));
    let member_c =
        Member { developer_id: c.id, email: c.email.clone(), added_at: T0 + 200, ..member_b.clone() };
    let error = store.accept_invitation(inv_b.id, &member_c).await.unwrap_err();
    assert!(matches!(error, StoreError::Refused(_)), "second accept: {error:?}");
    assert_eq!(store.member_role(coffee.key, c.id).await.unwrap(), None);
    assert_eq!(store.invitation_by_hash("inv-b").await.unwrap().unwrap().accepted_at, Some(T0 + 100));

    // Accepting for someone already a member fails as a whole: the invitation stays open.
    let inv_a = store.invitation_by_hash("inv-a").await.unwrap().unwrap();
    let again_a = Member {
        app: coffee.key,
        developer_id: a.id,
        email: a.email.clone(),
        role: MemberRole::Operator,
        added_at: T0 + 300,
    };
    let error = store.accept_invitation(inv_a.id, &again_a).await.unwrap_err();
    assert!(matches!(error, StoreError::UniqueViolation), "{error:?}");
    assert_eq!(store.invitation_by_hash("inv-a").await.unwrap().unwrap().accepted_at, None);
    assert_eq!(store.member_role(coffee.key, a.id).await.unwrap(), Some(MemberRole::Admin));

    let admin = Member {
        app: coffee.key,
        developer_id: a.id,
        email: a.email.clone(),
        role: MemberRole::Admin,
        added_at: T0,
    };
    assert_same(&store.members(coffee.key).await.unwrap(), &vec![admin.clone(), member_b.clone()]);
    assert_same(&store.apps_of(b.id).await.unwrap(), &vec![(coffee.clone(), MemberRole::Developer)]);

    store.set_member_role(coffee.key, b.id, Some(MemberRole::Operator)).await.unwrap();
    assert_eq!(store.member_role(coffee.key, b.id).await.unwrap(), Some(MemberRole::Operator));
    store.set_member_role(coffee.key, b.id, None).await.unwrap();
    assert_eq!(store.member_role(coffee.key, b.id).await.unwrap(), None);
    assert!(store.apps_of(b.id).await.unwrap().is_empty());
    // Changing a non-member changes nothing.
    store.set_member_role(coffee.key, c.id, Some(MemberRole::Admin)).await.unwrap();
    assert_same(&store.members(coffee.key).await.unwrap(), &vec![admin]);
}

// ---- access tokens ----

async fn new_tokens_supersede_their_app_and_kind_only(db: Db) {
    let store = &db.store;
    let dev = developer(store, "dev@example.com").await;
    let x = app(store, "App X", &dev).await;
    let y = app(store, "App Y", &dev).await;
    let invalid_after = |hash: &'static str| async move {
        store.access_token_by_hash(hash).await.unwrap().unwrap().invalid_after
    };

    let b1 = token("b1", &x, TokenKind::Basic, T0, T0 + 7200);
    store.insert_access_token(&b1, Some(T0 + 300)).await.unwrap();
    let s1 = token("s1", &x, TokenKind::Stable, T0, T0 + 7200);
    store.insert_access_token(&s1, None).await.unwrap();
    store.insert_access_token(&token("y1", &y, TokenKind::Basic, T0, T0 + 7200), None).await.unwrap();
    assert_same(&store.access_token_by_hash("b1").await.unwrap().unwrap(), &b1);
    assert_same(&store.access_token_by_hash("s1").await.unwrap().unwrap(), &s1);
    assert!(store.access_token_by_hash("unknown").await.unwrap().is_none());
    let error = store.insert_access_token(&b1, None).await.unwrap_err();
    assert!(matches!(error, StoreError::UniqueViolation), "{error:?}");

    // A new basic token of X ends the other basic tokens of X at the given time.
    store
        .insert_access_token(&token("b2", &x, TokenKind::Basic, T0 + 60, T0 + 7260), Some(T0 + 360))
        .await
        .unwrap();
    assert_eq!(invalid_after("b1").await, Some(T0 + 360));
    assert_eq!(invalid_after("b2").await, None);
    assert_eq!(invalid_after("s1").await, None, "another kind");
    assert_eq!(invalid_after("y1").await, None, "another app");

    // A later supersede never extends an earlier end.
    store
        .insert_access_token(&token("b3", &x, TokenKind::Basic, T0 + 100, T0 + 7300), Some(T0 + 400))
        .await
        .unwrap();
    assert_eq!(invalid_after("b1").await, Some(T0 + 360));
    assert_eq!(invalid_after("b2").await, Some(T0 + 400));
    assert_eq!(invalid_after("b3").await, None);

    // Only open-ended tokens are limited: those that already end keep their end.
    store
        .insert_access_token(&token("b4", &x, TokenKind::Basic, T0 + 200, T0 + 7400), Some(T0 + 500))
        .await
        .unwrap();
    assert_eq!(invalid_after("b3").await, Some(T0 + 500));
    assert_eq!(invalid_after("b2").await, Some(T0 + 400));
    assert_eq!(invalid_after("b1").await, Some(T0 + 360));

    // Stable supersedes stable only.
    let forced =
        AccessTokenRecord { forced: true, ..token("s2", &x, TokenKind::Stable, T0 + 250, T0 + 7450) };
    store.insert_access_token(&forced, Some(T0 + 250)).await.unwrap();
    assert_eq!(invalid_after("s1").await, Some(T0 + 250));
    assert_eq!(invalid_after("b4").await, None);
    assert_eq!(invalid_after("y1").await, None);
    assert_same(&store.access_token_by_hash("s2").await.unwrap().unwrap(), &forced);
}

async fn current_stable_token_is_the_newest_valid_one(db: Db) {
    let store = &db.store;
    let dev = developer(store, "dev@example.com").await;
    let x = app(store, "App X", &dev).await;
    let y = app(store, "App Y", &dev).await;
    let current =
        |at: Timestamp| async move { store.current_stable_token(x.key, at).await.unwrap().map(|t| t.hash) };
    assert_eq!(current(T0).await, None);

    let s1 = token("s1", &x, TokenKind::Stable, T0, T0 + 7200);
    store.insert_access_token(&s1, None).await.unwrap();
    store.insert_access_token(&token("basic", &x, TokenKind::Basic, T0 + 5, T0 + 7205), None).await.unwrap();
    store
        .insert_access_token(&token("y-stable", &y, TokenKind::Stable, T0 + 5, T0 + 7205), None)
        .await
        .unwrap();
    assert_same(&store.current_stable_token(x.key, T0 + 10).await.unwrap().unwrap(), &s1);

    // A rotation: the newer one is current, the older one stays valid.
    store.insert_access_token(&token("s2", &x, TokenKind::Stable, T0 + 50, T0 + 7250), None).await.unwrap();
    assert_eq!(current(T0 + 60).await.as_deref(), Some("s2"));

    // A forced refresh ends the earlier ones at once.
    let forced = |hash: &str, at: Timestamp| AccessTokenRecord {
        forced: true,
        ..token(hash, &x, TokenKind::Stable, at, at + 7200)
    };
    store.insert_access_token(&forced("s3", T0 + 70), Some(T0 + 70)).await.unwrap();
    assert_eq!(current(T0 + 80).await.as_deref(), Some("s3"));

    // Newer but expired: ignored.
    store
        .insert_access_token(&token("s-short", &x, TokenKind::Stable, T0 + 90, T0 + 100), None)
        .await
        .unwrap();
    assert_eq!(current(T0 + 95).await.as_deref(), Some("s-short"));
    assert_eq!(current(T0 + 100).await.as_deref(), Some("s3"));

    // Newer but invalidated: ignored.
    store
        .insert_access_token(&token("s-new", &x, TokenKind::Stable, T0 + 120, T0 + 7320), None)
        .await
        .unwrap();
    store
        .insert_access_token(&token("s-old", &x, TokenKind::Stable, T0 + 110, T0 + 7310), Some(T0 + 130))
        .await
        .unwrap();
    assert_eq!(current(T0 + 125).await.as_deref(), Some("s-new"));
    assert_eq!(current(T0 + 130).await.as_deref(), Some("s-old"));
    assert_eq!(current(T0 + 7310).await, None, "everything valid has expired");

    // Forced refreshes: how many since a time, and the latest ever.
    store.insert_access_token(&forced("s4", T0 + 200), Some(T0 + 200)).await.unwrap();
    assert_eq!(store.forced_stable_refreshes(x.key, T0).await.unwrap(), (2, Some(T0 + 200)));
    assert_eq!(store.forced_stable_refreshes(x.key, T0 + 70).await.unwrap(), (2, Some(T0 + 200)));
    assert_eq!(store.forced_stable_refreshes(x.key, T0 + 71).await.unwrap(), (1, Some(T0 + 200)));
    assert_eq!(store.forced_stable_refreshes(x.key, T0 + 201).await.unwrap(), (0, Some(T0 + 200)));
    assert_eq!(store.forced_stable_refreshes(y.key, T0).await.unwrap(), (0, None));
}

async fn revoking_tokens_counts_the_still_valid_ones(db: Db) {
    let store = &db.store;
    let dev = developer(store, "dev@example.com").await;
    let z = app(store, "App Z", &dev).await;
    let other = app(store, "Other", &dev).await;
    let now = T0 + 1000;
    let insert = |hash: &'static str,
                  kind: TokenKind,
                  issued: Timestamp,
                  expires: Timestamp,
                  supersede: Option<Timestamp>| {
        let record = token(hash, &z, kind, issued, expires);
        async move { store.insert_access_token(&record, supersede).await.unwrap() }
    };
    insert("expired", TokenKind::Basic, now - 9000, now - 1800, None).await;
    insert("superseded", TokenKind::Basic, now - 100, now + 7100, None).await;
    insert("successor", TokenKind::Basic, now - 50, now + 7150, Some(now - 40)).await;
    insert("valid", TokenKind::Basic, now - 10, now + 7200, None).await;
    insert("in-grace", TokenKind::Stable, now - 20, now + 7180, None).await;
    insert("stable", TokenKind::Stable, now - 5, now + 7195, Some(now + 3600)).await;
    store
        .insert_access_token(&token("elsewhere", &other, TokenKind::Basic, now, now + 7200), None)
        .await
        .unwrap();
    let invalid_after = |hash: &'static str| async move {
        store.access_token_by_hash(hash).await.unwrap().unwrap().invalid_after
    };
    assert_eq!(invalid_after("superseded").await, Some(now - 40));
    assert_eq!(invalid_after("in-grace").await, Some(now + 3600));

    assert_eq!(store.revoke_tokens(z.key, now).await.unwrap(), 4, "successor, valid, in-grace, stable");
    assert_eq!(store.revoke_tokens(z.key, now).await.unwrap(), 0);
    assert_eq!(store.revoke_tokens(z.key, now + 1).await.unwrap(), 0);

    for hash in ["successor", "valid", "in-grace", "stable"] {
        assert_eq!(invalid_after(hash).await, Some(now), "{hash}");
    }
    assert_eq!(invalid_after("superseded").await, Some(now - 40), "an earlier end stays");
    assert_eq!(invalid_after("expired").await, Some(now - 40), "an end set by an earlier supersede stays");
    assert_eq!(invalid_after("elsewhere").await, None, "another app");
    assert!(store.current_stable_token(z.key, now).await.unwrap().is_none());
}

// ---- quotas and request records ----

async fn quota_usage_adds_up_even_concurrently(db: Db) {
    let store = &db.store;
    let dev = developer(store, "dev@example.com").await;
    let x = app(store, "App X", &dev).await;
    let y = app(store, "App Y", &dev).await;
    let day = T0 / DAY;
    let token_api = "/cgi-bin/token";
    let rid_api = "/cgi-bin/openapi/rid/get";

    assert_eq!(store.quota_used(x.key, token_api, day).await.unwrap(), 0);
    assert_eq!(store.add_quota_used(x.key, token_api, day, 1).await.unwrap(), 1);
    assert_eq!(store.add_quota_used(x.key, token_api, day, 4).await.unwrap(), 5);
    assert_eq!(store.add_quota_used(x.key, rid_api, day, 2).await.unwrap(), 2);
    assert_eq!(store.add_quota_used(x.key, token_api, day + 1, 3).await.unwrap(), 3);
    assert_eq!(store.add_quota_used(y.key, token_api, day, 7).await.unwrap(), 7);
    assert_eq!(store.quota_used(x.key, token_api, day).await.unwrap(), 5);
    assert_eq!(store.quota_used(x.key, rid_api, day).await.unwrap(), 2);

    // Resetting a day clears every API of that app and day, nothing else.
    store.reset_quota_used(x.key, day).await.unwrap();
    assert_eq!(store.quota_used(x.key, token_api, day).await.unwrap(), 0);
    assert_eq!(store.quota_used(x.key, rid_api, day).await.unwrap(), 0);
    assert_eq!(store.quota_used(x.key, token_api, day + 1).await.unwrap(), 3);
    assert_eq!(store.quota_used(y.key, token_api, day).await.unwrap(), 7);
    assert_eq!(store.add_quota_used(x.key, token_api, day, 1).await.unwrap(), 1);

    // 8 writers × 25 adds: no add is lost and every running total is seen exactly once.
    let busy = "/wxa/getwxacodeunlimit";
    let writers: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            let key = x.key;
            tokio::spawn(async move {
                let mut totals = Vec::new();
                for _ in 0..25 {
                    totals.push(store.add_quota_used(key, busy, day, 1).await.unwrap());
                }
                totals
            })
        })
        .collect();
    let mut totals = Vec::new();
    for writer in writers {
        totals.extend(writer.await.unwrap());
    }
    totals.sort_unstable();
    assert_eq!(totals, (1..=200).collect::<Vec<i64>>());
    assert_eq!(store.quota_used(x.key, busy, day).await.unwrap(), 200);
}

async fn quota_clears_stop_at_the_limit(db: Db) {
    let store = &db.store;
    let dev = developer(store, "dev@example.com").await;
    let x = app(store, "App X", &dev).await;
    let y = app(store, "App Y", &dev).await;
    let month = 2025 * 12 + 5;

    let mut answers = Vec::new();
    for _ in 0..5 {
        answers.push(store.record_quota_clear(x.key, month, 3).await.unwrap());
    }
    assert_eq!(answers, [true, true, true, false, false]);
    // Refused clears did not count: with room for one more, exactly one more is allowed.
    assert!(store.record_quota_clear(x.key, month, 4).await.unwrap());
    assert!(!store.record_quota_clear(x.key, month, 4).await.unwrap());
    // Counted per app and month.
    assert!(store.record_quota_clear(x.key, month + 1, 1).await.unwrap());
    assert!(!store.record_quota_clear(x.key, month + 1, 1).await.unwrap());
    assert!(store.record_quota_clear(y.key, month, 1).await.unwrap());
}

async fn request_records_and_purging_expired_data(db: Db) {
    let store = &db.store;
    let dev = developer(store, "dev@example.com").await;
    let other = developer(store, "other@example.com").await;
    let x = app(store, "App X", &dev).await;
    let now = T0 + 30 * DAY;

    let record = |rid: &str, invoke_time: Timestamp| RequestRecord {
        rid: rid.into(),
        app: x.key,
        invoke_time,
        cost_in_ms: 12,
        request_url: "/cgi-bin/token?grant_type=client_credential".into(),
        request_body: "{\"a\":\"ü\"}".into(),
        response_body: "{\"errcode\":40013}".into(),
        client_ip: "203.0.113.9".into(),
    };
    let kept_records = [record("recent", now), record("six-days", now - 7 * DAY + 1)];
    for r in
        kept_records.iter().chain(&[record("eight-days", now - 7 * DAY - 1), record("month", now - 30 * DAY)])
    {
        store.insert_request_record(r).await.unwrap();
    }
    assert_eq!(store.request_record("recent").await.unwrap(), Some(kept_records[0].clone()));
    assert_eq!(store.request_record("unknown").await.unwrap(), None);
    let error = store.insert_request_record(&record("recent", now)).await.unwrap_err();
    assert!(matches!(error, StoreError::UniqueViolation), "{error:?}");

    let session = |hash: &str, expires_at: Timestamp| Session {
        id_hash: hash.into(),
        account: AccountRef::Developer(dev.id),
        csrf_token: "csrf".into(),
        created_at: now - DAY,
        expires_at,
    };
    for s in [session("live", now + 1), session("ends-now", now), session("ended", now - 10)] {
        store.create_session(&s).await.unwrap();
    }
    store.create_sign_in_link("link-live", dev.id, now + 1).await.unwrap();
    store.create_sign_in_link("link-used", other.id, now + 600).await.unwrap();
    assert_eq!(store.take_sign_in_link("link-used", now).await.unwrap(), Some(other.id));
    store.create_sign_in_link("link-ended", dev.id, now).await.unwrap();

    let tokens = [
        ("live", now + 7200),
        ("expired-an-hour", now - 3600),
        ("expired-almost-a-day", now - DAY + 1),
        ("expired-a-day", now - DAY),
        ("expired-two-days", now - 2 * DAY),
    ];
    for (hash, expires_at) in tokens {
        store
            .insert_access_token(&token(hash, &x, TokenKind::Basic, expires_at - 7200, expires_at), None)
            .await
            .unwrap();
    }

    // 2 sessions + 1 link + 2 tokens + 2 request records.
    assert_eq!(store.purge_expired(now).await.unwrap(), 7);
    assert_eq!(store.purge_expired(now).await.unwrap(), 0);

    assert!(store.session_by_hash("live").await.unwrap().is_some());
    assert!(store.session_by_hash("ends-now").await.unwrap().is_none());
    assert!(store.session_by_hash("ended").await.unwrap().is_none());
    for (hash, expires_at) in tokens {
        let kept = store.access_token_by_hash(hash).await.unwrap().is_some();
        assert_eq!(kept, expires_at > now - DAY, "token {hash}");
    }
    for r in &kept_records {
        assert_eq!(store.request_record(&r.rid).await.unwrap().as_ref(), Some(r));
    }
    assert_eq!(store.request_record("eight-days").await.unwrap(), None);
    assert_eq!(store.request_record("month").await.unwrap(), None);
    assert_eq!(
        store.take_sign_in_link("link-live", now).await.unwrap(),
        Some(dev.id),
        "an unexpired link is kept"
    );

    // Ten minutes on, the rest has aged out: the session, both links (used or not), the token
    // expired a day ago and the record now 7 days old.
    assert_eq!(store.purge_expired(now + 600).await.unwrap(), 5);
    assert!(store.session_by_hash("live").await.unwrap().is_none());
    assert!(store.access_token_by_hash("expired-almost-a-day").await.unwrap().is_none());
    assert!(store.access_token_by_hash("expired-an-hour").await.unwrap().is_some());
    assert_eq!(store.request_record("six-days").await.unwrap(), None);
    assert_eq!(store.request_record("recent").await.unwrap().as_ref(), Some(&kept_records[0]));
}

// ---- settings and audit ----

async fn settings_are_upserted(db: Db) {
    let store = &db.store;
    assert_eq!(store.setting("registration_mode").await.unwrap(), None);
    store.set_setting("registration_mode", "open").await.unwrap();
    store.set_setting("banner", "维护中 — back soon").await.unwrap();
    assert_eq!(store.setting("registration_mode").await.unwrap().as_deref(), Some("open"));
    store.set_setting("registration_mode", "invite_only").await.unwrap();
    assert_eq!(store.setting("registration_mode").await.unwrap().as_deref(), Some("invite_only"));
    assert_eq!(store.setting("banner").await.unwrap().as_deref(), Some("维护中 — back soon"));
    store.set_setting("banner", "").await.unwrap();
    assert_eq!(store.setting("banner").await.unwrap().as_deref(), Some(""));
}

fn audit_entry(n: i64) -> NewAuditEntry {
    NewAuditEntry {
        at: T0 + n,
        actor: format!("developer:{n}"),
        action: "app.create".into(),
        target: format!("wx{n:016x}"),
        detail: if n % 2 == 0 { String::new() } else { format!("detail {n} ✓") },
    }
}

async fn audit_log_is_a_verified_append_only_chain(db: Db) {
    let store = &db.store;
    assert!(store.audit_tail(10).await.unwrap().is_empty());
    let mut appended = Vec::new();
    for n in 1..=5 {
        let entry = audit_entry(n);
        let stored = store.append_audit(&entry).await.unwrap();
        let prev_hash = appended.last().map_or(GENESIS.to_owned(), |e: &AuditEntry| e.hash.clone());
        assert_eq!(stored.seq, n);
        assert_eq!(stored.prev_hash, prev_hash);
        assert_eq!(stored.hash, chain_hash(&prev_hash, n, &entry));
        assert_eq!((stored.at, &stored.actor, &stored.action), (entry.at, &entry.actor, &entry.action));
        assert_eq!((&stored.target, &stored.detail), (&entry.target, &entry.detail));
        appended.push(stored);
    }
    let tail = store.audit_tail(10).await.unwrap();
    assert_same(&tail, &appended);
    assert_eq!(verify_chain(&tail), Ok(()));
    let last_two = store.audit_tail(2).await.unwrap();
    assert_same(&last_two, &appended[3..].to_vec());
    assert_eq!(verify_chain(&last_two), Ok(()));

    // The database itself refuses to change history, whoever connects.
    for sql in [
        "UPDATE audit_log SET detail = 'forged' WHERE seq = 3",
        "UPDATE audit_log SET hash = prev_hash",
        "DELETE FROM audit_log WHERE seq = 5",
        "DELETE FROM audit_log",
    ] {
        let refused = db.execute_directly(sql).await;
        assert!(refused.as_ref().is_err_and(|e| e.contains("append-only")), "{sql}: {refused:?}");
    }
    assert_same(&store.audit_tail(10).await.unwrap(), &appended);

    // The chain goes on from where it was.
    let sixth = store.append_audit(&audit_entry(6)).await.unwrap();
    assert_eq!((sixth.seq, sixth.prev_hash.as_str()), (6, appended[4].hash.as_str()));
}

async fn concurrent_audit_appends_keep_one_chain(db: Db) {
    let store = &db.store;
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut seqs = Vec::new();
                for n in 0..10 {
                    seqs.push(store.append_audit(&audit_entry(writer * 100 + n)).await.unwrap().seq);
                }
                seqs
            })
        })
        .collect();
    let mut seqs = Vec::new();
    for writer in writers {
        seqs.extend(writer.await.unwrap());
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=80).collect::<Vec<i64>>(), "every append got its own seq, without gaps");

    let chain = store.audit_tail(1000).await.unwrap();
    assert_eq!(chain.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=80).collect::<Vec<i64>>());
    assert_eq!(chain[0].prev_hash, GENESIS);
    assert_eq!(verify_chain(&chain), Ok(()));
}
