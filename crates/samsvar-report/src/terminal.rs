//! What `samsvar run` prints: a line per finished test, then every failure with
//! expected vs actual and its suite location, a summary table and the verdict.
//! Styling (ANSI colour) is the caller's choice; rendering without it is plain text.

use crate::body_lines::body_lines;
use crate::issue_text;
use samsvar_record::{
    AssertionRecord, Outcome, RunRecord, StepRecord, SuiteRecord, Summary, TestRecord,
};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

/// ANSI styling, or none.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    /// A fixed-width outcome label.
    pub fn outcome(&self, o: Outcome) -> String {
        let (code, label) = match o {
            Outcome::Pass => ("32", "pass "),
            Outcome::Skip => ("33", "skip "),
            Outcome::Warn => ("33;1", "WARN "),
            Outcome::Fail => ("31;1", "FAIL "),
            Outcome::Error => ("35;1", "ERROR"),
        };
        self.paint(code, label)
    }
}

/// A finished test as its progress line shows it.
#[derive(Debug, Clone, Copy)]
pub struct TestLine<'a> {
    pub id: &'a str,
    pub optional: bool,
    pub outcome: Outcome,
    pub duration_ms: u64,
    pub reason: Option<&'a str>,
}

/// `  pass  read-patient 12 ms`, with the reason on a second line when it did not pass.
pub fn test_line(style: &Style, t: TestLine<'_>) -> String {
    let optional = if t.optional { " (optional)" } else { "" };
    let mut line = format!(
        "  {} {}{optional} {}",
        style.outcome(t.outcome),
        t.id,
        style.dim(&format!("{} ms", t.duration_ms))
    );
    if t.outcome != Outcome::Pass
        && let Some(r) = t.reason
    {
        line.push_str(&format!("\n        {}", style.dim(r)));
    }
    line.push('\n');
    line
}

/// The line for a setup or teardown step that did not pass.
pub fn setup_step_line(style: &Style, step: &StepRecord) -> String {
    format!(
        "  {} setup/teardown step {} ({})\n",
        style.outcome(step.outcome),
        step.index + 1,
        step.location
    )
}

/// Failures in suite order, the summary table and the verdict line. `suite_ms` holds
/// each suite's wall-clock time (the sum of its tests' times is used when absent);
/// `run_dir`, the run's output folder, lets a failure name the file of its response body
/// (`<run_dir>/exchanges/<sha256>`).
pub fn final_report(
    style: &Style,
    record: &RunRecord,
    suite_ms: &HashMap<String, u64>,
    run_dir: Option<&Path>,
) -> String {
    let mut out = String::new();
    let mut failures = String::new();
    let mut warnings = String::new();
    for suite in &record.suites {
        suite_failures(style, suite, run_dir, &mut failures);
        suite_warnings(style, suite, &mut warnings);
    }
    if !warnings.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style.bold("Warnings (SHOULD/MAY not met; not failures)")
        );
        out.push_str(&warnings);
    }
    if !failures.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("Failures"));
        out.push_str(&failures);
    }
    let _ = writeln!(out, "\n{}", style.bold("Summary"));
    let width = record
        .suites
        .iter()
        .map(|s| s.id.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(
        out,
        "  {:width$}  {:>6}  {:>6}  {:>6}  {:>7}  {:>7}  {:>8}",
        "suite", "passed", "warned", "failed", "errored", "skipped", "duration"
    );
    for suite in &record.suites {
        let c = Summary::of(suite.tests().map(|e| e.test.outcome));
        let ms: u64 = suite.tests().map(|e| e.test.duration_ms).sum();
        let _ = writeln!(
            out,
            "  {:width$}  {:>6}  {:>6}  {:>6}  {:>7}  {:>7}  {:>8}",
            suite.id,
            c.passed,
            c.warned,
            c.failed,
            c.errored,
            c.skipped,
            format_secs(suite_ms.get(&suite.id).copied().unwrap_or(ms))
        );
    }
    let s = &record.summary;
    let verdict = match record.outcome {
        o if o.is_failure() => style.paint("31;1", "FAILED"),
        _ => style.paint("32;1", "PASSED"),
    };
    let _ = writeln!(
        out,
        "\n{verdict}: {} passed, {} warned, {} failed, {} errored, {} skipped of {} tests in {}",
        s.passed,
        s.warned,
        s.failed,
        s.errored,
        s.skipped,
        s.total,
        format_secs(record.duration_ms)
    );
    out
}

