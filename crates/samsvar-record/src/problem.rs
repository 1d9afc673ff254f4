//! The one line that says why a list of steps did not pass: a test's `reason`.

use crate::Outcome;
use crate::record::{AssertionRecord, Level, StepRecord};

/// Why a list of steps did not pass, in one line, or `None` when they did. A failure
/// or error is named first; otherwise the first missed SHOULD/MAY check (a warning).
pub fn first_problem(steps: &[StepRecord]) -> Option<String> {
    first_failure(steps).or_else(|| first_warning(steps))
}

fn first_failure(steps: &[StepRecord]) -> Option<String> {
    let step = steps.iter().find(|s| s.outcome.is_failure())?;
    if let Some(e) = &step.error {
        return Some(format!("step {} ({}): {e}", step.index + 1, step.location));
    }
    let a = step.assertions.iter().find(|a| a.outcome.is_failure())?;
    Some(assertion_line(a))
}

fn first_warning(steps: &[StepRecord]) -> Option<String> {
    let a = steps
        .iter()
        .flat_map(|s| &s.assertions)
        .find(|a| a.outcome == Outcome::Warn)?;
    let level = match a.level {
        Level::May => "MAY",
        _ => "SHOULD",
    };
    Some(format!("{level} not met: {}", assertion_line(a)))
}

/// `description: expected …, got … (file:line:col)`.
pub fn assertion_line(a: &AssertionRecord) -> String {
    let mut line = a.description.clone();
    match (&a.expected, &a.actual) {
        (Some(e), Some(got)) => line.push_str(&format!(": expected {e}, got {got}")),
        _ => {
            if let Some(m) = &a.message {
                line.push_str(&format!(": {m}"));
            }
        }
    }
    line.push_str(&format!(" ({})", a.location));
    line
}
