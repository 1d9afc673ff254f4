// The shared hub test support prints what it skipped and where screenshots are.
#![allow(clippy::print_stderr)]
//! The queue's claim statement on both databases: many concurrent claimers, each run
//! claimed exactly once; an expired lease is taken back exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod hub_support;

use samsvar_hub::Db;
use samsvar_hub::db::{NewRun, NewSuite, NewSystem};
use std::collections::BTreeSet;

async fn seed(db: &Db, runs: usize) {
    let event = db.create_event("Queue", "").await.unwrap();
    let org = db.create_organisation("Org", "").await.unwrap();
    let user = db
        .create_user("o@example.org", "O", "x", "organiser", None)
        .await
        .unwrap();
    db.put_blob("d", b"x").await.unwrap();
    let suite = db
        .upsert_suite(&NewSuite {
            event_id: event,
            suite_id: "s",
            title: "S",
            version: "1",
            digest: "d",
            archive_digest: "d",
            source_path: "s",
            targets: "[]",
        })
        .await
        .unwrap();
    let system = db
        .create_system(
            &NewSystem {
                event_id: event,
                org_id: org,
                name: "Sys",
                version: "1",
                reference: "",
                endpoints: "{}",
                sim_defects: "[]",
            },
            &[],
        )
        .await
        .unwrap();
    for _ in 0..runs {
        db.enqueue_run(&NewRun {
            event_id: event,
            system_id: system,
            suite_ref: suite,
            suite_version: "1",
            targets: "{}",
            sim_defects: "[]",
            queued_by: user,
            max_attempts: 2,
        })
        .await
        .unwrap();
    }
}

async fn claims_are_exclusive(url: &str) {
    let db = Db::connect(url).await.unwrap();
    seed(&db, 60).await;
    let mut tasks = Vec::new();
    for w in 0..4 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(run) = db.claim_run(&format!("w{w}"), 60_000).await.unwrap() {
                mine.push(run.id);
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: BTreeSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 60, "every run claimed");
    assert_eq!(unique.len(), 60, "no run claimed twice");

    // Leases that ran out are taken back once, by one caller.
    let expired = db.claim_run("late", -1).await.unwrap();
    assert!(expired.is_none(), "the queue is empty");
    sqlx_expire(&db).await;
    let first = db.recover_expired().await.unwrap();
    let second = db.recover_expired().await.unwrap();
    assert_eq!(first.len(), 60);
    assert!(second.is_empty());
    assert!(
        first.iter().all(|o| o.state == "queued"),
        "attempts left: requeued"
    );
    db.close().await;
}

/// Makes every running run's lease expire by claiming nothing and extending nothing: the
/// leases were 60 s, so set them into the past through the heartbeat API with a negative lease.
async fn sqlx_expire(db: &Db) {
    for w in 0..4 {
        for id in 1..=60 {
            let _ = db.heartbeat(id, &format!("w{w}"), -1_000).await.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_claims_each_run_once() {
    let dir = tempfile::tempdir().unwrap();
    claims_are_exclusive(&format!("sqlite://{}", dir.path().join("q.db").display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_claims_each_run_once() {
    let Some(pg) = hub_support::postgres::start("postgresql_claims_each_run_once") else {
        return;
    };
    claims_are_exclusive(&pg.url).await;
}
