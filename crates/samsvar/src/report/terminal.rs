//! The terminal reporter: a line per finished test (or a progress bar on a TTY), then
//! every failure with expected vs actual and its suite location, a summary table and
//! the verdict. Colour only on a TTY and never when `NO_COLOR` is set.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use samsvar_runner::record::{
    AssertionRecord, GroupRecord, ItemRecord, RunRecord, StepRecord, SuiteRecord, TestRecord,
};
use samsvar_runner::{Event, EventSink, Outcome};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Instant;

pub struct TerminalReporter {
    style: Style,
    /// Present when stderr is a terminal: live progress instead of per-test lines.
    bar: Mutex<Option<ProgressBar>>,
    live_bar: bool,
    /// Wall-clock time of each suite, measured from its start and finish events.
    suite_times: Mutex<HashMap<String, (Instant, Option<u64>)>>,
}

impl TerminalReporter {
    /// Detects the terminal: colour and progress bar only when attached to one.
    pub fn detect() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self {
            style: Style {
                color: std::io::stdout().is_terminal() && !no_color,
            },
            bar: Mutex::new(None),
            live_bar: std::io::stderr().is_terminal(),
            suite_times: Mutex::new(HashMap::new()),
        }
    }

    fn print(&self, text: &str) {
        let guard = self.bar.lock().ok();
        let bar = guard.as_ref().and_then(|g| g.as_ref());
        let write = || {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        };
        match bar {
            Some(b) => b.suspend(write),
            None => write(),
        }
    }

    fn start_bar(&self, total: usize) {
        if !self.live_bar {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} tests {elapsed} {msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        if let Ok(mut g) = self.bar.lock() {
            *g = Some(bar);
        }
    }

    fn with_bar(&self, f: impl FnOnce(&ProgressBar)) {
        if let Ok(g) = self.bar.lock()
            && let Some(b) = g.as_ref()
        {
            f(b);
        }
    }

    fn finish_bar(&self) {
        if let Ok(mut g) = self.bar.lock()
            && let Some(b) = g.take()
        {
            b.finish_and_clear();
        }
    }
}

impl EventSink for TerminalReporter {
    fn emit(&self, event: &Event) {
        match event {
            Event::RunStarted {
                run_id,
                targets,
                total_tests,
                ..
            } => {
                let mut text = format!("samsvar {} · run {run_id}\n", env!("CARGO_PKG_VERSION"));
                for t in targets {
                    let sim = if t.simulated {
                        " (built-in simulator)"
                    } else {
                        ""
                    };
                    let _ = writeln!(text, "target {} = {}{sim}", t.name, t.url);
                }
                self.print(&text);
                self.start_bar(*total_tests);
            }
            Event::SuiteStarted {
                suite_id, title, ..
            } => {
                if let Ok(mut t) = self.suite_times.lock() {
                    t.insert(suite_id.clone(), (Instant::now(), None));
                }
                self.print(&format!("\n{} — {title}\n", self.style.bold(suite_id)));
            }
            Event::SuiteFinished { suite } => {
                if let Ok(mut t) = self.suite_times.lock()
                    && let Some(entry) = t.get_mut(&suite.id)
                {
                    entry.1 =
                        Some(u64::try_from(entry.0.elapsed().as_millis()).unwrap_or(u64::MAX));
                }
            }
            Event::TestStarted { test_id, .. } => self.with_bar(|b| b.set_message(test_id.clone())),
            Event::StepFinished {
                test_id: None,
                step,
                ..
            } if step.outcome.is_failure() => {
                self.print(&format!(
                    "  {} setup/teardown step {} ({})\n",
                    self.style.outcome(step.outcome),
                    step.index + 1,
                    step.location
                ));
            }
            Event::TestFinished { test, .. } => {
                self.with_bar(|b| b.inc(1));
                self.print(&test_line(&self.style, test));
            }
            Event::RunFinished { record } => {
                self.finish_bar();
                let times: HashMap<String, u64> = self
                    .suite_times
                    .lock()
                    .map(|t| {
                        t.iter()
                            .filter_map(|(k, (_, ms))| ms.map(|m| (k.clone(), m)))
                            .collect()
                    })
                    .unwrap_or_default();
                self.print(&final_report(&self.style, record, &times));
            }
            _ => {}
        }
    }
}

