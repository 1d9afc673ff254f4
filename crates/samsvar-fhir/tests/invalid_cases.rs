//! Evidence (b): hand-made resources in `tests/invalid/`, one per rule, each beside a
//! sidecar `<name>.expect.toml` that says what the validator must report:
//!
//! ```toml
//! profile = "test-patient"        # optional: validate against this test profile
//! rule = "cardinality"            # an issue with this rule, severity and expression
//! severity = "error"
//! expression = "Patient.name"
//! ```
//!
//! or `valid = true` (no error or fatal issue). The full outcome of an invalid case is
//! also a snapshot (`tests/snapshots/invalid_cases__invalid__<name>.snap`). A case file
//! without a sidecar fails. Each file is a test of its own (`cargo test --test
//! invalid_cases -- cardinality`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use samsvar_fhir::validator::expression_of;
use samsvar_fhir::{Severity, ValidationReport, Validator, outcome};
use serde::Deserialize;
use std::path::Path;
use std::sync::{Arc, OnceLock};

const EX: &str = "http://example.org/fhir/StructureDefinition/";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expectation {
    #[serde(default)]
    valid: bool,
    profile: Option<String>,
    rule: Option<String>,
    severity: Option<Severity>,
    expression: Option<String>,
}

fn validator() -> Arc<Validator> {
    static V: OnceLock<Arc<Validator>> = OnceLock::new();
    V.get_or_init(|| {
        Arc::new(Validator::new(Arc::new(
            common::definitions_with_test_profiles(),
        )))
    })
    .clone()
}

fn case(path: &Path, bytes: Vec<u8>) -> datatest_stable::Result<()> {
    let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
    let sidecar = path.with_extension("expect.toml");
    let text = std::fs::read_to_string(&sidecar).map_err(|e| {
        format!(
            "{}: every case needs its expectation: {e}",
            sidecar.display()
        )
    })?;
    let expect: Expectation =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", sidecar.display()))?;
    let profile = expect.profile.as_ref().map(|p| format!("{EX}{p}"));
    let report = validator().validate_bytes(&bytes, profile.as_deref());
    let rendered = outcome::render_text(&stem, &report);
    if expect.valid {
        return match report.is_valid() {
            true => Ok(()),
            false => Err(format!("{stem} must have no errors:\n{rendered}").into()),
        };
    }
    let (Some(rule), Some(severity), Some(expression)) =
        (&expect.rule, expect.severity, &expect.expression)
    else {
        return Err(format!(
            "{}: give `valid = true`, or `rule`, `severity` and `expression`",
            sidecar.display()
        )
        .into());
    };
    if stem.starts_with("invariant-") && !cfg!(feature = "fhirpath-invariants") {
        println!("{stem}: not checked: built without the fhirpath-invariants feature");
        return Ok(());
    }
    if !reports(&report, rule, severity, expression) {
        return Err(format!(
            "{stem}: expected {severity} [{rule}] @ {expression}, got:\n{rendered}"
        )
        .into());
    }
    if !stem.starts_with("invariant-") {
        // Invariant outcomes depend on the FHIRPath engine's wording; checked by rule above.
        insta::assert_snapshot!(format!("invalid__{stem}"), rendered);
    }
    Ok(())
}

fn reports(report: &ValidationReport, rule: &str, severity: Severity, expression: &str) -> bool {
    report
        .issues
        .iter()
        .any(|i| i.rule == rule && i.severity == severity && expression_of(i) == expression)
}

datatest_stable::harness! {
    { test = case, root = "tests/invalid", pattern = r"^[^/]+\.json$" },
}
