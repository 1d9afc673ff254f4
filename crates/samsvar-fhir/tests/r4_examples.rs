//! Evidence (a): every example in hl7.fhir.r4.examples validated against its base
//! definition (and any meta.profile it declares). The files with errors, and the rules
//! of those errors, must be exactly those of `tests/r4_expected_failures.txt`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use samsvar_fhir::validator::{collect_inputs, expression_of};
use std::collections::{BTreeMap, BTreeSet};

/// file name → the rules of its errors.
type Failures = BTreeMap<String, BTreeSet<String>>;

fn expected_failures() -> Failures {
    let text = include_str!("r4_expected_failures.txt");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (file, rules) = l.split_once(':').expect("`file: rule, ...`");
            let rules = rules.split(',').map(|r| r.trim().to_string()).collect();
            (file.trim().to_string(), rules)
        })
        .collect()
}

#[test]
fn r4_examples_fail_exactly_as_listed() {
    let validator = common::core_validator();
    let folder = common::package_folder(common::R4_CORE);
    let files = collect_inputs(std::slice::from_ref(&folder)).unwrap();
    assert!(
        files.len() > 5000,
        "expected the full R4 examples package in {}",
        folder.display()
    );
    let reports = validator.validate_files(&files, None);
    let mut actual = Failures::new();
    for (path, report) in &reports {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for issue in report.errors() {
            actual
                .entry(name.clone())
                .or_default()
                .insert(issue.rule.to_string());
            println!(
                "{name}: {} @ {}: {} [{}]",
                issue.severity,
                expression_of(issue),
                issue.message,
                issue.rule
            );
        }
    }
    let expected = expected_failures();
    let mut differences = Vec::new();
    for (file, rules) in &actual {
        match expected.get(file) {
            None => differences.push(format!("{file}: new errors {rules:?}")),
            Some(want) if want != rules => {
                differences.push(format!("{file}: errors {rules:?}, listed {want:?}"))
            }
            Some(_) => {}
        }
    }
    for file in expected.keys().filter(|f| !actual.contains_key(*f)) {
        differences.push(format!(
            "{file}: listed, but has no error any more (remove it)"
        ));
    }
    println!(
        "{} of {} R4 examples have zero errors",
        reports.len() - actual.len(),
        reports.len()
    );
    assert!(
        differences.is_empty(),
        "the R4 examples differ from tests/r4_expected_failures.txt (errors are printed above):\n{}",
        differences.join("\n")
    );
}
