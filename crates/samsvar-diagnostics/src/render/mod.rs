//! Renderers: full (like compilers: location, source line, carets, hint), concise (one
//! line each), JSON, SARIF 2.1.0 (code scanning) and FHIR OperationOutcome.

mod json;
mod outcome;
mod sarif;

pub use json::{render_json, to_json};
pub use outcome::{RULE_EXTENSION, operation_outcome};
pub use sarif::{SARIF_SCHEMA, SarifFile, SarifTool, render_sarif};

use crate::{Diagnostic, Location, SourceMap, Span};
use std::fmt::Write;

/// Renders one diagnostic the way compilers do:
///
/// ```text
/// error[unknown-key]: unknown key `stauts` in assertion
///   --> suite.yaml:12:9
///    |
/// 12 |       - stauts: 200
///    |         ^^^^^^
///    = hint: did you mean `status`?
/// ```
///
/// A payload diagnostic has no source text here: its location line names the path and
/// the position (`--> Patient.name (line 3, col 5)`).
pub fn render(map: &SourceMap, d: &Diagnostic) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}[{}]: {}", d.severity, d.rule, d.message);
    match &d.location {
        Location::Source(span) => source_snippet(&mut out, map, *span, d.hint.as_deref()),
        Location::Payload(p) => {
            let at = p.to_string();
            if !at.is_empty() {
                let _ = writeln!(out, "  --> {at}");
            }
            if let Some(h) = &d.hint {
                let _ = writeln!(out, "  = hint: {h}");
            }
        }
    }
    out
}

fn source_snippet(out: &mut String, map: &SourceMap, span: Span, hint: Option<&str>) {
    let Some(file) = map.get(span.file) else {
        if let Some(h) = hint {
            let _ = writeln!(out, "  = hint: {h}");
        }
        return;
    };
    let start = file.line_col(span.start as usize);
    let end = file.line_col(span.end as usize);
    let gutter = start.line.to_string().len();
    let pad = " ".repeat(gutter);
    let _ = writeln!(out, "{pad}--> {}:{}:{}", file.name, start.line, start.col);
    let _ = writeln!(out, "{pad} |");
    let text = file.line_text(start.line);
    let _ = writeln!(out, "{} | {}", start.line, text);
    let width = if end.line == start.line {
        end.col.saturating_sub(start.col).max(1)
    } else {
        text.chars().count().saturating_sub(start.col - 1).max(1)
    };
    let _ = writeln!(
        out,
        "{pad} | {}{}",
        " ".repeat(start.col - 1),
        "^".repeat(width)
    );
    if let Some(h) = hint {
        let _ = writeln!(out, "{pad} = hint: {h}");
    }
}

/// Renders many diagnostics separated by blank lines, followed by a count line.
pub fn render_all(map: &SourceMap, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&render(map, d));
        out.push('\n');
    }
    out.push_str(&count_line(diags));
    out
}

/// One line per diagnostic: `suite.yaml:12:9: error[unknown-key] unknown key …` for a
/// file, `Patient.name (line 3, col 5): error[cardinality] …` for a payload.
pub fn render_concise(map: &SourceMap, d: &Diagnostic) -> String {
    let at = match &d.location {
        Location::Source(span) => map.location(*span),
        Location::Payload(p) => p.to_string(),
    };
    let mut line = String::new();
    if !at.is_empty() {
        let _ = write!(line, "{at}: ");
    }
    let _ = write!(line, "{}[{}] {}", d.severity, d.rule, d.message);
    if let Some(h) = &d.hint {
        let _ = write!(line, " (hint: {h})");
    }
    line.push('\n');
    line
}

/// Every diagnostic on one line each, followed by a count line.
pub fn render_concise_all(map: &SourceMap, diags: &[Diagnostic]) -> String {
    let mut out: String = diags.iter().map(|d| render_concise(map, d)).collect();
    out.push_str(&count_line(diags));
    out
}

/// `2 error(s), 1 warning(s)`: errors include fatal ones, warnings everything else.
pub fn count_line(diags: &[Diagnostic]) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    format!("{errors} error(s), {warnings} warning(s)\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LineCol, PayloadLocation, Span};

    fn suite_map() -> (SourceMap, Diagnostic) {
        let mut map = SourceMap::new();
        let id = map.add("s.yaml", "steps:\n  - stauts: 200\n".to_string());
        let d = Diagnostic::error("unknown-key", Span::new(id, 11, 17), "unknown key `stauts`")
            .with_hint("did you mean `status`?");
        (map, d)
    }

    #[test]
    fn renders_location_caret_and_hint() {
        let (map, d) = suite_map();
        assert_eq!(
            render(&map, &d),
            "error[unknown-key]: unknown key `stauts`\n --> s.yaml:2:5\n  |\n2 |   - stauts: 200\n  |     ^^^^^^\n  = hint: did you mean `status`?\n"
        );
    }

    #[test]
    fn renders_one_line_per_diagnostic() {
        let (map, d) = suite_map();
        let payload = Diagnostic::warning(
            "xds-de-010",
            PayloadLocation::xpath("/RegistryObjectList/ExtrinsicObject[@id='d1']")
                .with_position(Some(LineCol::new(1, 120))),
            "no author",
        );
        assert_eq!(
            render_concise_all(&map, &[d, payload]),
            "s.yaml:2:5: error[unknown-key] unknown key `stauts` (hint: did you mean `status`?)\n\
             /RegistryObjectList/ExtrinsicObject[@id='d1'] (line 1, col 120): warning[xds-de-010] no author\n\
             1 error(s), 1 warning(s)\n"
        );
    }

    #[test]
    fn renders_a_payload_diagnostic_in_full() {
        let d = Diagnostic::error(
            "cardinality",
            PayloadLocation::expression("Patient.name").with_position(Some(LineCol::new(3, 5))),
            "minimum required = 1, but only found 0",
        );
        assert_eq!(
            render(&SourceMap::new(), &d),
            "error[cardinality]: minimum required = 1, but only found 0\n  --> Patient.name (line 3, col 5)\n"
        );
    }
}
