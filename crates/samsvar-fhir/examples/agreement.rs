//! Agreement with the HL7 reference validator on its own test cases
//! (`fhir-test-cases/validator/manifest.json`, R4 cases, modules other than `tx`).
//! Measurement only; not part of `cargo test`.
//!
//! `cargo run --release -p samsvar-fhir --example agreement -- [CASES_DIR] <package-dir>...`
//! CASES_DIR defaults to /work/shared/fhir-test-cases/validator; skipped with a message when absent.

use samsvar_fhir::{Definitions, Validator};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let cases = if args.first().is_some_and(|a| a.contains("fhir-test-cases")) {
        PathBuf::from(args.remove(0))
    } else {
        PathBuf::from("/work/shared/fhir-test-cases/validator")
    };
    let manifest_path = cases.join("manifest.json");
    let Ok(text) = std::fs::read(&manifest_path) else {
        println!("skipped: {} is not present", manifest_path.display());
        return;
    };
    let Ok(manifest) = serde_json::from_slice::<Value>(&text) else {
        println!("skipped: {} is not JSON", manifest_path.display());
        return;
    };
    let base = match Definitions::load(&args) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    drop(base);
    let empty = Vec::new();
    let tests = manifest["test-cases"].as_array().unwrap_or(&empty);
    let (mut total, mut same_verdict, mut same_count) = (0, 0, 0);
    let (mut both_valid, mut both_invalid, mut only_us, mut only_java) = (0, 0, 0, 0);
    for case in tests {
        let version = case["version"].as_str().unwrap_or("");
        let module = case["module"].as_str().unwrap_or("");
        let file = case["file"].as_str().unwrap_or("");
        if !version.starts_with("4.0") || module == "tx" || !file.ends_with(".json") {
            continue;
        }
        let Some(java) = case["java"].as_str() else {
            continue;
        };
        let Some(expected) = read_json(&cases.join("outcomes").join(java)) else {
            continue;
        };
        let Ok(bytes) = std::fs::read(cases.join(file)) else {
            continue;
        };
        let mut defs = match Definitions::load(&args) {
            Ok(d) => d,
            Err(_) => continue,
        };
        for support in case["supporting"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(case["profiles"].as_array().into_iter().flatten())
        {
            if let Some(s) = support.as_str()
                && let Some(v) = read_json(&cases.join(s))
            {
                defs.add_resource(v);
            }
        }
        let validator = Validator::new(Arc::new(defs));
        let report = validator.validate_bytes(&bytes, None);
        let ours = report.error_count();
        let theirs = error_count(&expected);
        total += 1;
        match (ours == 0, theirs == 0) {
            (true, true) => both_valid += 1,
            (false, false) => both_invalid += 1,
            (false, true) => only_us += 1,
            (true, false) => only_java += 1,
        }
        if (ours == 0) == (theirs == 0) {
            same_verdict += 1;
        } else if std::env::var("VERBOSE").is_ok() {
            println!("{file}: samsvar {ours} errors, HL7 {theirs} errors");
            for i in report.errors().take(3) {
                println!("    ours: {} {}", i.expression, i.message);
            }
        }
        if ours == theirs {
            same_count += 1;
        }
    }
    println!(
        "R4 non-tx cases: {total}; same verdict {same_verdict} ({:.1}%): both valid {both_valid}, both invalid {both_invalid}, only samsvar invalid {only_us}, only HL7 invalid {only_java}; same error count {same_count} ({:.1}%)",
        100.0 * same_verdict as f64 / total.max(1) as f64,
        100.0 * same_count as f64 / total.max(1) as f64
    );
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

fn error_count(outcome: &Value) -> usize {
    outcome["issue"]
        .as_array()
        .map(|issues| {
            issues
                .iter()
                .filter(|i| matches!(i["severity"].as_str(), Some("error" | "fatal")))
                .count()
        })
        .unwrap_or(0)
}
