//! Diagnostics as a SARIF 2.1.0 log, the format code-scanning services (GitHub, GitLab,
//! Azure DevOps) read: one run of one tool, its rule catalogue, and one result per
//! diagnostic with a 1-based region in the file the user wrote.

use crate::{Diagnostic, Location, Severity, SourceMap};
use serde_json::{Value, json};

/// The schema every SARIF 2.1.0 log names.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The tool that made the diagnostics, and the catalogue of its rules.
#[derive(Debug, Clone, Copy)]
pub struct SarifTool<'a> {
    pub name: &'a str,
    pub version: &'a str,
    /// Every rule the tool has: `(id, severity, one-line meaning)`.
    pub rules: &'a [(&'a str, Severity, &'a str)],
    /// Where the rules are documented (shown as each rule's help text).
    pub help: &'a str,
}

/// One file's diagnostics, with the sources their spans point into.
pub struct SarifFile<'a> {
    pub sources: &'a SourceMap,
    pub diagnostics: &'a [Diagnostic],
}

/// A SARIF log of `files`; `notifications` are problems that belong to no file (a path
/// with no suite), reported as tool execution notifications.
pub fn render_sarif(
    tool: SarifTool<'_>,
    files: &[SarifFile<'_>],
    notifications: &[String],
) -> Value {
    let rules: Vec<Value> = tool
        .rules
        .iter()
        .map(|(id, severity, meaning)| {
            json!({
                "id": id,
                "shortDescription": { "text": meaning },
                "help": { "text": tool.help },
                "defaultConfiguration": { "level": level(*severity) },
            })
        })
        .collect();
    let results: Vec<Value> = files
        .iter()
        .flat_map(|f| {
            f.diagnostics
                .iter()
                .map(|d| result(f.sources, d, tool.rules))
        })
        .collect();
    let notes: Vec<Value> = notifications
        .iter()
        .map(|n| json!({ "level": "error", "message": { "text": n } }))
        .collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": tool.name,
                "version": tool.version,
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": notes.is_empty(),
                "toolExecutionNotifications": notes,
            }],
            "results": results,
        }],
    })
}

fn result(map: &SourceMap, d: &Diagnostic, rules: &[(&str, Severity, &str)]) -> Value {
    let text = match &d.hint {
        Some(h) => format!("{} (hint: {h})", d.message),
        None => d.message.clone(),
    };
    let mut r = json!({
        "ruleId": d.rule,
        "level": level(d.severity),
        "message": { "text": text },
    });
    if let Some(index) = rules.iter().position(|(id, _, _)| *id == d.rule) {
        r["ruleIndex"] = json!(index);
    }
    if let Location::Source(span) = &d.location
        && let Some(file) = map.get(span.file)
    {
        let start = file.line_col(span.start as usize);
        let end = file.line_col(span.end as usize);
        r["locations"] = json!([{
            "physicalLocation": {
                "artifactLocation": { "uri": uri(&file.name) },
                "region": {
                    "startLine": start.line,
                    "startColumn": start.col,
                    "endLine": end.line,
                    "endColumn": end.col,
                },
            },
        }]);
    }
    r
}

/// SARIF levels: `error`, `warning`, `note`.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Fatal | Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Information => "note",
    }
}

/// A relative URI reference with `/` separators, as SARIF wants for artifact locations.
fn uri(name: &str) -> String {
    name.replace('\\', "/").replace(' ', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Span;

    #[test]
    fn a_suite_diagnostic_becomes_a_result_with_its_region_and_rule() {
        let mut map = SourceMap::new();
        let id = map.add(
            "suites/a b/suite.yaml",
            "steps:\n  - stauts: 200\n".to_string(),
        );
        let d = Diagnostic::error("unknown-key", Span::new(id, 11, 17), "unknown key `stauts`")
            .with_hint("did you mean `status`?");
        let rules = [
            ("yaml-syntax", Severity::Error, "not valid YAML"),
            (
                "unknown-key",
                Severity::Error,
                "a key the format does not have",
            ),
        ];
        let tool = SarifTool {
            name: "samsvar",
            version: "0.1.0",
            rules: &rules,
            help: "see the docs",
        };
        let log = render_sarif(
            tool,
            &[SarifFile {
                sources: &map,
                diagnostics: &[d],
            }],
            &[],
        );
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"][1]["id"], "unknown-key");
        assert_eq!(
            run["tool"]["driver"]["rules"][1]["help"]["text"],
            "see the docs"
        );
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);
        let r = &run["results"][0];
        assert_eq!(r["ruleId"], "unknown-key");
        assert_eq!(r["ruleIndex"], 1);
        assert_eq!(r["level"], "error");
        assert_eq!(
            r["message"]["text"],
            "unknown key `stauts` (hint: did you mean `status`?)"
        );
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "suites/a%20b/suite.yaml");
        assert_eq!(
            loc["region"],
            json!({"startLine": 2, "startColumn": 5, "endLine": 2, "endColumn": 11})
        );
    }

    #[test]
    fn problems_outside_files_are_notifications_and_fail_the_execution() {
        let tool = SarifTool {
            name: "samsvar",
            version: "0.1.0",
            rules: &[],
            help: "see the docs",
        };
        let log = render_sarif(tool, &[], &["error: no suite at x".to_string()]);
        let inv = &log["runs"][0]["invocations"][0];
        assert_eq!(inv["executionSuccessful"], false);
        assert_eq!(
            inv["toolExecutionNotifications"][0]["message"]["text"],
            "error: no suite at x"
        );
        assert_eq!(log["runs"][0]["results"], json!([]));
    }
}
