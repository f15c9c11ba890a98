//! The storage contract of hosts and end-user identities (`HostStore`, `IdentityStore`), told as
//! stories and run against every backend like `conformance.rs`.

#[expect(dead_code, reason = "this file uses part of the shared support module")]
#[macro_use]
mod support;

use miniplat_core::accounts::end_users::NewEndUser;
use miniplat_core::accounts::hosts::{HostUserProfile, NewHost};
use miniplat_core::accounts::identities::ServiceUser;
use miniplat_core::accounts::login::{CodeKind, CodeLogin, CodeTake, LoginDecision, UserCode};
use miniplat_core::accounts::{EndUserId, Phone};
use miniplat_core::email::Email;
use miniplat_core::error::StoreError;
use miniplat_core::store::prelude::*;

use support::{app, developer, new_end_user, Db, T0};

conformance_suite! {
    hosts_are_created_found_and_revoked_once,
    host_users_are_created_once_per_host_and_updated_after,
    codes_are_taken_once_and_say_why_not,
    logins_create_service_users_and_replace_session_keys,
    logins_with_codes_use_the_code_and_record_at_once,
    concurrent_logins_commit_together_and_fail_alone,
}

fn new_host(key: &str) -> NewHost {
    NewHost {
        key: key.into(),
        name: format!("Host {key}"),
        secret_hash: "h".repeat(64),
        created_by: None,
        created_at: T0,
    }
}

fn profile(address: &str, nickname: &str, phone: Option<&str>) -> HostUserProfile {
    HostUserProfile {
        new: NewEndUser {
            email: Email::parse(address).unwrap(),
            password_hash: "!host-user".into(),
            nickname: nickname.into(),
            created_at: T0,
        },
        phone: phone.map(|p| Phone::parse(p).unwrap()),
    }
}

async fn hosts_are_created_found_and_revoked_once(db: Db) {
    let store = &db.store;
    let created = store.create_host(&new_host("hk01")).await.unwrap();
    assert_eq!(created.key, "hk01");
    assert!(matches!(store.create_host(&new_host("hk01")).await, Err(StoreError::UniqueViolation)));
    store.create_host(&new_host("hk02")).await.unwrap();
    assert_eq!(store.host_by_key("hk01").await.unwrap().unwrap().id, created.id);
    assert!(store.host_by_key("hk99").await.unwrap().is_none());
    assert!(store.revoke_host("hk01", T0 + 5).await.unwrap());
    assert!(!store.revoke_host("hk01", T0 + 6).await.unwrap(), "already revoked");
    assert!(!store.revoke_host("hk99", T0 + 6).await.unwrap());
    let listed = store.list_hosts().await.unwrap();
    assert_eq!(
        listed.iter().map(|h| (h.key.as_str(), h.revoked_at)).collect::<Vec<_>>(),
        [("hk01", Some(T0 + 5)), ("hk02", None)]
    );
}

async fn host_users_are_created_once_per_host_and_updated_after(db: Db) {
    let store = &db.store;
    let one = store.create_host(&new_host("hk01")).await.unwrap();
    let two = store.create_host(&new_host("hk02")).await.unwrap();
    let (ann, created) =
        store.upsert_host_user(one.id, "ann", &profile("a1@hk01.host.invalid", "Ann", None)).await.unwrap();
    assert!(created);
    assert!(ann.phone.is_none() && !ann.blocked);
    // Again: the same user, updated, the new address unused.
    let (again, created) = store
        .upsert_host_user(one.id, "ann", &profile("a2@hk01.host.invalid", "Annie", Some("+86 13800138000")))
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(again.id, ann.id);
    assert_eq!(again.email, ann.email);
    let stored = store.host_user(one.id, "ann").await.unwrap().unwrap();
    assert_eq!(
        (stored.nickname.as_str(), stored.phone.map(|p| p.to_string())),
        ("Annie", Some("+86 13800138000".into()))
    );
    assert!(!store.email_in_use(&Email::parse("a2@hk01.host.invalid").unwrap()).await.unwrap());
    // Another host's "ann" is someone else.
    let (theirs, _) =
        store.upsert_host_user(two.id, "ann", &profile("a3@hk02.host.invalid", "Other", None)).await.unwrap();
    assert_ne!(theirs.id, ann.id);
    assert!(store.host_user(two.id, "bob").await.unwrap().is_none());
    // A taken address rolls the creation back.
    let taken = store.upsert_host_user(two.id, "bob", &profile("a1@hk01.host.invalid", "Bob", None)).await;
    assert!(matches!(taken, Err(StoreError::UniqueViolation)), "{taken:?}");
    assert!(store.host_user(two.id, "bob").await.unwrap().is_none());

    assert!(store.set_end_user_blocked(ann.id, true).await.unwrap());
    assert!(store.end_user_by_id(ann.id).await.unwrap().unwrap().blocked);
    assert!(!store.set_end_user_blocked(EndUserId(9999), true).await.unwrap());
}