/// ANSI styling, or none.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    /// A fixed-width outcome label.
    fn outcome(&self, o: Outcome) -> String {
        let (code, label) = match o {
            Outcome::Pass => ("32", "pass "),
            Outcome::Skip => ("33", "skip "),
            Outcome::Fail => ("31;1", "FAIL "),
            Outcome::Error => ("35;1", "ERROR"),
        };
        self.paint(code, label)
    }
}

fn test_line(style: &Style, t: &TestRecord) -> String {
    let optional = if t.optional { " (optional)" } else { "" };
    let mut line = format!(
        "  {} {}{optional} {}",
        style.outcome(t.outcome),
        t.id,
        style.dim(&format!("{} ms", t.duration_ms))
    );
    if t.outcome != Outcome::Pass
        && let Some(r) = &t.reason
    {
        line.push_str(&format!("\n        {}", style.dim(r)));
    }
    line.push('\n');
    line
}

/// Failures in suite order, the summary table and the verdict line. `suite_ms` holds
/// each suite's wall-clock time (the sum of its tests' times is used when absent).
pub fn final_report(style: &Style, record: &RunRecord, suite_ms: &HashMap<String, u64>) -> String {
    let mut out = String::new();
    let mut failures = String::new();
    for suite in &record.suites {
        suite_failures(style, suite, &mut failures);
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
        "  {:width$}  {:>6}  {:>6}  {:>7}  {:>7}  {:>8}",
        "suite", "passed", "failed", "errored", "skipped", "duration"
    );
    for suite in &record.suites {
        let mut c = Counts::default();
        count(&suite.root, &mut c);
        let _ = writeln!(
            out,
            "  {:width$}  {:>6}  {:>6}  {:>7}  {:>7}  {:>8}",
            suite.id,
            c.pass,
            c.fail,
            c.error,
            c.skip,
            format_secs(suite_ms.get(&suite.id).copied().unwrap_or(c.ms))
        );
    }
    let s = &record.summary;
    let verdict = match record.outcome {
        o if o.is_failure() => style.paint("31;1", "FAILED"),
        _ => style.paint("32;1", "PASSED"),
    };
    let _ = writeln!(
        out,
        "\n{verdict}: {} passed, {} failed, {} errored, {} skipped of {} tests in {}",
        s.passed,
        s.failed,
        s.errored,
        s.skipped,
        s.total,
        format_secs(record.duration_ms)
    );
    out
}

fn suite_failures(style: &Style, suite: &SuiteRecord, out: &mut String) {
    for (label, steps) in [("setup", &suite.setup), ("teardown", &suite.teardown)] {
        for step in steps.iter().filter(|s| s.outcome.is_failure()) {
            let _ = writeln!(
                out,
                "\n  {} {} › ({label})",
                style.outcome(step.outcome),
                suite.id
            );
            step_details(style, step, out);
        }
    }
    walk(&suite.root, &mut |t| {
        if !t.outcome.is_failure() {
            return;
        }
        let optional = if t.optional { " (optional)" } else { "" };
        let _ = writeln!(
            out,
            "\n  {} {} › {}{optional}  {}",
            style.outcome(t.outcome),
            suite.id,
            style.bold(&t.id),
            style.dim(&t.location)
        );
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
            step_details(style, step, out);
        }
    });
}

fn step_details(style: &Style, step: &StepRecord, out: &mut String) {
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
        let _ = writeln!(
            out,
            "        - {} {}: {}",
            i.severity, i.location, i.message
        );
    }
    if a.issues.len() > SHOWN {
        let _ = writeln!(out, "        … and {} more", a.issues.len() - SHOWN);
    }
    let _ = writeln!(out, "        at {}", a.location);
}

#[derive(Default)]
struct Counts {
    pass: usize,
    fail: usize,
    error: usize,
    skip: usize,
    ms: u64,
}

fn count(group: &GroupRecord, c: &mut Counts) {
    walk(group, &mut |t| {
        c.ms += t.duration_ms;
        match t.outcome {
            Outcome::Pass => c.pass += 1,
            Outcome::Fail => c.fail += 1,
            Outcome::Error => c.error += 1,
            Outcome::Skip => c.skip += 1,
        }
    });
}

fn walk<'r>(group: &'r GroupRecord, f: &mut impl FnMut(&'r TestRecord)) {
    for item in &group.items {
        match item {
            ItemRecord::Group(g) => walk(g, f),
            ItemRecord::Test(t) => f(t),
        }
    }
}

fn format_secs(ms: u64) -> String {
    format!("{}.{:02} s", ms / 1000, (ms % 1000) / 10)
}
