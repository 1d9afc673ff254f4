//! The runner against real loopback servers: scheduling with `needs`, setup and
//! teardown, optional tests, redirects, limits and secret redaction.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use samsvar_record::{CollectingSink, Event, Outcome, RunRecord, TestRecord, total_tests};
use samsvar_runner::{Bindings, RunOptions, Runner, TargetBinding};
use samsvar_suite::Loaded;
use std::path::Path;
use std::time::Duration;

fn load(yaml: &str) -> Loaded {
    let checked = samsvar_suite::check_source(Path::new("t/suite.yaml"), yaml.to_string());
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    Loaded {
        sources: checked.sources,
        suite: checked.suite.unwrap(),
        warnings: checked.diagnostics,
    }
}

fn bind(url: &str) -> Bindings {
    let mut b = Bindings::default();
    b.targets.insert(
        "web".into(),
        TargetBinding {
            url: url.into(),
            simulated: false,
        },
    );
    b
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

fn app() -> Router {
    Router::new()
        .route(
            "/ok",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/fhir+json; charset=utf-8")],
                    r#"{"resourceType":"Patient","id":"p1","active":true}"#,
                )
            }),
        )
        .route("/fail", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .route(
            "/here",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/ok")]) }),
        )
        .route(
            "/away",
            get(|| async {
                (
                    StatusCode::FOUND,
                    [(header::LOCATION, "http://elsewhere.invalid/ok")],
                )
            }),
        )
        .route(
            "/echo",
            get(|headers: HeaderMap| async move {
                let token = headers
                    .get("x-token")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    format!(r#"{{"token":"{token}"}}"#),
                )
                    .into_response()
            }),
        )
        .route("/big", get(|| async { "x".repeat(64 * 1024) }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
}

const HEAD: &str =
    "suite:\n  id: s\n  version: \"1\"\n  title: T\ntargets:\n  web:\n    kind: http\n";

fn tests(record: &RunRecord) -> Vec<TestRecord> {
    record.tests().map(|e| e.test.clone()).collect()
}

fn test<'r>(all: &'r [TestRecord], id: &str) -> &'r TestRecord {
    all.iter().find(|t| t.id == id).unwrap()
}

async fn run(
    yaml: &str,
    url: &str,
    tweak: impl FnOnce(&mut RunOptions),
) -> (RunRecord, Vec<Event>) {
    let mut options = RunOptions::new("test-run");
    options.timeout = Duration::from_secs(5);
    tweak(&mut options);
    let sink = CollectingSink::default();
    let record = Runner::new(options)
        .run(&[load(yaml)], &bind(url), &sink)
        .await
        .unwrap();
    (record, sink.events())
}

