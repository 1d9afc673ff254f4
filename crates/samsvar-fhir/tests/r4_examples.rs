//! Evidence (a): every example in hl7.fhir.r4.examples validated against its base
//! definition (and any meta.profile it declares); at least 99% must have zero errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use samsvar_fhir::validator::collect_inputs;

#[test]
fn r4_examples_validate_with_zero_errors() {
    let validator = common::core_validator();
    let folder = common::package_folder(common::R4_CORE);
    let files = collect_inputs(std::slice::from_ref(&folder)).unwrap();
    assert!(
        files.len() > 5000,
        "expected the full R4 examples package in {}",
        folder.display()
    );
    let reports = validator.validate_files(&files, None);
    let failing: Vec<_> = reports.iter().filter(|(_, r)| !r.is_valid()).collect();
    for (path, report) in &failing {
        let name = path.file_name().unwrap().to_string_lossy();
        for issue in report.errors().take(5) {
            println!(
                "{name}: {} @ {}: {} [{}]",
                issue.severity.as_str(),
                issue.expression,
                issue.message,
                issue.rule
            );
        }
    }
    let share = 100.0 * (reports.len() - failing.len()) as f64 / reports.len() as f64;
    println!(
        "{} of {} R4 examples have zero errors ({share:.2}%)",
        reports.len() - failing.len(),
        reports.len()
    );
    assert!(
        share >= 99.0,
        "only {share:.2}% of the R4 examples validate with zero errors (need at least 99%); failing files are listed above"
    );
}
