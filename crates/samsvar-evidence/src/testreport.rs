//! FHIR R4 TestReport per suite (testreport/<suite-id>.json): one `operation` action
//! per step followed by one `assert` action per assertion.

use crate::model::Evidence;
use samsvar_record::{Outcome, StepRecord, SuiteRecord, TestRecord};
use serde_json::{Map, Value, json};

/// TestReport.status codes (http://hl7.org/fhir/report-status-codes).
pub const STATUS_CODES: &[&str] = &[
    "completed",
    "in-progress",
    "waiting",
    "stopped",
    "entered-in-error",
];
/// TestReport.result codes (http://hl7.org/fhir/report-result-codes).
pub const RESULT_CODES: &[&str] = &["pass", "fail", "pending"];
/// Action result codes (http://hl7.org/fhir/report-action-result-codes).
pub const ACTION_RESULT_CODES: &[&str] = &["pass", "skip", "fail", "warning", "error"];
/// Participant type codes (http://hl7.org/fhir/report-participant-type).
pub const PARTICIPANT_TYPES: &[&str] = &["test-engine", "client", "server"];

fn action_result(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "pass",
        Outcome::Skip => "skip",
        Outcome::Fail => "fail",
        Outcome::Error => "error",
    }
}

/// A FHIR `id`: `[A-Za-z0-9\-\.]{1,64}`.
fn fhir_id(s: &str) -> String {
    let id: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if id.is_empty() { "suite".into() } else { id }
}

pub fn build(evidence: &Evidence, suite: &SuiteRecord) -> Value {
    let tests: Vec<&TestRecord> = suite.tests().map(|e| e.test).collect();
    let total = tests.len();
    let passed = tests.iter().filter(|t| t.outcome == Outcome::Pass).count();
    let result = if !evidence.complete {
        "pending"
    } else if suite.outcome.is_failure() {
        "fail"
    } else {
        "pass"
    };
    let score = if total == 0 {
        0.0
    } else {
        (passed as f64 * 10000.0 / total as f64).round() / 100.0
    };

    let mut report = Map::new();
    report.insert("resourceType".into(), json!("TestReport"));
    report.insert("id".into(), json!(fhir_id(&suite.id)));
    report.insert("name".into(), json!(suite.title));
    report.insert(
        "status".into(),
        json!(if evidence.complete {
            "completed"
        } else {
            "stopped"
        }),
    );
    report.insert(
        "testScript".into(),
        json!({ "display": format!("{} {} ({}, sha256 {})", suite.id, suite.version, suite.path, suite.sha256) }),
    );
    report.insert("result".into(), json!(result));
    report.insert("score".into(), json!(score));
    report.insert(
        "tester".into(),
        json!(format!("{} {}", evidence.tool.name, evidence.tool.version)),
    );
    report.insert("issued".into(), json!(evidence.run.finished_at));
    let participants: Vec<Value> = evidence
        .run
        .targets
        .iter()
        .filter(|t| url::Url::parse(&t.url).is_ok())
        .map(|t| json!({ "type": "server", "uri": t.url, "display": t.name }))
        .collect();
    if !participants.is_empty() {
        report.insert("participant".into(), Value::Array(participants));
    }
    let setup: Vec<Value> = suite.setup.iter().flat_map(step_actions).collect();
    if !setup.is_empty() {
        report.insert("setup".into(), json!({ "action": setup }));
    }
    let test_entries: Vec<Value> = tests
        .iter()
        .map(|test| {
            let mut actions: Vec<Value> = test.steps.iter().flat_map(step_actions).collect();
            if actions.is_empty() {
                // A test needs at least one action; record why nothing ran.
                actions.push(json!({ "operation": {
                    "result": action_result(test.outcome),
                    "message": test.reason.clone().unwrap_or_else(|| "no step ran".into()),
                }}));
            }
            let mut entry = Map::new();
            entry.insert("name".into(), json!(test.id));
            let mut description = test.title.clone().unwrap_or_default();
            if !test.verifies.is_empty() {
                if !description.is_empty() {
                    description.push_str(" — ");
                }
                description.push_str(&format!("verifies {}", test.verifies.join(", ")));
            }
            if !description.is_empty() {
                entry.insert("description".into(), json!(description));
            }
            entry.insert("action".into(), Value::Array(actions));
            Value::Object(entry)
        })
        .collect();
    if !test_entries.is_empty() {
        report.insert("test".into(), Value::Array(test_entries));
    }
    let teardown: Vec<Value> = suite
        .teardown
        .iter()
        .map(|s| json!({ "operation": operation(s) }))
        .collect();
    if !teardown.is_empty() {
        report.insert("teardown".into(), json!({ "action": teardown }));
    }
    Value::Object(report)
}

fn operation(step: &StepRecord) -> Value {
    let outcome = if step.error.is_some() {
        Outcome::Error
    } else if step.outcome == Outcome::Skip {
        Outcome::Skip
    } else {
        Outcome::Pass
    };
    let mut message = step
        .name
        .clone()
        .unwrap_or_else(|| format!("step {}", step.index + 1));
    if let Some(ex) = &step.exchange {
        message.push_str(&format!(
            ": {} {}",
            ex.request.method.as_deref().unwrap_or(""),
            ex.request.url.as_deref().unwrap_or("")
        ));
        if let Some(status) = ex.status {
            message.push_str(&format!(" → {status}"));
        }
    }
    if let Some(err) = &step.error {
        message.push_str(&format!(" ({err})"));
    }
    let mut op = Map::new();
    op.insert("result".into(), json!(action_result(outcome)));
    op.insert(
        "message".into(),
        json!(format!("{message} [{}]", step.location)),
    );
    Value::Object(op)
}

fn step_actions(step: &StepRecord) -> Vec<Value> {
    let mut actions = vec![json!({ "operation": operation(step) })];
    for a in &step.assertions {
        let mut message = a.description.clone();
        if a.outcome.is_failure() {
            if let Some(expected) = &a.expected {
                message.push_str(&format!("; expected: {expected}"));
            }
            if let Some(actual) = &a.actual {
                message.push_str(&format!("; actual: {actual}"));
            }
            if let Some(m) = &a.message {
                message.push_str(&format!("; {m}"));
            }
        }
        actions.push(json!({ "assert": {
            "result": action_result(a.outcome),
            "message": message,
            "detail": a.location,
        }}));
    }
    actions
}
