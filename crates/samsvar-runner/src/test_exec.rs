//! Runs one test's steps in order, stopping at the first step that does not pass.

use crate::Outcome;
use crate::context::RunContext;
use crate::event::Event;
use crate::plan::PlannedTest;
use crate::record::{StepRecord, TestRecord};
use crate::step::{StepKind, millis, run_step};
use crate::vars::Scope;
use samsvar_suite::model::Suite;
use std::time::Instant;

/// Runs the test and returns its record and the scope it ended with (its captures are
/// visible to the tests that need it).
pub async fn run_test(
    ctx: &RunContext<'_>,
    suite: &Suite,
    planned: &PlannedTest<'_>,
    mut scope: Scope,
) -> (TestRecord, Scope) {
    let suite_id = suite.meta.id.value.clone();
    let test = planned.test;
    ctx.emit(Event::TestStarted {
        suite_id: suite_id.clone(),
        test_id: test.id.value.clone(),
    });
    let started_at = crate::clock::now_rfc3339();
    let started = Instant::now();
    let mut steps = Vec::new();
    for (index, step) in test.steps.iter().enumerate() {
        let record = run_step(ctx, suite, step, index, &mut scope, StepKind::Check).await;
        ctx.emit(Event::StepFinished {
            suite_id: suite_id.clone(),
            test_id: Some(test.id.value.clone()),
            step: record.clone(),
        });
        let stop = record.outcome.is_failure();
        steps.push(record);
        if stop {
            break;
        }
    }
    let outcome = steps
        .iter()
        .map(|s| s.outcome)
        .max()
        .unwrap_or(Outcome::Pass);
    let mut record = base_record(ctx, planned);
    record.outcome = outcome;
    record.reason = first_problem(&steps);
    record.started_at = Some(started_at);
    record.duration_ms = millis(started.elapsed());
    record.steps = steps;
    ctx.emit(Event::TestFinished {
        suite_id,
        test: record.clone(),
    });
    (record, scope)
}

/// Records a test that did not run (skipped because of its needs, or errored because
/// setup failed) and emits it.
pub fn not_run(
    ctx: &RunContext<'_>,
    suite: &Suite,
    planned: &PlannedTest<'_>,
    outcome: Outcome,
    reason: String,
) -> TestRecord {
    let mut record = base_record(ctx, planned);
    record.outcome = outcome;
    record.reason = Some(reason);
    ctx.emit(Event::TestFinished {
        suite_id: suite.meta.id.value.clone(),
        test: record.clone(),
    });
    record
}

fn base_record(ctx: &RunContext<'_>, planned: &PlannedTest<'_>) -> TestRecord {
    let test = planned.test;
    TestRecord {
        id: test.id.value.clone(),
        title: test.title.clone(),
        optional: test.optional,
        verifies: planned.verifies.clone(),
        ehds: planned.ehds.clone(),
        outcome: Outcome::Pass,
        reason: None,
        location: ctx.line_location(test.id.span),
        started_at: None,
        duration_ms: 0,
        steps: Vec::new(),
    }
}

/// One line saying why a list of steps did not pass, or `None` when they did.
pub fn first_problem(steps: &[StepRecord]) -> Option<String> {
    let step = steps.iter().find(|s| s.outcome.is_failure())?;
    if let Some(e) = &step.error {
        return Some(format!("step {} ({}): {e}", step.index + 1, step.location));
    }
    let a = step.assertions.iter().find(|a| a.outcome.is_failure())?;
    let mut line = a.description.clone();
    match (&a.expected, &a.actual) {
        (Some(e), Some(got)) => line.push_str(&format!(": expected {e}, got {got}")),
        (_, _) => {
            if let Some(m) = &a.message {
                line.push_str(&format!(": {m}"));
            }
        }
    }
    line.push_str(&format!(" ({})", a.location));
    Some(line)
}
