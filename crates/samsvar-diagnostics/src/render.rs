use crate::{Diagnostic, SourceMap};
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
pub fn render(map: &SourceMap, d: &Diagnostic) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}[{}]: {}", d.severity, d.code, d.message);
    let Some(file) = map.get(d.span.file) else {
        if let Some(h) = &d.hint {
            let _ = writeln!(out, "  = hint: {h}");
        }
        return out;
    };
    let start = file.line_col(d.span.start as usize);
    let end = file.line_col(d.span.end as usize);
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
    if let Some(h) = &d.hint {
        let _ = writeln!(out, "{pad} = hint: {h}");
    }
    out
}

/// Renders many diagnostics separated by blank lines, followed by a count line.
pub fn render_all(map: &SourceMap, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&render(map, d));
        out.push('\n');
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let _ = writeln!(out, "{errors} error(s), {warnings} warning(s)");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Span;

    #[test]
    fn renders_location_caret_and_hint() {
        let mut map = SourceMap::new();
        let id = map.add("s.yaml", "steps:\n  - stauts: 200\n".to_string());
        let d = Diagnostic::error("unknown-key", Span::new(id, 11, 17), "unknown key `stauts`")
            .with_hint("did you mean `status`?");
        let text = render(&map, &d);
        assert_eq!(
            text,
            "error[unknown-key]: unknown key `stauts`\n --> s.yaml:2:5\n  |\n2 |   - stauts: 200\n  |     ^^^^^^\n  = hint: did you mean `status`?\n"
        );
    }
}
