//! Validates every resource file in a folder against its base definition (or meta.profile)
//! and prints the share with zero errors. Used for measurement; not part of `cargo test`.
//!
//! `cargo run --release -p samsvar-fhir --example validate_corpus -- <examples-dir> <package-dir>...`

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
    // TIMES=1: each file timed on its own, one at a time, slowest listed (no parallelism).
    if std::env::var_os("TIMES").is_some() {
        let mut timed: Vec<(std::time::Duration, &PathBuf)> = files
            .iter()
            .map(|p| {
                let t = Instant::now();
                validator.validate_file(p, None);
                (t.elapsed(), p)
            })
            .collect();
        timed.sort_by_key(|t| std::cmp::Reverse(t.0));
        for (d, p) in timed.iter().take(10) {
            eprintln!("slow: {d:?} {}", p.display());
        }
    }
    // The product's own path: parallel, with its bound on input held in memory at once.
    let results = validator.validate_files(&files, None);
    let elapsed = start.elapsed();
    let mut by_rule: BTreeMap<String, usize> = BTreeMap::new();
    let mut failing = 0;
    // ALL=1: every file's issues, warnings included (to compare two builds' output).
    let all = std::env::var_os("ALL").is_some();
    for (p, r) in &results {
        if all {
            println!(
                "{}",
                samsvar_fhir::outcome::render_text(&p.display().to_string(), r)
            );
        }
        if !r.is_valid() {
            failing += 1;
            if std::env::var("QUIET").is_err() && !all {
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
                *by_rule.entry(i.rule.to_string()).or_default() += 1;
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
