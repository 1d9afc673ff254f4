//! Runs one test's steps in order, stopping at the first step that does not pass.

use crate::clock::{millis, now_rfc3339};
use crate::context::RunContext;
use crate::step::{StepKind, run_step};
use crate::vars::Scope;
use samsvar_record::{Event, Outcome, StepOwner, first_problem};
use samsvar_suite::model::{Suite, Test};
use std::time::Instant;

/// Runs the test; returns its id, outcome and the scope it ended with (its captures are
/// visible to the tests that need it).
pub async fn run_test(
    ctx: &RunContext<'_>,
    suite: &Suite,
    test: &Test,
    mut scope: Scope,
) -> (String, Outcome, Scope) {
    let suite_id = suite.meta.id.value.clone();
    let test_id = test.id.value.clone();
    ctx.emit(Event::TestStarted {
        suite_id: suite_id.clone(),
        test_id: test_id.clone(),
        started_at: now_rfc3339(),
    });
    let started = Instant::now();
    let mut outcome = Outcome::Pass;
    let mut reason = None;
    for (index, step) in test.steps.iter().enumerate() {
        let record = run_step(ctx, suite, step, index, &mut scope, StepKind::Check).await;
        outcome = outcome.max(record.outcome);
        let stop = record.outcome.is_failure();
        if stop {
            reason = first_problem(std::slice::from_ref(&record));
        }
        ctx.emit(Event::StepFinished {
            suite_id: suite_id.clone(),
            owner: StepOwner::Test(test_id.clone()),
            step: Box::new(record),
        });
        if stop {
            break;
        }
    }
    ctx.emit(Event::TestFinished {
        suite_id,
        test_id: test_id.clone(),
        outcome,
        reason,
        duration_ms: millis(started.elapsed()),
    });
    (test_id, outcome, scope)
}

/// A test that does not run (skipped because of its needs, or errored because setup
/// failed), with the reason.
pub fn not_run(ctx: &RunContext<'_>, suite: &Suite, test: &Test, outcome: Outcome, reason: String) {
    ctx.emit(Event::TestFinished {
        suite_id: suite.meta.id.value.clone(),
        test_id: test.id.value.clone(),
        outcome,
        reason: Some(reason),
        duration_ms: 0,
    });
}
