//! Rule catalogues and the documentation tables generated from them.
//!
//! Each checker (suite lint, FHIR validator, XDS rules) keeps its rules in one registry;
//! its docs page holds the table generated from it between two markers, and a test of
//! the checker compares the two with [`check_generated_block`] (run it with
//! `SAMSVAR_UPDATE_DOCS=1` to write the table instead).

use std::path::Path;

/// A Markdown table: a header row, the separator and one row per entry. Pipes inside
/// cells are escaped so that a cell cannot split the table.
pub fn markdown_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let line = |cells: &[String]| {
        let escaped: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
        format!("| {} |\n", escaped.join(" | "))
    };
    let mut out = line(&headers.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    out.push_str(&format!("|{}\n", " --- |".repeat(headers.len())));
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

/// The markers around a generated block named `name`.
fn markers(name: &str) -> (String, String) {
    (
        format!("<!-- generated: {name} (do not edit; see the registry) -->\n"),
        format!("<!-- end: {name} -->"),
    )
}

/// `doc` with the block named `name` replaced by `content`; `None` when the markers
/// are missing.
pub fn replace_generated_block(doc: &str, name: &str, content: &str) -> Option<String> {
    let (begin, end) = markers(name);
    let start = doc.find(&begin)? + begin.len();
    let stop = start + doc[start..].find(&end)?;
    Some(format!("{}{content}{}", &doc[..start], &doc[stop..]))
}

/// Compares the block named `name` in the file at `doc_path` with `content`. With the
/// environment variable `SAMSVAR_UPDATE_DOCS=1` the file is rewritten instead.
pub fn check_generated_block(doc_path: &Path, name: &str, content: &str) -> Result<(), String> {
    let doc = std::fs::read_to_string(doc_path)
        .map_err(|e| format!("failed to read {}: {e}", doc_path.display()))?;
    let Some(expected) = replace_generated_block(&doc, name, content) else {
        let (begin, end) = markers(name);
        return Err(format!(
            "{} has no generated block: add the lines\n{begin}{end}",
            doc_path.display()
        ));
    };
    if expected == doc {
        return Ok(());
    }
    if std::env::var_os("SAMSVAR_UPDATE_DOCS").is_some_and(|v| v == "1") {
        return std::fs::write(doc_path, expected)
            .map_err(|e| format!("failed to write {}: {e}", doc_path.display()));
    }
    Err(format!(
        "the `{name}` table in {} differs from the registry; rerun with SAMSVAR_UPDATE_DOCS=1 to regenerate it",
        doc_path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_escape_pipes_and_blocks_are_replaced_between_markers() {
        let table = markdown_table(&["code", "meaning"], &[vec!["a".into(), "x | y".into()]]);
        assert_eq!(
            table,
            "| code | meaning |\n| --- | --- |\n| a | x \\| y |\n"
        );
        let (begin, end) = markers("t");
        let doc = format!("intro\n{begin}old\n{end}\nrest\n");
        assert_eq!(
            replace_generated_block(&doc, "t", "new\n"),
            Some(format!("intro\n{begin}new\n{end}\nrest\n"))
        );
        assert_eq!(replace_generated_block("no markers", "t", "new"), None);
    }
}
