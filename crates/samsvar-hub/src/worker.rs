//! The queue's consumer. Each worker claims the oldest queued run, keeps a lease on it by
//! heartbeat while the `samsvar run` child works, and stores the bundle by digest. Any
//! worker (and the web process on SQLite) takes back runs whose lease ran out: the lost
//! attempt is recorded as interrupted, its journal finalized into an INCOMPLETE bundle
//! when the folder is reachable, and the run requeued while attempts are left.

use crate::archive;
use crate::db::{Db, Orphan, Run, RunAttempt, RunResult, now_ms};
use crate::error::{HubError, HubResult};
use crate::evidence_adapter::{self, PublicKey};
use crate::run_exec::{self, Execution, RunSpec};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Unique per process: `host-pid-random`.
    pub name: String,
    /// The `samsvar` binary runs are started with.
    pub exe: PathBuf,
    /// Where runs and suite snapshots are unpacked.
    pub work_dir: PathBuf,
    /// The private key runs are signed with (created when absent).
    pub sign_key: PathBuf,
    /// `DIR/<system-id>.toml`, when present, is passed to the run as `--config`.
    pub secrets_dir: Option<PathBuf>,
    pub lease: Duration,
    pub run_timeout: Duration,
    pub poll: Duration,
    /// Stop when the queue is empty (benchmarks, tests).
    pub drain_and_exit: bool,
}

impl WorkerConfig {
    pub fn new(exe: PathBuf, data_dir: &Path) -> WorkerConfig {
        WorkerConfig {
            name: default_name(),
            exe,
            work_dir: data_dir.join("work"),
            sign_key: data_dir.join("worker-signing-key.pem"),
            secrets_dir: None,
            lease: Duration::from_secs(30),
            run_timeout: Duration::from_secs(600),
            poll: Duration::from_millis(500),
            drain_and_exit: false,
        }
    }
}

fn default_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".into());
    format!(
        "{host}-{}-{}",
        std::process::id(),
        &crate::auth::random_secret()[..6]
    )
}

