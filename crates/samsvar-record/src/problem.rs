//! The one line that says why a list of steps did not pass: a test's `reason`.

use crate::record::StepRecord;

/// Why a list of steps did not pass, in one line, or `None` when they did.
pub fn first_problem(steps: &[StepRecord]) -> Option<String> {
    let step = steps.iter().find(|s| s.outcome.is_failure())?;
    if let Some(e) = &step.error {
        return Some(format!("step {} ({}): {e}", step.index + 1, step.location));
    }
    let a = step.assertions.iter().find(|a| a.outcome.is_failure())?;
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
    Some(line)
}
