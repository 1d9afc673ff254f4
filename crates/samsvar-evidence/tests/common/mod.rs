//! A realistic run record built by hand, shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use samsvar_evidence::digest::sha256_hex;
use samsvar_runner::Outcome;
use samsvar_runner::record::*;

pub fn body(media: &str, text: &str) -> Body {
    let bytes = Bytes::from(text.to_string());
    Body {
        sha256: sha256_hex(&bytes),
        size: bytes.len() as u64,
        media_type: Some(media.to_string()),
        truncated: false,
        bytes,
    }
}

pub fn exchange(
    method: &str,
    url: &str,
    req: Option<Body>,
    status: u16,
    resp: Option<Body>,
    extra_headers: &[(&str, &str)],
) -> Exchange {
    let mut headers = vec![("accept".to_string(), "application/fhir+json".to_string())];
    headers.extend(
        extra_headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    Exchange {
        request: HttpMessage {
            method: Some(method.into()),
            url: Some(url.into()),
            headers,
            body: req,
        },
        response: Some(HttpMessage {
            method: None,
            url: None,
            headers: vec![("content-type".into(), "application/fhir+json".into())],
            body: resp,
        }),
        status: Some(status),
        elapsed_ms: Some(12),
    }
}

pub fn assertion(
    kind: &str,
    desc: &str,
    line: u32,
    outcome: Outcome,
    expected: &str,
    actual: &str,
) -> AssertionRecord {
    AssertionRecord {
        kind: kind.into(),
        description: desc.into(),
        location: format!("testsuites/ips/suite.yaml:{line}:9"),
        outcome,
        expected: Some(expected.into()),
        actual: Some(actual.into()),
        message: None,
        issues: vec![],
    }
}

pub fn step(
    index: usize,
    line: u32,
    outcome: Outcome,
    exchange: Option<Exchange>,
    assertions: Vec<AssertionRecord>,
) -> StepRecord {
    StepRecord {
        index,
        name: Some(format!("step {}", index + 1)),
        location: format!("testsuites/ips/suite.yaml:{line}"),
        outcome,
        error: None,
        duration_ms: 15,
        exchange,
        captures: vec![],
        assertions,
    }
}

pub fn test(
    id: &str,
    verifies: &[&str],
    category: Option<&str>,
    outcome: Outcome,
    steps: Vec<StepRecord>,
) -> TestRecord {
    TestRecord {
        id: id.into(),
        title: Some(format!("Test {id}")),
        optional: false,
        verifies: verifies.iter().map(|s| s.to_string()).collect(),
        ehds: Some(EhdsRecord {
            component: "interoperability".into(),
            category: category.map(str::to_string),
        }),
        outcome,
        reason: outcome
            .is_failure()
            .then(|| "status is 201: got 400".to_string()),
        location: format!("testsuites/ips/suite.yaml:{}", 10 + id.len()),
        started_at: Some("2026-11-24T10:00:01Z".into()),
        duration_ms: 30,
        steps,
    }
}

/// A run with a passing, a failing, an erroring and a skipped test across two suites.
/// `secret` is planted in a header, a body and a URL query of the failing test.
pub fn sample_run(secret: Option<&str>) -> RunRecord {
    let s = secret.unwrap_or("nothing-secret");
    let patient =
        r#"{"resourceType":"Patient","id":"p1","name":[{"family":"Nordmann","given":["Kari"]}]}"#;
    let bad_bundle =
        format!(r#"{{"resourceType":"Bundle","type":"document","note":"carries {s}"}}"#);
    let outcome_400 = r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":"Bundle.identifier missing"}]}"#;
    let pass = test(
        "read-patient",
        &["IPS-001", "EHDS-II-2.1"],
        Some("patient-summary"),
        Outcome::Pass,
        vec![step(
            0,
            20,
            Outcome::Pass,
            Some(exchange(
                "GET",
                "http://127.0.0.1:8080/fhir/Patient/p1",
                None,
                200,
                Some(body("application/fhir+json", patient)),
                &[],
            )),
            vec![assertion(
                "status",
                "status is 200",
                22,
                Outcome::Pass,
                "200",
                "200",
            )],
        )],
    );
    let fail = test(
        "create-document",
        &["IPS-002", "EHDS-II-2.1"],
        Some("patient-summary"),
        Outcome::Fail,
        vec![step(
            0,
            31,
            Outcome::Fail,
            Some(exchange(
                "POST",
                &format!("http://127.0.0.1:8080/fhir/Bundle?api_key={s}&_format=json"),
                Some(body("application/fhir+json", &bad_bundle)),
                400,
                Some(body("application/fhir+json", outcome_400)),
                &[("authorization", &format!("Bearer {s}")), ("x-trace", s)],
            )),
            vec![
                assertion("status", "status is 201", 33, Outcome::Fail, "201", "400"),
                assertion(
                    "fhirpath",
                    "Bundle.identifier.exists()",
                    34,
                    Outcome::Pass,
                    "true",
                    "true",
                ),
            ],
        )],
    );
    let mut errored = test(
        "search-lab",
        &["LAB-010"],
        Some("laboratory-results"),
        Outcome::Error,
        vec![],
    );
    let mut err_step = step(0, 50, Outcome::Error, None, vec![]);
    err_step.error = Some("connection refused: 127.0.0.1:8081".into());
    errored.steps.push(err_step);
    let mut skipped = test("audit-event", &["LOG-3.2"], None, Outcome::Skip, vec![]);
    skipped.ehds = Some(EhdsRecord {
        component: "logging".into(),
        category: None,
    });
    skipped.optional = true;
    skipped.reason = Some("optional: depends on create-document".into());

    let suite = |id: &str, items: Vec<TestRecord>, outcome: Outcome| SuiteRecord {
        id: id.into(),
        version: "1.0.0".into(),
        title: format!("Suite {id}"),
        path: format!("testsuites/{id}/suite.yaml"),
        sha256: sha256_hex(id.as_bytes()),
        fixtures: vec![FileDigest {
            path: "fixtures/patient.json".into(),
            sha256: sha256_hex(patient.as_bytes()),
        }],
        ehds: None,
        verifies: vec![],
        setup: vec![],
        teardown: vec![],
        root: GroupRecord {
            id: id.into(),
            title: None,
            optional: false,
            outcome,
            items: items.into_iter().map(ItemRecord::Test).collect(),
        },
        outcome,
    };
    let mut summary = Summary::default();
    for o in [Outcome::Pass, Outcome::Fail, Outcome::Error, Outcome::Skip] {
        summary.add(o);
    }
    RunRecord {
        format_version: RECORD_FORMAT_VERSION.into(),
        run_id: "run-20261124-100000-abcd".into(),
        tool: ToolInfo {
            name: "samsvar".into(),
            version: "0.1.0".into(),
        },
        started_at: "2026-11-24T10:00:00Z".into(),
        finished_at: "2026-11-24T10:00:02Z".into(),
        duration_ms: 2000,
        targets: vec![TargetRecord {
            name: "fhir".into(),
            url: "http://127.0.0.1:8080/fhir".into(),
            simulated: true,
        }],
        suites: vec![
            suite("ips", vec![pass, fail], Outcome::Fail),
            suite("lab", vec![errored, skipped], Outcome::Error),
        ],
        outcome: Outcome::Error,
        summary,
    }
}
