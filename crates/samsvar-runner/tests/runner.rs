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
async fn one_fault_one_finding_only_missing_captures_skip() {
    let url = serve(app()).await;
    let yaml = format!(
        "{HEAD}tests:
  - id: create
    steps:
      - request: GET {{{{web}}}}/ok
        capture:
          pid: {{ fhirpath: id }}
        assert:
          - status: 201
  - id: uses-capture
    steps:
      - request: GET {{{{web}}}}/ok
        assert:
          - fhirpath: {{ expr: id, equals: \"{{{{pid}}}}\" }}
  - id: broken
    steps:
      - request: GET {{{{web}}}}/fail
        capture:
          bid: {{ header: X-Id }}
        assert:
          - status: 200
  - id: after-broken
    needs: [broken]
    steps:
      - request: GET {{{{web}}}}/ok
  - id: uses-broken-capture
    steps:
      - request: GET {{{{web}}}}/ok?id={{{{bid}}}}
  - id: after-skipped
    needs: [uses-broken-capture]
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
    // `create` fails on its status, but it took `pid`: its dependent runs (and passes).
    assert_eq!(test(&all, "create").outcome, Outcome::Fail);
    assert_eq!(test(&all, "uses-capture").outcome, Outcome::Pass);
    assert_eq!(test(&all, "broken").outcome, Outcome::Fail);
    // Ordered after a failed test, but needing nothing from it: it runs.
    assert_eq!(test(&all, "after-broken").outcome, Outcome::Pass);
    let skipped = test(&all, "uses-broken-capture");
    assert_eq!(skipped.outcome, Outcome::Skip);
    let reason = skipped.reason.as_deref().unwrap();
    assert!(
        reason.contains("capture `bid` of test `broken` (which ended `fail`) was not taken"),
        "{reason}"
    );
    assert!(reason.contains("header `X-Id`"), "{reason}");
    assert_eq!(test(&all, "after-skipped").outcome, Outcome::Pass);
    let optional = test(&all, "nice-to-have");
    assert_eq!(optional.outcome, Outcome::Fail);
    assert_eq!(record.outcome, Outcome::Fail, "broken is required");
    assert_eq!(record.summary.failed, 3);
    assert_eq!(record.summary.skipped, 1);
    // The failing assertion says where it is written and what came back.
    let a = test(&all, "broken").steps[0]
        .assertions
        .iter()
        .find(|a| a.kind == "status")
        .unwrap();
    assert!(a.location.starts_with("t/suite.yaml:27:"), "{}", a.location);
    assert_eq!(a.expected.as_deref(), Some("200"));
    assert_eq!(a.actual.as_deref(), Some("500"));
    assert!(matches!(
        events.first(),
        Some(Event::RunStarted { plan, .. }) if total_tests(plan) == 7
    ));
    assert!(matches!(events.last(), Some(Event::RunFinished { .. })));
}

#[tokio::test]
async fn should_and_may_checks_warn_and_never_fail() {
    let url = serve(app()).await;
    let yaml = format!(
        "{HEAD}tests:
  - id: shall
    steps:
      - request: GET {{{{web}}}}/ok
        assert:
          - header: {{ name: ETag }}
  - id: should-assertion
    steps:
      - request: GET {{{{web}}}}/ok
        assert:
          - status: 200
          - header: {{ name: ETag }}
            level: should
            verifies: [\"RFC9110:8.8.3\"]
          - status: 200
  - id: may-test
    level: may
    steps:
      - request: GET {{{{web}}}}/ok
        assert:
          - header: {{ name: ETag }}
      - request: GET {{{{web}}}}/ok
        assert:
          - status: 200
  - id: shall-inside-should
    level: should
    steps:
      - request: GET {{{{web}}}}/ok
        assert:
          - header: {{ name: ETag }}
            level: shall
"
    );
    let (record, _) = run(&yaml, &url, |_| {}).await;
    let all = tests(&record);
    assert_eq!(test(&all, "shall").outcome, Outcome::Fail);
    let warned = test(&all, "should-assertion");
    assert_eq!(warned.outcome, Outcome::Warn);
    let reason = warned.reason.as_deref().unwrap();
    assert!(
        reason.starts_with("SHOULD not met: header `ETag` exists: expected present, got absent"),
        "{reason}"
    );
    let a = &warned.steps[0].assertions[1];
    assert_eq!(a.outcome, Outcome::Warn);
    assert_eq!(a.level, samsvar_record::Level::Should);
    assert_eq!(a.verifies, vec!["RFC9110:8.8.3".to_string()]);
    // A warning does not stop the test: the second step of a MAY test still runs.
    let may = test(&all, "may-test");
    assert_eq!(may.outcome, Outcome::Warn);
    assert_eq!(may.steps.len(), 2);
    assert!(may.reason.as_deref().unwrap().starts_with("MAY not met:"));
    assert_eq!(test(&all, "shall-inside-should").outcome, Outcome::Fail);
    assert_eq!(record.summary.warned, 2);
    assert_eq!(record.summary.failed, 2);
    let json = serde_json::to_value(&record).unwrap();
    assert_eq!(json["summary"]["warned"], 2);
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
async fn setup_failure_skips_only_tests_that_need_its_captures() {
    let url = serve(app()).await;
    let yaml = format!(
        "{HEAD}setup:
  - request: GET {{{{web}}}}/fail
    assert:
      - status: 200
  - request: GET {{{{web}}}}/ok
    capture:
      sid: {{ fhirpath: id }}
tests:
  - id: a
    steps:
      - request: GET {{{{web}}}}/ok
  - id: b
    steps:
      - request: GET {{{{web}}}}/ok?id={{{{sid}}}}
teardown:
  - request: GET {{{{web}}}}/ok
"
    );
    let (record, _) = run(&yaml, &url, |_| {}).await;
    let all = tests(&record);
    assert_eq!(test(&all, "a").outcome, Outcome::Pass);
    let b = test(&all, "b");
    assert_eq!(b.outcome, Outcome::Skip);
    assert_eq!(
        b.reason.as_deref(),
        Some("skipped: capture `sid` of setup was not taken (setup failed before it)")
    );
    assert!(b.steps.is_empty());
    // The setup failure is the suite's one finding.
    assert_eq!(record.suites[0].outcome, Outcome::Fail);
    assert_eq!(record.outcome, Outcome::Fail);
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

/// How many requests a server is handling now and how many it has finished, published on a
/// watch channel (a waiter is woken by changes only, never by its own read), and the most it
/// ever handled at once.
struct InFlight {
    now_and_done: tokio::sync::watch::Sender<(usize, usize)>,
    most: std::sync::atomic::AtomicUsize,
}

impl InFlight {
    fn new() -> Self {
        Self {
            now_and_done: tokio::sync::watch::Sender::new((0, 0)),
            most: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    fn change(&self, f: impl FnOnce(&mut (usize, usize))) {
        self.now_and_done.send_modify(|state| {
            f(state);
            self.most
                .fetch_max(state.0, std::sync::atomic::Ordering::SeqCst);
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_bound_concurrency() {
    // A counting test, not a timed one: each request is held until as many requests are
    // in flight as the bound allows (or as are left), so a runner honouring `--jobs 2`
    // reaches exactly 2; a held request also lingers briefly after that, so a runner
    // that ignored the bound would be seen with more than 2 at once.
    const JOBS: usize = 2;
    const TESTS: usize = 6;
    let gauge = std::sync::Arc::new(InFlight::new());
    let router = Router::new().route(
        "/wait",
        get({
            let gauge = gauge.clone();
            move || {
                let gauge = gauge.clone();
                async move {
                    gauge.change(|s| s.0 += 1);
                    let mut seen = gauge.now_and_done.subscribe();
                    // The timeout guards against hanging if the runner never sends a
                    // second request; the assertion on `most` then fails.
                    let _ = tokio::time::timeout(
                        Duration::from_secs(4),
                        seen.wait_for(|&(now, done)| now >= JOBS.min(TESTS - done)),
                    )
                    .await;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    gauge.change(|s| {
                        s.0 -= 1;
                        s.1 += 1;
                    });
                    "ok"
                }
            }
        }),
    );
    let url = serve(router).await;
    let mut yaml = format!("{HEAD}tests:\n");
    for i in 0..TESTS {
        yaml.push_str(&format!(
            "  - id: t{i}\n    steps:\n      - request: GET {{{{web}}}}/wait\n"
        ));
    }
    let (record, _) = run(&yaml, &url, |o| o.jobs = JOBS).await;
    assert_eq!(record.summary.passed, TESTS);
    assert_eq!(
        gauge.most.load(std::sync::atomic::Ordering::SeqCst),
        JOBS,
        "the most requests in flight at once"
    );
}
