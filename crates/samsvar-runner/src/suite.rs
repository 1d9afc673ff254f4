//! Runs one suite: setup, then its tests concurrently as their `needs` allow (ordering,
//! and skipping only the tests whose captures are missing), then
//! teardown. Results go out as events; the fold makes the suite's record of them.

use crate::context::RunContext;
use crate::step::{StepKind, run_step};
use crate::test::{not_run, run_test};
use crate::vars::Scope;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use samsvar_record::{Event, Outcome, StepOwner, first_problem};
use samsvar_suite::model::{Step, Suite, Test};
use std::collections::HashMap;

pub async fn run_suite(ctx: &RunContext<'_>, suite: &Suite, mut base: Scope) {
    let suite_id = suite.meta.id.value.clone();
    let tests = crate::plan::tests(suite);
    ctx.emit(Event::SuiteStarted {
        suite_id: suite_id.clone(),
    });

    // A failed setup is its own finding (the suite fails with it); the tests that need
    // nothing it failed to capture still run, the others are skipped naming the capture.
    let setup_problem = run_steps(ctx, suite, &suite.setup, &mut base, StepKind::Check).await;
    let mut scopes: HashMap<String, Scope> = HashMap::new();
    schedule(
        ctx,
        suite,
        &tests,
        &base,
        setup_problem.is_some(),
        &mut scopes,
    )
    .await;

    // Teardown sees every capture, so it can clean up what tests created.
    let mut teardown_scope = base;
    for t in &tests {
        if let Some(s) = scopes.get(&t.id.value) {
            teardown_scope.merge_from(s);
        }
    }
    run_steps(
        ctx,
        suite,
        &suite.teardown,
        &mut teardown_scope,
        StepKind::Cleanup,
    )
    .await;
    ctx.emit(Event::SuiteFinished { suite_id });
}

/// Setup or teardown steps, in order. Returns the first problem, in one line.
async fn run_steps(
    ctx: &RunContext<'_>,
    suite: &Suite,
    steps: &[Step],
    scope: &mut Scope,
    kind: StepKind,
) -> Option<String> {
    let owner = match kind {
        StepKind::Check => StepOwner::Setup,
        StepKind::Cleanup => StepOwner::Teardown,
    };
    let mut problem = None;
    for (i, step) in steps.iter().enumerate() {
        let record = run_step(ctx, suite, step, i, scope, kind).await;
        let failed = record.outcome.is_failure();
        if failed && problem.is_none() {
            problem = first_problem(std::slice::from_ref(&record));
        }
        ctx.emit(Event::StepFinished {
            suite_id: suite.meta.id.value.clone(),
            owner: owner.clone(),
            step: Box::new(record),
        });
        // Setup stops at its first problem (later steps build on earlier ones);
        // teardown always tries every step.
        if kind == StepKind::Check && failed {
            break;
        }
    }
    problem
}

enum Readiness {
    Ready,
    Waiting,
    /// Will never run: the reason it is skipped.
    Blocked(String),
}

/// A test is ready once every test it needs has finished, whatever their outcome: a
/// failure in one test is one finding, not a reason to skip the tests after it.
fn readiness(test: &Test, known: &[&str], finished: &HashMap<String, Outcome>) -> Readiness {
    let mut waiting = false;
    for need in &test.needs {
        let id = need.value.as_str();
        if finished.contains_key(id) {
            continue;
        }
        if !known.contains(&id) {
            return Readiness::Blocked(format!("needs `{id}`, which is not a test of this suite"));
        }
        waiting = true;
    }
    if waiting {
        Readiness::Waiting
    } else {
        Readiness::Ready
    }
}

