//! The storage contract of the content term list (`ContentStore`) and of domains
//! (`DomainStore`), told as stories and run against every backend like `conformance.rs`.

#[expect(dead_code, reason = "this file uses part of the shared support module")]
#[macro_use]
mod support;

use miniplat_core::content::{ContentTerm, Label, Suggest};
use miniplat_core::domains::{AppDomains, ConfirmFile, ServerDomains};
use miniplat_core::error::StoreError;
use miniplat_core::store::prelude::*;
use miniplat_core::store::CONTENT_TERMS_FULL;

use support::{app, developer, Db, T0};

conformance_suite! {
    the_default_terms_are_seeded_and_every_change_bumps_the_generation,
    look_alike_terms_are_one_term_and_the_list_has_a_size_limit,
    domains_are_per_app_and_saved_only_over_the_revision_read,
}

fn term(text: &str, operator: Option<miniplat_core::accounts::DeveloperId>) -> ContentTerm {
    ContentTerm {
        id: 0,
        term: text.into(),
        label: Label::Advertising,
        suggest: Suggest::Review,
        created_by: operator,
        created_at: T0,
    }
}

async fn the_default_terms_are_seeded_and_every_change_bumps_the_generation(db: Db) {
    let store = &db.store;
    let (generation, defaults) = store.content_terms().await.unwrap();
    assert_eq!(generation, store.content_terms_generation().await.unwrap());
    let texts: Vec<&str> = defaults.iter().map(|t| t.term.as_str()).collect();
    assert!(texts.contains(&"加微信领红包") && texts.contains(&"free money"), "{texts:?}");
    assert!(defaults.iter().all(|t| t.created_by.is_none()));
    assert!(defaults.iter().all(|t| t.key() == miniplat_core::content::matcher::normalize(&t.term)));

    let operator = developer(store, "op@example.com").await;
    let id = store.add_content_term(&term("Cheap Widgets", Some(operator.id)), 100).await.unwrap();
    let (after_add, terms) = store.content_terms().await.unwrap();
    assert_eq!(after_add, generation + 1);
    let added = terms.last().unwrap();
    assert_eq!(
        (added.id, added.term.as_str(), added.label, added.suggest, added.created_by, added.created_at),
        (id, "Cheap Widgets", Label::Advertising, Suggest::Review, Some(operator.id), T0)
    );

    assert!(store.remove_content_term(id).await.unwrap());
    assert_eq!(store.content_terms_generation().await.unwrap(), generation + 2);
    assert!(!store.remove_content_term(id).await.unwrap(), "already gone");
    assert_eq!(store.content_terms_generation().await.unwrap(), generation + 2, "nothing removed, no bump");
    assert_eq!(store.content_terms().await.unwrap().1, defaults);
}

async fn look_alike_terms_are_one_term_and_the_list_has_a_size_limit(db: Db) {
    let store = &db.store;
    let count = store.content_terms().await.unwrap().1.len() as i64;
    store.add_content_term(&term("cheap widgets", None), 100).await.unwrap();
    let generation = store.content_terms_generation().await.unwrap();
    assert!(matches!(
        store.add_content_term(&term("ＣＨＥＡＰ-Widgets", None), 100).await,
        Err(StoreError::UniqueViolation)
    ));
    assert!(matches!(
        store.add_content_term(&term("another", None), count + 1).await,
        Err(StoreError::Refused(CONTENT_TERMS_FULL))
    ));
    assert_eq!(store.content_terms_generation().await.unwrap(), generation, "refusals change nothing");
    store.add_content_term(&term("another", None), count + 2).await.unwrap();
}

async fn domains_are_per_app_and_saved_only_over_the_revision_read(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let other = app(store, "Other", &owner).await;
    assert_eq!(store.app_domains(shop.key).await.unwrap(), None);

    let first = AppDomains {
        app: shop.key,
        server: ServerDomains {
            requestdomain: vec!["https://api.shop.example".into()],
            ..Default::default()
        },
        webview: vec!["https://www.shop.example".into()],
        revision: 1,
        month: 24_000,
        modifications: 1,
        confirm_file: None,
        updated_at: T0,
    };
    assert!(store.save_app_domains(&first).await.unwrap());
    assert!(!store.save_app_domains(&first).await.unwrap(), "revision 1 exists already");
    assert_eq!(store.app_domains(shop.key).await.unwrap().as_ref(), Some(&first));
    assert_eq!(store.app_domains(other.key).await.unwrap(), None, "per app");

    let second = AppDomains {
        revision: 2,
        modifications: 2,
        confirm_file: Some(ConfirmFile { file_name: "abc.txt".into(), file_content: "123".into() }),
        updated_at: T0 + 1,
        ..first.clone()
    };
    assert!(store.save_app_domains(&second).await.unwrap());
    // A save based on revision 1 lost the race.
    let stale = AppDomains { webview: Vec::new(), ..second.clone() };
    assert!(!store.save_app_domains(&stale).await.unwrap());
    assert_eq!(store.app_domains(shop.key).await.unwrap(), Some(second));
}
