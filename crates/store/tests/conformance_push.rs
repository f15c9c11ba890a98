//! The storage contract of the job queue (`JobStore`) and of push configuration and delivery
//! logs (`PushStore`), told as stories and run against every backend like `conformance.rs`.

#[expect(dead_code, reason = "this file uses part of the shared support module")]
#[macro_use]
mod support;

use std::collections::HashSet;

use miniplat_core::apps::AppKey;
use miniplat_core::jobs::{Finished, JobState, NewJob, Outcome};
use miniplat_core::push::{DeliveryOutcome, PushDelivery, PushFormat, PushMode, StoredPushConfig};
use miniplat_core::store::prelude::*;

use support::{app, developer, Db, T0};

conformance_suite! {
    due_jobs_are_claimed_once_and_finished_by_their_outcome,
    an_expired_lease_is_claimed_again_and_the_stale_outcome_is_ignored,
    jobs_die_after_their_last_attempt,
    concurrent_claims_never_share_a_job,
    push_configs_are_per_app_and_replaced_whole,
    delivery_logs_are_per_app_newest_first_and_purged_by_age,
}

fn job(app: Option<AppKey>, payload: &str, run_at: i64, max_attempts: i64) -> NewJob {
    NewJob { kind: "push".into(), app, payload: payload.into(), run_at, max_attempts, created_at: T0 }
}

async fn due_jobs_are_claimed_once_and_finished_by_their_outcome(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let first = store.enqueue_job(&job(Some(shop.key), "one", T0, 3)).await.unwrap();
    let second = store.enqueue_job(&job(Some(shop.key), "two", T0 - 5, 3)).await.unwrap();
    let later = store.enqueue_job(&job(None, "later", T0 + 100, 3)).await.unwrap();
    store.enqueue_job(&NewJob { kind: "other".into(), ..job(None, "x", T0, 3) }).await.unwrap();

    let claimed = store.claim_jobs("push", T0, T0 + 60, 10).await.unwrap();
    let ids: Vec<_> = claimed.iter().map(|j| (j.id, j.payload.as_str(), j.attempt, j.app)).collect();
    assert_eq!(
        ids,
        [(second, "two", 1, Some(shop.key)), (first, "one", 1, Some(shop.key))],
        "oldest due first"
    );
    assert!(
        store.claim_jobs("push", T0 + 1, T0 + 61, 10).await.unwrap().is_empty(),
        "leased jobs are not handed out twice"
    );

    let finished = [
        Finished { id: first, attempt: 1, outcome: Outcome::Done },
        Finished {
            id: second,
            attempt: 1,
            outcome: Outcome::Retry { run_at: T0 + 10, error: "HTTP 500".into() },
        },
    ];
    assert_eq!(store.finish_jobs(&finished, T0 + 2).await.unwrap(), 2);
    assert_eq!(store.job(first).await.unwrap(), None, "done jobs are deleted");
    let retried = store.job(second).await.unwrap().unwrap();
    assert_eq!(
        (retried.state, retried.run_at, retried.attempts, retried.locked_until),
        (JobState::Queued, T0 + 10, 1, None)
    );
    assert_eq!(retried.last_error.as_deref(), Some("HTTP 500"));

    assert!(
        store.claim_jobs("push", T0 + 9, T0 + 69, 10).await.unwrap().is_empty(),
        "backoff holds the retry"
    );
    let again = store.claim_jobs("push", T0 + 10, T0 + 70, 10).await.unwrap();
    assert_eq!(again.iter().map(|j| (j.id, j.attempt)).collect::<Vec<_>>(), [(second, 2)]);
    assert!(
        store.claim_jobs("push", T0 + 69, T0 + 129, 10).await.unwrap().is_empty(),
        "leased until T0 + 70"
    );
    let all_due = store.claim_jobs("push", T0 + 100, T0 + 160, 10).await.unwrap();
    let seen: Vec<_> = all_due.iter().map(|j| (j.id, j.attempt)).collect();
    assert_eq!(seen, [(second, 3), (later, 1)], "an expired lease frees the job");
}

async fn an_expired_lease_is_claimed_again_and_the_stale_outcome_is_ignored(db: Db) {
    let store = &db.store;
    let id = store.enqueue_job(&job(None, "p", T0, 5)).await.unwrap();
    let first = store.claim_jobs("push", T0, T0 + 60, 10).await.unwrap();
    assert_eq!(first[0].attempt, 1);
    assert!(store.claim_jobs("push", T0 + 59, T0 + 119, 10).await.unwrap().is_empty());
    // The first worker went quiet: once its lease ends, another takes the job over.
    let second = store.claim_jobs("push", T0 + 60, T0 + 120, 10).await.unwrap();
    assert_eq!((second[0].id, second[0].attempt), (id, 2));
    let stale = Finished { id, attempt: 1, outcome: Outcome::Dead { error: "late".into() } };
    assert_eq!(store.finish_jobs(&[stale], T0 + 61).await.unwrap(), 0, "the lost lease changes nothing");
    assert_eq!(store.job(id).await.unwrap().unwrap().state, JobState::Queued);
    let current = Finished { id, attempt: 2, outcome: Outcome::Done };
    assert_eq!(store.finish_jobs(&[current], T0 + 62).await.unwrap(), 1);
    assert_eq!(store.job(id).await.unwrap(), None);
}

