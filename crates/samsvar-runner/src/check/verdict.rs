//! What an assertion found, before it becomes a record.

use super::view::NotJson;
use crate::caches::Caches;
use crate::vars::Scope;
use samsvar_record::{Issue, Outcome};
use samsvar_suite::model::ValueCheck;

/// The result of one check: outcome, expected vs actual, an explanation, findings.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub outcome: Outcome,
    pub expected: Option<String>,
    pub actual: Option<String>,
    pub message: Option<String>,
    pub issues: Vec<Issue>,
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

    pub fn with_issues(mut self, issues: Vec<Issue>) -> Self {
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
        ValueCheck::Matches(re) => match caches.regex(&re.value) {
            Ok(rx) => Verdict::check(
                actual.as_deref().is_some_and(|a| rx.is_match(a)),
                format!("matches /{}/", re.value),
                shown,
            ),
            Err(e) => Verdict::error(Some(format!("matches /{}/", re.value)), e),
        },
    }
}

/// What a value check expects, as its verdict would say it.
pub fn expected_of(check: &ValueCheck, scope: &Scope) -> Option<String> {
    match check {
        ValueCheck::Exists(true) => Some("present".into()),
        ValueCheck::Exists(false) => Some("absent".into()),
        ValueCheck::Equals(t) => scope.render(t).ok(),
        ValueCheck::Matches(re) => Some(format!("matches /{}/", re.value)),
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
}
