//! `samsvar suites lint|list|schema`: check suites, list them, print the format's schema.

use crate::cli::{LintFormat, SuitesCommand};
use crate::exit::Exit;
use samsvar_diagnostics::{render, render_all, render_concise_all, render_json};
use samsvar_suite::model::{EhdsMapping, Group, Item, Suite};
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn run(cmd: SuitesCommand) -> anyhow::Result<Exit> {
    match cmd {
        SuitesCommand::Lint { suites, format } => lint(&suites, format),
        SuitesCommand::List { suites } => list(&suites),
        SuitesCommand::Schema => {
            let text = serde_json::to_string_pretty(&samsvar_suite::suite_schema())?;
            println!("{text}");
            Ok(Exit::Ok)
        }
    }
}

/// The suite files named by the arguments: suite files, suite folders, or folders that
/// hold suite folders. An argument that names none is an error.
fn suite_files(args: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for arg in args {
        let found = samsvar_suite::discover(arg);
        if found.is_empty() {
            problems.push(format!(
                "error: failed to find a suite at {}: expected a suite file or a folder containing {}",
                arg.display(),
                samsvar_suite::SUITE_FILE
            ));
        }
        files.extend(found);
    }
    (files, problems)
}

fn lint(args: &[PathBuf], format: LintFormat) -> anyhow::Result<Exit> {
    if format == LintFormat::Sarif {
        return lint_sarif(args);
    }
    let (files, problems) = suite_files(args);
    let mut out = std::io::stdout().lock();
    let mut failed = !problems.is_empty();
    let mut reports = Vec::new();
    if format != LintFormat::Json {
        for p in &problems {
            writeln!(out, "{p}")?;
        }
    }
    for file in files {
        match samsvar_suite::check(&file) {
            Ok(checked) => {
                failed |= checked.has_errors();
                let (sources, diags) = (&checked.sources, &checked.diagnostics);
                match format {
                    LintFormat::Json => reports.push(serde_json::json!({
                        "file": file.display().to_string(),
                        "diagnostics": render_json(sources, diags),
                    })),
                    _ if diags.is_empty() => writeln!(out, "{}: ok", file.display())?,
                    // Sarif returned above: one log for every file.
                    LintFormat::Text | LintFormat::Sarif => {
                        write!(out, "{}", render_all(sources, diags))?
                    }
                    LintFormat::Concise => write!(out, "{}", render_concise_all(sources, diags))?,
                }
            }
            Err(err) => {
                failed = true;
                match format {
                    LintFormat::Json => reports.push(serde_json::json!({
                        "file": file.display().to_string(),
                        "error": err.to_string(),
                    })),
                    _ => write!(out, "{}", err.render())?,
                }
            }
        }
    }
    if format == LintFormat::Json {
        let doc = serde_json::json!({ "problems": problems, "suites": reports });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    }
    Ok(if failed { Exit::Usage } else { Exit::Ok })
}

/// `suites lint --format sarif`: every diagnostic of every suite as one SARIF log; files
/// that cannot be read and paths with no suite are tool execution notifications.
fn lint_sarif(args: &[PathBuf]) -> anyhow::Result<Exit> {
    let (files, mut problems) = suite_files(args);
    let mut checked = Vec::new();
    for file in files {
        match samsvar_suite::check(&file) {
            Ok(c) => checked.push(c),
            Err(err) => problems.push(err.to_string()),
        }
    }
    let rules: Vec<(&str, samsvar_diagnostics::Severity, &str)> = samsvar_suite::rules::RULES
        .iter()
        .map(|r| (r.code, r.severity, r.meaning))
        .collect();
    let tool = samsvar_diagnostics::SarifTool {
        name: "samsvar",
        version: env!("CARGO_PKG_VERSION"),
        rules: &rules,
        help: "docs/suite-language.md, section Diagnostics: the table of lint codes",
    };
    let sarif_files: Vec<samsvar_diagnostics::SarifFile<'_>> = checked
        .iter()
        .map(|c| samsvar_diagnostics::SarifFile {
            sources: &c.sources,
            diagnostics: &c.diagnostics,
        })
        .collect();
    let log = samsvar_diagnostics::render_sarif(tool, &sarif_files, &problems);
    println!("{}", serde_json::to_string_pretty(&log)?);
    let failed = !problems.is_empty() || checked.iter().any(|c| c.has_errors());
    Ok(if failed { Exit::Usage } else { Exit::Ok })
}