async fn jobs_die_after_their_last_attempt(db: Db) {
    let store = &db.store;
    let failing = store.enqueue_job(&job(None, "fails", T0, 2)).await.unwrap();
    let abandoned = store.enqueue_job(&job(None, "worker dies", T0, 1)).await.unwrap();
    let claimed = store.claim_jobs("push", T0, T0 + 60, 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    let retry =
        Finished { id: failing, attempt: 1, outcome: Outcome::Retry { run_at: T0 + 5, error: "e1".into() } };
    store.finish_jobs(&[retry], T0).await.unwrap();
    let last = store.claim_jobs("push", T0 + 5, T0 + 65, 10).await.unwrap();
    assert_eq!(last.iter().map(|j| (j.id, j.attempt, j.max_attempts)).collect::<Vec<_>>(), [(failing, 2, 2)]);
    let dead = Finished { id: failing, attempt: 2, outcome: Outcome::Dead { error: "e2".into() } };
    store.finish_jobs(&[dead], T0 + 6).await.unwrap();
    let record = store.job(failing).await.unwrap().unwrap();
    assert_eq!((record.state, record.last_error.as_deref()), (JobState::Dead, Some("e2")));

    // The other job's only attempt never reported back; when its lease ends it is dead, not
    // attempted a second time.
    assert!(store.claim_jobs("push", T0 + 1000, T0 + 1060, 10).await.unwrap().is_empty());
    let record = store.job(abandoned).await.unwrap().unwrap();
    assert_eq!(record.state, JobState::Dead);
    assert_eq!(record.attempts, 1);
}

async fn concurrent_claims_never_share_a_job(db: Db) {
    let store = &db.store;
    for n in 0..60 {
        store.enqueue_job(&job(None, &n.to_string(), T0, 3)).await.unwrap();
    }
    let workers: Vec<_> = (0..6)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.claim_jobs("push", T0, T0 + 60, 15).await.unwrap() })
        })
        .collect();
    let mut seen = HashSet::new();
    let mut total = 0;
    for worker in workers {
        for job in worker.await.unwrap() {
            total += 1;
            assert!(seen.insert(job.id), "job {} claimed twice", job.id);
        }
    }
    assert_eq!(total, 60);
}

fn config(
    app: AppKey,
    owner: miniplat_core::accounts::DeveloperId,
    url: &str,
    sealed: &[u8],
) -> StoredPushConfig {
    StoredPushConfig {
        app,
        url: url.into(),
        mode: PushMode::Safe,
        format: PushFormat::Xml,
        sealed_secrets: sealed.to_vec(),
        verified_at: T0,
        updated_by: owner,
        updated_at: T0,
    }
}

async fn push_configs_are_per_app_and_replaced_whole(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let other = app(store, "Other", &owner).await;
    assert_eq!(store.push_config(shop.key).await.unwrap(), None);

    let first = config(shop.key, owner.id, "https://push.example.com/a", &[1, 2, 3]);
    store.put_push_config(&first).await.unwrap();
    assert_eq!(store.push_config(shop.key).await.unwrap(), Some(first));
    assert_eq!(store.push_config(other.key).await.unwrap(), None);

    let replaced = StoredPushConfig {
        mode: PushMode::Plain,
        format: PushFormat::Json,
        updated_at: T0 + 9,
        ..config(shop.key, owner.id, "https://push.example.com/b", &[0, 255, 7, 8])
    };
    store.put_push_config(&replaced).await.unwrap();
    assert_eq!(store.push_config(shop.key).await.unwrap(), Some(replaced));

    assert!(!store.delete_push_config(other.key).await.unwrap());
    assert!(store.delete_push_config(shop.key).await.unwrap());
    assert!(!store.delete_push_config(shop.key).await.unwrap());
    assert_eq!(store.push_config(shop.key).await.unwrap(), None);
}

fn delivery(app: AppKey, event_id: &str, attempt: i64, at: i64, outcome: DeliveryOutcome) -> PushDelivery {
    PushDelivery {
        id: 0,
        app,
        event_id: event_id.into(),
        event: "debug_demo".into(),
        attempt,
        at,
        outcome,
        status_code: (outcome != DeliveryOutcome::Dropped).then_some(500),
        error: (outcome != DeliveryOutcome::Delivered).then(|| "HTTP 500".into()),
        duration_ms: 12,
    }
}

async fn delivery_logs_are_per_app_newest_first_and_purged_by_age(db: Db) {
    let store = &db.store;
    let owner = developer(store, "a@example.com").await;
    let shop = app(store, "Shop", &owner).await;
    let other = app(store, "Other", &owner).await;
    store.record_push_deliveries(&[]).await.unwrap();
    store
        .record_push_deliveries(&[
            delivery(shop.key, "e1", 1, T0, DeliveryOutcome::Retrying),
            delivery(other.key, "x1", 1, T0, DeliveryOutcome::Dropped),
            delivery(shop.key, "e1", 2, T0 + 5, DeliveryOutcome::Delivered),
        ])
        .await
        .unwrap();
    let log = store.push_deliveries(shop.key, 10).await.unwrap();
    let seen: Vec<_> = log.iter().map(|d| (d.event_id.as_str(), d.attempt, d.outcome, d.app)).collect();
    assert_eq!(
        seen,
        [("e1", 2, DeliveryOutcome::Delivered, shop.key), ("e1", 1, DeliveryOutcome::Retrying, shop.key)]
    );
    assert_eq!(log[1].error.as_deref(), Some("HTTP 500"));
    assert_eq!(log[1].status_code, Some(500));
    assert_eq!(store.push_deliveries(shop.key, 1).await.unwrap().len(), 1);
    assert_eq!(store.purge_push_deliveries(T0 + 1).await.unwrap(), 2);
    assert_eq!(store.push_deliveries(shop.key, 10).await.unwrap().len(), 1);
    assert!(store.push_deliveries(other.key, 10).await.unwrap().is_empty());
}
