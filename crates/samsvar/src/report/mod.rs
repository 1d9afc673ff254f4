//! Reporters that subscribe to the runner's events, and the one way they write to stdout.

pub mod terminal;

use std::io::Write;

/// Writes `text` to stdout. A closed stdout (`samsvar run … | head -1`) is not an error
/// of the run: the reader has gone, the records and evidence are written to disk all
/// the same, so the failure to write is ignored instead of panicking like `print!`.
pub fn stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