/// Runs until `shutdown` turns true (or, with `drain_and_exit`, the queue is empty).
pub async fn run_worker(
    db: Db,
    cfg: WorkerConfig,
    mut shutdown: watch::Receiver<bool>,
) -> HubResult<()> {
    let key = evidence_adapter::ensure_signing_key(&cfg.sign_key).map_err(HubError::internal)?;
    db.add_signing_key(
        None,
        &key.kid,
        &key.pem,
        &format!("hub worker key ({})", cfg.name),
    )
    .await?;
    std::fs::create_dir_all(&cfg.work_dir)?;
    tracing::info!(worker = %cfg.name, kid = %key.kid, "worker started");
    loop {
        if *shutdown.borrow() {
            return Ok(());
        }
        recover(&db, &cfg).await?;
        match db.claim_run(&cfg.name, lease_ms(&cfg)).await? {
            Some(run) => execute_claimed(&db, &cfg, &key, run).await?,
            None if cfg.drain_and_exit => {
                if !db.has_unfinished_runs().await? {
                    return Ok(());
                }
                tokio::time::sleep(cfg.poll).await;
            }
            None => {
                tokio::select! {
                    _ = tokio::time::sleep(cfg.poll) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
    }
}

fn lease_ms(cfg: &WorkerConfig) -> i64 {
    i64::try_from(cfg.lease.as_millis()).unwrap_or(30_000)
}

/// Takes back runs whose worker stopped heartbeating.
pub async fn recover(db: &Db, cfg: &WorkerConfig) -> HubResult<()> {
    for orphan in db.recover_expired().await? {
        recover_one(db, cfg, &orphan).await?;
    }
    Ok(())
}

async fn recover_one(db: &Db, cfg: &WorkerConfig, orphan: &Orphan) -> HubResult<()> {
    let lost = orphan.worker.clone().unwrap_or_else(|| "unknown".into());
    let next = if orphan.state == "queued" {
        "requeued"
    } else {
        "no attempts left: interrupted"
    };
    tracing::warn!(run = orphan.id, attempt = orphan.attempt, worker = %lost, "lease expired; {next}");
    db.record_attempt(&RunAttempt {
        id: 0,
        run_id: orphan.id,
        attempt: orphan.attempt,
        worker: lost.clone(),
        started_at: orphan.started_at,
        ended_at: now_ms(),
        result: "interrupted".into(),
        detail: format!("worker {lost} stopped heartbeating before the run ended; {next}"),
        bundle_digest: None,
    })
    .await?;
    // When the lost attempt's folder is on this machine, finalize its journal: what had
    // completed before the worker died is kept as an INCOMPLETE bundle of that attempt.
    let out_dir = attempt_dir(&cfg.work_dir, orphan.id, orphan.attempt);
    if let Some(run_dir) = run_exec::find_run_dir(&out_dir) {
        if !run_dir.join("evidence.json").is_file()
            && let Err(e) = run_exec::finalize(&cfg.exe, &run_dir, &cfg.sign_key).await
        {
            tracing::warn!(run = orphan.id, "could not finalize the lost attempt: {e}");
        }
        if run_dir.join("evidence.json").is_file() {
            let bytes = archive::pack_dir(&run_dir, "")?;
            let digest = archive::sha256_hex(&bytes);
            db.put_blob(&digest, &bytes).await?;
            db.attach_attempt_bundle(orphan.id, orphan.attempt, &digest)
                .await?;
        }
    }
    Ok(())
}

pub fn attempt_dir(work_dir: &Path, run_id: i64, attempt: i64) -> PathBuf {
    work_dir.join(format!("run-{run_id}-a{attempt}"))
}

async fn execute_claimed(db: &Db, cfg: &WorkerConfig, key: &PublicKey, run: Run) -> HubResult<()> {
    let started = now_ms();
    let heartbeat = spawn_heartbeat(db.clone(), run.id, cfg.name.clone(), cfg.lease);
    let outcome = run_one(db, cfg, key, &run).await;
    heartbeat.abort();
    let (result, detail, attempt_bundle) = match outcome {
        Ok((result, execution)) => {
            let detail = describe(&execution, cfg.run_timeout);
            let bundle = result.bundle_digest.clone();
            (result, detail, bundle)
        }
        Err(message) => (
            RunResult {
                state: "error".into(),
                reason: Some(message.clone()),
                complete: false,
                ..Default::default()
            },
            message,
            None,
        ),
    };
    db.record_attempt(&RunAttempt {
        id: 0,
        run_id: run.id,
        attempt: run.attempt,
        worker: cfg.name.clone(),
        started_at: Some(started),
        ended_at: now_ms(),
        result: result.state.clone(),
        detail,
        bundle_digest: attempt_bundle,
    })
    .await?;
    if !db.finish_run(run.id, Some(&cfg.name), &result).await? {
        tracing::warn!(
            run = run.id,
            "the run was taken back while it ran; its result is kept as an attempt only"
        );
    }
    Ok(())
}

fn spawn_heartbeat(
    db: Db,
    run_id: i64,
    worker: String,
    lease: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let every = lease / 3;
        let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(30_000);
        loop {
            tokio::time::sleep(every).await;
            match db.heartbeat(run_id, &worker, lease_ms).await {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => tracing::warn!(run = run_id, "heartbeat failed: {e}"),
            }
        }
    })
}

fn describe(execution: &Execution, timeout: Duration) -> String {
    match (execution.exit_code, execution.timed_out) {
        (_, true) => format!(
            "timed out after {} s and was stopped{}",
            timeout.as_secs(),
            if execution.bundle_dir.is_some() {
                "; the bundle was finalized from its journal (INCOMPLETE)"
            } else {
                ""
            }
        ),
        (Some(code), _) => format!("samsvar run exited {code}"),
        (None, _) => "samsvar run was ended by a signal".into(),
    }
}

async fn run_one(
    db: &Db,
    cfg: &WorkerConfig,
    key: &PublicKey,
    run: &Run,
) -> Result<(RunResult, Execution), String> {
    let suite = db.suite(run.suite_ref).await.map_err(|e| e.to_string())?;
    let suite_dir = unpack_suite(db, &cfg.work_dir, &suite.archive_digest).await?;
    let targets: BTreeMap<String, String> = serde_json::from_str(&run.targets)
        .map_err(|e| format!("the run's targets are unreadable: {e}"))?;
    let sim_defects: Vec<String> = serde_json::from_str(&run.sim_defects).unwrap_or_default();
    let config = cfg
        .secrets_dir
        .as_ref()
        .map(|d| d.join(format!("{}.toml", run.system_id)))
        .filter(|p| p.is_file());
    let out_dir = attempt_dir(&cfg.work_dir, run.id, run.attempt);
    let _ = std::fs::remove_dir_all(&out_dir);
    let spec = RunSpec {
        suite_dir,
        targets,
        sim_defects,
        out_dir: out_dir.clone(),
        sign_key: cfg.sign_key.clone(),
        config,
        timeout: cfg.run_timeout,
    };
    let execution = run_exec::execute(&cfg.exe, &spec).await?;
    let mut result = RunResult {
        state: match (execution.exit_code, execution.timed_out) {
            (Some(0), false) => "passed",
            (Some(1), false) => "failed",
            _ => "error",
        }
        .into(),
        exit_code: execution.exit_code.map(i64::from),
        complete: !execution.timed_out,
        ..Default::default()
    };
    if execution.timed_out {
        result.reason = Some(describe(&execution, cfg.run_timeout));
    } else if execution.exit_code != Some(0) && execution.exit_code != Some(1) {
        result.reason = Some(format!(
            "samsvar could not run the suite: {}",
            execution.stderr_tail
        ));
    }
    if let Some(bundle) = &execution.bundle_dir {
        let verdict =
            evidence_adapter::verify_with_keys(bundle, std::slice::from_ref(key), "the worker's");
        if !verdict.accepted {
            return Err(format!(
                "the run's own bundle does not verify: {}",
                verdict.reason
            ));
        }
        store_bundle(db, bundle, &verdict, &mut result).await?;
    }
    // Only what the child wrote into the bundle is kept; the working folder goes.
    if !execution.timed_out {
        let _ = std::fs::remove_dir_all(&out_dir);
    }
    Ok((result, execution))
}

/// Stores a verified bundle folder and fills the result from its summary.
pub async fn store_bundle(
    db: &Db,
    bundle: &Path,
    verdict: &evidence_adapter::PolicyVerdict,
    result: &mut RunResult,
) -> Result<(), String> {
    let summary = evidence_adapter::summarize(bundle)?;
    let bytes =
        archive::pack_dir(bundle, "").map_err(|e| format!("failed to pack the bundle: {e}"))?;
    let digest = archive::sha256_hex(&bytes);
    db.put_blob(&digest, &bytes)
        .await
        .map_err(|e| e.to_string())?;
    result.bundle_digest = Some(digest);
    result.evidence_run_id = Some(summary.run_id.clone());
    result.outcome = Some(summary.outcome.clone());
    result.signer_kid = verdict.kid.clone();
    result.simulated = summary.simulated;
    result.complete = result.complete && summary.complete;
    result.requirements = summary
        .requirements
        .iter()
        .map(|r| (r.id.clone(), r.outcome.clone()))
        .collect();
    result.summary = Some(serde_json::to_string(&summary).map_err(|e| e.to_string())?);
    Ok(())
}

/// The suite snapshot unpacked once per digest under `work/suites/`.
async fn unpack_suite(db: &Db, work_dir: &Path, digest: &str) -> Result<PathBuf, String> {
    let dir = work_dir.join("suites").join(digest);
    if dir.is_dir() {
        return Ok(dir);
    }
    let bytes = db
        .blob(digest)
        .await
        .map_err(|e| format!("suite snapshot {digest}: {e}"))?;
    let parent = work_dir.join("suites");
    std::fs::create_dir_all(&parent).map_err(|e| e.to_string())?;
    let staging = tempfile::tempdir_in(&parent).map_err(|e| e.to_string())?;
    archive::unpack(&bytes, staging.path(), 256 << 20).map_err(|e| e.to_string())?;
    let staged = staging.keep();
    match std::fs::rename(&staged, &dir) {
        Ok(()) => Ok(dir),
        // Another worker on this machine unpacked the same snapshot first.
        Err(_) if dir.is_dir() => {
            let _ = std::fs::remove_dir_all(&staged);
            Ok(dir)
        }
        Err(e) => Err(format!("failed to place the suite snapshot: {e}")),
    }
}