async fn codes_are_taken_once_and_say_why_not(db: Db) {
    let store = &db.store;
    let owner = developer(store, "dev@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let other = app(store, "Other", &owner).await;
    let ann = store.create_end_user(&new_end_user("ann@example.com")).await.unwrap();
    let bob = store.create_end_user(&new_end_user("bob@example.com")).await.unwrap();
    let code = |hash: &str, kind, expires_at| UserCode {
        hash: hash.into(),
        kind,
        app: shop.key,
        user: ann.id,
        expires_at,
    };
    store.put_user_code(&code("c1", CodeKind::Login, T0 + 300), T0).await.unwrap();
    store.put_user_code(&code("c2", CodeKind::Phone, T0 + 300), T0).await.unwrap();
    store.put_user_code(&code("c3", CodeKind::Login, T0 + 10), T0).await.unwrap();

    let take = |hash: &'static str, kind: &'static str, app, user, now| async move {
        store.take_user_code(hash, kind, app, user, now).await.unwrap()
    };
    assert_eq!(take("c1", "login", other.key, None, T0).await, CodeTake::OtherApp);
    assert_eq!(take("c1", "phone", shop.key, None, T0).await, CodeTake::Unknown, "kinds do not mix");
    assert_eq!(take("c1", "login", shop.key, Some(bob.id), T0).await, CodeTake::OtherUser);
    assert_eq!(take("c1", "login", shop.key, Some(ann.id), T0).await, CodeTake::Taken(ann.id));
    assert_eq!(take("c1", "login", shop.key, None, T0).await, CodeTake::AlreadyUsed);
    assert_eq!(take("c2", "phone", shop.key, None, T0 + 1).await, CodeTake::Taken(ann.id));
    assert_eq!(take("c3", "login", shop.key, None, T0 + 10).await, CodeTake::Expired);
    assert_eq!(take("zz", "login", shop.key, None, T0).await, CodeTake::Unknown);
    // Minting later purges codes that expired before then.
    store.put_user_code(&code("c4", CodeKind::Login, T0 + 900), T0 + 600).await.unwrap();
    assert_eq!(take("c1", "login", shop.key, None, T0 + 600).await, CodeTake::Unknown);
    assert_eq!(take("c4", "login", shop.key, None, T0 + 600).await, CodeTake::Taken(ann.id));
}

async fn logins_create_service_users_and_replace_session_keys(db: Db) {
    let store = &db.store;
    let owner = developer(store, "dev@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let other = app(store, "Other", &owner).await;
    let ann = store.create_end_user(&new_end_user("ann@example.com")).await.unwrap();
    let login = |app, openid: &str, at, key: &[u8]| ServiceUser {
        app,
        user: ann.id,
        openid: openid.into(),
        unionid: "union".into(),
        first_seen: at,
        last_login: at,
        sealed_session_key: Some(key.to_vec()),
        session_key_issued_at: Some(at),
    };
    store.record_login(&login(shop.key, "o-shop", T0, b"k1")).await.unwrap();
    store.record_login(&login(shop.key, "o-shop", T0 + 60, b"k2")).await.unwrap();
    store.record_login(&login(other.key, "o-other", T0 + 30, b"k3")).await.unwrap();

    let found = store.service_user_by_openid(shop.key, "o-shop").await.unwrap().unwrap();
    assert_eq!((found.first_seen, found.last_login), (T0, T0 + 60), "the first sighting stays");
    assert_eq!(found.sealed_session_key.as_deref(), Some(&b"k2"[..]));
    assert!(store.service_user_by_openid(other.key, "o-shop").await.unwrap().is_none(), "scoped by app");
    assert_eq!(store.service_user(other.key, ann.id).await.unwrap().unwrap().openid, "o-other");

    store.replace_session_key(shop.key, ann.id, b"k4").await.unwrap();
    let reset = store.service_user(shop.key, ann.id).await.unwrap().unwrap();
    assert_eq!(reset.sealed_session_key.as_deref(), Some(&b"k4"[..]));
    assert_eq!(reset.session_key_issued_at, Some(T0 + 60), "the issue time is kept");

    let used = store.service_users_of(ann.id).await.unwrap();
    assert_eq!(
        used.iter().map(|s| (s.app, s.openid.as_str())).collect::<Vec<_>>(),
        [(shop.key, "o-shop"), (other.key, "o-other")]
    );
    assert!(used.iter().all(|s| s.sealed_session_key.is_none()), "listings never carry keys");
}

async fn logins_with_codes_use_the_code_and_record_at_once(db: Db) {
    let store = &db.store;
    let owner = developer(store, "dev@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let other = app(store, "Other", &owner).await;
    let ann = store.create_end_user(&new_end_user("ann@example.com")).await.unwrap();
    let bob = store.create_end_user(&new_end_user("bob@example.com")).await.unwrap();
    let carol = store.create_end_user(&new_end_user("carol@example.com")).await.unwrap();
    store.set_end_user_blocked(bob.id, true).await.unwrap();
    let code = |hash: &str, kind, user, expires_at| UserCode {
        hash: hash.into(),
        kind,
        app: shop.key,
        user,
        expires_at,
    };
    for (hash, kind, user, expires_at) in [
        ("c1", CodeKind::Login, ann.id, T0 + 300),
        ("c2", CodeKind::Login, bob.id, T0 + 300),
        ("c3", CodeKind::Login, ann.id, T0 + 300),
        ("c4", CodeKind::Phone, ann.id, T0 + 300),
        ("c5", CodeKind::Login, ann.id, T0 + 10),
        ("c6", CodeKind::Login, carol.id, T0 + 300),
    ] {
        store.put_user_code(&code(hash, kind, user, expires_at), T0).await.unwrap();
    }
    let service_user = |user, openid: &str, key: &[u8]| ServiceUser {
        app: shop.key,
        user,
        openid: openid.into(),
        unionid: "union".into(),
        first_seen: T0,
        last_login: T0,
        sealed_session_key: Some(key.to_vec()),
        session_key_issued_at: Some(T0),
    };
    // The decision is only asked for once the code is used by an unblocked user.
    let never: fn() -> LoginDecision =
        || Box::new(|_| -> Option<ServiceUser> { panic!("no login to decide") });
    let log_in = |hash: &'static str, app, now, decide| async move {
        store.log_in_with_code(hash, app, now, decide).await
    };

    assert_eq!(log_in("c1", other.key, T0, never()).await.unwrap(), CodeLogin::NotTaken(CodeTake::OtherApp));
    assert_eq!(log_in("c4", shop.key, T0, never()).await.unwrap(), CodeLogin::NotTaken(CodeTake::Unknown));
    assert_eq!(
        log_in("c5", shop.key, T0 + 10, never()).await.unwrap(),
        CodeLogin::NotTaken(CodeTake::Expired)
    );
    assert_eq!(log_in("zz", shop.key, T0, never()).await.unwrap(), CodeLogin::NotTaken(CodeTake::Unknown));

    let ann_in_shop = service_user(ann.id, "o-ann", b"k1");
    let decided = ann_in_shop.clone();
    let decide: LoginDecision = Box::new(move |user| {
        assert_eq!(user, decided.user, "the decision is asked for the code's user");
        Some(decided.clone())
    });
    assert_eq!(log_in("c1", shop.key, T0, decide).await.unwrap(), CodeLogin::LoggedIn(ann_in_shop.clone()));
    assert_eq!(store.service_user(shop.key, ann.id).await.unwrap(), Some(ann_in_shop));
    assert_eq!(
        log_in("c1", shop.key, T0, never()).await.unwrap(),
        CodeLogin::NotTaken(CodeTake::AlreadyUsed)
    );

    // A blocked user's code is used up, and nothing is recorded.
    assert_eq!(log_in("c2", shop.key, T0, never()).await.unwrap(), CodeLogin::Blocked);
    assert_eq!(
        log_in("c2", shop.key, T0, never()).await.unwrap(),
        CodeLogin::NotTaken(CodeTake::AlreadyUsed)
    );
    assert!(store.service_user(shop.key, bob.id).await.unwrap().is_none());

    // A refused login uses the code and keeps the recorded session key.
    assert_eq!(log_in("c3", shop.key, T0 + 1, Box::new(|_| None)).await.unwrap(), CodeLogin::Refused);
    assert_eq!(
        log_in("c3", shop.key, T0 + 1, never()).await.unwrap(),
        CodeLogin::NotTaken(CodeTake::AlreadyUsed)
    );
    let kept = store.service_user(shop.key, ann.id).await.unwrap().unwrap();
    assert_eq!(kept.sealed_session_key.as_deref(), Some(&b"k1"[..]));

    // A failed record (the first login of carol, given ann's openid) changes nothing: the code
    // stays unused.
    let clash = service_user(carol.id, "o-ann", b"k2");
    let failed = log_in("c6", shop.key, T0 + 2, Box::new(move |_| Some(clash.clone()))).await;
    assert!(matches!(failed, Err(StoreError::UniqueViolation)), "{failed:?}");
    assert!(store.service_user(shop.key, carol.id).await.unwrap().is_none());
    let retried = service_user(carol.id, "o-carol", b"k3");
    let again = retried.clone();
    assert_eq!(
        log_in("c6", shop.key, T0 + 2, Box::new(move |_| Some(again.clone()))).await.unwrap(),
        CodeLogin::LoggedIn(retried)
    );
    let recorded = store.service_user(shop.key, carol.id).await.unwrap().unwrap();
    assert_eq!(recorded.sealed_session_key.as_deref(), Some(&b"k3"[..]));
}

async fn concurrent_logins_commit_together_and_fail_alone(db: Db) {
    let store = &db.store;
    let owner = developer(store, "dev@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    const USERS: usize = 48;
    let mut users = Vec::new();
    for i in 0..USERS {
        let user = store.create_end_user(&new_end_user(&format!("user{i}@example.com"))).await.unwrap();
        let code = UserCode {
            hash: format!("code{i}"),
            kind: CodeKind::Login,
            app: shop.key,
            user: user.id,
            expires_at: T0 + 300,
        };
        store.put_user_code(&code, T0).await.unwrap();
        users.push(user.id);
    }
    // Logins queued at the same moment share transactions (SqlStore's group commit); one that
    // reuses another's openid and one whose decision panics must fail alone.
    let (clashing, panicking) = (7, 30);
    let mut logins = tokio::task::JoinSet::new();
    for (i, &user) in users.iter().enumerate() {
        let store = store.clone();
        let login = ServiceUser {
            app: shop.key,
            user,
            openid: format!("o-{}", if i == clashing { 0 } else { i }),
            unionid: "union".into(),
            first_seen: T0,
            last_login: T0,
            sealed_session_key: Some(vec![i as u8]),
            session_key_issued_at: Some(T0),
        };
        logins.spawn(async move {
            let decide: LoginDecision = Box::new(move |_| {
                assert_ne!(i, panicking, "a decision that panics");
                Some(login.clone())
            });
            (i, store.log_in_with_code(&format!("code{i}"), shop.key, T0 + 1, decide).await)
        });
    }
    let mut outcomes = logins.join_all().await;
    outcomes.sort_by_key(|(i, _)| *i);
    for (i, outcome) in outcomes {
        let recorded = store.service_user(shop.key, users[i]).await.unwrap();
        match i {
            _ if i == clashing => {
                // Unless it ran first, taking o-0 from user 0, whose own login then clashes.
                assert!(
                    matches!(outcome, Err(StoreError::UniqueViolation)) || recorded.is_some(),
                    "{outcome:?}"
                );
            }
            _ if i == panicking => {
                assert!(matches!(outcome, Err(StoreError::Backend(_))), "{outcome:?}");
                assert!(recorded.is_none());
            }
            _ => {
                let succeeded = matches!(outcome, Ok(CodeLogin::LoggedIn(_)));
                assert!(
                    succeeded || (i == 0 && matches!(outcome, Err(StoreError::UniqueViolation))),
                    "{i}: {outcome:?}"
                );
                assert_eq!(recorded.is_some(), succeeded, "{i}");
            }
        }
    }
    // The failed logins left their codes unused; the others are used.
    for (i, &user) in users.iter().enumerate() {
        let recorded = store.service_user(shop.key, user).await.unwrap().is_some();
        let take = store.take_user_code(&format!("code{i}"), "login", shop.key, None, T0 + 2).await.unwrap();
        if recorded {
            assert_eq!(take, CodeTake::AlreadyUsed, "{i}");
        } else {
            assert_eq!(take, CodeTake::Taken(user), "{i}");
        }
    }
}
