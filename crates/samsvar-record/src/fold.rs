//! The one fold `events → RunRecord`. The runner builds its record with it while it
//! runs, and journal recovery replays the journal's events through it after a crash.
//!
//! Roll-up rules, written once here: a test's outcome is the one its `TestFinished`
//! event gives; a group's is the worst of its *required* children (optional tests and
//! groups never fail their parent); a suite's is the worst of its setup steps, teardown
//! steps and root group; the run's is the worst of its suites. A run that did not
//! finish is an `error`, and so is every suite that did not finish; tests still open
//! are `interrupted`, planned tests that never started are `not_started`.

use crate::Outcome;
use crate::event::{Event, StepOwner};
use crate::plan::{GroupPlan, PlanItem, SuitePlan, TestPlan};
use crate::record::{
    Completion, GroupRecord, ItemRecord, RECORD_FORMAT_VERSION, ReceivedRecord, RunRecord,
    Selection, StepRecord, SuiteRecord, Summary, TargetRecord, TestRecord, ToolInfo,
};
use std::collections::HashMap;

/// Accumulates a run's events; [`Fold::into_record`] gives the run record.
#[derive(Debug, Default)]
pub struct Fold {
    head: Option<Head>,
    suites: Vec<SuiteState>,
    finished: Option<(String, u64)>,
    last_seen: Option<String>,
    received: Vec<ReceivedRecord>,
}

#[derive(Debug)]
struct Head {
    run_id: String,
    started_at: String,
    tool: ToolInfo,
    targets: Vec<TargetRecord>,
    selection: Option<Selection>,
}

#[derive(Debug)]
struct SuiteState {
    plan: SuitePlan,
    /// The planned tests by id.
    planned: HashMap<String, TestPlan>,
    setup: Vec<StepRecord>,
    teardown: Vec<StepRecord>,
    tests: HashMap<String, TestState>,
    /// Tests the plan does not know, in the order they first appeared.
    unplanned: Vec<String>,
    finished: bool,
}

#[derive(Debug)]
enum TestState {
    Open {
        started_at: Option<String>,
        steps: Vec<StepRecord>,
    },
    Done(Box<TestRecord>),
}

impl Fold {
    pub fn new() -> Self {
        Self::default()
    }

    /// `true` once `RunStarted` was seen.
    pub fn has_started(&self) -> bool {
        self.head.is_some()
    }

    /// `true` once `RunFinished` was seen: the record will be complete.
    pub fn is_complete(&self) -> bool {
        self.finished.is_some()
    }

    /// Notes when the run was last seen alive (a journal line's time): the finish time
    /// of a record of a run that never finished.
    pub fn seen_at(&mut self, at: &str) {
        self.last_seen = Some(at.to_string());
    }

    pub fn apply(&mut self, event: Event) {
        match event {
            Event::RunStarted {
                run_id,
                started_at,
                tool,
                targets,
                plan,
                selection,
            } => {
                self.head = Some(Head {
                    run_id,
                    started_at,
                    tool,
                    targets,
                    selection,
                });
                for p in plan {
                    match self.suites.iter_mut().find(|s| s.plan.id == p.id) {
                        Some(s) => s.replan(p),
                        None => self.suites.push(SuiteState::new(p)),
                    }
                }
            }
            Event::SuiteStarted { suite_id } => {
                self.suite(&suite_id);
            }
            Event::TestStarted {
                suite_id,
                test_id,
                started_at,
            } => {
                let suite = self.suite(&suite_id);
                suite.note(&test_id);
                suite.tests.insert(
                    test_id,
                    TestState::Open {
                        started_at: Some(started_at),
                        steps: Vec::new(),
                    },
                );
            }
            Event::StepFinished {
                suite_id,
                owner,
                step,
            } => {
                let suite = self.suite(&suite_id);
                match owner {
                    StepOwner::Setup => suite.setup.push(*step),
                    StepOwner::Teardown => suite.teardown.push(*step),
                    StepOwner::Test(test_id) => {
                        suite.note(&test_id);
                        let state = suite.tests.entry(test_id).or_insert(TestState::Open {
                            started_at: None,
                            steps: Vec::new(),
                        });
                        if let TestState::Open { steps, .. } = state {
                            steps.push(*step);
                        }
                    }
                }
            }
            Event::TestFinished {
                suite_id,
                test_id,
                outcome,
                reason,
                duration_ms,
            } => {
                let suite = self.suite(&suite_id);
                suite.note(&test_id);
                let (started_at, steps) = match suite.tests.remove(&test_id) {
                    Some(TestState::Open { started_at, steps }) => (started_at, steps),
                    Some(TestState::Done(t)) => (t.started_at, t.steps),
                    None => (None, Vec::new()),
                };
                let mut record = suite.test_base(&test_id, steps.first());
                record.outcome = outcome;
                record.reason = reason;
                record.started_at = started_at;
                record.duration_ms = duration_ms;
                record.steps = steps;
                suite
                    .tests
                    .insert(test_id, TestState::Done(Box::new(record)));
            }
            Event::SuiteFinished { suite_id } => {
                self.suite(&suite_id).finished = true;
            }
            Event::RunFinished {
                finished_at,
                duration_ms,
            } => self.finished = Some((finished_at, duration_ms)),
            Event::MessageReceived { message } => self.received.push(*message),
        }
    }

