//! Runs the official FHIRPath test suite against samsvar's FHIRPath interface.
//!
//! ```text
//! cargo run -p samsvar-fhirpath --example conformance -- [TESTS_XML] [JSON_DIR]...
//! ```
//!
//! Without arguments it looks under `$SAMSVAR_FHIR_TEST_CASES` (default `../shared/fhir-test-cases`):
//! `r4/fhirpath/tests-fhir-r4.xml`, with JSON inputs from `r4/` and `r4/examples/`. The suite
//! names XML inputs; each is looked up as the JSON file of the same name (case-insensitive)
//! in the given directories. When the suite is absent it says so and exits 0: this is a
//! measurement, not part of `cargo test`. Set `VERBOSE=1` to list every failure.

// A command-line program: its results go to the terminal.
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "support/suite.rs"]
mod suite;

use std::path::PathBuf;

use samsvar_fhirpath::{EvalError, Expression, Variables};
use serde_json::Value;
use suite::EngineOutcome;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = std::env::var_os("SAMSVAR_FHIR_TEST_CASES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/fhir-test-cases"));
    let tests_xml = args
        .first()
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("r4/fhirpath/tests-fhir-r4.xml"));
    let dirs: Vec<PathBuf> = if args.len() > 1 {
        args[1..].iter().map(PathBuf::from).collect()
    } else {
        vec![root.join("r4"), root.join("r4/examples")]
    };
    if !tests_xml.is_file() {
        println!(
            "skipped: FHIRPath test suite not found at {} (set SAMSVAR_FHIR_TEST_CASES or pass the path)",
            tests_xml.display()
        );
        return;
    }
    if let Some(missing) = dirs.iter().find(|d| !d.is_dir()) {
        println!("skipped: input directory {} not found", missing.display());
        return;
    }
    let tests = match suite::load_tests(&tests_xml) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    println!("{} tests from {}", tests.len(), tests_xml.display());
    let mut inputs = suite::Inputs::new(dirs);
    // MODE=engine: the engine alone, without the native evaluator in front of it.
    let engine_only = std::env::var("MODE").is_ok_and(|m| m == "engine");
    let mut natively = 0usize;
    let mut engine = |expr: &str, input: &Value| -> EngineOutcome {
        match Expression::parse(expr) {
            Err(e) => EngineOutcome::SyntaxError(e.to_string()),
            Ok(x) => match if engine_only {
                x.evaluate_by_engine(input, &Variables::new())
            } else {
                if x.evaluate_natively(input, &Variables::new()).is_some() {
                    natively += 1;
                }
                x.evaluate(input)
            } {
                Ok(values) => EngineOutcome::Values(values),
                Err(EvalError { message }) => EngineOutcome::EvalError(message),
            },
        }
    };
    let verbose = std::env::var_os("VERBOSE").is_some();
    suite::run_and_report(&tests, &mut inputs, &mut engine, verbose);
    println!("answered by the native evaluator: {natively}");
    if let Some(patient) = inputs.get("patient-example.xml") {
        measure_speed(&patient);
    }
}

/// Typical invariants, compiled once and evaluated many times on one Patient.
fn measure_speed(patient: &Value) {
    const INVARIANTS: &[&str] = &[
        "name.exists() or telecom.exists()",
        "contact.all(name.exists() or telecom.exists() or address.exists() or organization.exists())",
        "name.where(use = 'official').given.first() = 'Peter'",
        "telecom.where(system = 'phone').value.count() > 1",
        "birthDate < today()",
        "identifier.all(system.exists() implies value.exists())",
    ];
    const ROUNDS: usize = 2000;
    let compiled: Vec<Expression> = INVARIANTS
        .iter()
        .filter_map(|src| Expression::parse(src).ok())
        .collect();
    let start = std::time::Instant::now();
    let mut failures = 0;
    for _ in 0..ROUNDS {
        for expr in &compiled {
            if expr.evaluate(patient).is_err() {
                failures += 1;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let evals = (ROUNDS * compiled.len()) as f64;
    println!(
        "speed: {:.0} evaluations/s ({:.1} µs each) over {} invariants on patient-example, {failures} errors",
        evals / secs,
        secs * 1e6 / evals,
        compiled.len()
    );
}
