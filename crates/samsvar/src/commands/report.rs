//! `samsvar report finalize DIR`: build the evidence bundle from a run's journal after
//! the run was interrupted (kill -9, power loss). The bundle is marked incomplete.

use crate::commands::evidence::load_signer;
use crate::exit::Exit;
use clap::{Args, Subcommand};
use samsvar_evidence::{BundleOptions, finalize_from_journal};
use samsvar_record::Completion;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Build the evidence bundle of an interrupted run from its journal.
    Finalize(FinalizeArgs),
}

#[derive(Debug, Args)]
pub struct FinalizeArgs {
    /// The run's output folder (holding journal.jsonl).
    pub dir: PathBuf,
    /// Sign the bundle with this private key (PEM).
    #[arg(long = "sign-key")]
    pub sign_key: Option<PathBuf>,
    /// Certificate chain (PEM, signer first) to embed as x5c.
    #[arg(long = "sign-cert", requires = "sign_key")]
    pub sign_cert: Option<PathBuf>,
    /// Skip report.html.
    #[arg(long = "no-html")]
    pub no_html: bool,
}

pub fn run(cmd: ReportCommand) -> anyhow::Result<Exit> {
    match cmd {
        ReportCommand::Finalize(args) => finalize(args),
    }
}

fn finalize(args: FinalizeArgs) -> anyhow::Result<Exit> {
    if !args.dir.join(samsvar_evidence::manifest::JOURNAL).is_file() {
        eprintln!(
            "error: {} has no journal.jsonl: not a samsvar run folder",
            args.dir.display()
        );
        return Ok(Exit::Usage);
    }
    let options = BundleOptions {
        signer: load_signer(args.sign_key.as_deref(), args.sign_cert.as_deref())?,
        html: !args.no_html,
        testreports: true,
        ..Default::default()
    };
    let (summary, recovered) = finalize_from_journal(&args.dir, &options)?;
    let count = |c: Completion| {
        recovered
            .record
            .tests()
            .filter(|e| e.test.completion == c)
            .count()
    };
    let (interrupted, not_started) = (
        count(Completion::Interrupted),
        count(Completion::NotStarted),
    );
    let unfinished = if interrupted + not_started > 0 {
        format!(", {interrupted} interrupted, {not_started} never started")
    } else {
        String::new()
    };
    println!(
        "evidence: {} ({} run {}, {} finished test(s){unfinished}{}{})",
        summary.dir.display(),
        if summary.complete {
            "complete"
        } else {
            "INCOMPLETE"
        },
        recovered.record.run_id,
        count(Completion::Finished),
        if recovered.skipped_lines > 0 {
            format!(", {} torn journal line(s) ignored", recovered.skipped_lines)
        } else {
            String::new()
        },
        match &summary.kid {
            Some(kid) => format!(", signed kid {kid}"),
            None => ", unsigned".to_string(),
        }
    );
    Ok(Exit::Ok)
}