fn list(args: &[PathBuf]) -> anyhow::Result<Exit> {
    let (files, problems) = suite_files(args);
    let mut out = std::io::stdout().lock();
    let mut failed = !problems.is_empty();
    for p in &problems {
        writeln!(out, "{p}")?;
    }
    for file in files {
        match samsvar_suite::check(&file) {
            Ok(checked) => match (&checked.suite, checked.has_errors()) {
                (Some(suite), false) => write!(out, "{}", describe(suite, &file))?,
                _ => {
                    failed = true;
                    let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
                    writeln!(
                        out,
                        "{}: {errors} error(s); run `samsvar suites lint {}`",
                        file.display(),
                        file.display()
                    )?;
                    if let Some(first) = checked.diagnostics.iter().find(|d| d.is_error()) {
                        write!(out, "{}", render(&checked.sources, first))?;
                    }
                }
            },
            Err(err) => {
                failed = true;
                write!(out, "{}", err.render())?;
            }
        }
        writeln!(out)?;
    }
    Ok(if failed { Exit::Usage } else { Exit::Ok })
}

fn ehds_words(e: &EhdsMapping) -> String {
    let component = serde_json::to_value(e.component)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    match e.category {
        Some(c) => {
            let category = serde_json::to_value(c)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            format!("{component} / {category}")
        }
        None => component,
    }
}

/// One suite as a short human-readable listing.
fn describe(suite: &Suite, file: &Path) -> String {
    let mut s = String::new();
    let m = &suite.meta;
    s.push_str(&format!("{} {} — {}\n", m.id.value, m.version, m.title));
    s.push_str(&format!("  file: {}\n", file.display()));
    if let Some(e) = &m.ehds {
        s.push_str(&format!("  EHDS: {}\n", ehds_words(e)));
    }
    if !m.verifies.is_empty() {
        let ids: Vec<&str> = m.verifies.iter().map(|v| v.value.as_str()).collect();
        s.push_str(&format!("  verifies: {}\n", ids.join(", ")));
    }
    let targets: Vec<String> = suite
        .targets
        .values()
        .map(|t| {
            let kind = serde_json::to_value(t.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            format!("{} ({kind})", t.name.value)
        })
        .collect();
    if !targets.is_empty() {
        s.push_str(&format!("  targets: {}\n", targets.join(", ")));
    }
    s.push_str("  tests:\n");
    items(&suite.root, 2, &mut s);
    s
}

fn items(group: &Group, depth: usize, s: &mut String) {
    let pad = "  ".repeat(depth);
    for item in &group.items {
        match item {
            Item::Group(g) => {
                let optional = if g.optional { " (optional)" } else { "" };
                s.push_str(&format!(
                    "{pad}{}/ {}{optional}\n",
                    g.id.value,
                    g.title.as_deref().unwrap_or_default()
                ));
                items(g, depth + 1, s);
            }
            Item::Test(t) => {
                let optional = if t.optional { " (optional)" } else { "" };
                s.push_str(&format!(
                    "{pad}{}{optional}  {}\n",
                    t.id.value,
                    t.title.as_deref().unwrap_or_default()
                ));
                if !t.verifies.is_empty() {
                    let ids: Vec<&str> = t.verifies.iter().map(|v| v.value.as_str()).collect();
                    s.push_str(&format!("{pad}  verifies: {}\n", ids.join(", ")));
                }
            }
        }
    }
}
