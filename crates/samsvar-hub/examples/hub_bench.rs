//! Hub benchmarks (docs/benchmarks.md, section "Hub"). Not a test: it measures.
//!
//! ```text
//! cargo run --release -p samsvar-hub --example hub_bench -- scoreboard [--db URL]
//! cargo run --release -p samsvar-hub --example hub_bench -- uploads BUNDLE_DIR KEY.pub.pem [--db URL] [--count 1000]
//! cargo run --release -p samsvar-hub --example hub_bench -- drain --db postgres://… --exe target/release/samsvar --workers 4 --runs 500
//! ```
// A benchmark program: printing its figures is its job.
#![allow(clippy::print_stdout, clippy::print_stderr)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use samsvar_hub::auth::{Actor, Role};
use samsvar_hub::db::{ActorClaim, NewRun, NewSuite, NewSystem, RunResult};
use samsvar_hub::{Db, Hub, HubConfig};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn organiser() -> Actor {
    Actor {
        user_id: 1,
        email: "o@bench".into(),
        name: "Bench".into(),
        role: Role::Organiser,
        org_id: None,
        csrf: "x".into(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let tmp = tempfile::tempdir()?;
    let default_db = format!("sqlite://{}", tmp.path().join("bench.db").display());
    let db_url = arg(&args, "--db").unwrap_or(default_db);
    match args.first().map(String::as_str) {
        Some("scoreboard") => scoreboard(&db_url).await,
        Some("uploads") => uploads(&db_url, &args).await,
        Some("drain") => drain(&db_url, &args).await,
        _ => {
            eprintln!("usage: hub_bench scoreboard|uploads|drain … (see the file's header)");
            std::process::exit(2);
        }
    }
}

/// 200 systems × 50 suites (10 profile/actor columns of 5 suites), 10,000 finished runs
/// with 5 requirements each; then the scoreboard service call, the matrix, and the
/// rendered page over loopback HTTP.
async fn scoreboard(db_url: &str) -> anyhow::Result<()> {
    let db = Db::connect(db_url).await?;
    let seeded = Instant::now();
    db.create_user("o@bench", "Bench", "x", "organiser", None)
        .await?;
    let event = db.create_event("Bench event", "").await?;
    db.put_blob("snapshot", b"x").await?;
    let mut suites = Vec::new();
    for s in 0..50 {
        let id = db
            .upsert_suite(&NewSuite {
                event_id: event,
                suite_id: &format!("suite-{s:02}"),
                title: "Bench suite",
                version: if s % 10 == 0 { "2.0.0" } else { "1.0.0" },
                digest: "snapshot",
                archive_digest: "snapshot",
                source_path: "bench",
                targets: "[\"fhir\"]",
            })
            .await?;
        let claim = ActorClaim {
            profile: format!("Profile {}", s / 5),
            actor: "Server".into(),
        };
        db.set_suite_actors(id, &[claim]).await?;
        suites.push(id);
    }
    let mut systems = Vec::new();
    for o in 0..40 {
        let org = db
            .create_organisation(&format!("Vendor {o:02}"), "")
            .await?;
        for n in 0..5 {
            let claims: Vec<ActorClaim> = (0..10)
                .filter(|c| (c + n) % 3 != 0)
                .map(|c| ActorClaim {
                    profile: format!("Profile {c}"),
                    actor: "Server".into(),
                })
                .collect();
            let id = db
                .create_system(
                    &NewSystem {
                        event_id: event,
                        org_id: org,
                        name: &format!("EHR {o}-{n}"),
                        version: "1.0",
                        reference: "",
                        endpoints: "{\"fhir\":\"sim\"}",
                        sim_defects: "[]",
                    },
                    &claims,
                )
                .await?;
            systems.push(id);
        }
    }
    for i in 0..10_000usize {
        let system = systems[i % systems.len()];
        let suite = suites[(i / systems.len()) % suites.len()];
        let run = db
            .enqueue_run(&NewRun {
                event_id: event,
                system_id: system,
                suite_ref: suite,
                suite_version: "1.0.0",
                targets: "{}",
                sim_defects: "[]",
                queued_by: 1,
                max_attempts: 1,
            })
            .await?;
        db.claim_run("seed", 60_000).await?;
        let passed = i % 7 != 0;
        let result = RunResult {
            state: if passed { "passed" } else { "failed" }.into(),
            exit_code: Some(if passed { 0 } else { 1 }),
            complete: true,
            requirements: (0..5)
                .map(|r| {
                    (
                        format!("REQ-{:03}", (i + r) % 120),
                        if passed { "pass" } else { "fail" }.to_string(),
                    )
                })
                .collect(),
            ..Default::default()
        };
        db.finish_run(run, Some("seed"), &result).await?;
    }
    println!(
        "seeded 200 systems × 50 suites, 10,000 runs in {:.1} s ({})",
        seeded.elapsed().as_secs_f64(),
        db.dialect_name()
    );

    let hub = Arc::new(Hub::new(db.clone(), HubConfig::new(PathBuf::from("."))));
    let me = organiser();
    let mut times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let board = hub.scoreboard(&me, event).await?;
        times.push(t.elapsed());
        assert_eq!(board.rows.len(), 200);
    }
    report("scoreboard (service: queries + roll-up)", &mut times);
    let mut times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let m = hub.requirement_matrix(&me, event).await?;
        times.push(t.elapsed());
        assert!(!m.rows.is_empty());
    }
    report("requirement matrix (service)", &mut times);

    // The page over HTTP: sessions come from the database, so sign in for real.
    let hash = samsvar_hub::auth::hash_password("bench-password-1").map_err(anyhow::Error::msg)?;
    db.create_user("page@bench", "Page", &hash, "organiser", None)
        .await?;
    let session = hub
        .login("page@bench", "bench-password-1", "127.0.0.1")
        .await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = samsvar_hub::web::router(hub.clone());
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    let client = reqwest::Client::new();
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..20 {
        let t = Instant::now();
        let res = client
            .get(format!("http://{addr}/events/{event}/scoreboard"))
            .header("cookie", format!("samsvar_hub_session={}", session.cookie))
            .send()
            .await?;
        assert!(res.status().is_success());
        size = res.bytes().await?.len();
        times.push(t.elapsed());
    }
    report(
        &format!("scoreboard page over HTTP ({} KiB HTML)", size / 1024),
        &mut times,
    );
    Ok(())
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}: median {:.1} ms, min {:.1} ms, max {:.1} ms ({} runs)",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
        times.len()
    );
}

