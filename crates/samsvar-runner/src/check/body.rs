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
    let vars = fhirpath_vars(&expr, scope).map_err(Problem::Other)?;
    let json = view.json().map_err(Problem::Body)?;
    expr.evaluate_with(json, &vars)
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
        [one] => format!("1 error: {} at {}", one.message, findings::place(one)),
        [first, ..] => format!(
            "{} errors; first: {} at {}",
            issues.len(),
            first.message,
            findings::place(first)
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
    match validator.validate(json, view.text().as_bytes(), profile) {
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

/// Every value `each` selects conforms to `profile`; it must select at least one. The
/// issues of a part carry its index (`[2] Patient.name …`) so a failure names the entry.
pub fn each_conforms_to(
    ctx: &RunContext<'_>,
    profile: &str,
    each: &str,
    view: &dyn ResponseView,
    scope: &Scope,
) -> Verdict {
    let expected = format!("each `{each}` conforms to {profile}");
    let Some(validator) = ctx.options.profile_validator.as_deref() else {
        return Verdict::error(Some(expected), NO_PROFILE_VALIDATION);
    };
    let parts = match eval_fhirpath(ctx, each, view, scope) {
        Ok(parts) => parts,
        Err(p) => return p.verdict(Some(expected)),
    };
    if parts.is_empty() {
        return Verdict {
            message: Some(format!(
                "`{each}` selected nothing, so nothing was shown to conform"
            )),
            ..Verdict::check(false, expected, "nothing selected")
        };
    }
    let mut issues = Vec::new();
    let mut failing = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        // The part is validated as its own text: positions would point into that text,
        // not into the response body, so they are dropped and the index names the part.
        let text = serde_json::to_vec(part).unwrap_or_default();
        match validator.validate(part, &text, profile) {
            Ok(found) => {
                if found.iter().any(|i| i.is_error()) {
                    failing.push(index);
                }
                issues.extend(found.into_iter().map(|mut i| {
                    if let Some(at) = i.payload_mut() {
                        let inner = at.expression.as_deref().unwrap_or_default();
                        at.expression = Some(format!("{each}[{index}] {inner}"));
                        at.position = None;
                    }
                    i
                }));
            }
            Err(e) => {
                return Verdict::error(Some(expected), format!("{each}[{index}]: {e}"));
            }
        }
    }
    let actual = match failing.as_slice() {
        [] => format!("all {} conform", parts.len()),
        [one] => format!("{each}[{one}] does not conform ({} checked)", parts.len()),
        many => format!(
            "{} of {} do not conform: {}",
            many.len(),
            parts.len(),
            many.iter()
                .map(|i| format!("{each}[{i}]"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Verdict::check(failing.is_empty(), expected, actual).with_issues(issues)
}

/// The scope's values as FHIRPath `%name` variables (strings). A variable the expression
/// reads that has no value is an error naming it, never an empty value: `where(id =
/// %decoy)` with an uncaptured `%decoy` would otherwise find nothing and pass `exists: false`.
pub fn fhirpath_vars(
    expr: &samsvar_fhirpath::Expression,
    scope: &Scope,
) -> Result<samsvar_fhirpath::Variables<'static>, String> {
    let mut vars = samsvar_fhirpath::Variables::new();
    for name in expr.variables() {
        if samsvar_fhirpath::lint::is_built_in_variable(name) {
            continue;
        }
        if !scope.has(name) {
            return Err(match scope.why_uncaptured(name) {
                Some(why) => format!("`%{name}` has no value: its capture found nothing ({why})"),
                None => format!("`%{name}` has no value here"),
            });
        }
    }
    for (k, v) in scope.iter() {
        vars.insert(k, Value::String(v.to_string()));
    }
    Ok(vars)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use samsvar_fhirpath::Expression;

    fn search() -> Value {
        serde_json::json!({ "resourceType": "Bundle", "entry": [
            { "resource": { "resourceType": "Patient", "id": "p1" } },
            { "resource": { "resourceType": "Patient", "id": "decoy-7" } }
        ]})
    }

    #[test]
    fn a_captured_value_reaches_fhirpath_as_a_variable() {
        let expr = Expression::parse("entry.resource.where(id = %decoy)").unwrap();
        let mut scope = Scope::new();
        scope.set("decoy", "decoy-7");
        let vars = fhirpath_vars(&expr, &scope).unwrap();
        let found = expr.evaluate_with(&search(), &vars).unwrap();
        // `exists: false` on this expression fails while the decoy is in the result.
        assert_eq!(found.len(), 1);
        // The template trap: the literal text never matches, which is why the lint refuses it.
        let literal = Expression::parse("entry.resource.where(id = '{{decoy}}')").unwrap();
        assert!(literal.evaluate_with(&search(), &vars).unwrap().is_empty());
    }

    #[test]
    fn a_variable_without_a_value_is_an_error_not_an_empty_result() {
        let expr = Expression::parse("entry.resource.where(id = %decoy).exists()").unwrap();
        let mut scope = Scope::new();
        scope.set_uncaptured("decoy", "`id` gave nothing");
        let err = fhirpath_vars(&expr, &scope).unwrap_err();
        assert!(err.contains("`%decoy` has no value"), "{err}");
        assert!(fhirpath_vars(&Expression::parse("%resource.id").unwrap(), &scope).is_ok());
    }
}