    /// The suite with `id`, added (with a plan of its id only) when the plan lacked it.
    fn suite(&mut self, id: &str) -> &mut SuiteState {
        let index = match self.suites.iter().position(|s| s.plan.id == id) {
            Some(i) => i,
            None => {
                self.suites.push(SuiteState::new(unplanned_suite(id)));
                self.suites.len() - 1
            }
        };
        &mut self.suites[index]
    }

    /// The run record. Complete when `RunFinished` was applied; otherwise the record of
    /// an interrupted run (see the module docs). `duration_ms` of an interrupted run is 0:
    /// only the caller can measure the time between its start and `seen_at`.
    pub fn into_record(self) -> RunRecord {
        let complete = self.finished.is_some();
        let suites: Vec<SuiteRecord> = self
            .suites
            .into_iter()
            .map(SuiteState::into_record)
            .collect();
        let summary = Summary::of(
            suites
                .iter()
                .flat_map(|s| s.tests().map(|e| e.test.outcome)),
        );
        let head = self.head.unwrap_or_else(|| Head {
            run_id: String::new(),
            started_at: String::new(),
            tool: ToolInfo {
                name: "samsvar".into(),
                version: "unknown".into(),
            },
            targets: Vec::new(),
            selection: None,
        });
        let outcome = if complete {
            Outcome::worst(suites.iter().map(|s| s.outcome))
        } else {
            Outcome::Error
        };
        let (finished_at, duration_ms) = self
            .finished
            .unwrap_or_else(|| (self.last_seen.unwrap_or_else(|| head.started_at.clone()), 0));
        RunRecord {
            format_version: RECORD_FORMAT_VERSION.to_string(),
            run_id: head.run_id,
            tool: head.tool,
            started_at: head.started_at,
            finished_at,
            duration_ms,
            targets: head.targets,
            suites,
            outcome,
            summary,
            selection: head.selection,
            received: self.received,
        }
    }
}

/// A group's outcome: the worst of its required children. The one roll-up.
pub fn roll_up(items: &[ItemRecord]) -> Outcome {
    Outcome::worst(items.iter().filter_map(ItemRecord::required_outcome))
}

fn unplanned_suite(id: &str) -> SuitePlan {
    SuitePlan {
        id: id.to_string(),
        version: String::new(),
        title: String::new(),
        path: String::new(),
        sha256: String::new(),
        fixtures: Vec::new(),
        ehds: None,
        verifies: Vec::new(),
        root: GroupPlan {
            id: id.to_string(),
            title: None,
            optional: false,
            items: Vec::new(),
        },
    }
}

impl SuiteState {
    fn new(plan: SuitePlan) -> Self {
        let planned = plan
            .tests()
            .into_iter()
            .map(|t| (t.id.clone(), t.clone()))
            .collect();
        SuiteState {
            plan,
            planned,
            setup: Vec::new(),
            teardown: Vec::new(),
            tests: HashMap::new(),
            unplanned: Vec::new(),
            finished: false,
        }
    }

