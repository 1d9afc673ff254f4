use serde::{Deserialize, Serialize};
use std::fmt;

/// The verdict of an assertion, step, test, group, suite or run.
///
/// Ordered by severity so that a parent's outcome is the `max` of its required
/// children: `Pass < Skip < Fail < Error`.
/// - `Fail`: the SUT did something wrong.
/// - `Error`: the SUT could not be tested (refused, timed out, unparseable answer).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    #[default]
    Pass,
    Skip,
    Fail,
    Error,
}

impl Outcome {
    /// Fail and error both make the run exit 1.
    pub fn is_failure(self) -> bool {
        matches!(self, Outcome::Fail | Outcome::Error)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Skip => "skip",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_child_wins() {
        let children = [Outcome::Pass, Outcome::Skip, Outcome::Fail];
        assert_eq!(children.iter().copied().max(), Some(Outcome::Fail));
        assert!(Outcome::Error > Outcome::Fail);
        assert!(!Outcome::Skip.is_failure());
    }
}
