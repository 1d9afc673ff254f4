use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "samsvar",
    version,
    about = "Conformance tests for HL7 FHIR and IHE XDS.b endpoints, with signed evidence for EHDS."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run suites against targets and write the run record and reports.
    Run(RunArgs),
    /// Work with suite files.
    #[command(subcommand)]
    Suites(SuitesCommand),
    /// Serve a reference simulator on loopback.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Suite folders or suite files.
    #[arg(required = true)]
    pub suites: Vec<PathBuf>,
    /// `NAME=URL` binds a target; a bare `URL` binds the only target; `sim` starts the built-in simulators.
    #[arg(long = "target")]
    pub targets: Vec<String>,
    /// Switch on a documented simulator misbehaviour (with `--target sim`).
    #[arg(long = "sim-defect")]
    pub sim_defects: Vec<String>,
    /// Configuration file (targets, inputs, limits, SUT identity).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Set an input: `NAME=VALUE` (overrides config and environment).
    #[arg(long = "input", short = 'i')]
    pub inputs: Vec<String>,
    /// Output folder for the run record and reports.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// Number of tests run concurrently.
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Reporters: terminal, json, junit (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "terminal,json,junit")]
    pub format: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum SuitesCommand {
    /// Check suites and report every problem as file:line:col.
    Lint {
        #[arg(required = true)]
        suites: Vec<PathBuf>,
    },
    /// List suites and their tests.
    List {
        #[arg(default_value = "testsuites")]
        suites: Vec<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Which simulator: fhir, xds or all.
    #[arg(long)]
    pub sim: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Switch on a documented misbehaviour.
    #[arg(long = "defect")]
    pub defects: Vec<String>,
}
