//! The `samsvar` command line: a thin clap layer over the library crates.
//!
//! Exit codes (stable, documented in docs/user-guide.md):
//! - 0: every required test passed (or: valid / verified)
//! - 1: the SUT failed at least one required test (or: invalid / verification failed)
//! - 2: samsvar itself could not run (bad suite, bad config, unreachable package, usage error)

// The binary is the one place that talks to the terminal (the workspace denies printing
// in libraries).
#![allow(clippy::print_stdout, clippy::print_stderr)]
// The binary's doc comments on clap arguments are its `--help` text, written for a
// terminal (`[sut]` tables, `<stem>` placeholders, plain URLs), not rustdoc markup.
#![allow(
    rustdoc::broken_intra_doc_links,
    rustdoc::invalid_html_tags,
    rustdoc::bare_urls
)]

mod cli;
mod commands;
mod config;
mod exit;
mod report;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let code = match commands::dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            exit::Exit::Usage
        }
    };
    code.into()
}
