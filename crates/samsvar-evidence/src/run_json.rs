//! The JSON run record (`run.json`): the [`RunRecord`] as pretty JSON.

use crate::{EvidenceError, Result};
use samsvar_runner::record::RunRecord;
use std::path::Path;

/// The record as pretty-printed JSON with a trailing newline.
pub fn render(record: &RunRecord) -> Result<String> {
    let mut text = serde_json::to_string_pretty(record).map_err(|source| EvidenceError::Json {
        what: "the run record",
        source,
    })?;
    text.push('\n');
    Ok(text)
}

/// Writes the record to `path` (usually `<out>/<run-id>/run.json`).
pub fn write(record: &RunRecord, path: &Path) -> Result<()> {
    let text = render(record)?;
    std::fs::write(path, text).map_err(|e| EvidenceError::io("write", path, e))
}
