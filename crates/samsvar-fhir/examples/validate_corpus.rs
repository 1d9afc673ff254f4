//! Validates every resource file in a folder against its base definition (or meta.profile)
//! and prints the share with zero errors. Used for measurement; not part of `cargo test`.
//!
//! `cargo run --release -p samsvar-fhir --example validate_corpus -- <examples-dir> <package-dir>...`

use rayon::prelude::*;
use samsvar_fhir::{Definitions, Validator};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: validate_corpus <examples-dir> <package-dir>...");
        std::process::exit(2);
    }
    let start = Instant::now();
    let defs = match Definitions::load(&args[1..]) {
        Ok(d) => Arc::new(d),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let validator = Validator::new(defs);
    let loaded = start.elapsed();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&args[0])
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| {
        p.extension().is_some_and(|e| e == "json")
            && !p
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.') || n == "package.json")
    });
    files.sort();
    let only = std::env::var("ONLY").ok();
    if let Some(o) = &only {
        files.retain(|p| p.to_string_lossy().contains(o.as_str()));
    }
    let timed: Vec<(PathBuf, samsvar_fhir::ValidationReport, std::time::Duration)> = files
        .par_iter()
        .map(|p| {
            let bytes = std::fs::read(p).unwrap_or_default();
            let t = Instant::now();
            let report = validator.validate_bytes(&bytes, None);
            (p.clone(), report, t.elapsed())
        })
        .collect();
    let elapsed = start.elapsed();
    let mut slowest: Vec<(&PathBuf, std::time::Duration)> =
        timed.iter().map(|(p, _, d)| (p, *d)).collect();
    slowest.sort_by_key(|s| std::cmp::Reverse(s.1));
    for (p, d) in slowest.iter().take(10) {
        eprintln!("slow: {d:?} {}", p.display());
    }
    let results: Vec<(PathBuf, samsvar_fhir::ValidationReport)> =
        timed.into_iter().map(|(p, r, _)| (p, r)).collect();
    let mut by_rule: BTreeMap<String, usize> = BTreeMap::new();
    let mut failing = 0;
    for (p, r) in &results {
        if !r.is_valid() {
            failing += 1;
            if std::env::var("QUIET").is_err() {
                println!(
                    "{}",
                    samsvar_fhir::outcome::render_text(&p.display().to_string(), r)
                        .lines()
                        .filter(|l| !l.contains("Warning @") && !l.contains("Information @"))
                        .collect::<Vec<_>>()
                        .join("\n")
                );
            }
            for i in r.errors() {
                *by_rule.entry(i.rule.clone()).or_default() += 1;
            }
        }
    }
    println!("errors by rule: {by_rule:?}");
    println!("invariant problems: {:?}", validator.invariant_problems());
    println!(
        "{} files, {} with zero errors ({:.2}%), {} failing; definitions {:?}, total {:?}",
        results.len(),
        results.len() - failing,
        100.0 * (results.len() - failing) as f64 / results.len().max(1) as f64,
        failing,
        loaded,
        elapsed
    );
}
