//! `retry:` over real HTTP: a step polls until the resource appears (after some requests,
//! after some time, after a request that timed out) and records how many attempts it
//! took; one that never appears fails with the last attempt's finding; a step without
//! `retry:` sends once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the repository has seen, per `patient` searched.
#[derive(Default)]
struct Seen {
    requests: HashMap<String, u32>,
    first: HashMap<String, Instant>,
    request_ids: BTreeSet<String>,
}

type Shared = Arc<Mutex<Seen>>;

/// An Audit Record Repository whose events arrive late:
/// `Patient/after-3` from the third search on, `Patient/after-300ms` 300 ms after the
/// first search, `Patient/slow-first` at once but the first answer takes 2 s,
/// `Patient/always` at once, `Patient/never` never.
async fn audit_events(
    State(seen): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> impl IntoResponse {
    let patient = query.get("patient").cloned().unwrap_or_default();
    let (count, since_first) = {
        let mut seen = seen.lock().unwrap();
        if let Some(id) = headers.get("x-request-id").and_then(|v| v.to_str().ok()) {
            seen.request_ids.insert(id.to_string());
        }
        let count = *seen
            .requests
            .entry(patient.clone())
            .and_modify(|c| *c += 1)
            .or_insert(1);
        let first = *seen
            .first
            .entry(patient.clone())
            .or_insert_with(Instant::now);
        (count, first.elapsed())
    };
    let arrived = match patient.as_str() {
        "Patient/after-3" => count >= 3,
        "Patient/after-300ms" => since_first >= Duration::from_millis(300),
        "Patient/slow-first" => {
            if count == 1 {
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            true
        }
        "Patient/always" => true,
        _ => false,
    };
    let entry: Vec<Value> = if arrived {
        vec![json!({ "resource": {
            "resourceType": "AuditEvent",
            "id": format!("ae-{count}"),
            "entity": [{ "what": { "reference": patient } }]
        }})]
    } else {
        Vec::new()
    };
    (
        [("content-type", "application/fhir+json")],
        json!({ "resourceType": "Bundle", "type": "searchset", "entry": entry }).to_string(),
    )
}

async fn repository() -> (String, Shared) {
    let seen = Shared::default();
    let router = Router::new()
        .route("/arr/AuditEvent", get(audit_events))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{addr}/arr"), seen)
}

/// A test that searches the audit events of `patient`, captures the first one's id and
/// asserts one is there; `request_extra` and `step_extra` are lines added to its request
/// and to its step.
fn poll_test(id: &str, patient: &str, request_extra: &str, step_extra: &str) -> String {
    format!(
        r#"  - id: {id}
    steps:
      - request:
          method: GET
          url: "{{{{arr}}}}/AuditEvent"
          query: {{ patient: "{patient}" }}
          headers: {{ X-Request-Id: "{{{{$uuid}}}}" }}
{request_extra}{step_extra}        capture:
          event_{id}: {{ fhirpath: "entry.first().resource.id" }}
        assert:
          - status: 200
          - fhirpath: "entry.resource.where(entity.what.reference = '{patient}').exists()"
"#
    )
}

fn suite(tests: &[String]) -> String {
    format!(
        r#"suite:
  id: audit-polling
  version: "1.0"
  title: Audit records arrive late
  verifies: [IHE.BALP]
targets:
  arr: {{ kind: fhir }}
tests:
{}"#,
        tests.concat()
    )
}

/// Runs the suite against the repository at `arr`, off the async runtime that serves it.
async fn run(yaml: String, arr: String) -> common::Run {
    tokio::task::spawn_blocking(move || {
        let dir = common::temp_suite(&yaml, &[]);
        let target = format!("arr={arr}");
        let path = dir.path().to_str().unwrap().to_string();
        common::samsvar_run(&[&path, "--target", &target])
    })
    .await
    .unwrap()
}

/// The first step of test `id` in the record.
fn step<'r>(record: &'r Value, id: &str) -> &'r Value {
    record["suites"][0]["root"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no test {id} in {record:#}"))
        .pointer("/steps/0")
        .unwrap()
}

fn attempts(step: &Value) -> u64 {
    step["retry"]["attempts"].as_u64().unwrap()
}

const FAST: &str = "        retry: { timeout_ms: 5000, interval_ms: 50 }\n";

#[tokio::test(flavor = "multi_thread")]
async fn a_retried_step_passes_once_the_audit_event_arrives() {
    let (arr, seen) = repository().await;
    let yaml = suite(&[
        poll_test("after-requests", "Patient/after-3", "", FAST),
        poll_test(
            "after-time",
            "Patient/after-300ms",
            "",
            "        retry: { timeout_ms: 5000, interval_ms: 100 }\n",
        ),
        // The first answer comes after the request's own timeout: a transport error is
        // an attempt that failed, and the next one passes.
        poll_test(
            "after-a-timeout",
            "Patient/slow-first",
            "          timeout_ms: 300\n",
            FAST,
        ),
        poll_test("no-retry", "Patient/always", "", ""),
    ]);
    let run = run(yaml, arr).await;
    assert_eq!(run.code, 0, "{}", run.all());
    let record = run.record();
    assert_eq!(
        record["format_version"],
        samsvar_record::RECORD_FORMAT_VERSION
    );

    let s = step(&record, "after-requests");
    assert_eq!(s["outcome"], "pass");
    assert_eq!(attempts(s), 3, "{s:#}");
    assert!(s["retry"]["waited_ms"].as_u64().unwrap() >= 100, "{s:#}");
    // Captures and the exchange are the last attempt's.
    assert_eq!(s["captures"][0]["value"], "ae-3");
    assert_eq!(s["exchange"]["status"], 200);

    let s = step(&record, "after-time");
    assert_eq!(s["outcome"], "pass");
    assert!(attempts(s) > 1, "{s:#}");
    assert!(s["retry"]["waited_ms"].as_u64().unwrap() >= 300, "{s:#}");

    let s = step(&record, "after-a-timeout");
    assert_eq!(s["outcome"], "pass", "{s:#}");
    assert_eq!(attempts(s), 2, "{s:#}");
    assert_eq!(s["error"], Value::Null);

    // Without `retry:` one request, and no `retry` member.
    let s = step(&record, "no-retry");
    assert_eq!(s["outcome"], "pass");
    assert!(s.get("retry").is_none(), "{s:#}");

    let seen = seen.lock().unwrap();
    assert_eq!(seen.requests["Patient/after-3"], 3);
    assert_eq!(seen.requests["Patient/always"], 1);
    // Every attempt renders the request again: a new `{{$uuid}}` each time.
    let sent: u32 = seen.requests.values().sum();
    assert_eq!(seen.request_ids.len(), sent as usize);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_step_whose_event_never_arrives_fails_with_its_last_attempt_after_the_wait() {
    let (arr, seen) = repository().await;
    let yaml = suite(&[
        poll_test(
            "never",
            "Patient/never",
            "",
            "        retry: { timeout_ms: 600, interval_ms: 100 }\n",
        ),
        poll_test("never-once", "Patient/never-once", "", ""),
    ]);
    let run = run(yaml, arr).await;
    assert_eq!(run.code, 1, "{}", run.all());
    let record = run.record();

    let s = step(&record, "never");
    assert_eq!(s["outcome"], "fail", "{s:#}");
    let tries = attempts(s);
    // Attempts start at 0, 100, …, 600 ms at the most: 7, fewer on a slow machine.
    assert!((2..=7).contains(&tries), "{s:#}");
    assert!(s["duration_ms"].as_u64().unwrap() >= 500, "{s:#}");
    let failed: Vec<&Value> = s["assertions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["outcome"] != "pass")
        .collect();
    assert_eq!(
        failed.len(),
        2,
        "the empty capture and the fhirpath check: {s:#}"
    );
    assert!(failed.iter().any(|a| a["kind"] == "fhirpath"), "{s:#}");
    // The step's findings are those of one attempt, not of every attempt.
    assert_eq!(s["assertions"].as_array().unwrap().len(), 3, "{s:#}");

    let s = step(&record, "never-once");
    assert_eq!(s["outcome"], "fail");
    assert!(s.get("retry").is_none(), "{s:#}");

    let seen = seen.lock().unwrap();
    assert_eq!(u64::from(seen.requests["Patient/never"]), tries);
    assert_eq!(seen.requests["Patient/never-once"], 1);
}