    /// Takes the plan of a suite seen before its plan (events out of order).
    fn replan(&mut self, plan: SuitePlan) {
        let fresh = SuiteState::new(plan);
        self.unplanned.retain(|t| !fresh.planned.contains_key(t));
        self.plan = fresh.plan;
        self.planned = fresh.planned;
    }

    /// Remembers a test id the plan does not list.
    fn note(&mut self, test_id: &str) {
        if !self.tests.contains_key(test_id)
            && !self.unplanned.iter().any(|t| t == test_id)
            && !self.planned.contains_key(test_id)
        {
            self.unplanned.push(test_id.to_string());
        }
    }

    /// A test's record before results: from its plan, or (unplanned) from what is known.
    fn test_base(&self, test_id: &str, first_step: Option<&StepRecord>) -> TestRecord {
        let planned = self.planned.get(test_id);
        TestRecord {
            id: test_id.to_string(),
            title: planned.and_then(|p| p.title.clone()),
            optional: planned.is_some_and(|p| p.optional),
            verifies: planned.map_or_else(|| self.plan.verifies.clone(), |p| p.verifies.clone()),
            ehds: planned.and_then(|p| p.ehds.clone()),
            outcome: Outcome::Pass,
            reason: None,
            location: planned.map_or_else(
                || first_step.map(|s| s.location.clone()).unwrap_or_default(),
                |p| p.location.clone(),
            ),
            started_at: None,
            duration_ms: 0,
            completion: Completion::Finished,
            steps: Vec::new(),
        }
    }

    /// The record of a test in a finished or an interrupted suite.
    fn test_record(&mut self, test_id: &str) -> TestRecord {
        match self.tests.remove(test_id) {
            Some(TestState::Done(t)) => *t,
            Some(TestState::Open { started_at, steps }) => {
                let mut t = self.test_base(test_id, steps.first());
                t.outcome = Outcome::Error;
                t.reason = Some(format!(
                    "interrupted: the run stopped before this test finished ({} step(s) had finished)",
                    steps.len()
                ));
                t.started_at = started_at;
                t.duration_ms = steps.iter().map(|s| s.duration_ms).sum();
                t.completion = Completion::Interrupted;
                t.steps = steps;
                t
            }
            None => {
                let mut t = self.test_base(test_id, None);
                t.outcome = Outcome::Skip;
                t.reason = Some("not run: the run stopped before this test started".into());
                t.completion = Completion::NotStarted;
                t
            }
        }
    }

    fn group_record(&mut self, plan: &GroupPlan) -> GroupRecord {
        let items: Vec<ItemRecord> = plan
            .items
            .iter()
            .map(|item| match item {
                PlanItem::Group(g) => ItemRecord::Group(self.group_record(g)),
                PlanItem::Test(t) => ItemRecord::Test(self.test_record(&t.id)),
            })
            .collect();
        GroupRecord {
            id: plan.id.clone(),
            title: plan.title.clone(),
            optional: plan.optional,
            outcome: roll_up(&items),
            items,
        }
    }

    fn into_record(mut self) -> SuiteRecord {
        let root_plan = self.plan.root.clone();
        let mut root = self.group_record(&root_plan);
        for id in std::mem::take(&mut self.unplanned) {
            let t = self.test_record(&id);
            root.items.push(ItemRecord::Test(t));
        }
        root.outcome = roll_up(&root.items);
        let mut outcome = Outcome::worst(
            self.setup
                .iter()
                .chain(&self.teardown)
                .map(|s| s.outcome)
                .chain([root.outcome]),
        );
        if !self.finished {
            outcome = outcome.max(Outcome::Error);
        }
        let p = self.plan;
        SuiteRecord {
            id: p.id,
            version: p.version,
            title: p.title,
            path: p.path,
            sha256: p.sha256,
            fixtures: p.fixtures,
            ehds: p.ehds,
            verifies: p.verifies,
            setup: self.setup,
            teardown: self.teardown,
            root,
            outcome,
        }
    }
}
