// The shared hub test support prints what it skipped and where screenshots are.
#![allow(clippy::print_stderr)]
//! The queue survives: a restart loses no queued or finished run, and a worker killed
//! (SIGKILL, with its `samsvar run` child) mid-run leaves the run interrupted, its journal
//! finalized into an INCOMPLETE bundle, and the run requeued — never silently lost.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod hub_support;

use hub_support::{Api, HubProc, WorkerProc, add_user, repo_testsuites};
use serde_json::json;
use std::time::{Duration, Instant};

async fn setup(hub: &str, db: &str, defects: &[&str]) -> (Api, i64, i64) {
    add_user(db, "olga@event.example.org", "organiser");
    let organiser = Api::login(hub, "olga@event.example.org").await;
    let event = organiser
        .ok("/api/v1/events", json!({ "name": "Reliability" }))
        .await["id"]
        .as_i64()
        .unwrap();
    let suite = organiser
        .ok(&format!("/api/v1/events/{event}/suites"), json!({ "path": "fhir-rest-basics", "applies_to": [{ "profile": "FHIR R4 REST", "actor": "Server" }] }))
        .await["id"]
        .as_i64()
        .unwrap();
    let org = organiser
        .ok(
            "/api/v1/organisations",
            json!({ "name": "Nordlys Health AS" }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let system = organiser
        .ok("/api/v1/systems", json!({ "event_id": event, "org_id": org, "name": "Nordlys EHR", "version": "7.3.0", "endpoints": { "fhir": "sim" }, "sim_defects": defects, "claims": [{ "profile": "FHIR R4 REST", "actor": "Server" }] }))
        .await["id"]
        .as_i64()
        .unwrap();
    (organiser, system, suite)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_loses_no_queued_or_finished_run() {
    let work = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", work.path().join("hub.db").display());
    let data = work.path().join("data");
    // First life: no worker, so the runs stay queued.
    let hub = HubProc::start(&db, &data, &repo_testsuites(), &["--no-worker"]);
    let (organiser, system, suite) = setup(&hub.url, &db, &[]).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let queued = organiser
            .ok(
                "/api/v1/runs",
                json!({ "system_id": system, "suites": [suite] }),
            )
            .await;
        ids.push(queued["runs"][0].as_i64().unwrap());
    }
    let (_, runs) = organiser.get("/api/v1/runs?state=queued").await;
    assert_eq!(runs.as_array().unwrap().len(), 3);
    hub.stop();

    // Second life: the embedded worker finds the queue as it was and runs it.
    let hub = HubProc::start(&db, &data, &repo_testsuites(), &[]);
    let organiser = Api::login(&hub.url, "olga@event.example.org").await;
    let finished = organiser
        .wait_finished(&ids, Duration::from_secs(180))
        .await;
    assert!(
        finished.iter().all(|r| r["run"]["state"] == "passed"),
        "{finished:?}"
    );
    hub.stop();

    // Third life: the finished runs and their bundles are still there.
    let hub = HubProc::start(&db, &data, &repo_testsuites(), &["--no-worker"]);
    let organiser = Api::login(&hub.url, "olga@event.example.org").await;
    for id in &ids {
        let (status, bytes) = organiser
            .get_bytes(&format!("/api/v1/runs/{id}/bundle"))
            .await;
        assert_eq!(status, 200);
        assert!(bytes.starts_with(&[0x1f, 0x8b]), "a gzip bundle");
    }
    hub.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_run_leaves_the_run_interrupted_and_requeued() {
    let work = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", work.path().join("hub.db").display());
    let data = work.path().join("data");
    let hub = HubProc::start(&db, &data, &repo_testsuites(), &["--no-worker"]);
    // The `slow` defect makes every simulator answer take 30 s: the run is surely mid-way.
    let (organiser, system, suite) = setup(&hub.url, &db, &["slow"]).await;
    let run = organiser
        .ok(
            "/api/v1/runs",
            json!({ "system_id": system, "suites": [suite] }),
        )
        .await["runs"][0]
        .as_i64()
        .unwrap();

    let limits = ["--lease", "3s", "--run-timeout", "6s"];
    let mut first = WorkerProc::start(&db, &data, &limits);
    let deadline = Instant::now() + Duration::from_secs(60);
    let journal = data.join("work").join(format!("run-{run}-a1"));
    loop {
        let (_, view) = organiser.get(&format!("/api/v1/runs/{run}")).await;
        let has_journal = std::fs::read_dir(&journal)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .any(|e| e.path().join("journal.jsonl").is_file());
        if view["run"]["state"] == "running" && has_journal {
            break;
        }
        assert!(Instant::now() < deadline, "the run never started: {view}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    first.kill_group();

    // A second worker takes the run back once the lease has expired.
    let _second = WorkerProc::start(&db, &data, &limits);
    let finished = organiser
        .wait_finished(&[run], Duration::from_secs(120))
        .await;
    let view = &finished[0];
    let attempts = view["attempts"].as_array().unwrap();
    assert!(attempts.len() >= 2, "{view}");
    assert_eq!(attempts[0]["attempt"], 1);
    assert_eq!(attempts[0]["result"], "interrupted", "{}", attempts[0]);
    assert!(
        attempts[0]["detail"]
            .as_str()
            .unwrap()
            .contains("stopped heartbeating")
    );
    assert!(
        attempts[0]["bundle_digest"]
            .as_str()
            .is_some_and(|d| d.len() == 64),
        "the lost attempt's journal was finalized into a bundle: {}",
        attempts[0]
    );
    assert_eq!(attempts[1]["attempt"], 2, "the run was requeued");
    // The retry is slow too, so the run timeout stops it: an error with the reason, and
    // an INCOMPLETE bundle from its journal.
    assert_eq!(view["run"]["state"], "error", "{view}");
    assert!(
        view["run"]["reason"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{view}"
    );
    assert_eq!(view["run"]["complete"], 0);
    assert!(view["run"]["bundle_digest"].as_str().is_some(), "{view}");
    hub.stop();
}
