//! The live terminal reporter of `samsvar run`: a line per finished test (or a progress
//! bar on a TTY) as events arrive, and the final report once the run's record is made.
//! The text itself comes from `samsvar_report::terminal`. Colour only on a TTY and never
//! when `NO_COLOR` is set.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use samsvar_record::{Event, EventSink, RunRecord, StepOwner, SuitePlan, total_tests};
use samsvar_report::terminal::{Style, TestLine, final_report, setup_step_line, test_line};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Instant;

pub struct TerminalReporter {
    style: Style,
    /// Present when stderr is a terminal: live progress instead of per-test lines.
    bar: Mutex<Option<ProgressBar>>,
    live_bar: bool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// `(suite, test)` → optional, from the plan.
    optional: HashMap<(String, String), bool>,
    titles: HashMap<String, String>,
    /// Wall-clock time of each suite, measured from its start and finish events.
    suite_times: HashMap<String, (Instant, Option<u64>)>,
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
            state: Mutex::new(State::default()),
        }
    }

    /// Prints the failures, the summary table and the verdict of the finished run.
    /// `run_dir` is the run's output folder (where the exchanges are stored).
    pub fn print_final_report(&self, record: &RunRecord, run_dir: &std::path::Path) {
        let times: HashMap<String, u64> = self
            .state
            .lock()
            .map(|s| {
                s.suite_times
                    .iter()
                    .filter_map(|(k, (_, ms))| ms.map(|m| (k.clone(), m)))
                    .collect()
            })
            .unwrap_or_default();
        self.print(&final_report(&self.style, record, &times, Some(run_dir)));
    }

    fn print(&self, text: &str) {
        let guard = self.bar.lock().ok();
        let bar = guard.as_ref().and_then(|g| g.as_ref());
        let write = || super::stdout(text);
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

    fn remember_plan(&self, plan: &[SuitePlan]) {
        if let Ok(mut s) = self.state.lock() {
            for suite in plan {
                s.titles.insert(suite.id.clone(), suite.title.clone());
                for t in suite.tests() {
                    s.optional
                        .insert((suite.id.clone(), t.id.clone()), t.optional);
                }
            }
        }
    }
}

impl EventSink for TerminalReporter {
    fn emit(&self, event: &Event) {
        match event {
            Event::RunStarted {
                run_id,
                targets,
                plan,
                selection,
                ..
            } => {
                self.remember_plan(plan);
                let mut text = format!("samsvar {} · run {run_id}\n", env!("CARGO_PKG_VERSION"));
                for t in targets {
                    let sim = if t.simulated {
                        " (built-in simulator)"
                    } else {
                        ""
                    };
                    let _ = writeln!(text, "target {} = {}{sim}", t.name, t.url);
                }
                if targets.iter().any(|t| t.simulated) {
                    let _ = writeln!(
                        text,
                        "warning: SIMULATED TARGETS — not evidence about any product: this run tests samsvar's built-in simulator; its evidence carries no EHDS declaration"
                    );
                }
                if let Some(sel) = selection.as_ref().filter(|s| s.is_partial()) {
                    let _ = writeln!(
                        text,
                        "selection: {} of {} tests (--test {}); a partial run, never evidence of conformity",
                        sel.selected,
                        sel.total,
                        sel.patterns.join(" --test ")
                    );
                }
                self.print(&text);
                self.start_bar(total_tests(plan));
            }
            Event::SuiteStarted { suite_id } => {
                let title = self
                    .state
                    .lock()
                    .map(|mut s| {
                        s.suite_times
                            .insert(suite_id.clone(), (Instant::now(), None));
                        s.titles.get(suite_id).cloned().unwrap_or_default()
                    })
                    .unwrap_or_default();
                self.print(&format!("\n{} — {title}\n", self.style.bold(suite_id)));
            }
            Event::SuiteFinished { suite_id } => {
                if let Ok(mut s) = self.state.lock()
                    && let Some(entry) = s.suite_times.get_mut(suite_id)
                {
                    entry.1 =
                        Some(u64::try_from(entry.0.elapsed().as_millis()).unwrap_or(u64::MAX));
                }
            }
            Event::TestStarted { test_id, .. } => {
                self.with_bar(|b| b.set_message(test_id.clone()));
            }
            Event::StepFinished {
                owner: StepOwner::Setup | StepOwner::Teardown,
                step,
                ..
            } if step.outcome.is_failure() => {
                self.print(&setup_step_line(&self.style, step));
            }
            Event::TestFinished {
                suite_id,
                test_id,
                outcome,
                reason,
                duration_ms,
            } => {
                self.with_bar(|b| b.inc(1));
                let optional = self.state.lock().is_ok_and(|s| {
                    s.optional
                        .get(&(suite_id.clone(), test_id.clone()))
                        .copied()
                        .unwrap_or(false)
                });
                self.print(&test_line(
                    &self.style,
                    TestLine {
                        id: test_id,
                        optional,
                        outcome: *outcome,
                        duration_ms: *duration_ms,
                        reason: reason.as_deref(),
                    },
                ));
            }
            Event::RunFinished { .. } => self.finish_bar(),
            _ => {}
        }
    }
}