/// Why a ready test cannot run: the variables it uses that no one captured, each named
/// with the test (or setup) that should have captured it and how that ended.
fn missing_captures(
    ctx: &RunContext<'_>,
    suite: &Suite,
    test: &Test,
    scope: &Scope,
    finished: &HashMap<String, Outcome>,
    setup_failed: bool,
) -> Option<String> {
    let tests = crate::plan::tests(suite);
    let missing: Vec<String> = samsvar_suite::outside_variables(test, ctx.sources)
        .into_iter()
        .filter(|name| !scope.has(name))
        .map(|name| {
            let by_test = tests.iter().find(|t| {
                t.steps
                    .iter()
                    .flat_map(|s| &s.captures)
                    .any(|c| c.name.value == name)
            });
            let by_setup = suite
                .setup
                .iter()
                .flat_map(|s| &s.captures)
                .any(|c| c.name.value == name);
            let why = scope.why_uncaptured(&name).map(|w| format!(": {w}"));
            match (by_test, by_setup) {
                (Some(t), _) => {
                    let how = match finished.get(&t.id.value) {
                        Some(o) => format!("which ended `{o}`"),
                        None => "which did not run".to_string(),
                    };
                    format!(
                        "capture `{name}` of test `{}` ({how}) was not taken{}",
                        t.id.value,
                        why.unwrap_or_default()
                    )
                }
                (None, true) => format!(
                    "capture `{name}` of setup was not taken{}",
                    why.unwrap_or_else(|| if setup_failed {
                        " (setup failed before it)".to_string()
                    } else {
                        String::new()
                    })
                ),
                (None, false) if suite.targets.get(&name).is_some_and(|t| t.optional) => format!(
                    "optional target `{name}` is not bound (bind it with `--target {name}=URL` to run this test)"
                ),
                (None, false) if suite.inputs.get(&name).is_some_and(|i| i.optional) => format!(
                    "optional input `{name}` has no value (give it with `-i {name}=VALUE` to run this test)"
                ),
                (None, false) => format!("variable `{name}` has no value"),
            }
        })
        .collect();
    (!missing.is_empty()).then(|| format!("skipped: {}", missing.join("; ")))
}

/// Runs the tests concurrently (at most `jobs` at once); a test starts once every test
/// it needs has finished, and is skipped only when a capture it uses was not taken.
async fn schedule(
    ctx: &RunContext<'_>,
    suite: &Suite,
    tests: &[&Test],
    base: &Scope,
    setup_failed: bool,
    scopes: &mut HashMap<String, Scope>,
) {
    let jobs = ctx.options.jobs.max(1);
    let known: Vec<&str> = tests.iter().map(|t| t.id.value.as_str()).collect();
    let mut finished: HashMap<String, Outcome> = HashMap::new();
    let mut pending: Vec<&Test> = tests.to_vec();
    let mut running = FuturesUnordered::new();
    loop {
        let mut i = 0;
        while i < pending.len() {
            let t = pending[i];
            match readiness(t, &known, &finished) {
                Readiness::Ready if running.len() < jobs => {
                    let mut scope = base.clone();
                    for need in &t.needs {
                        if let Some(s) = scopes.get(&need.value) {
                            scope.merge_from(s);
                        }
                    }
                    pending.remove(i);
                    match missing_captures(ctx, suite, t, &scope, &finished, setup_failed) {
                        None => running.push(run_test(ctx, suite, t, scope)),
                        Some(reason) => {
                            not_run(ctx, suite, t, Outcome::Skip, reason);
                            finished.insert(t.id.value.clone(), Outcome::Skip);
                            // A skip can make tests already scanned ready: look again.
                            i = 0;
                        }
                    }
                }
                Readiness::Blocked(reason) => {
                    not_run(ctx, suite, t, Outcome::Skip, reason);
                    finished.insert(t.id.value.clone(), Outcome::Skip);
                    pending.remove(i);
                    // A skip can block tests already scanned: look again from the start.
                    i = 0;
                }
                _ => i += 1,
            }
        }
        match running.next().await {
            Some((id, outcome, scope)) => {
                scopes.insert(id.clone(), scope);
                finished.insert(id, outcome);
            }
            None => {
                // Nothing runs and nothing can start: the rest wait on each other.
                for t in pending.drain(..) {
                    not_run(
                        ctx,
                        suite,
                        t,
                        Outcome::Skip,
                        "its needs form a cycle".to_string(),
                    );
                }
                break;
            }
        }
    }
}
