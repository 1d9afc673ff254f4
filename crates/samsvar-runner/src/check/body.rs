//! Checks of the response body: FHIRPath, JSON Schema and FHIR profiles.

use super::verdict::{Verdict, check_value, expected_of};
use super::view::{NotJson, ResponseView};
use crate::context::RunContext;
use crate::findings;
use crate::vars::Scope;
use samsvar_suite::model::ValueCheck;
use serde_json::Value;

/// The one placeholder of this build: `conforms_to` needs the FHIR validator.
pub const NO_PROFILE_VALIDATION: &str = "FHIR profile validation is not available in this build";

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

fn eval_fhirpath(
    ctx: &RunContext<'_>,
    src: &str,
    view: &dyn ResponseView,
    scope: &Scope,
) -> Result<Vec<Value>, Problem> {
    let expr = ctx.caches.fhirpath(src).map_err(Problem::Other)?;
    let json = view.json().map_err(Problem::Body)?;
    expr.evaluate_with(json, &fhirpath_vars(scope))
        .map_err(|e| Problem::Other(e.to_string()))
}

pub fn fhirpath_true(
    ctx: &RunContext<'_>,
    src: &str,
    view: &dyn ResponseView,
    scope: &Scope,
) -> Verdict {
    let results = match eval_fhirpath(ctx, src, view, scope) {
        Ok(r) => r,
        Err(p) => return p.verdict(Some("true".into())),
    };
    let ok = samsvar_fhirpath::as_boolean(&results) == Some(true);
    Verdict::check(ok, "true", show_results(&results))
}

pub fn fhirpath_value(
    ctx: &RunContext<'_>,
    src: &str,
    check: &ValueCheck,
    view: &dyn ResponseView,
    scope: &Scope,
) -> Verdict {
    let results = match eval_fhirpath(ctx, src, view, scope) {
        Ok(r) => r,
        Err(p) => return p.verdict(expected_of(check, scope)),
    };
    let mut v = check_value(
        ctx.caches,
        check,
        results.first().map(samsvar_fhirpath::display),
        scope,
    );
    if results.len() > 1 {
        v.actual = Some(show_results(&results));
        if !matches!(check, ValueCheck::Exists(_)) {
            v.message = Some("the expression gave several values; the first was compared".into());
        }
    }
    v
}

pub fn json_schema(
    ctx: &RunContext<'_>,
    path: &std::path::Path,
    view: &dyn ResponseView,
) -> Verdict {
    let expected = "valid".to_string();
    let validator = match ctx.caches.schema(path) {
        Ok(v) => v,
        Err(e) => return Verdict::error(Some(expected), e),
    };
    let json = match view.json() {
        Ok(j) => j,
        Err(e) => return Verdict::not_json(Some(expected), &e),
    };
    let issues = findings::from_schema_errors(validator.iter_errors(json));
    let actual = match issues.as_slice() {
        [] => "valid".to_string(),
        [one] => format!("1 error: {} at {}", one.message, one.location),
        [first, ..] => format!(
            "{} errors; first: {} at {}",
            issues.len(),
            first.message,
            first.location
        ),
    };
    Verdict::check(issues.is_empty(), expected, actual).with_issues(issues)
}

pub fn conforms_to(ctx: &RunContext<'_>, profile: &str, view: &dyn ResponseView) -> Verdict {
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
            let errors = issues.iter().filter(|i| i.is_error()).count();
            let actual = if errors == 0 {
                format!("conforms ({} non-error issue(s))", issues.len())
            } else {
                format!("{errors} error(s)")
            };
            Verdict::check(errors == 0, format!("conforms to {profile}"), actual)
                .with_issues(issues)
        }
        Err(e) => Verdict::error(expected, e),
    }
}

/// The scope's values as FHIRPath `%name` variables (strings).
pub fn fhirpath_vars(scope: &Scope) -> samsvar_fhirpath::Variables<'static> {
    let mut vars = samsvar_fhirpath::Variables::new();
    for (k, v) in scope.iter() {
        vars.insert(k, Value::String(v.to_string()));
    }
    vars
}

/// A FHIRPath result as a person reads it: `empty`, one value, or `[a, b]`.
pub fn show_results(results: &[Value]) -> String {
    match results {
        [] => "empty".to_string(),
        [one] => samsvar_fhirpath::display(one),
        many => format!(
            "[{}]",
            many.iter()
                .map(samsvar_fhirpath::display)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
