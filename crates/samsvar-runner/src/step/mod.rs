//! Executes one step. Each kind of action has its own module (`http`, `xds`, `tls`);
//! all of them check assertions and captures through [`crate::check`].

mod http;
mod tls;
mod xds;

use crate::clock::millis;
use crate::context::RunContext;
use crate::vars::Scope;
use samsvar_record::{AssertionRecord, Outcome, StepRecord};
use samsvar_suite::model::{Action, Step, Suite};
use std::time::Instant;

/// Whether a step belongs to a test (or setup) or is teardown cleanup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Check,
    /// Teardown: a step whose variables were never captured is skipped, not errored.
    Cleanup,
}

/// A step being executed: its record so far and when it started.
pub struct Running {
    pub record: StepRecord,
    started: Instant,
}

impl Running {
    /// The step ends with `outcome` (and the error that stopped it, redacted and bounded).
    pub fn finish(
        mut self,
        ctx: &RunContext<'_>,
        outcome: Outcome,
        error: Option<String>,
    ) -> StepRecord {
        self.record.outcome = outcome;
        self.record.error = error.map(|e| ctx.shown(&e));
        self.record.duration_ms = millis(self.started.elapsed());
        self.record
    }

    /// The same step, from its start, with nothing recorded yet: the next attempt of a
    /// step with `retry:` (its duration still counts from the first).
    pub fn again(&self) -> Running {
        Running {
            record: StepRecord {
                outcome: Outcome::Pass,
                error: None,
                exchange: None,
                captures: Vec::new(),
                assertions: Vec::new(),
                ..self.record.clone()
            },
            started: self.started,
        }
    }

    /// The step ends with the worst outcome of its assertions.
    pub fn checked(self, ctx: &RunContext<'_>) -> StepRecord {
        let outcome = worst(&self.record.assertions);
        self.finish(ctx, outcome, None)
    }
}

/// Runs `step`; its captures are added to `scope` for later steps and dependents.
pub async fn run_step(
    ctx: &RunContext<'_>,
    suite: &Suite,
    step: &Step,
    index: usize,
    scope: &mut Scope,
    kind: StepKind,
) -> StepRecord {
    let running = Running {
        record: StepRecord {
            index,
            name: step.name.clone(),
            location: ctx.line_location(step.span),
            outcome: Outcome::Pass,
            error: None,
            duration_ms: 0,
            exchange: None,
            captures: Vec::new(),
            assertions: Vec::new(),
            retry: None,
        },
        started: Instant::now(),
    };
    match &step.action {
        Action::Http(http) => http::run(ctx, suite, step, http, running, scope, kind).await,
        Action::Xds(action) => xds::run(ctx, suite, step, action, running, scope).await,
        Action::Tls(probe) => tls::run(ctx, step, probe, running, scope).await,
    }
}

/// The worst outcome among a step's assertions (pass when there are none).
pub fn worst(assertions: &[AssertionRecord]) -> Outcome {
    Outcome::worst(assertions.iter().map(|a| a.outcome))
}
