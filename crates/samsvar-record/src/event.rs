//! The events a run emits, in order. The runner never prints: reporters, the evidence
//! journal and [`crate::Fold`] (which turns them into the run record) subscribe to them.
//! Events serialize as the journal's lines, so a journal replays through the same fold.

use crate::Outcome;
use crate::plan::SuitePlan;
use crate::record::{Body, ReceivedRecord, Selection, StepRecord, TargetRecord, ToolInfo};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The run begins: what it will do, against which targets.
    RunStarted {
        run_id: String,
        /// RFC 3339 UTC.
        started_at: String,
        tool: ToolInfo,
        targets: Vec<TargetRecord>,
        /// Every suite of the run, in run order, with its tree of groups and tests.
        plan: Vec<SuitePlan>,
        /// The `--test` selection, when the run was limited to some tests.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        selection: Option<Selection>,
    },
    SuiteStarted {
        suite_id: String,
    },
    TestStarted {
        suite_id: String,
        test_id: String,
        started_at: String,
    },
    /// A step of a test, or of a suite's setup or teardown, finished.
    StepFinished {
        suite_id: String,
        owner: StepOwner,
        step: Box<StepRecord>,
    },
    /// A test finished after its steps, or was decided without running (skipped
    /// because of its needs, errored because setup failed).
    TestFinished {
        suite_id: String,
        test_id: String,
        outcome: Outcome,
        /// Why it was skipped or errored, or its first failure, in one line.
        reason: Option<String>,
        duration_ms: u64,
    },
    /// Every test, the setup and the teardown of the suite are done.
    SuiteFinished {
        suite_id: String,
    },
    RunFinished {
        finished_at: String,
        duration_ms: u64,
    },
    /// A service samsvar runs for the run (the audit record repository) received a
    /// message from a system. Not tied to a suite: it arrives whenever the system sends.
    MessageReceived {
        message: Box<ReceivedRecord>,
    },
}

/// What a step belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOwner {
    Setup,
    Test(String),
    Teardown,
}

impl Event {
    /// The suite the event concerns, if any.
    pub fn suite_id(&self) -> Option<&str> {
        match self {
            Event::SuiteStarted { suite_id }
            | Event::TestStarted { suite_id, .. }
            | Event::StepFinished { suite_id, .. }
            | Event::TestFinished { suite_id, .. }
            | Event::SuiteFinished { suite_id } => Some(suite_id),
            Event::RunStarted { .. }
            | Event::RunFinished { .. }
            | Event::MessageReceived { .. } => None,
        }
    }

    /// The message bodies the event carries (a step's exchange, a received message), which
    /// writers store under `exchanges/` before they write the event.
    pub fn bodies(&self) -> Box<dyn Iterator<Item = &Body> + '_> {
        match self {
            Event::StepFinished { step, .. } => Box::new(step.bodies()),
            Event::MessageReceived { message } => Box::new(message.bodies()),
            _ => Box::new(std::iter::empty()),
        }
    }
}
