//! The one assertion evaluator: every step kind (HTTP, XDS, TLS probe) hands its
//! assertions and captures here, with a [`ResponseView`] of what it received.

mod body;
mod capture;
mod digest;
mod verdict;
mod view;

pub use body::NO_PROFILE_VALIDATION;
pub use capture::capture;
pub use verdict::{Verdict, check_value, media_type, one_of};
pub use view::{NotJson, ResponseView, parse_json};

use crate::context::RunContext;
use crate::vars::Scope;
use samsvar_record::{AssertionRecord, Outcome};
use samsvar_suite::model::{Assertion, AssertionKind, Template, TemplatePart, ValueCheck};

/// Evaluates `assertion` against `view` and records expected vs actual, redacted.
pub fn evaluate(
    ctx: &RunContext<'_>,
    assertion: &Assertion,
    view: &dyn ResponseView,
    scope: &Scope,
) -> AssertionRecord {
    let (kind, description, v) = match view.own_verdict(ctx, &assertion.kind, scope) {
        Some(own) => own,
        None => {
            let (kind, description) = describe(&assertion.kind, scope);
            (
                kind,
                description,
                verdict(ctx, &assertion.kind, view, scope),
            )
        }
    };
    // The author's words win over the generated description; when the check does not
    // hold, the generated one (the expression, the codes) leads the message, so a
    // failure still shows exactly what was evaluated.
    let (description, v) = match &assertion.description {
        Some(t) => {
            let mut v = v;
            if v.outcome != Outcome::Pass {
                v.message = Some(match v.message.take() {
                    Some(m) => format!("check: {description}; {m}"),
                    None => format!("check: {description}"),
                });
            }
            (authored(t, scope), v)
        }
        None => (description, v),
    };
    let mut r = record(ctx, kind, &description, assertion.span, v);
    let level = assertion.level_in(None);
    r.outcome = level.outcome(r.outcome);
    r.level = level;
    r.verifies = assertion.verifies.iter().map(|v| v.value.clone()).collect();
    r
}

/// An assertion's `description:`, rendered. A variable out of scope (say, a capture that
/// found nothing) stays as written, `{{name}}`: the text still says what was checked,
/// and the verdict of the check itself is not affected.
fn authored(t: &Template, scope: &Scope) -> String {
    t.parts
        .iter()
        .map(|part| match part {
            TemplatePart::Literal(s) => s.clone(),
            TemplatePart::Var { name, .. } => scope
                .render(&Template {
                    parts: vec![part.clone()],
                    span: t.span,
                })
                .unwrap_or_else(|_| format!("{{{{{name}}}}}")),
        })
        .collect()
}

/// An assertion record, every text redacted and bounded.
pub fn record(
    ctx: &RunContext<'_>,
    kind: &str,
    description: &str,
    span: samsvar_diagnostics::Span,
    v: Verdict,
) -> AssertionRecord {
    AssertionRecord {
        kind: kind.to_string(),
        description: ctx.shown(description),
        location: ctx.location(span),
        outcome: v.outcome,
        expected: v.expected.map(|s| ctx.shown(&s)),
        actual: v.actual.map(|s| ctx.shown(&s)),
        message: v.message.map(|s| ctx.shown(&s)),
        issues: ctx.shown_issues(v.issues),
        level: Default::default(),
        verifies: Vec::new(),
    }
}

/// The kind as written in suites and a one-line description.
fn describe(kind: &AssertionKind, scope: &Scope) -> (&'static str, String) {
    let shown = |t: &Template| scope.render(t).unwrap_or_else(|e| format!("<{e}>"));
    match kind {
        AssertionKind::Status(codes) => ("status", format!("status is {}", one_of(codes))),
        AssertionKind::Header { name, check } => (
            "header",
            format!("header `{name}` {}", describe_check(check, scope)),
        ),
        AssertionKind::ContentType(t) => ("content_type", format!("content type is {}", shown(t))),
        AssertionKind::FhirPathTrue(e) => ("fhirpath", format!("`{}` is true", e.value)),
        AssertionKind::FhirPathValue { expr, check } => (
            "fhirpath_value",
            format!("`{}` {}", expr.value, describe_check(check, scope)),
        ),
        AssertionKind::ResponseTimeUnder(ms) => (
            "response_time_under",
            format!("response time under {ms} ms"),
        ),
        AssertionKind::Body { size, sha1 } => {
            let mut parts = Vec::new();
            if let Some(t) = size {
                parts.push(format!("is {} bytes", shown(t)));
            }
            if let Some(t) = sha1 {
                parts.push(format!("has SHA-1 {}", shown(t)));
            }
            ("body", format!("body {}", parts.join(" and ")))
        }
        AssertionKind::JsonSchema { path, .. } => (
            "json_schema",
            format!("body is valid against {}", path.value.display()),
        ),
        AssertionKind::ConformsTo {
            template,
            each: None,
            ..
        } => (
            "conforms_to",
            format!("body conforms to {}", shown(template)),
        ),
        AssertionKind::ConformsTo {
            template,
            each: Some(each),
            ..
        } => (
            "conforms_to",
            format!("each `{}` conforms to {}", each.value, shown(template)),
        ),
        AssertionKind::Xds(_) => ("xds", "XDS check".to_string()),
        AssertionKind::Tls(_) => ("tls", "TLS probe".to_string()),
    }
}

