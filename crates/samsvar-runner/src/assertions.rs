//! Evaluates one assertion against a response and records expected vs actual.

use crate::Outcome;
use crate::context::RunContext;
use crate::record::{AssertionRecord, Issue};
use crate::response::{NotJson, ResponseView, fhirpath_vars, show_results};
use crate::vars::Scope;
use samsvar_suite::model::{Assertion, AssertionKind, ValueCheck};

/// The one placeholder of this build: `conforms_to` needs the FHIR validator.
pub const NO_PROFILE_VALIDATION: &str = "FHIR profile validation is not available in this build";

struct Verdict {
    outcome: Outcome,
    expected: Option<String>,
    actual: Option<String>,
    message: Option<String>,
    issues: Vec<Issue>,
}

impl Verdict {
    fn check(ok: bool, expected: impl Into<String>, actual: impl Into<String>) -> Self {
        Self {
            outcome: if ok { Outcome::Pass } else { Outcome::Fail },
            expected: Some(expected.into()),
            actual: Some(actual.into()),
            message: None,
            issues: Vec::new(),
        }
    }

    /// The body was needed as JSON and is not: fail when missing, error when garbled.
    fn not_json(expected: Option<String>, e: &NotJson) -> Self {
        Self {
            outcome: e.outcome(),
            expected,
            actual: (e.outcome() == Outcome::Fail).then(|| "no body".to_string()),
            message: Some(e.to_string()),
            issues: Vec::new(),
        }
    }

    fn error(expected: Option<String>, message: impl Into<String>) -> Self {
        Self {
            outcome: Outcome::Error,
            expected,
            actual: None,
            message: Some(message.into()),
            issues: Vec::new(),
        }
    }
}

pub fn evaluate(
    ctx: &RunContext<'_>,
    assertion: &Assertion,
    view: &ResponseView<'_>,
    scope: &Scope,
) -> AssertionRecord {
    let (kind, description) = describe(&assertion.kind, scope);
    let v = verdict(ctx, &assertion.kind, view, scope);
    let r = &ctx.redactor;
    AssertionRecord {
        kind: kind.to_string(),
        description: r.text(&description),
        location: ctx.location(assertion.span),
        outcome: v.outcome,
        expected: v.expected.map(|s| r.text(&s)),
        actual: v.actual.map(|s| r.text(&s)),
        message: v.message.map(|s| r.text(&s)),
        issues: v.issues,
    }
}

/// The kind as written in suites and a one-line description.
fn describe(kind: &AssertionKind, scope: &Scope) -> (&'static str, String) {
    let shown =
        |t: &samsvar_suite::model::Template| scope.render(t).unwrap_or_else(|e| format!("<{e}>"));
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
        AssertionKind::JsonSchema { path, .. } => (
            "json_schema",
            format!("body is valid against {}", path.value.display()),
        ),
        AssertionKind::ConformsTo(p) => ("conforms_to", format!("body conforms to {}", p.value)),
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
        ValueCheck::Matches(re) => format!("matches /{}/", re.value),
    }
}

