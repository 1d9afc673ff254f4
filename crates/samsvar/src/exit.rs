use std::process::ExitCode;

/// The documented exit codes. Never exit 0 on an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every required test passed, the input is valid, or the evidence verified.
    Ok = 0,
    /// The SUT failed (or errored) at least one required test; invalid; verification failed.
    Failed = 1,
    /// samsvar could not run: bad suite, bad config, unreachable package, usage error.
    Usage = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}
