//! `run.json`: the [`RunRecord`] as pretty JSON.

use crate::ReportError;
use samsvar_record::RunRecord;

/// The record as pretty-printed JSON with a trailing newline.
pub fn render(record: &RunRecord) -> Result<String, ReportError> {
    let mut text = serde_json::to_string_pretty(record)?;
    text.push('\n');
    Ok(text)
}
