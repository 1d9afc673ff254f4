//! The report for one input: its diagnostics (severity, rule id, message, FHIRPath-style
//! expression, JSON pointer and, when read from text, line and column).

use samsvar_diagnostics::{Diagnostic, IssueType, PayloadLocation, Severity};
use serde::Serialize;

/// Everything found in one input.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ValidationReport {
    pub issues: Vec<Diagnostic>,
}

impl ValidationReport {
    /// A report holding one fatal issue about the input as a whole.
    pub fn fatal(issue_type: IssueType, rule: &'static str, message: String) -> ValidationReport {
        ValidationReport {
            issues: vec![
                Diagnostic::new(Severity::Fatal, rule, PayloadLocation::default(), message)
                    .with_issue_type(issue_type),
            ],
        }
    }

    /// No error or fatal issue.
    pub fn is_valid(&self) -> bool {
        self.error_count() == 0
    }

    /// Error and fatal issues.
    pub fn error_count(&self) -> usize {
        self.errors().count()
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

    /// Error and fatal issues.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.issues.iter().filter(|i| i.is_error())
    }
}

/// The FHIRPath-style expression of an issue (`Patient.name[0]`), empty for the input
/// as a whole.
pub fn expression_of(issue: &Diagnostic) -> &str {
    issue
        .payload()
        .and_then(|p| p.expression.as_deref())
        .unwrap_or_default()
}
