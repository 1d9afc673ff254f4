//! The steps of a test as the page shows them: every assertion, and the exchange with
//! request and response headers and bodies (read back from `exchanges/<sha256>`).

use crate::manifest::EXCHANGES_DIR;
use samsvar_record::{AssertionRecord, Body, Diagnostic, Exchange, ReceivedRecord, StepRecord};
use serde::Serialize;
use serde_json::{Value, json};
use std::path::Path;

/// Bodies longer than this are cut in the page (the full body stays in `exchanges/`).
const MAX_BODY_CHARS: usize = 64 * 1024;

#[derive(Serialize)]
struct ShownBody {
    text: String,
    note: String,
    /// `exchanges/<sha256>`: the stored bytes, linked from the page.
    stored: String,
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

/// Which assertions of a step the page lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Assertions {
    /// Only those that did not pass (the failures section).
    Failing,
    /// Every one (a test's own section: what backs a pass).
    All,
}

pub(super) fn shown_step(step: &StepRecord, dir: &Path, which: Assertions) -> Value {
    let assertions: Vec<Value> = step
        .assertions
        .iter()
        .filter(|a| which == Assertions::All || a.outcome.is_failure())
        .map(shown_assertion)
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

/// Findings as the page lists them, each payload location as text.
fn shown_findings(findings: &[Diagnostic]) -> Vec<Value> {
    findings
        .iter()
        .map(|d| {
            json!({
                "severity": d.severity, "rule": d.rule, "message": d.message,
                "location": d.payload().map(ToString::to_string).unwrap_or_default(),
            })
        })
        .collect()
}

/// An assertion as the page shows it: its findings' payload locations as text
/// (`Patient.name (line 3, col 5)`), the way every renderer writes them.
fn shown_assertion(a: &AssertionRecord) -> Value {
    let issues = shown_findings(&a.issues);
    json!({
        "kind": a.kind, "description": a.description, "location": a.location,
        "outcome": a.outcome, "expected": a.expected, "actual": a.actual,
        "message": a.message, "issues": issues,
    })
}

/// A message a service of the run received, with its findings and a one-line summary:
/// `POST /fhir/AuditEvent`, or the syslog header's APP-NAME and MSGID.
pub(super) fn shown_received(message: &ReceivedRecord, dir: &Path) -> Value {
    let request = &message.exchange.request;
    let summary = match &request.method {
        Some(method) => format!("{method} {}", request.url.as_deref().unwrap_or_default()),
        None => {
            let field = |name: &str| {
                request
                    .headers
                    .iter()
                    .find(|(k, _)| k == name)
                    .map_or("-", |(_, v)| v.as_str())
                    .to_string()
            };
            format!(
                "syslog <{}> {} {}",
                field("pri"),
                field("app-name"),
                field("msgid")
            )
        }
    };
    let findings = shown_findings(&message.findings);
    json!({
        "received_at": message.received_at, "target": message.target,
        "transport": message.transport, "peer": message.peer, "summary": summary,
        "findings": findings, "exchange": shown_exchange(&message.exchange, dir),
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
    ShownBody { text, note, stored }
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
