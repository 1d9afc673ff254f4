//! Rendering reports: FHIR OperationOutcome (one per input, a Bundle for several; the
//! shared diagnostic renderer, laid out as the HL7 validator writes it) and a text form
//! like the HL7 validator's.

use crate::validator::{ValidationReport, expression_of};
use samsvar_diagnostics::Severity;
use serde_json::{Value, json};

/// One OperationOutcome for one input.
pub fn operation_outcome(report: &ValidationReport) -> Value {
    samsvar_diagnostics::operation_outcome(&report.issues)
}

/// A collection Bundle holding one OperationOutcome per named input.
pub fn outcome_bundle(reports: &[(String, ValidationReport)]) -> Value {
    let entries: Vec<Value> = reports
        .iter()
        .map(|(name, report)| {
            let mut oo = operation_outcome(report);
            if let Some(o) = oo.as_object_mut() {
                o.insert(
                    "extension".into(),
                    json!([{ "url": "urn:samsvar:validated-file", "valueString": name }]),
                );
            }
            json!({ "resource": oo })
        })
        .collect();
    json!({ "resourceType": "Bundle", "type": "collection", "entry": entries })
}

/// Text like the HL7 validator's: a header per input, then one line per issue.
pub fn render_text(name: &str, report: &ValidationReport) -> String {
    let errors = report.error_count();
    let warnings = report.warning_count();
    let infos = report.count(Severity::Information);
    let verdict = if report.is_valid() {
        "Success"
    } else {
        "*FAILURE*"
    };
    let mut out =
        format!("-- {name} --\n{verdict}: {errors} errors, {warnings} warnings, {infos} notes\n");
    for i in &report.issues {
        let at = match i.position() {
            Some(p) => format!(" (line {}, col {})", p.line, p.col),
            None => String::new(),
        };
        let expr = match expression_of(i) {
            "" => "<input>",
            e => e,
        };
        out.push_str(&format!(
            "  {} @ {expr}{at}: {} [{}]\n",
            i.severity.label(),
            i.message,
            i.rule
        ));
    }
    out
}
