//! `description:` on an assertion: run against the simulator, run.json and the terminal
//! show the author's words, rendered with the step's variables, and a failure still
//! shows the generated description (the expression that was evaluated).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{samsvar_run_in, temp_suite};

const SUITE: &str = r#"suite:
  id: described
  version: "1"
  title: Assertions with descriptions
  verifies: [REQ-1]
targets:
  fhir:
    kind: fhir
tests:
  - id: read-back
    steps:
      - request:
          method: POST
          url: "{{fhir}}/Patient"
          json: { resourceType: Patient, name: [{ family: Nordmann }] }
        capture:
          pid: { fhirpath: id }
      - request: GET {{fhir}}/Patient/{{pid}}
        assert:
          - status: 200
            description: "Patient/{{pid}} can be read back"
          - fhirpath: "name.family = 'Nobody'"
            description: "Patient/{{pid}} is called Nobody"
          - status: [200, 304]
"#;

#[test]
fn descriptions_replace_the_generated_text_and_failures_keep_the_expression() {
    let dir = temp_suite(SUITE, &[]);
    let run = samsvar_run_in(
        dir.path(),
        &["suite.yaml", "--target", "sim", "--jobs", "1"],
    );
    assert_eq!(run.code, 1, "{}", run.all());

    let record = run.record();
    let steps = record["suites"][0]["root"]["items"][0]["steps"]
        .as_array()
        .unwrap();
    let pid = steps[0]["captures"][0]["value"].as_str().unwrap();
    let asserts = steps[1]["assertions"].as_array().unwrap();
    assert_eq!(asserts[0]["outcome"], "pass");
    assert_eq!(
        asserts[0]["description"],
        format!("Patient/{pid} can be read back")
    );
    assert!(asserts[0]["message"].is_null(), "{:?}", asserts[0]);
    assert_eq!(asserts[1]["outcome"], "fail");
    assert_eq!(asserts[1]["kind"], "fhirpath");
    assert_eq!(
        asserts[1]["description"],
        format!("Patient/{pid} is called Nobody")
    );
    assert_eq!(
        asserts[1]["message"],
        "check: `name.family = 'Nobody'` is true"
    );
    // Without `description:` the generated text stays.
    assert_eq!(asserts[2]["description"], "status is one of 200, 304");

    let out = run.all();
    assert!(
        out.contains(&format!("fhirpath: Patient/{pid} is called Nobody")),
        "{out}"
    );
    assert!(
        out.contains("check: `name.family = 'Nobody'` is true"),
        "{out}"
    );
}
