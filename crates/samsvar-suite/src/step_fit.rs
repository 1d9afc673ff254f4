//! Assertions and captures must fit their step: an `xds` check on an HTTP request, a
//! status check on a TLS probe or a FHIRPath capture from an XDS reply can never succeed,
//! so they are reported when the suite is checked instead of erroring at run time. So is
//! `retry:` on a step that is not an HTTP request.

use crate::model::*;
use samsvar_diagnostics::Diagnostic;

pub(crate) fn check(suite: &Suite, diags: &mut Vec<Diagnostic>) {
    let tests = suite.root.tests();
    let steps = suite
        .setup
        .iter()
        .chain(&suite.teardown)
        .chain(tests.iter().flat_map(|t| &t.steps));
    for step in steps {
        if matches!(step.action, Action::Tls(_)) && step.assertions.is_empty() {
            diags.push(
                Diagnostic::warning(
                    "unchecked-probe",
                    step.span,
                    "this TLS probe checks nothing: it passes whatever the server does",
                )
                .with_hint("add `assert: [{ tls: refused }]`"),
            );
        }
        if let Some(retry) = &step.retry
            && !matches!(step.action, Action::Http(_))
        {
            // Only HTTP requests repeat: an ITI-41 sent again registers its documents
            // twice, and a TLS handshake's answer does not arrive later.
            diags.push(
                Diagnostic::error(
                    "retry-misfit",
                    retry.span,
                    format!("`retry` cannot apply to {}", describe(&step.action)),
                )
                .with_hint("`retry` repeats `request:` steps only; poll with a `request:` step (e.g. a FHIR search) instead"),
            );
        }
        for a in &step.assertions {
            if let Some(hint) = misfit_assertion(&step.action, &a.kind) {
                diags.push(
                    Diagnostic::error(
                        "assertion-misfit",
                        a.span,
                        format!("this assertion cannot apply to {}", describe(&step.action)),
                    )
                    .with_hint(hint),
                );
            }
        }
        for c in &step.captures {
            if let Some(hint) = misfit_capture(&step.action, &c.source) {
                diags.push(
                    Diagnostic::error(
                        "capture-misfit",
                        c.name.span,
                        format!(
                            "capture `{}` cannot come from {}",
                            c.name.value,
                            describe(&step.action)
                        ),
                    )
                    .with_hint(hint),
                );
            }
        }
    }
}

fn describe(action: &Action) -> &'static str {
    match action {
        Action::Http(_) => "an HTTP request",
        Action::Xds(_) => "an XDS transaction",
        Action::Tls(_) => "a TLS probe",
    }
}

/// A hint when `kind` does not fit `action`.
fn misfit_assertion(action: &Action, kind: &AssertionKind) -> Option<&'static str> {
    use AssertionKind as K;
    match (action, kind) {
        (Action::Tls(_), K::Tls(_)) => None,
        (Action::Tls(_), _) => {
            Some("a TLS probe sends no HTTP request; assert `- tls: refused` or `- tls: accepted`")
        }
        (_, K::Tls(_)) => Some("`tls` assertions belong to `tls:` probe steps"),
        (Action::Http(_), K::Xds(_)) => Some(
            "`xds` assertions belong to `xds:` steps; use `status`, `header` or `fhirpath` here",
        ),
        (Action::Xds(_), K::Xds(_) | K::Status(_) | K::Header { .. } | K::ResponseTimeUnder(_)) => {
            None
        }
        (Action::Xds(_), _) => Some(
            "XDS steps take `xds`, `status`, `header` and `response_time_ms` assertions (docs/xds.md)",
        ),
        (Action::Http(_), _) => None,
    }
}

fn misfit_capture(action: &Action, source: &CaptureSource) -> Option<&'static str> {
    match (action, source) {
        (Action::Tls(_), _) => Some("a TLS probe has no response to capture from"),
        (Action::Http(_), CaptureSource::Xds(_)) => Some("`xds` captures belong to `xds:` steps"),
        (Action::Xds(_), CaptureSource::FhirPath(_) | CaptureSource::Regex(_)) => {
            Some("XDS steps capture with `{ xds: … }`, `status` or `header` (docs/xds.md)")
        }
        _ => None,
    }
}
