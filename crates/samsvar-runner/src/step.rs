//! Executes one step: build the request, send it, capture values, check assertions.

use crate::Outcome;
use crate::assertions;
use crate::context::RunContext;
use crate::record::{
    AssertionRecord, Body as BodyRecord, CaptureRecord, Exchange, HttpMessage, StepRecord,
};
use crate::request;
use crate::response::{NotJson, ResponseView, fhirpath_vars};
use crate::transport::{IncomingResponse, OutgoingRequest};
use crate::vars::Scope;
use bytes::Bytes;
use samsvar_suite::model::{Action, Capture, CaptureSource, Step, Suite};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// Whether a step belongs to a test (or setup) or is teardown cleanup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Check,
    /// Teardown: a step whose variables were never captured is skipped, not errored.
    Cleanup,
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
    let started = Instant::now();
    let mut record = StepRecord {
        index,
        name: step.name.clone(),
        location: ctx.line_location(step.span),
        outcome: Outcome::Pass,
        error: None,
        duration_ms: 0,
        exchange: None,
        captures: Vec::new(),
        assertions: Vec::new(),
    };
    let http = match &step.action {
        Action::Http(http) => http,
        Action::Xds(xds) => {
            return crate::xds_exec::run_xds_step(ctx, suite, step, xds, record, started, scope)
                .await;
        }
        Action::Tls(probe) => {
            return crate::tls_exec::run_tls_step(ctx, step, probe, record, started).await;
        }
    };
    let req = match request::build(ctx, suite, http, scope).await {
        Ok(r) => r,
        Err(e) => {
            let skip = kind == StepKind::Cleanup && e.undefined_variable;
            record.outcome = if skip { Outcome::Skip } else { Outcome::Error };
            let message = if skip {
                format!("nothing to clean up: {}", e.message)
            } else {
                e.message
            };
            record.error = Some(ctx.redactor.text(&message));
            record.duration_ms = millis(started.elapsed());
            return record;
        }
    };
    let timeout = http
        .timeout_ms
        .map_or(ctx.options.timeout, Duration::from_millis);
    let result = ctx.transport.send(&req, timeout).await;
    let request_msg = request_message(ctx, &req);
    let resp = match result {
        Ok(r) => r,
        Err(e) => {
            record.outcome = Outcome::Error;
            record.error = Some(ctx.redactor.text(&e.to_string()));
            record.exchange = Some(Exchange {
                request: request_msg,
                response: None,
                status: None,
                elapsed_ms: None,
            });
            record.duration_ms = millis(started.elapsed());
            return record;
        }
    };

    let view = ResponseView::new(&resp);
    for capture in &step.captures {
        let (captured, failure) = capture_one(ctx, capture, &view, scope);
        record.captures.push(captured);
        if let Some(f) = failure {
            record.assertions.push(f);
        }
    }
    for assertion in &step.assertions {
        record
            .assertions
            .push(assertions::evaluate(ctx, assertion, &view, scope));
    }
    record.outcome = worst(&record.assertions);
    record.exchange = Some(Exchange {
        request: request_msg,
        status: Some(resp.status),
        elapsed_ms: Some(millis(resp.elapsed)),
        response: Some(response_message(ctx, &resp)),
    });
    record.duration_ms = millis(started.elapsed());
    record
}