fn suite_failures(style: &Style, suite: &SuiteRecord, run_dir: Option<&Path>, out: &mut String) {
    for (label, steps) in [("setup", &suite.setup), ("teardown", &suite.teardown)] {
        for step in steps.iter().filter(|s| s.outcome.is_failure()) {
            let _ = writeln!(
                out,
                "\n  {} {} › ({label})",
                style.outcome(step.outcome),
                suite.id
            );
            step_details(style, step, run_dir, out);
        }
    }
    for t in suite.tests().map(|e| e.test) {
        if !t.outcome.is_failure() {
            continue;
        }
        test_heading(style, suite, t, out);
        if let Some(title) = &t.title {
            let _ = writeln!(out, "    {title}");
        }
        let mut failing = t.steps.iter().filter(|s| s.outcome.is_failure()).peekable();
        if failing.peek().is_none()
            && let Some(r) = &t.reason
        {
            // Not run at all (setup failed): the reason is all there is.
            let _ = writeln!(out, "    {r}");
        }
        for step in failing {
            step_details(style, step, run_dir, out);
        }
    }
}

/// `  FAIL  suite › test (optional)  file:line`.
fn test_heading(style: &Style, suite: &SuiteRecord, t: &TestRecord, out: &mut String) {
    let optional = if t.optional { " (optional)" } else { "" };
    let _ = writeln!(
        out,
        "\n  {} {} › {}{optional}  {}",
        style.outcome(t.outcome),
        suite.id,
        style.bold(&t.id),
        style.dim(&t.location)
    );
}

/// Tests that passed every SHALL but missed a SHOULD or MAY, with each missed check.
fn suite_warnings(style: &Style, suite: &SuiteRecord, out: &mut String) {
    for t in suite.tests().map(|e| e.test) {
        if t.outcome != Outcome::Warn {
            continue;
        }
        test_heading(style, suite, t, out);
        for a in t
            .steps
            .iter()
            .flat_map(|s| &s.assertions)
            .filter(|a| a.outcome == Outcome::Warn)
        {
            let verifies = if a.verifies.is_empty() {
                String::new()
            } else {
                format!(" [{}]", a.verifies.join(", "))
            };
            let _ = writeln!(out, "    {}{verifies}:", a.level.as_str().to_uppercase());
            assertion_details(style, a, out);
        }
    }
}

fn step_details(style: &Style, step: &StepRecord, run_dir: Option<&Path>, out: &mut String) {
    let name = step
        .name
        .as_deref()
        .map(|n| format!(" \"{n}\""))
        .unwrap_or_default();
    let exchange = step
        .exchange
        .as_ref()
        .map(|ex| {
            let status = ex
                .status
                .map_or_else(|| "no response".to_string(), |s| s.to_string());
            format!(
                ": {} {} → {status}",
                ex.request.method.as_deref().unwrap_or(""),
                ex.request.url.as_deref().unwrap_or("")
            )
        })
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "    step {}{name}{exchange}  {}",
        step.index + 1,
        style.dim(&step.location)
    );
    if let Some(e) = &step.error {
        let _ = writeln!(out, "      {} {e}", style.paint("35", "error:"));
    }
    for a in step.assertions.iter().filter(|a| a.outcome.is_failure()) {
        assertion_details(style, a, out);
    }
    if step.assertions.iter().any(|a| a.outcome.is_failure()) {
        response_body(style, step, run_dir, out);
    }
}

/// What the server answered, when an assertion on the response failed: its first lines,
/// and the stored file that holds all of it.
fn response_body(style: &Style, step: &StepRecord, run_dir: Option<&Path>, out: &mut String) {
    let Some(body) = step
        .exchange
        .as_ref()
        .and_then(|ex| ex.response.as_ref())
        .and_then(|r| r.body.as_ref())
    else {
        return;
    };
    let _ = writeln!(out, "      response body:");
    for line in body_lines(body) {
        let _ = writeln!(out, "        {}", style.dim(&line));
    }
    if let Some(dir) = run_dir {
        let path = dir.join("exchanges").join(&body.sha256);
        let _ = writeln!(out, "        stored: {}", path.display());
    }
}

fn assertion_details(style: &Style, a: &AssertionRecord, out: &mut String) {
    let _ = writeln!(
        out,
        "      {} {}: {}",
        style.outcome(a.outcome),
        a.kind,
        a.description
    );
    if let Some(e) = &a.expected {
        let _ = writeln!(out, "        expected: {}", style.paint("32", e));
    }
    if let Some(v) = &a.actual {
        let _ = writeln!(out, "        actual:   {}", style.paint("31", v));
    }
    if let Some(m) = &a.message {
        let _ = writeln!(out, "        {m}");
    }
    const SHOWN: usize = 10;
    for i in a.issues.iter().take(SHOWN) {
        let _ = writeln!(out, "        - {} {}", i.severity, issue_text(i));
    }
    if a.issues.len() > SHOWN {
        let _ = writeln!(out, "        … and {} more", a.issues.len() - SHOWN);
    }
    let _ = writeln!(out, "        at {}", a.location);
}

fn format_secs(ms: u64) -> String {
    format!("{}.{:02} s", ms / 1000, (ms % 1000) / 10)
}
