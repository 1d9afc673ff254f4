//! Diagnostics as a FHIR R4 OperationOutcome, laid out as the HL7 validator writes it:
//! the rule id in the `operationoutcome-message-id` extension, line and column in
//! `operationoutcome-issue-line`/`-col`, the message in `details.text`, the FHIRPath
//! location in `expression` and an XPath location in `location`.

use crate::{Diagnostic, IssueType, Location};
use serde_json::{Map, Value, json};

/// The extension that carries the rule id of an issue (the HL7 validator's message id).
pub const RULE_EXTENSION: &str =
    "http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id";
const LINE_EXTENSION: &str = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-line";
const COL_EXTENSION: &str = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-col";

/// One OperationOutcome; no diagnostics give the single informational issue FHIR needs
/// (an OperationOutcome has at least one issue).
pub fn operation_outcome(diags: &[Diagnostic]) -> Value {
    let issues: Vec<Value> = if diags.is_empty() {
        vec![json!({
            "severity": "information",
            "code": "informational",
            "details": { "text": "no issues found" }
        })]
    } else {
        diags.iter().map(issue).collect()
    };
    json!({ "resourceType": "OperationOutcome", "issue": issues })
}

fn issue(d: &Diagnostic) -> Value {
    let mut extensions = Vec::new();
    if let Some(pos) = d.position() {
        extensions.push(json!({ "url": LINE_EXTENSION, "valueInteger": pos.line }));
        extensions.push(json!({ "url": COL_EXTENSION, "valueInteger": pos.col }));
    }
    extensions.push(json!({ "url": RULE_EXTENSION, "valueCode": d.rule }));
    let mut o = Map::new();
    o.insert("extension".into(), Value::Array(extensions));
    o.insert("severity".into(), json!(d.severity.as_str()));
    // A check that names no kind (suite lint, XDS rules) reports content that is invalid
    // against its specification.
    let code = d.issue_type.unwrap_or(IssueType::Invalid);
    o.insert("code".into(), json!(code.as_str()));
    o.insert("details".into(), json!({ "text": d.message }));
    if let Some(hint) = &d.hint {
        o.insert("diagnostics".into(), json!(hint));
    }
    if let Location::Payload(p) = &d.location {
        if let Some(expression) = &p.expression {
            o.insert("expression".into(), json!([expression]));
        }
        if let Some(xpath) = &p.xpath {
            o.insert("location".into(), json!([xpath]));
        }
    }
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LineCol, PayloadLocation};

    #[test]
    fn issues_carry_rule_position_expression_and_text() {
        let d = Diagnostic::error(
            "type-date",
            PayloadLocation::expression("Patient.birthDate")
                .with_position(Some(LineCol::new(12, 3))),
            "\"1990-13-01\" is not a valid date",
        )
        .with_issue_type(IssueType::Value);
        assert_eq!(
            operation_outcome(&[d]),
            json!({"resourceType": "OperationOutcome", "issue": [{
                "extension": [
                    {"url": LINE_EXTENSION, "valueInteger": 12},
                    {"url": COL_EXTENSION, "valueInteger": 3},
                    {"url": RULE_EXTENSION, "valueCode": "type-date"}
                ],
                "severity": "error",
                "code": "value",
                "details": {"text": "\"1990-13-01\" is not a valid date"},
                "expression": ["Patient.birthDate"]
            }]})
        );
    }

    #[test]
    fn no_diagnostics_is_one_informational_issue() {
        let oo = operation_outcome(&[]);
        assert_eq!(oo["issue"][0]["code"], "informational");
        assert_eq!(oo["issue"].as_array().map(Vec::len), Some(1));
    }
}
