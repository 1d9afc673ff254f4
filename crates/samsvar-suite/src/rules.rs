//! The catalogue of suite lint codes: each code, its severity and what it means.
//! `docs/suite-language.md` shows the table generated from it; a test keeps the two equal,
//! and every diagnostic [`crate::check`] returns must carry a code listed here.

use samsvar_diagnostics::Severity::{self, Error as E, Warning as W};

pub struct LintRule {
    pub code: &'static str,
    pub severity: Severity,
    pub meaning: &'static str,
}

const fn lint(code: &'static str, severity: Severity, meaning: &'static str) -> LintRule {
    LintRule {
        code,
        severity,
        meaning,
    }
}

pub const RULES: &[LintRule] = &[
    lint("yaml-syntax", E, "not valid YAML"),
    lint(
        "yaml-too-deep",
        E,
        "YAML nested deeper than the parser accepts",
    ),
    lint(
        "yaml-too-large",
        E,
        "a suite file or YAML document larger than the parser accepts",
    ),
    lint("empty-suite", E, "a suite file with nothing in it"),
    lint("duplicate-key", E, "a key written twice in one mapping"),
    lint(
        "unknown-key",
        E,
        "a key the format does not know (hint: the closest known key)",
    ),
    lint("missing-key", E, "a required key is missing"),
    lint(
        "optional-outside-tests",
        E,
        "setup or teardown uses a target or input declared `optional: true`, which a run may leave without a value",
    ),
    lint("wrong-type", E, "e.g. a number where a string is expected"),
    lint(
        "invalid-value",
        E,
        "a value outside its allowed set or range, or an empty list/string",
    ),
    lint(
        "invalid-name",
        E,
        "a variable name with characters other than letters, digits, `_`, `-`",
    ),
    lint(
        "fhirpath-syntax",
        E,
        "FHIRPath syntax error, pointing inside the expression",
    ),
    lint(
        "fhirpath-template",
        E,
        "`{{name}}` inside a FHIRPath expression (hint: read the variable as `%name`)",
    ),
    lint(
        "unknown-function",
        E,
        "a FHIRPath function this build does not evaluate (hint: the closest known one)",
    ),
    lint(
        "fhirpath-arity",
        E,
        "a FHIRPath function called with the wrong number of arguments",
    ),
    lint(
        "fhirpath-operator",
        E,
        "`==`, `&&` or `||` in FHIRPath (hint: `=`, `and`, `or`)",
    ),
    lint(
        "invalid-regex",
        E,
        "a regex that does not compile, pointing inside the pattern",
    ),
    lint("invalid-template", E, "a malformed `{{…}}`"),
    lint(
        "undefined-variable",
        E,
        "`{{name}}` that nothing defines, or that is not captured yet",
    ),
    lint(
        "duplicate-variable",
        E,
        "a capture or input with the name of a target or input",
    ),
    lint("duplicate-capture", E, "two captures with the same name"),
    lint("duplicate-id", E, "two tests or groups with the same id"),
    lint("unknown-test", E, "`needs:` names no test"),
    lint(
        "needs-cycle",
        E,
        "tests that need each other, directly or through captures",
    ),
    lint(
        "unknown-target",
        E,
        "a request or TLS probe whose target the suite does not declare",
    ),
    lint(
        "ambiguous-target",
        E,
        "a relative URL in a suite with several targets",
    ),
    lint(
        "assertion-misfit",
        E,
        "an assertion that cannot apply to its step (e.g. `status` on a TLS probe, `xds` on an HTTP request)",
    ),
    lint(
        "capture-misfit",
        E,
        "a capture that cannot apply to its step",
    ),
    lint(
        "retry-misfit",
        E,
        "`retry:` on an `xds:` or `tls:` step (only `request:` steps repeat)",
    ),
    lint(
        "unknown-xds-transaction",
        E,
        "an `xds:` step naming a transaction samsvar does not implement",
    ),
    lint(
        "xds-input",
        E,
        "an `xds:` step input that does not belong to its transaction, or a missing one",
    ),
    lint(
        "unknown-stored-query",
        E,
        "an ITI-18 query naming an unknown stored query",
    ),
    lint(
        "unknown-xds-capture",
        E,
        "a `{ xds: NAME }` capture samsvar does not know",
    ),
    lint(
        "unknown-run-value",
        E,
        "`{{$name}}` that is not one of the run values `$uuid`, `$run_id`",
    ),
    lint(
        "missing-file",
        E,
        "a fixture or JSON Schema file that does not exist",
    ),
    lint(
        "invalid-json-schema",
        E,
        "a `json_schema:` file that is not a valid JSON Schema",
    ),
    lint(
        "conflicting-body",
        E,
        "more than one of `json`, `text`, `file`",
    ),
    lint("secret-default", E, "a secret input with a default value"),
    lint(
        "internal",
        E,
        "samsvar's own suite schema failed to compile (a bug in samsvar, never in the suite)",
    ),
    lint("unused-input", W, "an input declared but never used"),
    lint("unused-target", W, "a target declared but never used"),
    lint(
        "no-requirement",
        W,
        "a test that verifies no requirement id (nor does its group or suite)",
    ),
    lint(
        "absolute-path",
        W,
        "an absolute fixture path (the suite is not portable)",
    ),
    lint(
        "unchecked-probe",
        W,
        "a `tls:` probe without a `tls` assertion",
    ),
];

pub fn rule(code: &str) -> Option<&'static LintRule> {
    RULES.iter().find(|r| r.code == code)
}

/// The catalogue as the Markdown table of `docs/suite-language.md`.
pub fn markdown_table() -> String {
    let rows: Vec<Vec<String>> = RULES
        .iter()
        .map(|r| {
            vec![
                format!("`{}`", r.code),
                r.severity.to_string(),
                r.meaning.to_string(),
            ]
        })
        .collect();
    samsvar_diagnostics::catalogue::markdown_table(&["code", "severity", "meaning"], &rows)
}
