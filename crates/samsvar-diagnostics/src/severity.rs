//! How bad a diagnostic is, and what kind of problem it is in FHIR's terms.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How bad a diagnostic is, ordered by badness: `Information < Warning < Error < Fatal`.
///
/// FHIR's four levels (OperationOutcome.issue.severity). A suite lint or an XDS rule is an
/// `Error` or a `Warning`; `Fatal` is an input that could not be read at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Information,
    Warning,
    Error,
    Fatal,
}

impl Severity {
    /// The lower-case name (`error`), as in JSON and OperationOutcome.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Information => "information",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Fatal => "fatal",
        }
    }

    /// The capitalised label of the HL7 validator's text output (`Error @ …`).
    pub fn label(self) -> &'static str {
        match self {
            Severity::Information => "Information",
            Severity::Warning => "Warning",
            Severity::Error => "Error",
            Severity::Fatal => "Fatal",
        }
    }

    /// `Error` or `Fatal`: what makes an input invalid or a suite unusable.
    pub fn is_error(self) -> bool {
        self >= Severity::Error
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of problem a diagnostic is: FHIR's IssueType value set
/// (OperationOutcome.issue.code), written in kebab-case as FHIR does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IssueType {
    Invalid,
    Structure,
    Required,
    Value,
    Invariant,
    Security,
    Processing,
    NotSupported,
    Duplicate,
    NotFound,
    TooLong,
    CodeInvalid,
    BusinessRule,
    Incomplete,
    Exception,
    Informational,
}

impl IssueType {
    pub fn as_str(self) -> &'static str {
        match self {
            IssueType::Invalid => "invalid",
            IssueType::Structure => "structure",
            IssueType::Required => "required",
            IssueType::Value => "value",
            IssueType::Invariant => "invariant",
            IssueType::Security => "security",
            IssueType::Processing => "processing",
            IssueType::NotSupported => "not-supported",
            IssueType::Duplicate => "duplicate",
            IssueType::NotFound => "not-found",
            IssueType::TooLong => "too-long",
            IssueType::CodeInvalid => "code-invalid",
            IssueType::BusinessRule => "business-rule",
            IssueType::Incomplete => "incomplete",
            IssueType::Exception => "exception",
            IssueType::Informational => "informational",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_by_badness_and_serialise_lower_case() {
        assert!(Severity::Information < Severity::Warning);
        assert!(Severity::Error < Severity::Fatal);
        assert!(Severity::Fatal.is_error() && !Severity::Warning.is_error());
        let json =
            serde_json::to_string(&[Severity::Fatal, Severity::Information]).unwrap_or_default();
        assert_eq!(json, r#"["fatal","information"]"#);
    }

    #[test]
    fn issue_types_serialise_as_fhir_codes() {
        for t in [
            IssueType::CodeInvalid,
            IssueType::NotFound,
            IssueType::BusinessRule,
        ] {
            let json = serde_json::to_value(t).unwrap_or_default();
            assert_eq!(json, t.as_str());
        }
    }
}