fn describe_check(check: &ValueCheck, scope: &Scope) -> String {
    match check {
        ValueCheck::Exists(true) => "exists".to_string(),
        ValueCheck::Exists(false) => "is absent".to_string(),
        ValueCheck::Equals(t) => format!(
            "equals `{}`",
            scope.render(t).unwrap_or_else(|e| format!("<{e}>"))
        ),
        ValueCheck::NotEquals(t) => format!(
            "differs from `{}`",
            scope.render(t).unwrap_or_else(|e| format!("<{e}>"))
        ),
        ValueCheck::Compare(order, t) => format!(
            "{} {}",
            order.symbol(),
            scope.render(t).unwrap_or_else(|e| format!("<{e}>"))
        ),
        ValueCheck::Matches(t) => format!(
            "matches /{}/",
            scope.render_regex(t).unwrap_or_else(|e| format!("<{e}>"))
        ),
    }
}

fn verdict(
    ctx: &RunContext<'_>,
    kind: &AssertionKind,
    view: &dyn ResponseView,
    scope: &Scope,
) -> Verdict {
    match kind {
        AssertionKind::Status(codes) => match view.status() {
            Some(status) => {
                Verdict::check(codes.contains(&status), one_of(codes), status.to_string())
            }
            None => Verdict::check(false, one_of(codes), "no response"),
        },
        AssertionKind::Header { name, check } => check_value(
            ctx.caches,
            check,
            view.header(name).map(str::to_string),
            scope,
        ),
        AssertionKind::ContentType(t) => {
            let expected = match scope.render(t) {
                Ok(s) => s,
                Err(e) => return Verdict::error(None, e.to_string()),
            };
            match view.header("content-type") {
                Some(actual) => Verdict::check(
                    media_type(actual) == media_type(&expected),
                    expected,
                    actual.to_string(),
                ),
                None => Verdict::check(false, expected, "no Content-Type header"),
            }
        }
        AssertionKind::FhirPathTrue(expr) => body::fhirpath_true(ctx, &expr.value, view, scope),
        AssertionKind::FhirPathValue { expr, check } => {
            body::fhirpath_value(ctx, &expr.value, check, view, scope)
        }
        AssertionKind::ResponseTimeUnder(ms) => {
            let took = view.elapsed().as_millis();
            Verdict::check(
                took < u128::from(*ms),
                format!("under {ms} ms"),
                format!("{took} ms"),
            )
        }
        AssertionKind::JsonSchema { resolved, .. } => body::json_schema(ctx, resolved, view),
        AssertionKind::Body { size, sha1 } => {
            digest::body_digest(size.as_ref(), sha1.as_ref(), view, scope)
        }
        AssertionKind::ConformsTo { template, each, .. } => {
            let profile = match scope.render(template) {
                Ok(p) => p,
                Err(e) => return Verdict::error(None, e.to_string()),
            };
            match each {
                None => body::conforms_to(ctx, &profile, view),
                Some(each) => body::each_conforms_to(ctx, &profile, &each.value, view, scope),
            }
        }
        AssertionKind::Xds(_) => Verdict::error(None, "`xds` assertions apply to XDS steps only"),
        AssertionKind::Tls(_) => {
            Verdict::error(None, "`tls` assertions apply to TLS probe steps only")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use samsvar_diagnostics::Span;

    #[test]
    fn authored_descriptions_render_and_keep_what_is_out_of_scope() {
        let var = |name: &str| TemplatePart::Var {
            name: name.into(),
            span: Span::default(),
        };
        let t = Template {
            parts: vec![
                TemplatePart::Literal("Patient/".into()),
                var("pid"),
                TemplatePart::Literal(" read by ".into()),
                var("who"),
            ],
            span: Span::default(),
        };
        let mut scope = Scope::new();
        scope.set("pid", "42");
        assert_eq!(authored(&t, &scope), "Patient/42 read by {{who}}");
        scope.set("who", "alice");
        assert_eq!(authored(&t, &scope), "Patient/42 read by alice");
    }
}
