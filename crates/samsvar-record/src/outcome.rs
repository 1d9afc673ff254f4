use serde::{Deserialize, Serialize};
use std::fmt;

/// The verdict of an assertion, step, test, group, suite or run.
///
/// Ordered by severity so that a parent's outcome is the worst (`max`) of its required
/// children: `Pass < Skip < Warn < Fail < Error`.
/// - `Skip`: not carried out (a capture it needs was never taken, nothing to clean up).
/// - `Warn`: the SUT missed a SHOULD or MAY the check verifies (`level: should` /
///   `level: may`); worse than not running, never a failure of the run
///   ([`Outcome::is_failure`]).
/// - `Fail`: the SUT broke a SHALL.
/// - `Error`: the SUT could not be tested (refused, timed out, unparseable answer).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    #[default]
    Pass,
    Skip,
    Warn,
    Fail,
    Error,
}

impl Outcome {
    /// Every outcome, best first.
    pub const ALL: [Outcome; 5] = [
        Outcome::Pass,
        Outcome::Skip,
        Outcome::Warn,
        Outcome::Fail,
        Outcome::Error,
    ];

    /// Fail and error both make the run exit 1.
    pub fn is_failure(self) -> bool {
        matches!(self, Outcome::Fail | Outcome::Error)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Skip => "skip",
            Outcome::Warn => "warn",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
        }
    }

    /// The worst of `outcomes`, or `Pass` when there are none.
    pub fn worst(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
        outcomes.into_iter().max().unwrap_or(Outcome::Pass)
    }

    /// `Pass` when `ok`, else `Fail`.
    pub fn pass_if(ok: bool) -> Outcome {
        if ok { Outcome::Pass } else { Outcome::Fail }
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
        assert_eq!(Outcome::worst(children), Outcome::Fail);
        assert_eq!(Outcome::worst([]), Outcome::Pass);
        assert!(Outcome::Error > Outcome::Fail);
        assert!(!Outcome::Skip.is_failure());
        assert!(!Outcome::Warn.is_failure());
        assert_eq!(
            Outcome::worst([Outcome::Warn, Outcome::Skip]),
            Outcome::Warn
        );
        assert_eq!(
            Outcome::worst([Outcome::Warn, Outcome::Fail]),
            Outcome::Fail
        );
        assert!(Outcome::ALL.windows(2).all(|w| w[0] < w[1]));
    }
}
