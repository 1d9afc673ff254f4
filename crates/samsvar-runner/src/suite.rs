//! Runs one suite: setup, then its tests concurrently as their `needs` allow, then
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

    let setup_problem = run_steps(ctx, suite, &suite.setup, &mut base, StepKind::Check).await;
    let mut scopes: HashMap<String, Scope> = HashMap::new();
    match setup_problem {
        Some(problem) => {
            let reason = format!("setup failed: {problem}");
            for t in &tests {
                not_run(ctx, suite, t, Outcome::Error, reason.clone());
            }
        }
        None => schedule(ctx, suite, &tests, &base, &mut scopes).await,
    }

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

fn readiness(test: &Test, known: &[&str], finished: &HashMap<String, Outcome>) -> Readiness {
    let mut waiting = false;
    for need in &test.needs {
        let id = need.value.as_str();
        match finished.get(id) {
            Some(Outcome::Pass) => {}
            Some(outcome) => {
                let why = match outcome {
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
    tests: &[&Test],
    base: &Scope,
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
                    running.push(run_test(ctx, suite, t, scope));
                    pending.remove(i);
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
