//! JSON Schema errors as the record's [`Diagnostic`]s. The other checkers already speak
//! the one diagnostic model: XDS metadata rules return `Diagnostic`s and FHIR profile
//! issues arrive through [`crate::ProfileValidator`] as `Diagnostic`s.

use samsvar_diagnostics::{Diagnostic, PayloadLocation};

/// The rule id of every `json_schema` finding. The keyword that failed is in the message
/// (and in `schema_path`, which is the suite author's file, not the payload).
pub const JSON_SCHEMA_RULE: &str = "json-schema";

/// JSON Schema errors, each located by the instance's JSON pointer (`""` is the root).
pub fn from_schema_errors<'a>(
    errors: impl Iterator<Item = jsonschema::ValidationError<'a>>,
) -> Vec<Diagnostic> {
    errors
        .map(|err| {
            let at = PayloadLocation::pointer(err.instance_path().to_string());
            Diagnostic::error(JSON_SCHEMA_RULE, at, err.to_string())
        })
        .collect()
}

/// `/name/0` for a pointer, `the document root` for the root, as shown in `actual`.
pub fn place(d: &Diagnostic) -> String {
    match d.payload().map(ToString::to_string) {
        Some(at) if !at.is_empty() => at,
        _ => "the document root".to_string(),
    }
}
