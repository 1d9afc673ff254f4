//! What an assertion found, before it becomes a record.

use super::view::NotJson;
use crate::caches::Caches;
use crate::vars::Scope;
use samsvar_record::{Diagnostic, Outcome};
use samsvar_suite::model::ValueCheck;

/// The result of one check: outcome, expected vs actual, an explanation, findings.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub outcome: Outcome,
    pub expected: Option<String>,
    pub actual: Option<String>,
    pub message: Option<String>,
    pub issues: Vec<Diagnostic>,
}

impl Verdict {
    /// Pass when `ok`, else fail, showing what was expected and what was found.
    pub fn check(ok: bool, expected: impl Into<String>, actual: impl Into<String>) -> Self {
        Self {
            outcome: Outcome::pass_if(ok),
            expected: Some(expected.into()),
            actual: Some(actual.into()),
            message: None,
            issues: Vec::new(),
        }
    }

    /// The body was needed as JSON and is not: fail when missing, error otherwise.
    pub fn not_json(expected: Option<String>, e: &NotJson) -> Self {
        Self {
            outcome: e.outcome(),
            expected,
            actual: (e.outcome() == Outcome::Fail).then(|| "no body".to_string()),
            message: Some(e.to_string()),
            issues: Vec::new(),
        }
    }

    /// The check could not be made.
    pub fn error(expected: Option<String>, message: impl Into<String>) -> Self {
        Self {
            outcome: Outcome::Error,
            expected,
            actual: None,
            message: Some(message.into()),
            issues: Vec::new(),
        }
    }

    pub fn with_issues(mut self, issues: Vec<Diagnostic>) -> Self {
        self.issues = issues;
        self
    }
}

/// Checks a value found in the response (a header, a FHIRPath result).
pub fn check_value(
    caches: &Caches,
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
        ValueCheck::NotEquals(t) => match scope.render(t) {
            Ok(other) => Verdict::check(
                actual.is_some() && actual.as_deref() != Some(&other),
                format!("present and not `{other}`"),
                shown,
            ),
            Err(e) => Verdict::error(None, e.to_string()),
        },
        ValueCheck::Compare(order, t) => match scope.render(t) {
            Ok(bound) => {
                let expected = format!("{} {bound}", order.symbol());
                match actual.as_deref().map(|a| compare(a, &bound)) {
                    Some(Some(o)) => Verdict::check(order.holds(o), expected, shown),
                    Some(None) => Verdict {
                        message: Some(format!(
                            "`{shown}` and `{bound}` are not both numbers, nor both dates or times of the same precision"
                        )),
                        ..Verdict::check(false, expected, shown.clone())
                    },
                    None => Verdict::check(false, expected, shown),
                }
            }
            Err(e) => Verdict::error(None, e.to_string()),
        },
        ValueCheck::Matches(t) => {
            let pattern = match scope.render_regex(t) {
                Ok(p) => p,
                Err(e) => return Verdict::error(None, e.to_string()),
            };
            match caches.regex(&pattern) {
                Ok(rx) => Verdict::check(
                    actual.as_deref().is_some_and(|a| rx.is_match(a)),
                    format!("matches /{pattern}/"),
                    shown,
                ),
                Err(e) => Verdict::error(Some(format!("matches /{pattern}/")), e),
            }
        }
    }
}

/// Orders `actual` against `bound`: as numbers when both are, else as ISO 8601 dates or
/// times written to the same precision (their text order is their time order).
fn compare(actual: &str, bound: &str) -> Option<std::cmp::Ordering> {
    if let (Ok(a), Ok(b)) = (actual.trim().parse::<f64>(), bound.trim().parse::<f64>()) {
        return a.partial_cmp(&b);
    }
    let shape = |s: &str| -> Option<String> {
        let shape: String = s
            .chars()
            .map(|c| if c.is_ascii_digit() { '9' } else { c })
            .collect();
        let date_like = shape.starts_with("9999") || shape.starts_with("99:");
        date_like.then_some(shape)
    };
    // Offsets other than `Z` make text order differ from time order.
    let offset = |s: &str| {
        s.split_once('T')
            .is_some_and(|(_, t)| t.contains(['+', '-']))
    };
    match (shape(actual), shape(bound)) {
        (Some(a), Some(b)) if a == b && !offset(actual) && !offset(bound) => {
            Some(actual.cmp(bound))
        }
        _ => None,
    }
}

/// What a value check expects, as its verdict would say it.
pub fn expected_of(check: &ValueCheck, scope: &Scope) -> Option<String> {
    match check {
        ValueCheck::Exists(true) => Some("present".into()),
        ValueCheck::Exists(false) => Some("absent".into()),
        ValueCheck::Equals(t) => scope.render(t).ok(),
        ValueCheck::NotEquals(t) => scope.render(t).ok().map(|t| format!("not `{t}`")),
        ValueCheck::Compare(order, t) => scope
            .render(t)
            .ok()
            .map(|t| format!("{} {t}", order.symbol())),
        ValueCheck::Matches(t) => scope.render_regex(t).ok().map(|p| format!("matches /{p}/")),
    }
}

/// `410` or `one of 410, 404`.
pub fn one_of(codes: &[u16]) -> String {
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

/// `application/fhir+json; charset=utf-8` → `application/fhir+json`.
pub fn media_type(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
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

    #[test]
    fn comparisons_order_numbers_and_same_precision_dates() {
        use std::cmp::Ordering::*;
        assert_eq!(compare("10", "9"), Some(Greater));
        assert_eq!(compare("1.5", "1.50"), Some(Equal));
        assert_eq!(compare("2024-01-02", "2024-01-10"), Some(Less));
        assert_eq!(
            compare("2024-01-02T10:00:00Z", "2024-01-02T09:00:00Z"),
            Some(Greater)
        );
        assert_eq!(
            compare("2024-01", "2024-01-10"),
            None,
            "different precision"
        );
        assert_eq!(
            compare("2024-01-02T10:00:00+01:00", "2024-01-02T09:00:00+00:00"),
            None,
            "offsets"
        );
        assert_eq!(compare("abc", "1"), None);
    }
}
