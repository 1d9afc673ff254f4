//! The canned run shared by the integration tests: a fixed list of events, as a run
//! would emit them, folded into its record by the same fold the runner uses.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use samsvar_diagnostics::{IssueType, LineCol};
use samsvar_record::*;

pub fn body(media: &str, text: &str) -> Body {
    Body::new(
        Bytes::from(text.to_string()),
        Some(media.to_string()),
        false,
    )
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
        direction: Direction::Sent,
        request: HttpMessage {
            method: Some(method.into()),
            url: Some(url.into()),
            headers,
            body: req,
            redacted: Redactions::default(),
        },
        response: Some(HttpMessage {
            method: None,
            url: None,
            headers: vec![("content-type".into(), "application/fhir+json".into())],
            body: resp,
            redacted: Redactions::default(),
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
        level: Default::default(),
        verifies: vec![],
    }
}

/// A failed `conforms_to` with two validator findings: an error located by FHIRPath
/// expression, JSON pointer and line/column, and a warning by expression only.
fn conforms_to_failure() -> AssertionRecord {
    let mut a = assertion(
        "conforms_to",
        "body conforms to http://hl7.org/fhir/StructureDefinition/Bundle",
        35,
        Outcome::Fail,
        "conforms to http://hl7.org/fhir/StructureDefinition/Bundle",
        "1 error(s)",
    );
    let mut at = PayloadLocation::expression("Bundle.type");
    at.pointer = Some("/type".into());
    a.issues = vec![
        Diagnostic::error(
            "code-invalid",
            at.with_position(Some(LineCol::new(3, 11))),
            "'dokument' is not in the required value set bundle-type",
        )
        .with_issue_type(IssueType::CodeInvalid),
        Diagnostic::warning(
            "dom-6",
            PayloadLocation::expression("Bundle"),
            "constraint failed: dom-6: A resource should have narrative",
        ),
    ];
    a
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
        retry: None,
    }
}

/// A planned test and what happened to it.
struct Canned {
    plan: TestPlan,
    outcome: Outcome,
    reason: Option<String>,
    steps: Vec<StepRecord>,
}

fn canned(id: &str, verifies: &[&str], ehds: EhdsRecord, outcome: Outcome) -> Canned {
    Canned {
        plan: TestPlan {
            id: id.into(),
            title: Some(format!("Test {id}")),
            optional: false,
            verifies: verifies.iter().map(|s| s.to_string()).collect(),
            ehds: Some(ehds),
            location: format!("testsuites/ips/suite.yaml:{}", 10 + id.len()),
        },
        outcome,
        reason: outcome
            .is_failure()
            .then(|| "status is 201: got 400".to_string()),
        steps: vec![],
    }
}

fn interop(category: &str) -> EhdsRecord {
    EhdsRecord {
        component: "interoperability".into(),
        category: Some(category.into()),
    }
}

const PATIENT: &str =
    r#"{"resourceType":"Patient","id":"p1","name":[{"family":"Nordmann","given":["Kari"]}]}"#;

