//! Diagnostics as JSON: the serialised form, with suite spans resolved to the file name
//! and 1-based start and end positions (a span alone names a file by its index).

use crate::{Diagnostic, Location, SourceMap};
use serde_json::{Value, json};

/// One diagnostic as JSON. A payload diagnostic is its serialised form; a suite span
/// becomes `{"source": {"file", "line", "col", "end_line", "end_col"}}`.
pub fn to_json(map: &SourceMap, d: &Diagnostic) -> Value {
    let mut value = serde_json::to_value(d).unwrap_or(Value::Null);
    if let (Location::Source(span), Some(obj)) = (&d.location, value.as_object_mut()) {
        let resolved = match map.get(span.file) {
            Some(file) => {
                let start = file.line_col(span.start as usize);
                let end = file.line_col(span.end as usize);
                json!({
                    "file": file.name,
                    "line": start.line,
                    "col": start.col,
                    "end_line": end.line,
                    "end_col": end.col,
                })
            }
            None => json!({}),
        };
        obj.insert("location".into(), json!({ "source": resolved }));
    }
    value
}

/// Many diagnostics as a JSON array.
pub fn render_json(map: &SourceMap, diags: &[Diagnostic]) -> Value {
    Value::Array(diags.iter().map(|d| to_json(map, d)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Span;

    #[test]
    fn suite_spans_are_resolved_to_file_line_and_column() {
        let mut map = SourceMap::new();
        let id = map.add("s.yaml", "steps:\n  - stauts: 200\n".to_string());
        let d = Diagnostic::error("unknown-key", Span::new(id, 11, 17), "unknown key `stauts`")
            .with_hint("did you mean `status`?");
        assert_eq!(
            render_json(&map, &[d]),
            json!([{
                "severity": "error",
                "rule": "unknown-key",
                "message": "unknown key `stauts`",
                "hint": "did you mean `status`?",
                "location": {"source": {"file": "s.yaml", "line": 2, "col": 5, "end_line": 2, "end_col": 11}}
            }])
        );
    }
}
