//! report.html: one self-contained page (inline CSS, no external fetches) for a
//! human reviewer, rendered with minijinja from the evidence record.

use crate::error::{EvidenceError, Result};
use crate::manifest::EXCHANGES_DIR;
use crate::model::Evidence;
use samsvar_record::{Body, Exchange, Outcome, StepRecord, TestRecord};
use serde::Serialize;
use serde_json::{Value, json};
use std::path::Path;

pub const REPORT_HTML: &str = "report.html";
const TEMPLATE: &str = include_str!("../templates/report.html");
/// Bodies longer than this are cut in the page (the full body stays in `exchanges/`).
const MAX_BODY_CHARS: usize = 64 * 1024;

#[derive(Serialize)]
struct ShownBody {
    text: String,
    note: String,
}

#[derive(Serialize)]
struct ShownExchange {
    method: String,
    url: String,
    status: Option<u16>,
    elapsed_ms: Option<u64>,
    request_headers: Vec<(String, String)>,
    request_body: Option<ShownBody>,
    has_response: bool,
    response_headers: Vec<(String, String)>,
    response_body: Option<ShownBody>,
}

/// Renders the page. `dir` is the bundle folder, used to read bodies the record no longer holds.
pub fn render(evidence: &Evidence, dir: &Path) -> Result<String> {
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
    let context = context(evidence, dir);
    template.render(context).map_err(|e| EvidenceError::Render {
        what: REPORT_HTML,
        message: format!("{e:#}"),
    })
}

fn context(evidence: &Evidence, dir: &Path) -> Value {
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
                    "verifies": [], "steps": [shown_step(step, dir)],
                }));
            }
        }
        suites.push(json!({
            "id": suite.id, "version": suite.version, "title": suite.title, "path": suite.path,
            "sha256": suite.sha256, "outcome": suite.outcome, "tests": tests,
        }));
    }

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
        test.steps.iter().map(|s| shown_step(s, dir)).collect()
    } else {
        failing.into_iter().map(|s| shown_step(s, dir)).collect()
    };
    json!({
        "suite": suite, "id": test.id, "title": test.title, "outcome": test.outcome,
        "reason": test.reason, "location": test.location, "verifies": test.verifies, "steps": shown,
    })
}

fn shown_step(step: &StepRecord, dir: &Path) -> Value {
    let assertions: Vec<_> = step
        .assertions
        .iter()
        .filter(|a| a.outcome.is_failure())
        .collect();
    json!({
        "number": step.index + 1,
        "name": step.name,
        "location": step.location,
        "outcome": step.outcome,
        "error": step.error,
        "assertions": assertions,
        "exchange": step.exchange.as_ref().map(|e| shown_exchange(e, dir)),
    })
}

fn shown_exchange(exchange: &Exchange, dir: &Path) -> ShownExchange {
    let response = exchange.response.as_ref();
    ShownExchange {
        method: exchange.request.method.clone().unwrap_or_default(),
        url: exchange.request.url.clone().unwrap_or_default(),
        status: exchange.status,
        elapsed_ms: exchange.elapsed_ms,
        request_headers: exchange.request.headers.clone(),
        request_body: exchange.request.body.as_ref().map(|b| shown_body(b, dir)),
        has_response: response.is_some(),
        response_headers: response.map(|r| r.headers.clone()).unwrap_or_default(),
        response_body: response
            .and_then(|r| r.body.as_ref())
            .map(|b| shown_body(b, dir)),
    }
}

fn shown_body(body: &Body, dir: &Path) -> ShownBody {
    let stored = format!("{EXCHANGES_DIR}/{}", body.sha256);
    let bytes = if body.bytes.is_empty() {
        std::fs::read(dir.join(&stored)).unwrap_or_default()
    } else {
        body.bytes.to_vec()
    };
    let media = body.media_type.clone().unwrap_or_default();
    let mut note = format!(
        "({media}{}{} bytes, {stored})",
        if media.is_empty() { "" } else { ", " },
        body.size
    );
    if body.truncated {
        note.push_str(" — cut at the size limit");
    }
    let text = match std::str::from_utf8(&bytes) {
        Err(_) => format!("[{} bytes of binary content: see {stored}]", bytes.len()),
        Ok(text) if bytes.is_empty() && body.size > 0 => {
            format!("[body not available: see {stored}] {text}")
        }
        Ok(text) => pretty(text, &media),
    };
    let text = if text.chars().count() > MAX_BODY_CHARS {
        note.push_str(" — shortened here");
        let cut: String = text.chars().take(MAX_BODY_CHARS).collect();
        format!("{cut}\n… [shortened: the full body is {stored}]")
    } else {
        text
    };
    ShownBody { text, note }
}

/// JSON bodies are re-indented; everything else is shown as sent.
fn pretty(text: &str, media: &str) -> String {
    let looks_json = media.contains("json") || text.trim_start().starts_with(['{', '[']);
    if looks_json
        && let Ok(value) = serde_json::from_str::<Value>(text)
        && let Ok(p) = serde_json::to_string_pretty(&value)
    {
        return p;
    }
    text.to_string()
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
