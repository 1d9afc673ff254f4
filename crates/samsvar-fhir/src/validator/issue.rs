//! Validation issues and the report for one input.

use serde::Serialize;

/// OperationOutcome.issue.severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Fatal,
    Error,
    Warning,
    Information,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Fatal => "fatal",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "information",
        }
    }
    /// The HL7 validator's capitalised label (`Error @ ...`).
    pub fn label(self) -> &'static str {
        match self {
            Severity::Fatal => "Fatal",
            Severity::Error => "Error",
            Severity::Warning => "Warning",
            Severity::Information => "Information",
        }
    }
}

/// OperationOutcome.issue.code (the IssueType value set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum IssueType {
    Invalid,
    Structure,
    Required,
    Value,
    Invariant,
    CodeInvalid,
    NotFound,
    NotSupported,
    TooLong,
    BusinessRule,
    Informational,
    Exception,
    Incomplete,
    Security,
    Duplicate,
    Processing,
}

impl IssueType {
    pub fn as_str(self) -> &'static str {
        match self {
            IssueType::Invalid => "invalid",
            IssueType::Structure => "structure",
            IssueType::Required => "required",
            IssueType::Value => "value",
            IssueType::Invariant => "invariant",
            IssueType::CodeInvalid => "code-invalid",
            IssueType::Incomplete => "incomplete",
            IssueType::Security => "security",
            IssueType::Duplicate => "duplicate",
            IssueType::Processing => "processing",
            IssueType::NotFound => "not-found",
            IssueType::NotSupported => "not-supported",
            IssueType::TooLong => "too-long",
            IssueType::BusinessRule => "business-rule",
            IssueType::Informational => "informational",
            IssueType::Exception => "exception",
        }
    }
}

/// One finding, located by a FHIRPath-style expression and (when the source is known)
/// a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Issue {
    pub severity: Severity,
    pub code: IssueType,
    /// Location such as `Patient.name[0].given[1]`.
    pub expression: String,
    pub line: Option<usize>,
    pub col: Option<usize>,
    pub message: String,
    /// The rule or constraint key that fired (`cardinality`, `ele-1`, `binding`, ...).
    pub rule: String,
}

/// Everything found in one input.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ValidationReport {
    pub issues: Vec<Issue>,
}

impl ValidationReport {
    /// No error or fatal issue.
    pub fn is_valid(&self) -> bool {
        self.error_count() == 0
    }

    pub fn error_count(&self) -> usize {
        self.issues
            .iter()
            .filter(|i| i.severity <= Severity::Error)
            .count()
    }

    pub fn warning_count(&self) -> usize {
        self.count(Severity::Warning)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.issues
            .iter()
            .filter(|i| i.severity == severity)
            .count()
    }

    pub fn errors(&self) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(|i| i.severity <= Severity::Error)
    }
}
