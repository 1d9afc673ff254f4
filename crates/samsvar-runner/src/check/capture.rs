//! Captures: a value read from the response into a variable for later steps.

use super::body::fhirpath_vars;
use super::view::{NotJson, ResponseView};
use crate::context::RunContext;
use crate::vars::Scope;
use samsvar_record::{AssertionRecord, CaptureRecord, Outcome};
use samsvar_suite::model::{Capture, CaptureSource};

/// Evaluates a capture into `scope`; when it finds nothing, also returns a failed
/// pseudo-assertion so the report says which capture came back empty and where it is.
pub fn capture(
    ctx: &RunContext<'_>,
    capture: &Capture,
    view: &dyn ResponseView,
    scope: &mut Scope,
) -> (CaptureRecord, Option<AssertionRecord>) {
    let name = capture.name.value.clone();
    let (what, found) = match view.own_capture(&capture.source) {
        Some(own) => own,
        None => read(ctx, &capture.source, view, scope),
    };
    let failure = |outcome, actual: &str, message: Option<String>| AssertionRecord {
        kind: "capture".to_string(),
        description: format!("capture `{name}` from {what}"),
        location: ctx.location(capture.name.span),
        outcome,
        expected: Some("a value".to_string()),
        actual: Some(ctx.redactor.text(actual).into_owned()),
        message: message.map(|m| ctx.redactor.text(&m).into_owned()),
        issues: Vec::new(),
    };
    match found {
        Ok(Some(value)) => {
            let shown = ctx.redactor.text(&value).into_owned();
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
            let f = failure(Outcome::Fail, "nothing", None);
            scope.set_uncaptured(name.clone(), format!("{what} gave nothing"));
            (CaptureRecord { name, value: None }, Some(f))
        }
        Err(e) => {
            let f = failure(Outcome::Error, "no value", Some(e.clone()));
            scope.set_uncaptured(name.clone(), e);
            (CaptureRecord { name, value: None }, Some(f))
        }
    }
}

/// What a capture reads, and the value it found (`Ok(None)`: nothing there).
fn read(
    ctx: &RunContext<'_>,
    source: &CaptureSource,
    view: &dyn ResponseView,
    scope: &Scope,
) -> (String, Result<Option<String>, String>) {
    match source {
        CaptureSource::Status => (
            "the status".to_string(),
            Ok(view.status().map(|s| s.to_string())),
        ),
        CaptureSource::Header(h) => (
            format!("header `{}`", h.value),
            Ok(view.header(&h.value).map(str::to_string)),
        ),
        CaptureSource::FhirPath(expr) => (
            format!("`{}`", expr.value),
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
                }),
        ),
        CaptureSource::Xds(acc) => (
            format!("XDS `{}`", acc.value),
            Err("`xds` captures apply to XDS steps only".to_string()),
        ),
        CaptureSource::Regex(re) => (
            format!("/{}/", re.value),
            ctx.caches.regex(&re.value).map(|rx| {
                let text = view.text();
                rx.captures(&text).and_then(|c| {
                    c.get(1)
                        .or_else(|| c.get(0))
                        .map(|m| m.as_str().to_string())
                })
            }),
        ),
    }
}
