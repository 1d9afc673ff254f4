//! Runs one suite: setup, then its tests concurrently as their `needs` allow, then
//! teardown.

use crate::Outcome;
use crate::context::RunContext;
use crate::event::Event;
use crate::plan::{PlannedTest, ehds_record, group_record, plan};
use crate::record::{FileDigest, StepRecord, SuiteRecord, TestRecord};
use crate::step::{StepKind, run_step};
use crate::test_exec::{first_problem, not_run, run_test};
use crate::vars::Scope;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use samsvar_suite::model::{Step, Suite};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

pub async fn run_suite(ctx: &RunContext<'_>, suite: &Suite, mut base: Scope) -> SuiteRecord {
    let suite_id = suite.meta.id.value.clone();
    let planned = plan(suite);
    ctx.emit(Event::SuiteStarted {
        suite_id: suite_id.clone(),
        title: suite.meta.title.clone(),
        tests: planned.len(),
    });

    let setup = run_steps(ctx, suite, &suite.setup, &mut base, StepKind::Check).await;
    let setup_problem = first_problem(&setup).map(|p| format!("setup failed: {p}"));

    let mut finished: HashMap<String, TestRecord> = HashMap::new();
    let mut scopes: HashMap<String, Scope> = HashMap::new();
    match setup_problem {
        Some(reason) => {
            for p in &planned {
                let r = not_run(ctx, suite, p, Outcome::Error, reason.clone());
                finished.insert(r.id.clone(), r);
            }
        }
        None => schedule(ctx, suite, &planned, &base, &mut finished, &mut scopes).await,
    }

    // Teardown sees every capture, so it can clean up what tests created.
    let mut teardown_scope = base.clone();
    for p in &planned {
        if let Some(s) = scopes.get(&p.test.id.value) {
            teardown_scope.merge_from(s);
        }
    }
    let teardown = run_steps(
        ctx,
        suite,
        &suite.teardown,
        &mut teardown_scope,
        StepKind::Cleanup,
    )
    .await;

    let root = group_record(&suite.root, &mut finished);
    let outcome = setup
        .iter()
        .chain(&teardown)
        .map(|s| s.outcome)
        .chain([root.outcome])
        .max()
        .unwrap_or(Outcome::Pass);
    let record = SuiteRecord {
        id: suite_id,
        version: suite.meta.version.clone(),
        title: suite.meta.title.clone(),
        path: suite.path.display().to_string(),
        sha256: file_sha256(&suite.path),
        fixtures: suite
            .fixtures
            .iter()
            .map(|f| FileDigest {
                path: f
                    .strip_prefix(&suite.base_dir)
                    .unwrap_or(f)
                    .display()
                    .to_string(),
                sha256: file_sha256(f),
            })
            .collect(),
        ehds: suite.meta.ehds.as_ref().map(ehds_record),
        verifies: suite
            .meta
            .verifies
            .iter()
            .map(|v| v.value.clone())
            .collect(),
        setup,
        teardown,
        root,
        outcome,
    };
    ctx.emit(Event::SuiteFinished {
        suite: record.clone(),
    });
    record
}

/// Setup or teardown steps, in order; each is emitted with no test id.
async fn run_steps(
    ctx: &RunContext<'_>,
    suite: &Suite,
    steps: &[Step],
    scope: &mut Scope,
    kind: StepKind,
) -> Vec<StepRecord> {
    let mut out = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let r = run_step(ctx, suite, step, i, scope, kind).await;
        ctx.emit(Event::StepFinished {
            suite_id: suite.meta.id.value.clone(),
            test_id: None,
            step: r.clone(),
        });
        // Setup stops at its first problem (later steps build on earlier ones);
        // teardown always tries every step.
        let stop = kind == StepKind::Check && r.outcome.is_failure();
        out.push(r);
        if stop {
            break;
        }
    }
    out
}

enum Readiness {
    Ready,
    Waiting,
    /// Will never run: the reason it is skipped.
    Blocked(String),
}

fn readiness(
    planned: &PlannedTest<'_>,
    known: &[&str],
    finished: &HashMap<String, TestRecord>,
) -> Readiness {
    let mut waiting = false;
    for need in &planned.test.needs {
        let id = need.value.as_str();
        match finished.get(id) {
            Some(r) if r.outcome == Outcome::Pass => {}
            Some(r) => {
                let why = match r.outcome {
                    Outcome::Fail => "which failed",
                    Outcome::Error => "which errored",
                    _ => "which was skipped",
                };
                return Readiness::Blocked(format!("needs `{id}`, {why}"));
            }
            None if !known.contains(&id) => {
                return Readiness::Blocked(format!(
                    "needs `{id}`, which is not a test of this suite"
                ));
            }
            None => waiting = true,
        }
    }
    if waiting {
        Readiness::Waiting
    } else {
        Readiness::Ready
    }
}

/// Runs the tests concurrently (at most `jobs` at once); a test starts only once every
/// test it needs has passed.
async fn schedule(
    ctx: &RunContext<'_>,
    suite: &Suite,
    planned: &[PlannedTest<'_>],
    base: &Scope,
    finished: &mut HashMap<String, TestRecord>,
    scopes: &mut HashMap<String, Scope>,
) {
    let jobs = ctx.options.jobs.max(1);
    let known: Vec<&str> = planned.iter().map(|p| p.test.id.value.as_str()).collect();
    let mut pending: Vec<usize> = (0..planned.len()).collect();
    let mut running = FuturesUnordered::new();
    loop {
        let mut i = 0;
        while i < pending.len() {
            let p = &planned[pending[i]];
            match readiness(p, &known, finished) {
                Readiness::Ready if running.len() < jobs => {
                    let mut scope = base.clone();
                    for need in &p.test.needs {
                        if let Some(s) = scopes.get(&need.value) {
                            scope.merge_from(s);
                        }
                    }
                    running.push(run_test(ctx, suite, p, scope));
                    pending.remove(i);
                }
                Readiness::Blocked(reason) => {
                    let r = not_run(ctx, suite, p, Outcome::Skip, reason);
                    finished.insert(r.id.clone(), r);
                    pending.remove(i);
                    // A skip can block tests already scanned: look again from the start.
                    i = 0;
                }
                _ => i += 1,
            }
        }
        match running.next().await {
            Some((record, scope)) => {
                scopes.insert(record.id.clone(), scope);
                finished.insert(record.id.clone(), record);
            }
            None => {
                // Nothing runs and nothing can start: the rest wait on each other.
                for idx in pending.drain(..) {
                    let p = &planned[idx];
                    let r = not_run(
                        ctx,
                        suite,
                        p,
                        Outcome::Skip,
                        "its needs form a cycle".to_string(),
                    );
                    finished.insert(r.id.clone(), r);
                }
                break;
            }
        }
    }
}

fn file_sha256(path: &std::path::Path) -> String {
    std::fs::read(path)
        .map(|b| hex::encode(Sha256::digest(&b)))
        .unwrap_or_default()
}
