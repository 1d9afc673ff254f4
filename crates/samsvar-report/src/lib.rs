//! Renderers of the run record, the one home of every output made from a
//! [`RunRecord`](samsvar_record::RunRecord) alone:
//!
//! - [`terminal`]: the lines `samsvar run` prints (per test, failures, summary, verdict);
//! - [`json`]: `run.json`, the record as pretty JSON;
//! - [`junit`]: `junit.xml` for CI systems.
//!
//! The evidence bundle's own renderers (report.html, FHIR TestReport, evidence.json) live
//! in `samsvar-evidence`: they render the signed evidence record, not the run record.
//! A renderer takes a record and returns text; writing files and live progress are the
//! caller's business.

pub mod body_lines;
pub mod json;
pub mod junit;
pub mod terminal;

use std::path::{Path, PathBuf};

/// A report that could not be rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("failed to encode the run record as JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("failed to render {what}: {message}")]
    Render { what: &'static str, message: String },
    #[error("failed to write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Writes rendered `text` to `path`.
pub fn write(path: &Path, text: &str) -> Result<(), ReportError> {
    std::fs::write(path, text).map_err(|source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// `Patient.birthDate: "17.05.1984" is not a valid date`: a finding as the terminal and
/// JUnit list it under a failed assertion (payload place, then message).
pub(crate) fn issue_text(d: &samsvar_record::Diagnostic) -> String {
    match d.payload().map(ToString::to_string) {
        Some(at) if !at.is_empty() => format!("{at}: {}", d.message),
        _ => d.message.clone(),
    }
}
