//! Events the runner emits while it works. The runner never prints: reporters
//! (terminal, JSON, JUnit) and the evidence journal subscribe to these.

use crate::Outcome;
use crate::record::{RunRecord, StepRecord, SuiteRecord, TargetRecord, TestRecord};

#[derive(Debug, Clone)]
pub enum Event {
    RunStarted {
        run_id: String,
        started_at: String,
        targets: Vec<TargetRecord>,
        /// Number of tests across all suites (for progress bars).
        total_tests: usize,
    },
    SuiteStarted {
        suite_id: String,
        title: String,
        tests: usize,
    },
    TestStarted {
        suite_id: String,
        test_id: String,
    },
    /// A step of a test (or of setup/teardown, with `test_id` `None`) finished.
    StepFinished {
        suite_id: String,
        test_id: Option<String>,
        step: StepRecord,
    },
    /// A test finished (or was skipped without starting), with all its steps.
    TestFinished {
        suite_id: String,
        test: TestRecord,
    },
    SuiteFinished {
        suite: SuiteRecord,
    },
    RunFinished {
        record: RunRecord,
    },
}

impl Event {
    /// The outcome carried by a finishing event, if any.
    pub fn outcome(&self) -> Option<Outcome> {
        match self {
            Event::StepFinished { step, .. } => Some(step.outcome),
            Event::TestFinished { test, .. } => Some(test.outcome),
            Event::SuiteFinished { suite } => Some(suite.outcome),
            Event::RunFinished { record } => Some(record.outcome),
            _ => None,
        }
    }
}
