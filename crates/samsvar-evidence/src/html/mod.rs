//! report.html: one self-contained page (inline CSS, no external fetches) for a
//! human reviewer, rendered with minijinja from the evidence record.

mod exchange;
mod signature;

use crate::error::{EvidenceError, Result};
use crate::model::Evidence;
use exchange::{Assertions, shown_received, shown_step};
use samsvar_record::{Completion, Outcome, StepRecord, TestRecord};
use serde_json::{Value, json};
use std::path::Path;

pub use signature::SignatureInfo;

pub const REPORT_HTML: &str = "report.html";
const TEMPLATE: &str = include_str!("../../templates/report.html");

/// Renders the page. `dir` is the bundle folder, used to read bodies the record no longer holds.
/// `signature` describes the signature the bundle is about to get (the page is covered
/// by it, so it is written first).
pub fn render(evidence: &Evidence, dir: &Path, signature: &SignatureInfo) -> Result<String> {
    let mut env = minijinja::Environment::new();
    env.add_template(REPORT_HTML, TEMPLATE)
        .map_err(|e| EvidenceError::Render {
            what: REPORT_HTML,
            message: e.to_string(),
        })?;
    let template = env
        .get_template(REPORT_HTML)
        .map_err(|e| EvidenceError::Render {
            what: REPORT_HTML,
            message: e.to_string(),
        })?;
    let context = context(evidence, dir, signature);
    template.render(context).map_err(|e| EvidenceError::Render {
        what: REPORT_HTML,
        message: format!("{e:#}"),
    })
}

fn context(evidence: &Evidence, dir: &Path, signature: &SignatureInfo) -> Value {
    let run = &evidence.run;
    let (label, class, text) = if !evidence.complete {
        (
            "INCOMPLETE",
            "incomplete",
            "The run stopped before it finished.",
        )
    } else {
        match run.outcome {
            Outcome::Pass => ("PASSED", "pass", "Every required test passed."),
            Outcome::Skip => ("SKIPPED", "skip", "No required test ran to completion."),
            Outcome::Warn => (
                "PASSED WITH WARNINGS",
                "warn",
                "Every required SHALL held; at least one SHOULD or MAY was not met.",
            ),
            Outcome::Fail => (
                "FAILED",
                "fail",
                "The system under test failed at least one required test.",
            ),
            Outcome::Error => (
                "ERROR",
                "error",
                "At least one required test could not be carried out.",
            ),
        }
    };
    let sut = evidence.sut.clone().unwrap_or_default();
    let sut_name = match (&sut.product, &sut.version) {
        (Some(p), Some(v)) => format!("{p} {v}"),
        (Some(p), None) => p.clone(),
        _ => run
            .targets
            .first()
            .map(|t| t.url.clone())
            .unwrap_or_else(|| "system under test".into()),
    };

    let mut failures = Vec::new();
    let mut suites = Vec::new();
    for suite in &run.suites {
        let tests: Vec<&TestRecord> = suite.tests().map(|e| e.test).collect();
        for test in &tests {
            if test.outcome.is_failure() {
                failures.push(failure(&suite.id, test, dir));
            }
        }
        for step in suite.setup.iter().chain(&suite.teardown) {
            if step.outcome.is_failure() {
                failures.push(json!({
                    "suite": suite.id, "id": "setup/teardown", "title": null,
                    "outcome": step.outcome, "reason": step.error, "location": step.location,
                    "verifies": [], "steps": [shown_step(step, dir, Assertions::Failing)],
                }));
            }
        }
        let shown: Vec<Value> = tests
            .iter()
            .map(|t| shown_test(&suite.id, t, dir))
            .collect();
        suites.push(json!({
            "id": suite.id, "version": suite.version, "title": suite.title, "path": suite.path,
            "sha256": suite.sha256, "outcome": suite.outcome, "tests": shown,
        }));
    }

    // Beside the INCOMPLETE banner: what the run planned but never carried out.
    let unfinished = |which: Completion| -> Vec<Value> {
        run.tests()
            .filter(|e| e.test.completion == which)
            .map(|e| json!({ "suite": e.suite.id, "id": e.test.id, "title": e.test.title,
                             "location": e.test.location, "anchor": anchor(&e.suite.id, &e.test.id) }))
            .collect()
    };
    let simulated: Vec<Value> = run
        .targets
        .iter()
        .filter(|t| t.simulated)
        .map(|t| json!({ "name": t.name, "url": t.url }))
        .collect();
    let requirements: Vec<Value> = evidence
        .ehds
        .requirements
        .iter()
        .map(|r| {
            let tests: Vec<Value> = r
                .tests
                .iter()
                .map(|t| {
                    json!({ "suite": t.suite, "test": t.test, "outcome": t.outcome,
                                 "optional": t.optional, "anchor": anchor(&t.suite, &t.test) })
                })
                .collect();
            json!({ "id": r.id, "catalogue": r.catalogue, "outcome": r.outcome, "tests": tests })
        })
        .collect();

    json!({
        "sut_name": sut_name,
        "sut": sut,
        "verdict": { "label": label, "class": class, "text": text },
        "complete": evidence.complete,
        "run": run,
        "duration": human_duration(run.duration_ms),
        "tool": evidence.tool,
        "ehds": evidence.ehds,
        "failures": failures,
        "suites": suites,
        "packages": evidence.packages,
        "declaration": evidence.declaration,
        "format_version": evidence.format_version,
        "signature": signature,
        "simulated": simulated,
        // `samsvar serve --record`: the simulators served the system under test (a client).
        "client_session": run.suites.is_empty() && !run.received.is_empty(),
        "not_started": unfinished(Completion::NotStarted),
        "interrupted": unfinished(Completion::Interrupted),
        "requirements": requirements,
        "received": run.received.iter().map(|m| shown_received(m, dir)).collect::<Vec<_>>(),
    })
}

fn failure(suite: &str, test: &TestRecord, dir: &Path) -> Value {
    // Show the steps that did not pass; when none is marked (e.g. a skipped dependency), show all.
    let failing: Vec<&StepRecord> = test
        .steps
        .iter()
        .filter(|s| s.outcome.is_failure())
        .collect();
    let shown: Vec<Value> = if failing.is_empty() {
        test.steps
            .iter()
            .map(|s| shown_step(s, dir, Assertions::Failing))
            .collect()
    } else {
        failing
            .into_iter()
            .map(|s| shown_step(s, dir, Assertions::Failing))
            .collect()
    };
    json!({
        "suite": suite, "id": test.id, "title": test.title, "outcome": test.outcome,
        "reason": test.reason, "location": test.location, "verifies": test.verifies, "steps": shown,
        "anchor": anchor(suite, &test.id),
    })
}

/// A test with every step, assertion and exchange: what backs its outcome.
fn shown_test(suite: &str, test: &TestRecord, dir: &Path) -> Value {
    let steps: Vec<Value> = test
        .steps
        .iter()
        .map(|s| shown_step(s, dir, Assertions::All))
        .collect();
    json!({
        "id": test.id, "title": test.title, "optional": test.optional, "outcome": test.outcome,
        "reason": test.reason, "location": test.location, "verifies": test.verifies,
        "ehds": test.ehds, "duration_ms": test.duration_ms, "completion": test.completion,
        "steps": steps, "anchor": anchor(suite, &test.id),
    })
}

/// The page anchor of a test: `test-<suite>-<test>`, with anything but letters, digits,
/// `-`, `_` and `.` replaced, so ids stay valid fragment identifiers.
fn anchor(suite: &str, test: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("test-{}--{}", clean(suite), clean(test))
}

fn human_duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}