/// The same signed bundle uploaded `--count` times through the service (unpack, verify
/// against the registered key, repack, store).
async fn uploads(db_url: &str, args: &[String]) -> anyhow::Result<()> {
    let bundle = PathBuf::from(args.get(1).expect("BUNDLE_DIR"));
    let public = std::fs::read_to_string(args.get(2).expect("KEY.pub.pem"))?;
    let count: usize = arg(args, "--count")
        .and_then(|c| c.parse().ok())
        .unwrap_or(1000);
    let db = Db::connect(db_url).await?;
    db.create_user("o@bench", "Bench", "x", "organiser", None)
        .await?;
    let event = db.create_event("Uploads", "").await?;
    let org = db.create_organisation("Vendor", "").await?;
    let suites = tempfile::tempdir()?;
    let mut config = HubConfig::new(PathBuf::from("."));
    config.suites_dir = PathBuf::from(arg(args, "--suites").unwrap_or_else(|| "testsuites".into()));
    let _ = suites;
    let hub = Hub::new(db.clone(), config);
    let me = organiser();
    hub.add_suite(
        &me,
        event,
        "fhir-rest-basics",
        &[ActorClaim {
            profile: "FHIR R4 REST".into(),
            actor: "Server".into(),
        }],
    )
    .await?;
    let system = hub
        .register_system(
            &me,
            &samsvar_hub::service::systems::SystemForm {
                event_id: event,
                org_id: Some(org),
                name: "EHR".into(),
                version: "1".into(),
                endpoints: [("fhir".to_string(), "sim".to_string())].into(),
                claims: vec![ActorClaim {
                    profile: "FHIR R4 REST".into(),
                    actor: "Server".into(),
                }],
                ..Default::default()
            },
        )
        .await?;
    hub.add_key(&me, Some(org), &public, "bench").await?;
    let archive = samsvar_hub::archive::pack_dir(&bundle, "")?;
    let started = Instant::now();
    for _ in 0..count {
        hub.upload_bundle(&me, Some(system), archive.clone())
            .await?;
    }
    let elapsed = started.elapsed();
    println!(
        "{count} uploads of a {} KiB bundle ({} files) in {:.1} s: {:.1} ms each, {:.0} uploads/s ({})",
        archive.len() / 1024,
        samsvar_hub::archive::list_files(&bundle)?.len(),
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / count as f64,
        count as f64 / elapsed.as_secs_f64(),
        db.dialect_name()
    );
    Ok(())
}

