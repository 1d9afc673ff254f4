//! `samsvar run testsuites/fhir-rest-basics --target sim`: the passing run, and one
//! failing run per documented simulator defect.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{BASICS, samsvar_run};

#[test]
fn basics_pass_against_the_simulator() {
    let run = samsvar_run(&[BASICS, "--target", "sim", "--jobs", "1"]);
    assert_eq!(run.code, 0, "{}", run.all());
    insta::assert_snapshot!("basics_pass", run.normalized());

    let record = run.record();
    assert_eq!(
        record["outcome"], "warn",
        "warnings roll up; the exit code stays 0"
    );
    // The simulator accepts an invalid Patient (a SHOULD) and answers an unknown
    // resource type with 200 (a MAY): warnings, and the run passes.
    assert_eq!(record["summary"]["passed"], 10);
    assert_eq!(record["summary"]["warned"], 2);
    assert_eq!(record["targets"][0]["simulated"], true);
    let junit = std::fs::read_to_string(run.run_dir().join("junit.xml")).unwrap();
    assert!(
        junit.contains(
            r#"<testsuite name="fhir-rest-basics" tests="12" failures="0" errors="0" skipped="0""#
        ),
        "{junit}"
    );
    // A warning is a property and system-out of a passing testcase, never a <failure>.
    assert!(
        junit.contains(r#"<property name="samsvar.warning" value="should: status is one of 400, 422: expected one of 400, 422, got 201"#),
        "{junit}"
    );
    assert!(!junit.contains("<failure"), "{junit}");
    assert!(
        junit.contains(r#"classname="fhir-rest-basics.patient-round-trip""#),
        "{junit}"
    );
}

#[test]
fn concurrent_run_passes_too() {
    let run = samsvar_run(&[BASICS, "--target", "sim", "--jobs", "4"]);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn a_failing_defect_run_has_a_stable_report() {
    let run = samsvar_run(&[
        BASICS,
        "--target",
        "sim",
        "--sim-defect",
        "create-200",
        "--jobs",
        "1",
    ]);
    assert_eq!(run.code, 1, "{}", run.all());
    insta::assert_snapshot!("basics_create_200", run.normalized());
    let junit = std::fs::read_to_string(run.run_dir().join("junit.xml")).unwrap();
    insta::assert_snapshot!(
        "basics_create_200_junit",
        common::normalize(&junit, run.out_dir.path())
            .lines()
            .filter(|l| !l.contains("<testsuites") && !l.contains("<testsuite "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Runs the suite with one defect and checks the run exits 1 and that the report names
/// the failing test, the assertion, expected vs actual, and the suite line.
fn check_defect(defect: &str, test: &str, outcome: &str, fragments: &[&str], extra: &[&str]) {
    let mut args = vec![
        BASICS,
        "--target",
        "sim",
        "--sim-defect",
        defect,
        "--jobs",
        "2",
    ];
    args.extend_from_slice(extra);
    let run = samsvar_run(&args);
    let all = run.all();
    let code = if outcome == "WARN " { 0 } else { 1 };
    assert_eq!(
        run.code, code,
        "defect {defect}: expected exit {code}\n{all}"
    );
    let header = format!("{outcome} fhir-rest-basics › {test}");
    assert!(
        all.contains(&header),
        "defect {defect}: expected `{header}` in the report\n{all}"
    );
    assert!(
        all.contains("testsuites/fhir-rest-basics/suite.yaml:"),
        "defect {defect}: the report should name the suite line\n{all}"
    );
    for f in fragments {
        assert!(all.contains(f), "defect {defect}: expected `{f}` in\n{all}");
    }
    // The records are written whatever happened.
    let record = run.record();
    let expected = match outcome {
        "FAIL " => "fail",
        "WARN " => "warn",
        _ => "error",
    };
    assert_eq!(record["outcome"], expected);
    assert!(run.run_dir().join("junit.xml").is_file());
}

/// A failed assertion shows its kind, expected and actual, and `at file:line:col`.
fn failed(defect: &str, test: &str, fragments: &[&str]) {
    let mut all = vec![
        "expected:",
        "actual:",
        "at testsuites/fhir-rest-basics/suite.yaml:",
    ];
    all.extend_from_slice(fragments);
    check_defect(defect, test, "FAIL ", &all, &[]);
}

/// A missed SHOULD or MAY: reported as a warning with expected vs actual; exit 0.
fn warned(defect: &str, test: &str, fragments: &[&str]) {
    let mut all = vec![
        "Warnings (SHOULD/MAY not met; not failures)",
        "expected:",
        "actual:",
        "at testsuites/fhir-rest-basics/suite.yaml:",
    ];
    all.extend_from_slice(fragments);
    check_defect(defect, test, "WARN ", &all, &[]);
}

#[test]
fn defect_wrong_content_type() {
    failed(
        "wrong-content-type",
        "capability-statement",
        &[
            "content_type: content type is application/fhir+json",
            "actual:   text/plain",
        ],
    );
}

#[test]
fn defect_json_content_type() {
    failed(
        "json-content-type",
        "capability-statement",
        &["actual:   application/json"],
    );
}

#[test]
fn defect_missing_location() {
    failed(
        "missing-location",
        "create-patient",
        &["header `Location` matches", "actual:   absent"],
    );
}

#[test]
fn defect_no_etag() {
    // R4 http.html#concurrency: servers should always send an ETag (a SHOULD).
    warned(
        "no-etag",
        "read-patient",
        &["header `ETag` equals `W/\"1\"`", "actual:   absent"],
    );
}

#[test]
fn defect_create_200() {
    failed(
        "create-200",
        "create-patient",
        &["status: status is 201", "expected: 201", "actual:   200"],
    );
}

#[test]
fn defect_search_500() {
    failed(
        "search-500",
        "search-patient",
        &["status: status is 200", "actual:   500"],
    );
}

#[test]
fn defect_search_no_total() {
    // Bundle.total is 0..1 and `_total=accurate` only a hint (R4 search.html#total).
    warned(
        "search-no-total",
        "search-patient",
        &["`total.exists()` is true", "actual:   false"],
    );
}

#[test]
fn defect_search_ignores_params() {
    failed(
        "search-ignores-params",
        "search-patient",
        // Every Patient of the type: the decoy, the test patient and the 9 of the
        // population the simulator is seeded with (fixtures/index.json).
        &["`entry.count()` equals `1`", "actual:   12"],
    );
}

#[test]
fn defect_read_404_without_outcome() {
    failed(
        "read-404-without-outcome",
        "unknown-id",
        &[
            "content type is application/fhir+json",
            "no Content-Type header",
        ],
    );
}

#[test]
fn defect_ignore_update() {
    failed(
        "ignore-update",
        "update-patient",
        &["`active = false` is true", "actual:   false"],
    );
}

#[test]
fn defect_no_version_bump() {
    failed(
        "no-version-bump",
        "update-patient",
        &["`meta.versionId != %vid_read` is true", "actual:   false"],
    );
}

#[test]
fn defect_delete_noop() {
    failed(
        "delete-noop",
        "delete-patient",
        &["status is one of 410, 404", "actual:   200"],
    );
}

#[test]
fn defect_wrong_fhir_version() {
    failed(
        "wrong-fhir-version",
        "capability-statement",
        &["`fhirVersion` equals `4.0.1`", "actual:   3.0.2"],
    );
}

#[test]
fn defect_slow_errors_on_timeout() {
    check_defect(
        "slow",
        "capability-statement",
        "ERROR",
        &["setup failed", "timed out after 300 ms"],
        &["--timeout", "300ms"],
    );
}

#[test]
fn defect_huge_body_errors_at_the_limit() {
    check_defect(
        "huge-body",
        "capability-statement",
        "ERROR",
        &["response body larger than 1 MiB limit"],
        &["--max-body", "1MiB"],
    );
}

#[test]
fn defect_invalid_json_errors() {
    check_defect(
        "invalid-json",
        "capability-statement",
        "ERROR",
        &["response body is not JSON"],
        &[],
    );
}

#[test]
fn defect_reset_errors() {
    check_defect(
        "reset",
        "capability-statement",
        "ERROR",
        &["setup failed", "http://127.0.0.1:"],
        &[],
    );
}

#[test]
fn defect_redirect_offsite_errors() {
    check_defect(
        "redirect-offsite",
        "capability-statement",
        "ERROR",
        &["leads off-origin to http://offsite.invalid"],
        &[],
    );
}

#[test]
fn every_documented_defect_has_a_test() {
    // XDS simulator defects are exercised in run_xds.rs, the EHDS ones in ehds_suites.rs,
    // the person's access log (under --require-auth) in balp_person.rs.
    let here = concat!(
        include_str!("run_sim.rs"),
        include_str!("run_xds.rs"),
        include_str!("ehds_suites.rs"),
        include_str!("balp_person.rs")
    );
    for d in samsvar_sim::defect_catalogue() {
        let name = d.name;
        assert!(
            here.contains(&format!("\"{name}\"")),
            "simulator defect `{name}` has no test in run_sim.rs, run_xds.rs, ehds_suites.rs or balp_person.rs"
        );
    }
}