/// The run's events: a passing, a failing, an erroring and a skipped (optional) test
/// across two suites. `secret` is planted in a header, a body and a URL query of the
/// failing test.
pub fn sample_events(secret: Option<&str>) -> Vec<Event> {
    let s = secret.unwrap_or("nothing-secret");
    let bad_bundle =
        format!(r#"{{"resourceType":"Bundle","type":"document","note":"carries {s}"}}"#);
    let outcome_400 = r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":"Bundle.identifier missing"}]}"#;
    let mut pass = canned(
        "read-patient",
        &["IPS-001", "EHDS-II-2.1"],
        interop("patient-summary"),
        Outcome::Pass,
    );
    pass.steps.push(step(
        0,
        20,
        Outcome::Pass,
        Some(exchange(
            "GET",
            "http://127.0.0.1:8080/fhir/Patient/p1",
            None,
            200,
            Some(body("application/fhir+json", PATIENT)),
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
    ));
    let mut fail = canned(
        "create-document",
        &["IPS-002", "EHDS-II-2.1"],
        interop("patient-summary"),
        Outcome::Fail,
    );
    fail.steps.push(step(
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
            conforms_to_failure(),
            assertion(
                "fhirpath",
                "Bundle.identifier.exists()",
                34,
                Outcome::Pass,
                "true",
                "true",
            ),
        ],
    ));
    let mut errored = canned(
        "search-lab",
        &["LAB-010"],
        interop("laboratory-results"),
        Outcome::Error,
    );
    let mut err_step = step(0, 50, Outcome::Error, None, vec![]);
    err_step.error = Some("connection refused: 127.0.0.1:8081".into());
    errored.steps.push(err_step);
    let mut skipped = canned(
        "audit-event",
        &["LOG-3.2"],
        EhdsRecord {
            component: "logging".into(),
            category: None,
        },
        Outcome::Skip,
    );
    skipped.plan.optional = true;
    skipped.reason = Some("optional: depends on create-document".into());

    let suites = [("ips", vec![pass, fail]), ("lab", vec![errored, skipped])];
    let plan: Vec<SuitePlan> = suites
        .iter()
        .map(|(id, tests)| SuitePlan {
            id: id.to_string(),
            version: "1.0.0".into(),
            title: format!("Suite {id}"),
            path: format!("testsuites/{id}/suite.yaml"),
            sha256: sha256_hex(id.as_bytes()),
            fixtures: vec![FileDigest {
                path: "fixtures/patient.json".into(),
                sha256: sha256_hex(PATIENT.as_bytes()),
            }],
            ehds: None,
            verifies: vec![],
            root: GroupPlan {
                id: id.to_string(),
                title: None,
                optional: false,
                items: tests
                    .iter()
                    .map(|t| PlanItem::Test(t.plan.clone()))
                    .collect(),
            },
        })
        .collect();
    let mut events = vec![Event::RunStarted {
        run_id: "run-20261124-100000-abcd".into(),
        started_at: "2026-11-24T10:00:00Z".into(),
        tool: ToolInfo {
            name: "samsvar".into(),
            version: "0.1.0".into(),
        },
        targets: vec![TargetRecord {
            name: "fhir".into(),
            url: "http://127.0.0.1:8080/fhir".into(),
            simulated: true,
        }],
        plan,
        selection: None,
    }];
    for (suite_id, tests) in suites {
        events.push(Event::SuiteStarted {
            suite_id: suite_id.into(),
        });
        for t in tests {
            events.push(Event::TestStarted {
                suite_id: suite_id.into(),
                test_id: t.plan.id.clone(),
                started_at: "2026-11-24T10:00:01Z".into(),
            });
            for step in t.steps {
                events.push(Event::StepFinished {
                    suite_id: suite_id.into(),
                    owner: StepOwner::Test(t.plan.id.clone()),
                    step: Box::new(step),
                });
            }
            events.push(Event::TestFinished {
                suite_id: suite_id.into(),
                test_id: t.plan.id.clone(),
                outcome: t.outcome,
                reason: t.reason,
                duration_ms: 30,
            });
        }
        events.push(Event::SuiteFinished {
            suite_id: suite_id.into(),
        });
    }
    events.push(Event::RunFinished {
        finished_at: "2026-11-24T10:00:02Z".into(),
        duration_ms: 2000,
    });
    events
}

/// The canned run's record, made by the fold.
pub fn sample_run(secret: Option<&str>) -> RunRecord {
    fold(sample_events(secret))
}

pub fn fold(events: Vec<Event>) -> RunRecord {
    let mut fold = Fold::new();
    for e in events {
        fold.apply(e);
    }
    fold.into_record()
}

/// The canned run as if its target were the vendor's product, not the built-in simulator.
pub fn against_product(mut run: RunRecord) -> RunRecord {
    for t in &mut run.targets {
        t.simulated = false;
        t.url = "https://ehr.example.no/fhir".into();
    }
    run
}

/// The canned events with the given tests' outcomes replaced (and reasons set to match).
pub fn with_outcomes(outcomes: &[(&str, Outcome)]) -> Vec<Event> {
    let mut events = sample_events(None);
    for event in &mut events {
        if let Event::TestFinished {
            test_id,
            outcome,
            reason,
            ..
        } = event
            && let Some((_, new)) = outcomes.iter().find(|(id, _)| id == test_id)
        {
            *outcome = *new;
            *reason = match new {
                Outcome::Pass => None,
                Outcome::Skip => Some("skipped on purpose".to_string()),
                failed => Some(format!("{failed} on purpose")),
            };
        }
    }
    events
}

/// Adds requirement `id` to the `verifies` of test `test_id` (wherever it is).
pub fn cite(run: &mut RunRecord, test_id: &str, id: &str) {
    fn walk(items: &mut [ItemRecord], test_id: &str, id: &str) {
        for item in items {
            match item {
                ItemRecord::Group(g) => walk(&mut g.items, test_id, id),
                ItemRecord::Test(t) if t.id == test_id => t.verifies.push(id.to_string()),
                ItemRecord::Test(_) => {}
            }
        }
    }
    for suite in &mut run.suites {
        walk(&mut suite.root.items, test_id, id);
    }
}