#[tokio::test]
async fn needs_skip_with_the_reason_and_captures_flow_to_dependents() {
    let url = serve(app()).await;
    let yaml = format!(
        "{HEAD}tests:
  - id: create
    steps:
      - request: GET {{{{web}}}}/ok
        capture:
          pid: {{ fhirpath: id }}
        assert:
          - status: 200
  - id: uses-capture
    steps:
      - request: GET {{{{web}}}}/ok
        assert:
          - fhirpath: {{ expr: id, equals: \"{{{{pid}}}}\" }}
  - id: broken
    steps:
      - request: GET {{{{web}}}}/fail
        assert:
          - status: 200
  - id: after-broken
    needs: [broken]
    steps:
      - request: GET {{{{web}}}}/ok
  - id: after-after
    needs: [after-broken]
    steps:
      - request: GET {{{{web}}}}/ok
  - id: nice-to-have
    optional: true
    steps:
      - request: GET {{{{web}}}}/fail
        assert:
          - status: 200
"
    );
    let (record, events) = run(&yaml, &url, |o| o.jobs = 3).await;
    let all = tests(&record);
    assert_eq!(test(&all, "create").outcome, Outcome::Pass);
    assert_eq!(test(&all, "uses-capture").outcome, Outcome::Pass);
    assert_eq!(test(&all, "broken").outcome, Outcome::Fail);
    let skipped = test(&all, "after-broken");
    assert_eq!(skipped.outcome, Outcome::Skip);
    assert_eq!(
        skipped.reason.as_deref(),
        Some("needs `broken`, which failed")
    );
    assert_eq!(
        test(&all, "after-after").reason.as_deref(),
        Some("needs `after-broken`, which was skipped")
    );
    let optional = test(&all, "nice-to-have");
    assert_eq!(optional.outcome, Outcome::Fail);
    assert_eq!(record.outcome, Outcome::Fail, "broken is required");
    assert_eq!(record.summary.failed, 2);
    assert_eq!(record.summary.skipped, 2);
    // The failing assertion says where it is written and what came back.
    let a = &test(&all, "broken").steps[0].assertions[0];
    assert!(a.location.starts_with("t/suite.yaml:25:"), "{}", a.location);
    assert_eq!(a.expected.as_deref(), Some("200"));
    assert_eq!(a.actual.as_deref(), Some("500"));
    assert!(matches!(
        events.first(),
        Some(Event::RunStarted { plan, .. }) if total_tests(plan) == 6
    ));
    assert!(matches!(events.last(), Some(Event::RunFinished { .. })));
}

#[tokio::test]
async fn optional_failures_do_not_fail_the_run() {
    let url = serve(app()).await;
    let yaml = format!(
        "{HEAD}tests:
  - id: fine
    steps:
      - request: GET {{{{web}}}}/ok
  - id: extra
    optional: true
    steps:
      - request: GET {{{{web}}}}/fail
        assert:
          - status: 200
"
    );
    let (record, _) = run(&yaml, &url, |_| {}).await;
    assert_eq!(record.outcome, Outcome::Pass);
    assert_eq!(record.summary.failed, 1);
}

#[tokio::test]
async fn setup_failure_errors_every_test_and_teardown_still_runs() {
    let url = serve(app()).await;
    let yaml = format!(
        "{HEAD}setup:
  - request: GET {{{{web}}}}/fail
    assert:
      - status: 200
tests:
  - id: a
    steps:
      - request: GET {{{{web}}}}/ok
teardown:
  - request: GET {{{{web}}}}/ok
"
    );
    let (record, _) = run(&yaml, &url, |_| {}).await;
    let all = tests(&record);
    let a = test(&all, "a");
    assert_eq!(a.outcome, Outcome::Error);
    assert!(
        a.reason
            .as_deref()
            .unwrap()
            .starts_with("setup failed: status is 200"),
        "{:?}",
        a.reason
    );
    assert!(a.steps.is_empty());
    assert_eq!(record.suites[0].teardown.len(), 1);
    assert_eq!(record.suites[0].teardown[0].outcome, Outcome::Pass);
}

#[tokio::test]
async fn redirects_stay_on_the_origin() {
    let url = serve(app()).await;
    let yaml = format!(
        "{HEAD}tests:
  - id: same-origin
    steps:
      - request: GET {{{{web}}}}/here
        assert:
          - status: 200
          - fhirpath: \"id = 'p1'\"
  - id: off-origin
    steps:
      - request: GET {{{{web}}}}/away
"
    );
    let (record, _) = run(&yaml, &url, |_| {}).await;
    let all = tests(&record);
    assert_eq!(test(&all, "same-origin").outcome, Outcome::Pass);
    let off = test(&all, "off-origin");
    assert_eq!(off.outcome, Outcome::Error);
    let err = off.steps[0].error.as_deref().unwrap();
    assert!(
        err.contains("leads off-origin to http://elsewhere.invalid/ok"),
        "{err}"
    );
}

#[tokio::test]
async fn limits_error_the_step_and_the_run_goes_on() {
    let url = serve(app()).await;
    let yaml = format!(
        "{HEAD}tests:
  - id: big
    steps:
      - request: GET {{{{web}}}}/big
  - id: slow
    steps:
      - request:
          method: GET
          url: \"{{{{web}}}}/slow\"
          timeout_ms: 100
  - id: after
    steps:
      - request: GET {{{{web}}}}/ok
"
    );
    let (record, _) = run(&yaml, &url, |o| o.max_body_bytes = 1024).await;
    let all = tests(&record);
    let big = test(&all, "big");
    assert_eq!(big.outcome, Outcome::Error);
    assert!(
        big.steps[0]
            .error
            .as_deref()
            .unwrap()
            .starts_with("response body larger than 1 KiB limit")
    );
    let slow = test(&all, "slow");
    assert_eq!(slow.outcome, Outcome::Error);
    assert!(
        slow.steps[0]
            .error
            .as_deref()
            .unwrap()
            .contains("timed out after 100 ms")
    );
    assert_eq!(test(&all, "after").outcome, Outcome::Pass);
}

#[tokio::test]
async fn secret_inputs_are_redacted_everywhere() {
    let url = serve(app()).await;
    let yaml = format!(
        "{HEAD}inputs:
  token:
    secret: true
tests:
  - id: echo
    steps:
      - request:
          method: GET
          url: \"{{{{web}}}}/echo?t={{{{token}}}}\"
          headers:
            X-Token: \"{{{{token}}}}\"
        capture:
          echoed: {{ fhirpath: token }}
        assert:
          - fhirpath: {{ expr: token, equals: nope }}
"
    );
    let mut bindings = bind(&url);
    bindings
        .inputs
        .insert("token".into(), "s3cr3t-value".into());
    let sink = CollectingSink::default();
    let record = Runner::new(RunOptions::new("r"))
        .run(&[load(&yaml)], &bindings, &sink)
        .await
        .unwrap();
    let json = serde_json::to_string(&record).unwrap();
    assert!(!json.contains("s3cr3t-value"), "{json}");
    assert!(json.contains("[REDACTED]"));
    let step = &tests(&record)[0].steps[0];
    let body = &step
        .exchange
        .as_ref()
        .unwrap()
        .response
        .as_ref()
        .unwrap()
        .body
        .as_ref()
        .unwrap()
        .bytes;
    assert!(!String::from_utf8_lossy(body).contains("s3cr3t-value"));
    for ev in sink.events() {
        assert!(!format!("{ev:?}").contains("s3cr3t-value"));
    }
}

#[tokio::test]
async fn not_json_errors_and_profile_validation_is_named() {
    let url = serve(app()).await;
    let yaml = format!(
        "{HEAD}tests:
  - id: text
    steps:
      - request: GET {{{{web}}}}/big
        assert:
          - fhirpath: \"id.exists()\"
  - id: profile
    steps:
      - request: GET {{{{web}}}}/ok
        assert:
          - conforms_to: http://hl7.org/fhir/StructureDefinition/Patient
"
    );
    let (record, _) = run(&yaml, &url, |_| {}).await;
    let all = tests(&record);
    let a = &test(&all, "text").steps[0].assertions[0];
    assert_eq!(a.outcome, Outcome::Error);
    assert!(
        a.message
            .as_deref()
            .unwrap()
            .starts_with("response body is not JSON: expected value at 1:1"),
        "{:?}",
        a.message
    );
    let p = &test(&all, "profile").steps[0].assertions[0];
    assert_eq!(p.outcome, Outcome::Error);
    assert_eq!(
        p.message.as_deref(),
        Some(samsvar_runner::NO_PROFILE_VALIDATION)
    );
}

#[tokio::test]
async fn jobs_bound_concurrency() {
    // Four tests of 300 ms each: with two jobs they take about 600 ms, not 300 or 1200.
    let router = Router::new().route(
        "/wait",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            "ok"
        }),
    );
    let url = serve(router).await;
    let mut yaml = format!("{HEAD}tests:\n");
    for i in 0..4 {
        yaml.push_str(&format!(
            "  - id: t{i}\n    steps:\n      - request: GET {{{{web}}}}/wait\n"
        ));
    }
    // Loaded once before timing: the first load in a process compiles the suite schema.
    let _ = load(&yaml);
    let started = std::time::Instant::now();
    let (record, _) = run(&yaml, &url, |o| o.jobs = 2).await;
    let took = started.elapsed();
    assert_eq!(record.summary.passed, 4);
    assert!(took >= Duration::from_millis(590), "{took:?}");
    assert!(took < Duration::from_millis(1150), "{took:?}");
}