fn one_of(codes: &[u16]) -> String {
    match codes {
        [one] => one.to_string(),
        many => format!(
            "one of {}",
            many.iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn verdict(
    ctx: &RunContext<'_>,
    kind: &AssertionKind,
    view: &ResponseView<'_>,
    scope: &Scope,
) -> Verdict {
    let resp = view.resp;
    match kind {
        AssertionKind::Status(codes) => Verdict::check(
            codes.contains(&resp.status),
            one_of(codes),
            resp.status.to_string(),
        ),
        AssertionKind::Header { name, check } => {
            check_value(ctx, check, resp.header(name).map(str::to_string), scope)
        }
        AssertionKind::ContentType(t) => {
            let expected = match scope.render(t) {
                Ok(s) => s,
                Err(e) => return Verdict::error(None, e.to_string()),
            };
            match resp.header("content-type") {
                Some(actual) => Verdict::check(
                    media_type(actual) == media_type(&expected),
                    expected,
                    actual.to_string(),
                ),
                None => Verdict::check(false, expected, "no Content-Type header"),
            }
        }
        AssertionKind::FhirPathTrue(expr) => {
            let results = match eval_fhirpath(ctx, &expr.value, view, scope) {
                Ok(r) => r,
                Err(p) => return p.verdict(Some("true".into())),
            };
            let ok = samsvar_fhirpath::as_boolean(&results) == Some(true);
            Verdict::check(ok, "true", show_results(&results))
        }
        AssertionKind::FhirPathValue { expr, check } => {
            let results = match eval_fhirpath(ctx, &expr.value, view, scope) {
                Ok(r) => r,
                Err(p) => return p.verdict(expected_of(check, scope)),
            };
            let mut v = check_value(
                ctx,
                check,
                results.first().map(samsvar_fhirpath::display),
                scope,
            );
            if results.len() > 1 {
                v.actual = Some(show_results(&results));
                if !matches!(check, ValueCheck::Exists(_)) {
                    v.message =
                        Some("the expression gave several values; the first was compared".into());
                }
            }
            v
        }
        AssertionKind::ResponseTimeUnder(ms) => {
            let took = resp.elapsed.as_millis();
            Verdict::check(
                took < u128::from(*ms),
                format!("under {ms} ms"),
                format!("{took} ms"),
            )
        }
        AssertionKind::JsonSchema { resolved, .. } => json_schema(ctx, resolved, view),
        AssertionKind::ConformsTo(profile) => conforms_to(ctx, &profile.value, view),
        AssertionKind::Xds(_) => Verdict::error(None, "`xds` assertions apply to XDS steps only"),
        AssertionKind::Tls(_) => {
            Verdict::error(None, "`tls` assertions apply to TLS probe steps only")
        }
    }
}

fn check_value(
    ctx: &RunContext<'_>,
    check: &ValueCheck,
    actual: Option<String>,
    scope: &Scope,
) -> Verdict {
    let shown = actual.clone().unwrap_or_else(|| "absent".to_string());
    match check {
        ValueCheck::Exists(want) => Verdict::check(
            actual.is_some() == *want,
            if *want { "present" } else { "absent" },
            shown,
        ),
        ValueCheck::Equals(t) => match scope.render(t) {
            Ok(expected) => Verdict::check(actual.as_deref() == Some(&expected), expected, shown),
            Err(e) => Verdict::error(None, e.to_string()),
        },
        ValueCheck::Matches(re) => match ctx.caches.regex(&re.value) {
            Ok(rx) => Verdict::check(
                actual.as_deref().is_some_and(|a| rx.is_match(a)),
                format!("matches /{}/", re.value),
                shown,
            ),
            Err(e) => Verdict::error(Some(format!("matches /{}/", re.value)), e),
        },
    }
}

enum Problem {
    Body(NotJson),
    Other(String),
}

impl Problem {
    fn verdict(self, expected: Option<String>) -> Verdict {
        match self {
            Problem::Body(e) => Verdict::not_json(expected, &e),
            Problem::Other(m) => Verdict::error(expected, m),
        }
    }
}

fn expected_of(check: &ValueCheck, scope: &Scope) -> Option<String> {
    match check {
        ValueCheck::Exists(true) => Some("present".into()),
        ValueCheck::Exists(false) => Some("absent".into()),
        ValueCheck::Equals(t) => scope.render(t).ok(),
        ValueCheck::Matches(re) => Some(format!("matches /{}/", re.value)),
    }
}

fn eval_fhirpath(
    ctx: &RunContext<'_>,
    src: &str,
    view: &ResponseView<'_>,
    scope: &Scope,
) -> Result<Vec<serde_json::Value>, Problem> {
    let expr = ctx.caches.fhirpath(src).map_err(Problem::Other)?;
    let json = view.json().map_err(Problem::Body)?;
    expr.evaluate_with(json, &fhirpath_vars(scope))
        .map_err(|e| Problem::Other(e.to_string()))
}

/// `application/fhir+json; charset=utf-8` → `application/fhir+json`.
fn media_type(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn json_schema(ctx: &RunContext<'_>, path: &std::path::Path, view: &ResponseView<'_>) -> Verdict {
    let expected = "valid".to_string();
    let validator = match ctx.caches.schema(path) {
        Ok(v) => v,
        Err(e) => return Verdict::error(Some(expected), e),
    };
    let json = match view.json() {
        Ok(j) => j,
        Err(e) => return Verdict::not_json(Some(expected), &e),
    };
    let issues: Vec<Issue> = validator
        .iter_errors(json)
        .map(|err| Issue {
            severity: "error".to_string(),
            location: {
                let p = err.instance_path.to_string();
                if p.is_empty() { "/".to_string() } else { p }
            },
            message: err.to_string(),
            rule: None,
        })
        .collect();
    let actual = match issues.len() {
        0 => "valid".to_string(),
        1 => format!("1 error: {} at {}", issues[0].message, issues[0].location),
        n => format!(
            "{n} errors; first: {} at {}",
            issues[0].message, issues[0].location
        ),
    };
    let mut v = Verdict::check(issues.is_empty(), expected, actual);
    v.issues = issues;
    v
}

fn conforms_to(ctx: &RunContext<'_>, profile: &str, view: &ResponseView<'_>) -> Verdict {
    let expected = Some(format!("conforms to {profile}"));
    let Some(validator) = ctx.options.profile_validator.as_deref() else {
        return Verdict::error(expected, NO_PROFILE_VALIDATION);
    };
    let json = match view.json() {
        Ok(j) => j,
        Err(e) => return Verdict::not_json(expected, &e),
    };
    match validator.validate(json, profile) {
        Ok(issues) => {
            let errors = issues
                .iter()
                .filter(|i| matches!(i.severity.as_str(), "error" | "fatal"))
                .count();
            let actual = if errors == 0 {
                format!("conforms ({} non-error issue(s))", issues.len())
            } else {
                format!("{errors} error(s)")
            };
            let mut v = Verdict::check(errors == 0, format!("conforms to {profile}"), actual);
            v.issues = issues;
            v
        }
        Err(e) => Verdict::error(expected, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_type_ignores_parameters_and_case() {
        assert_eq!(
            media_type("Application/FHIR+json; charset=UTF-8"),
            "application/fhir+json"
        );
        assert_eq!(one_of(&[410, 404]), "one of 410, 404");
    }
}
