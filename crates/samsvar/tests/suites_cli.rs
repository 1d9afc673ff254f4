//! `samsvar suites lint|list|schema`, driving the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn samsvar(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_samsvar"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const CASES: &str = "crates/samsvar-suite/tests/cases";

#[test]
fn lint_reports_every_problem_and_exits_2() {
    let out = samsvar(&["suites", "lint", &format!("{CASES}/broken/unknown-key")]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("error[unknown-key]: unknown key `stauts` in assertion"),
        "{text}"
    );
    assert!(
        text.contains(&format!("--> {CASES}/broken/unknown-key/suite.yaml:17:13")),
        "{text}"
    );
    assert!(text.contains("= hint: did you mean `status`?"), "{text}");
    assert!(text.contains("7 error(s), 0 warning(s)"), "{text}");
}

/// `--format sarif`: the same diagnostics as a SARIF 2.1.0 log for code scanning, each
/// result with its rule (from the lint catalogue), level and 1-based region.
#[test]
fn lint_as_sarif_gives_one_result_per_diagnostic_with_its_region() {
    let case = format!("{CASES}/broken/unknown-key");
    let out = samsvar(&["suites", "lint", &case, "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), samsvar_suite::rules::RULES.len());
    let results = run["results"].as_array().unwrap();
    let errors = results.iter().filter(|r| r["level"] == "error").count();
    assert_eq!(errors, 7, "the text output counts 7 errors: {results:#?}");
    let stauts = results
        .iter()
        .find(|r| {
            r["message"]["text"]
                == "unknown key `stauts` in assertion (hint: did you mean `status`?)"
        })
        .expect("the unknown-key result");
    assert_eq!(stauts["ruleId"], "unknown-key");
    let index = stauts["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], "unknown-key");
    let location = &stauts["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        format!("{case}/suite.yaml")
    );
    assert_eq!(location["region"]["startLine"], 17);
    assert_eq!(location["region"]["startColumn"], 13);
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);

    // A path with no suite is a notification, and still exit 2.
    let out = samsvar(&["suites", "lint", "no/such/suite", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(2));
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let inv = &log["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    assert!(
        inv["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("failed to find a suite at no/such/suite")
    );
}

#[test]
fn lint_of_a_valid_suite_exits_0() {
    let out = samsvar(&[
        "suites",
        "lint",
        &format!("{CASES}/valid/example/suite.yaml"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("ok"));
}

#[test]
fn lint_of_a_missing_path_exits_2() {
    let out = samsvar(&["suites", "lint", "no/such/suite"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("failed to find a suite at no/such/suite"));
}

#[test]
fn list_shows_ids_ehds_and_tests() {
    let out = samsvar(&["suites", "list", &format!("{CASES}/valid")]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("fhir-rest-basics 1.0.0 — FHIR REST basics"),
        "{text}"
    );
    assert!(
        text.contains("EHDS: interoperability / patient-summary"),
        "{text}"
    );
    assert!(
        text.contains("patient-crud/ Create, read, update, search and delete a Patient"),
        "{text}"
    );
    assert!(
        text.contains("read-patient  Read the created Patient back"),
        "{text}"
    );
}

#[test]
fn schema_prints_the_committed_schema() {
    let out = samsvar(&["suites", "schema"]);
    assert_eq!(out.status.code(), Some(0));
    let committed = std::fs::read_to_string(repo().join("docs/suite.schema.json")).unwrap();
    assert_eq!(stdout(&out), committed);
}