/// Queues `--runs` simulator runs of fhir-rest-basics and times `--workers` drain-mode
/// `samsvar hub worker` processes emptying the queue.
async fn drain(db_url: &str, args: &[String]) -> anyhow::Result<()> {
    let exe = PathBuf::from(arg(args, "--exe").expect("--exe PATH/TO/samsvar"));
    let workers: usize = arg(args, "--workers")
        .and_then(|c| c.parse().ok())
        .unwrap_or(1);
    let runs: usize = arg(args, "--runs")
        .and_then(|c| c.parse().ok())
        .unwrap_or(500);
    let db = Db::connect(db_url).await?;
    let mut config = HubConfig::new(PathBuf::from("."));
    config.suites_dir = PathBuf::from(arg(args, "--suites").unwrap_or_else(|| "testsuites".into()));
    let hub = Hub::new(db.clone(), config);
    let me_id = match db.user_by_email("o@bench").await? {
        Some(u) => u.id,
        None => {
            db.create_user("o@bench", "Bench", "x", "organiser", None)
                .await?
        }
    };
    let me = Actor {
        user_id: me_id,
        ..organiser()
    };
    let event = db
        .create_event(&format!("Drain {}", samsvar_hub::db::now_ms()), "")
        .await?;
    let org = match db.organisations().await?.into_iter().next() {
        Some(o) => o.id,
        None => db.create_organisation("Vendor", "").await?,
    };
    let claim = ActorClaim {
        profile: "FHIR R4 REST".into(),
        actor: "Server".into(),
    };
    hub.add_suite(&me, event, "fhir-rest-basics", std::slice::from_ref(&claim))
        .await?;
    let system = hub
        .register_system(
            &me,
            &samsvar_hub::service::systems::SystemForm {
                event_id: event,
                org_id: Some(org),
                name: "EHR".into(),
                version: "1".into(),
                endpoints: [("fhir".to_string(), "sim".to_string())].into(),
                claims: vec![claim],
                ..Default::default()
            },
        )
        .await?;
    for _ in 0..runs {
        hub.queue_runs(
            &me,
            system,
            &samsvar_hub::service::runs::Selection::AllThatApply,
        )
        .await?;
    }
    let data = tempfile::tempdir()?;
    let started = Instant::now();
    let mut children = Vec::new();
    for w in 0..workers {
        children.push(
            std::process::Command::new(&exe)
                .args(["hub", "worker", "--drain", "--db", db_url, "--data"])
                .arg(data.path().join(format!("w{w}")))
                .stdout(std::process::Stdio::null())
                .spawn()?,
        );
    }
    for mut c in children {
        c.wait()?;
    }
    let elapsed = started.elapsed();
    let finished = db
        .runs(&samsvar_hub::db::RunFilter {
            event_id: Some(event),
            state: Some("passed".into()),
            limit: 100_000,
            ..Default::default()
        })
        .await?;
    println!(
        "{workers} worker(s) drained {runs} simulator runs in {:.1} s: {:.2} runs/s ({} passed, {})",
        elapsed.as_secs_f64(),
        runs as f64 / elapsed.as_secs_f64(),
        finished.len(),
        db.dialect_name()
    );
    Ok(())
}
