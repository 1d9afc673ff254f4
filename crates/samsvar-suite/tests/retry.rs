//! `retry:` on a step: lowered into the model with its default interval, and refused
//! (with `file:line:col`) when its numbers cannot work or its step is not an HTTP request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use samsvar_suite::model::{Retry, Step};
use std::path::Path;

/// A suite with one test holding `steps` (YAML, indented as items of `steps:`).
fn suite(steps: &str) -> String {
    format!(
        r#"suite:
  id: retry
  version: "1.0"
  title: Polling
  verifies: [REQ-1]
targets:
  arr: {{ kind: fhir }}
  xds-registry: {{ kind: xds-registry }}
tests:
  - id: audit
    steps:
{steps}"#
    )
}

/// `(code, file:line:col)` of every error (the unused `xds-registry` target warns).
fn problems(text: &str) -> Vec<(String, String)> {
    let checked = samsvar_suite::check_source(Path::new("retry/suite.yaml"), text.to_string());
    checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let at = d.span().map(|s| checked.sources.location(s));
            (d.rule.to_string(), at.unwrap_or_default())
        })
        .collect()
}

fn first_step(text: &str) -> Step {
    let checked = samsvar_suite::check_source(Path::new("retry/suite.yaml"), text.to_string());
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let suite = checked.suite.unwrap();
    suite.root.tests()[0].steps[0].clone()
}

const AUDIT_SEARCH: &str = r#"      - request: { method: GET, url: "{{arr}}/AuditEvent", query: { patient: "Patient/1" } }
"#;

#[test]
fn a_retry_is_lowered_with_both_numbers_or_the_default_interval() {
    let step = first_step(&suite(&format!(
        "{AUDIT_SEARCH}        retry: {{ timeout_ms: 10000, interval_ms: 250 }}\n        assert:\n          - status: 200\n"
    )));
    let retry = step.retry.unwrap();
    assert_eq!((retry.timeout_ms, retry.interval_ms), (10_000, 250));

    let step = first_step(&suite(&format!(
        "{AUDIT_SEARCH}        retry: {{ timeout_ms: 2000 }}\n"
    )));
    assert_eq!(step.retry.unwrap().interval_ms, Retry::DEFAULT_INTERVAL_MS);

    // A window shorter than the default interval waits that window once.
    let step = first_step(&suite(&format!(
        "{AUDIT_SEARCH}        retry: {{ timeout_ms: 200 }}\n"
    )));
    assert_eq!(step.retry.unwrap().interval_ms, 200);

    assert_eq!(first_step(&suite(AUDIT_SEARCH)).retry, None);
}

#[test]
fn a_retry_without_timeout_is_a_missing_key() {
    let text = suite(&format!(
        "{AUDIT_SEARCH}        retry: {{ interval_ms: 500 }}\n"
    ));
    assert_eq!(
        problems(&text),
        [(
            "missing-key".to_string(),
            "retry/suite.yaml:13:9".to_string()
        )]
    );
}

#[test]
fn intervals_and_timeouts_out_of_range_are_invalid_values() {
    // Below the minimum interval: schema.
    let text = suite(&format!(
        "{AUDIT_SEARCH}        retry: {{ timeout_ms: 1000, interval_ms: 10 }}\n"
    ));
    assert_eq!(
        problems(&text),
        [(
            "invalid-value".to_string(),
            "retry/suite.yaml:13:49".to_string()
        )]
    );
    // Longer than the window: lowering, pointing at the interval.
    let text = suite(&format!(
        "{AUDIT_SEARCH}        retry: {{ timeout_ms: 1000, interval_ms: 2000 }}\n"
    ));
    let checked = samsvar_suite::check_source(Path::new("retry/suite.yaml"), text.clone());
    assert!(
        checked
            .diagnostics
            .iter()
            .any(|d| d.message.contains("longer than `timeout_ms`")),
        "{:?}",
        checked.diagnostics
    );
    assert_eq!(
        problems(&text),
        [(
            "invalid-value".to_string(),
            "retry/suite.yaml:13:49".to_string()
        )]
    );
    // Zero and more than ten minutes.
    for timeout in ["0", "600001"] {
        let text = suite(&format!(
            "{AUDIT_SEARCH}        retry: {{ timeout_ms: {timeout} }}\n"
        ));
        assert_eq!(
            problems(&text),
            [(
                "invalid-value".to_string(),
                "retry/suite.yaml:13:30".to_string()
            )],
            "timeout_ms: {timeout}"
        );
    }
}

#[test]
fn a_retry_on_an_xds_or_tls_step_is_a_misfit_at_its_key() {
    let text = suite(
        r#"      - request: GET {{arr}}/metadata
      - xds:
          transaction: ITI-18
          query: { name: GetDocuments, params: { XDSDocumentEntryUniqueId: ["1.2.3"] } }
        retry: { timeout_ms: 5000 }
        assert:
          - xds: { status: Success }
      - tls: { offer: "1.1", target: arr }
        retry: { timeout_ms: 5000 }
        assert:
          - tls: refused
"#,
    );
    assert_eq!(
        problems(&text),
        [
            (
                "retry-misfit".to_string(),
                "retry/suite.yaml:16:9".to_string()
            ),
            (
                "retry-misfit".to_string(),
                "retry/suite.yaml:20:9".to_string()
            ),
        ]
    );
    let checked = samsvar_suite::check_source(Path::new("retry/suite.yaml"), text);
    let misfit = checked
        .diagnostics
        .iter()
        .find(|d| d.rule == "retry-misfit");
    assert_eq!(
        misfit.map(|d| d.message.as_str()),
        Some("`retry` cannot apply to an XDS transaction")
    );
}
