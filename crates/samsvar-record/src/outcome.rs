use serde::{Deserialize, Serialize};
use std::fmt;

/// The verdict of an assertion, step, test, group, suite or run.
///
/// Ordered by severity so that a parent's outcome is the worst (`max`) of its required
/// children: `Pass < Skip < Fail < Error`.
/// - `Skip`: not carried out (a test it needs did not pass, nothing to clean up).
/// - `Fail`: the SUT did something wrong.
/// - `Error`: the SUT could not be tested (refused, timed out, unparseable answer).
///
/// Room for requirement levels: a failed SHOULD/MAY assertion will be a `Warn` placed
/// between `Skip` and `Fail` (worse than not running, never a failure of the run, see
/// [`Outcome::is_failure`]). Code that spells out every outcome goes through
/// [`Outcome::ALL`], [`Outcome::as_str`] or [`crate::Summary::add`], so adding it is local.
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
    /// Every outcome, best first.
    pub const ALL: [Outcome; 4] = [Outcome::Pass, Outcome::Skip, Outcome::Fail, Outcome::Error];

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
        assert!(Outcome::ALL.windows(2).all(|w| w[0] < w[1]));
    }
}
