//! Findings of other crates' checkers as the record's [`Issue`]s: JSON Schema errors and
//! XDS metadata rule findings. The one place to adapt when the record carries the
//! unified diagnostic instead (FHIR profile issues arrive through
//! [`crate::ProfileValidator`], already as `Issue`s).

use samsvar_record::Issue;
use samsvar_xds::validate::Diagnostic;

/// JSON Schema errors; the location is the instance's JSON pointer (`/` for the root).
pub fn from_schema_errors<'a>(
    errors: impl Iterator<Item = jsonschema::ValidationError<'a>>,
) -> Vec<Issue> {
    errors
        .map(|err| Issue {
            severity: "error".to_string(),
            location: {
                let p = err.instance_path.to_string();
                if p.is_empty() { "/".to_string() } else { p }
            },
            message: err.to_string(),
            rule: None,
        })
        .collect()
}

/// XDS metadata findings; the location carries line and column when the rule knows them.
pub fn from_xds(findings: &[Diagnostic]) -> Vec<Issue> {
    findings
        .iter()
        .map(|f| {
            let path = f
                .payload()
                .and_then(samsvar_diagnostics::PayloadLocation::path)
                .unwrap_or_default();
            Issue {
                severity: f.severity.as_str().to_string(),
                location: match f.position() {
                    Some(p) => format!("{path} ({}:{})", p.line, p.col),
                    None => path.to_string(),
                },
                message: f.message.clone(),
                rule: Some(f.rule.to_string()),
            }
        })
        .collect()
}
