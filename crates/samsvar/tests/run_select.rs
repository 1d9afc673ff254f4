//! `samsvar run --test PATTERN`: a subset of the tests, with what they need, and a record
//! that says the run was partial. Patterns that cannot be used stop the run (exit 2).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{BASICS, samsvar_run};
use serde_json::Value;

/// The ids of the tests the record holds, in record order.
fn tests_run(record: &Value) -> Vec<String> {
    fn walk(item: &Value, out: &mut Vec<String>) {
        if item["kind"] == "test" {
            out.push(item["id"].as_str().unwrap().to_string());
        }
        for child in item["items"].as_array().into_iter().flatten() {
            walk(child, out);
        }
    }
    let mut out = Vec::new();
    for suite in record["suites"].as_array().unwrap() {
        walk(&suite["root"], &mut out);
    }
    out
}

#[test]
fn a_selected_test_runs_with_the_tests_it_needs_and_the_record_says_partial() {
    let run = samsvar_run(&[BASICS, "--target", "sim", "--test", "vread-patient"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let record = run.record();
    // vread-patient needs create-patient (explicitly, and for the captured id).
    assert_eq!(tests_run(&record), ["create-patient", "vread-patient"]);
    let selection = &record["selection"];
    assert_eq!(selection["patterns"], serde_json::json!(["vread-patient"]));
    assert_eq!(selection["selected"], 2);
    assert_eq!(selection["total"], 12);
    let left_out = selection["left_out"].as_array().unwrap();
    assert_eq!(left_out.len(), 10);
    assert!(left_out.contains(&Value::from("fhir-rest-basics/delete-patient")));
    assert_eq!(record["summary"]["total"], 2);
    assert!(
        run.stdout.contains(
            "selection: 2 of 12 tests (--test vread-patient); a partial run, never evidence of conformity"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn globs_and_group_ids_select_and_suite_prefixes_scope() {
    let run = samsvar_run(&[
        BASICS,
        "--target",
        "sim",
        "--test",
        "fhir-rest-basics/unknown-*",
        "--test",
        "capability-?tatement",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        tests_run(&run.record()),
        [
            "capability-statement",
            "unknown-id",
            "unknown-search-parameter",
            "unknown-search-parameter-strict",
            "unknown-resource-type"
        ]
    );

    // A group id selects the whole group.
    let run = samsvar_run(&[BASICS, "--target", "sim", "--test", "error-handling"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(tests_run(&run.record()).len(), 5, "{}", run.all());
}

#[test]
fn a_pattern_that_matches_nothing_stops_the_run_with_a_suggestion() {
    let run = samsvar_run(&[BASICS, "--target", "sim", "--test", "vraed-patient"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains(
            "error: --test `vraed-patient` matches no test or group of the suites (did you mean `vread-patient`?)"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "nothing ran: {}", run.stdout);

    // The suite part scopes the test part: this test is not in that suite.
    let run = samsvar_run(&[BASICS, "--target", "sim", "--test", "xds-b/read-patient"]);
    assert_eq!(run.code, 2, "{}", run.all());

    let run = samsvar_run(&[BASICS, "--target", "sim", "--test", "read-[patient"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr
            .contains("--test `read-[patient` is not a valid pattern"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_whole_run_has_no_selection_and_a_failure_shows_the_response_body() {
    let run = samsvar_run(&[
        BASICS,
        "--target",
        "sim",
        "--sim-defect",
        "search-500",
        "--test",
        "search-patient",
    ]);
    assert_eq!(run.code, 1, "{}", run.all());
    // The failure shows what the server answered and where the whole body is stored.
    let failures = run.stdout.split("\nFailures\n").nth(1).expect("failures");
    assert!(failures.contains("      response body:"), "{failures}");
    assert!(
        failures.contains(
            r#""diagnostics": "failed to search: internal server error (search-500 defect)""#
        ),
        "{failures}"
    );
    let stored = failures
        .lines()
        .find_map(|l| l.trim().strip_prefix("stored: "))
        .expect("the stored exchange is named");
    let body = std::fs::read_to_string(stored).unwrap();
    assert!(body.contains("search-500 defect"), "{body}");
    // ... and the closing lines name report.html.
    let html = run.run_dir().join("report.html");
    assert!(
        run.stdout.contains(&format!("report: {}", html.display())),
        "{}",
        run.stdout
    );

    let whole = samsvar_run(&[BASICS, "--target", "sim"]);
    assert_eq!(whole.record().get("selection"), None);
    assert!(!whole.stdout.contains("selection:"));
}
