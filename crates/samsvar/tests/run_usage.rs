//! Exit 2: samsvar's own inputs are wrong (suite, config, usage). Each problem is
//! reported with `file:line:col`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{BASICS, samsvar_run, samsvar_run_in, temp_suite};

const HEADER: &str = "suite:
  id: broken
  version: \"1\"
  title: Broken on purpose
targets:
  fhir:
    kind: fhir
";

fn lint_case(body: &str, files: &[(&str, &str)], line: usize, fragments: &[&str]) -> String {
    let dir = temp_suite(&format!("{HEADER}{body}"), files);
    let run = samsvar_run_in(
        dir.path(),
        &["suite.yaml", "--target", "http://127.0.0.1:9/fhir"],
    );
    let all = run.all();
    assert_eq!(run.code, 2, "expected exit 2\n{all}");
    let at = format!("suite.yaml:{line}:");
    assert!(all.contains(&at), "expected `{at}` in\n{all}");
    for f in fragments {
        assert!(all.contains(f), "expected `{f}` in\n{all}");
    }
    assert!(
        std::fs::read_dir(run.out_dir.path())
            .unwrap()
            .next()
            .is_none(),
        "nothing may be written when the suite is bad"
    );
    common::normalize(&all, run.out_dir.path())
}

#[test]
fn unknown_key_exits_2_with_location_and_hint() {
    let out = lint_case(
        "tests:
  - id: t
    steps:
      - request: GET {{fhir}}/metadata
        assert:
          - stauts: 200
",
        &[],
        13,
        &["stauts", "did you mean `status`?"],
    );
    insta::assert_snapshot!("usage_unknown_key", out);
}

#[test]
fn fhirpath_syntax_error_exits_2() {
    let out = lint_case(
        "tests:
  - id: t
    steps:
      - request: GET {{fhir}}/metadata
        assert:
          - fhirpath: \"name.where(\"
",
        &[],
        13,
        &[],
    );
    insta::assert_snapshot!("usage_fhirpath_syntax", out);
}

#[test]
fn undefined_variable_exits_2() {
    let out = lint_case(
        "tests:
  - id: t
    steps:
      - request: GET {{fhir}}/Patient/{{patient_idd}}
",
        &[],
        11,
        &["patient_idd"],
    );
    insta::assert_snapshot!("usage_undefined_variable", out);
}

#[test]
fn missing_fixture_exits_2() {
    let out = lint_case(
        "tests:
  - id: t
    steps:
      - request:
          method: POST
          url: \"{{fhir}}/Patient\"
          file: fixtures/nope.json
",
        &[],
        14,
        &["nope.json"],
    );
    insta::assert_snapshot!("usage_missing_fixture", out);
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let dir = temp_suite(
        &format!(
            "{HEADER}tests:
  - id: t
    steps:
      - request: GET {{{{fhir}}}}/Patient/{{{{nope}}}}
        assert:
          - stauts: 200
          - fhirpath: \"name.where(\"
"
        ),
        &[],
    );
    let run = samsvar_run_in(
        dir.path(),
        &["suite.yaml", "--target", "http://127.0.0.1:9/fhir"],
    );
    let all = run.all();
    assert_eq!(run.code, 2, "{all}");
    for at in ["suite.yaml:11:", "suite.yaml:13:", "suite.yaml:14:"] {
        assert!(all.contains(at), "expected `{at}` in\n{all}");
    }
}

#[test]
fn unbound_target_lists_targets_and_how_to_bind() {
    let run = samsvar_run(&[BASICS]);
    assert_eq!(run.code, 2, "{}", run.all());
    insta::assert_snapshot!("usage_unbound_target", run.normalized());
}

#[test]
fn unknown_config_key_names_file_line_col() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("samsvar.toml");
    std::fs::write(&config, "jobs = 2\n\n[limits]\ntimeot = \"1s\"\n").unwrap();
    let run = samsvar_run(&[
        BASICS,
        "--target",
        "sim",
        "--config",
        config.to_str().unwrap(),
    ]);
    let all = run.all();
    assert_eq!(run.code, 2, "{all}");
    assert!(all.contains("samsvar.toml:4:1"), "{all}");
    assert!(all.contains("did you mean `timeout`?"), "{all}");
}

#[test]
fn unknown_input_and_bad_flags_exit_2() {
    let run = samsvar_run(&[BASICS, "--target", "sim", "-i", "famly=X"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.all().contains("did you mean `family`?"),
        "{}",
        run.all()
    );

    let run = samsvar_run(&[BASICS, "--target", "sim", "--format", "junitt"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.all().contains("did you mean `junit`?"), "{}", run.all());

    let run = samsvar_run(&[BASICS, "--target", "sim", "--sim-defect", "no-etagg"]);
    assert_eq!(run.code, 2, "{}", run.all());

    let run = samsvar_run(&[
        BASICS,
        "--sim-defect",
        "no-etag",
        "--target",
        "http://127.0.0.1:9/fhir",
    ]);
    assert_eq!(run.code, 2, "{}", run.all());
}