/// Evaluates a capture; when it finds nothing, also returns a failed pseudo-assertion
/// so the report says which capture came back empty and where it is written.
fn capture_one(
    ctx: &RunContext<'_>,
    capture: &Capture,
    view: &ResponseView<'_>,
    scope: &mut Scope,
) -> (CaptureRecord, Option<AssertionRecord>) {
    let name = capture.name.value.clone();
    let (what, found) = match &capture.source {
        CaptureSource::Status => (
            "the status".to_string(),
            Ok(Some(view.resp.status.to_string())),
        ),
        CaptureSource::Header(h) => (
            format!("header `{}`", h.value),
            Ok(view.resp.header(&h.value).map(str::to_string)),
        ),
        CaptureSource::FhirPath(expr) => (format!("`{}`", expr.value), {
            ctx.caches
                .fhirpath(&expr.value)
                .and_then(|e| match view.json() {
                    // No body: nothing to capture (a failure, like a missing header).
                    Err(NotJson::Empty) => Ok(None),
                    Err(bad) => Err(bad.to_string()),
                    Ok(json) => e
                        .evaluate_with(json, &fhirpath_vars(scope))
                        .map(|r| r.first().map(samsvar_fhirpath::display))
                        .map_err(|e| e.to_string()),
                })
        }),
        CaptureSource::Xds(acc) => (
            format!("XDS `{}`", acc.value),
            Err("`xds` captures apply to XDS steps only".to_string()),
        ),
        CaptureSource::Regex(re) => (format!("/{}/", re.value), {
            ctx.caches.regex(&re.value).map(|rx| {
                let text = String::from_utf8_lossy(&view.resp.body);
                rx.captures(&text).and_then(|c| {
                    c.get(1)
                        .or_else(|| c.get(0))
                        .map(|m| m.as_str().to_string())
                })
            })
        }),
    };
    let failure = |outcome, actual: String, message: Option<String>| AssertionRecord {
        kind: "capture".to_string(),
        description: format!("capture `{name}` from {what}"),
        location: ctx.location(capture.name.span),
        outcome,
        expected: Some("a value".to_string()),
        actual: Some(ctx.redactor.text(&actual)),
        message: message.map(|m| ctx.redactor.text(&m)),
        issues: Vec::new(),
    };
    match found {
        Ok(Some(value)) => {
            let shown = ctx.redactor.text(&value);
            scope.set(name.clone(), value);
            (
                CaptureRecord {
                    name,
                    value: Some(shown),
                },
                None,
            )
        }
        Ok(None) => {
            scope.set_uncaptured(name.clone(), format!("{what} gave nothing"));
            let f = failure(Outcome::Fail, "nothing".to_string(), None);
            (CaptureRecord { name, value: None }, Some(f))
        }
        Err(e) => {
            scope.set_uncaptured(name.clone(), e.clone());
            let f = failure(Outcome::Error, "no value".to_string(), Some(e));
            (CaptureRecord { name, value: None }, Some(f))
        }
    }
}

fn request_message(ctx: &RunContext<'_>, req: &OutgoingRequest) -> HttpMessage {
    let media_type = req
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.clone());
    HttpMessage {
        method: Some(req.method.to_string()),
        url: Some(ctx.redactor.text(req.url.as_str())),
        headers: req
            .headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), ctx.redactor.header(k, v)))
            .collect(),
        body: req
            .body
            .as_ref()
            .map(|b| body_record(ctx, b, media_type, false)),
    }
}

fn response_message(ctx: &RunContext<'_>, resp: &IncomingResponse) -> HttpMessage {
    HttpMessage {
        method: None,
        url: None,
        headers: resp
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), ctx.redactor.header(k, v)))
            .collect(),
        body: (!resp.body.is_empty()).then(|| {
            body_record(
                ctx,
                &resp.body,
                resp.header("content-type").map(str::to_string),
                false,
            )
        }),
    }
}

fn body_record(
    ctx: &RunContext<'_>,
    bytes: &Bytes,
    media_type: Option<String>,
    truncated: bool,
) -> BodyRecord {
    let bytes = ctx.redactor.bytes(bytes);
    BodyRecord {
        sha256: hex::encode(Sha256::digest(&bytes)),
        size: bytes.len() as u64,
        media_type,
        truncated,
        bytes,
    }
}

/// The worst outcome among a step's assertions (pass when there are none).
pub fn worst(assertions: &[AssertionRecord]) -> Outcome {
    assertions
        .iter()
        .map(|a| a.outcome)
        .max()
        .unwrap_or(Outcome::Pass)
}

pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
