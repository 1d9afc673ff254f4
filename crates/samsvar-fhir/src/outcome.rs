//! Rendering reports: FHIR OperationOutcome (one per input, a Bundle for several) and a
//! text form like the HL7 validator's.

use crate::validator::{Issue, ValidationReport};
use serde_json::{Value, json};

/// One OperationOutcome for one input. `source` (a file name) goes into an extension-free
/// `issue.location`-style diagnostics suffix only when positions are known.
pub fn operation_outcome(report: &ValidationReport) -> Value {
    let issues: Vec<Value> = if report.issues.is_empty() {
        vec![json!({
            "severity": "information",
            "code": "informational",
            "diagnostics": "no issues found"
        })]
    } else {
        report.issues.iter().map(issue_json).collect()
    };
    json!({ "resourceType": "OperationOutcome", "issue": issues })
}

fn issue_json(i: &Issue) -> Value {
    let mut o = serde_json::Map::new();
    o.insert("severity".into(), json!(i.severity.as_str()));
    o.insert("code".into(), json!(i.code.as_str()));
    o.insert(
        "details".into(),
        json!({ "coding": [{ "system": "urn:samsvar:validator-rule", "code": i.rule }] }),
    );
    o.insert(
        "diagnostics".into(),
        json!(format!("[{}] {}", i.rule, i.message)),
    );
    if let (Some(line), Some(col)) = (i.line, i.col) {
        o.insert(
            "location".into(),
            json!([format!("line {line}, col {col}")]),
        );
    }
    if !i.expression.is_empty() {
        o.insert("expression".into(), json!([i.expression]));
    }
    Value::Object(o)
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
    let infos = report.count(crate::validator::Severity::Information);
    let verdict = if report.is_valid() {
        "Success"
    } else {
        "*FAILURE*"
    };
    let mut out =
        format!("-- {name} --\n{verdict}: {errors} errors, {warnings} warnings, {infos} notes\n");
    for i in &report.issues {
        let at = match (i.line, i.col) {
            (Some(l), Some(c)) => format!(" (line {l}, col {c})"),
            _ => String::new(),
        };
        let expr = if i.expression.is_empty() {
            "<input>"
        } else {
            &i.expression
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
