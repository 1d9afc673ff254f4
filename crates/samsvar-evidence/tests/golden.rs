//! Golden snapshots of one canned run (a fixed list of events folded into its record,
//! `common::sample_events`) through every renderer: the terminal report, run.json and
//! JUnit (`samsvar-report`), report.html, the FHIR TestReports and evidence.json (volatile
//! parts filtered); and the structural rules of FHIR R4 TestReport.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use samsvar_evidence::declaration::DeclarationConfig;
use samsvar_evidence::testreport::{
    ACTION_RESULT_CODES, PARTICIPANT_TYPES, RESULT_CODES, STATUS_CODES,
};
use samsvar_evidence::{BundleOptions, EvidenceError, SutIdentity, write_bundle};
use serde_json::Value;

fn sut() -> SutIdentity {
    SutIdentity {
        manufacturer: Some("Acme Health AS".into()),
        manufacturer_address: Some("Storgata 1, 0155 Oslo, Norway".into()),
        product: Some("Acme EHR".into()),
        version: Some("4.2.1".into()),
        reference: Some("ACME-EHR-421-EU".into()),
        endpoints: Default::default(),
    }
}

fn declaration() -> DeclarationConfig {
    DeclarationConfig {
        enabled: true,
        place: Some("Oslo".into()),
        date: Some("2026-11-24".into()),
        signatory_name: Some("Kari Nordmann".into()),
        signatory_function: Some("Head of Quality and Regulatory Affairs".into()),
        on_behalf_of: None,
        common_specifications: vec!["HL7 FHIR R4 (4.0.1)".into()],
        ..Default::default()
    }
}

fn bundle() -> (tempfile::TempDir, Value) {
    let tmp = tempfile::tempdir().unwrap();
    let options = BundleOptions {
        sut: Some(sut()),
        packages: vec![samsvar_evidence::model::PackageDigest {
            id: "hl7.fhir.r4.core".into(),
            version: "4.0.1".into(),
            digest: Some("sha256:0000".into()),
        }],
        declaration: Some(declaration()),
        html: true,
        testreports: true,
        ..Default::default()
    };
    // Against the product: a run against the simulator gets no declaration section.
    let run = common::against_product(common::sample_run(None));
    write_bundle(tmp.path(), &run, true, &options).unwrap();
    let bytes = std::fs::read(tmp.path().join("evidence.json")).unwrap();
    (tmp, serde_json::from_slice(&bytes).unwrap())
}

#[test]
fn evidence_json_golden() {
    let (_tmp, mut value) = bundle();
    // Volatile: the build commit and versions, and the digest of the rendered page.
    value["tool"]["build"] = "[build]".into();
    value["tool"]["evidence_writer"] = "[version]".into();
    for f in value["files"].as_array_mut().unwrap() {
        if f["path"] == "report.html" {
            f["sha256"] = "[html]".into();
            f["size"] = "[html]".into();
        }
    }
    insta::assert_json_snapshot!("evidence", value);
}

#[test]
fn declaration_lists_annex_iv_items() {
    let (_tmp, value) = bundle();
    let d = &value["declaration"];
    assert_eq!(d["system"]["reference"], "ACME-EHR-421-EU");
    assert_eq!(
        d["manufacturer"]["address"],
        "Storgata 1, 0155 Oslo, Norway"
    );
    assert!(
        d["sole_responsibility"]
            .as_str()
            .unwrap()
            .contains("sole responsibility of Acme Health AS")
    );
    // The canned run failed: no conformity statement, and the section says why.
    assert_eq!(d["conformity_declared"], false);
    assert!(
        d["conformity_statement"]
            .as_str()
            .unwrap()
            .starts_with("This is NOT an EU declaration of conformity.")
    );
    let kinds: Vec<&str> = d["standards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["fhir-package", "specification"]);
    assert_eq!(d["signatory"]["on_behalf_of"], "Acme Health AS");
    assert_eq!(d["test_results"]["findings"].as_array().unwrap().len(), 2);
}

#[test]
fn missing_declaration_fields_are_each_named() {
    let tmp = tempfile::tempdir().unwrap();
    let mut sut = sut();
    sut.reference = None;
    let options = BundleOptions {
        sut: Some(sut),
        declaration: Some(DeclarationConfig {
            place: Some("Oslo".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let err = write_bundle(tmp.path(), &common::sample_run(None), true, &options).unwrap_err();
    let EvidenceError::Config(message) = err else {
        panic!("expected a config error, got {err}")
    };
    for key in [
        "sut.reference",
        "declaration.signatory_name",
        "declaration.signatory_function",
    ] {
        assert!(message.contains(key), "{message}");
    }
    assert!(!message.contains("declaration.place"), "{message}");
}

/// Required elements and value sets of FHIR R4 TestReport, checked on every report.
#[test]
fn testreports_are_structurally_valid_r4() {
    let (tmp, _) = bundle();
    for suite in ["ips", "lab"] {
        let text =
            std::fs::read_to_string(tmp.path().join(format!("testreport/{suite}.json"))).unwrap();
        let r: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(r["resourceType"], "TestReport");
        let id = r["id"].as_str().unwrap();
        assert!(
            id.len() <= 64
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        );
        assert!(STATUS_CODES.contains(&r["status"].as_str().unwrap()));
        assert!(RESULT_CODES.contains(&r["result"].as_str().unwrap()));
        assert!(r["testScript"].is_object(), "testScript is 1..1");
        let score = r["score"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&score));
        for p in r["participant"].as_array().unwrap() {
            assert!(PARTICIPANT_TYPES.contains(&p["type"].as_str().unwrap()));
            url::Url::parse(p["uri"].as_str().unwrap()).unwrap();
        }
        let check_action = |a: &Value, teardown: bool| {
            let op = a.get("operation");
            let asrt = a.get("assert");
            assert!(
                op.is_some() != asrt.is_some(),
                "tr-1: operation xor assert: {a}"
            );
            assert!(!teardown || op.is_some(), "teardown actions are operations");
            let inner = op.or(asrt).unwrap();
            assert!(
                ACTION_RESULT_CODES.contains(&inner["result"].as_str().unwrap()),
                "{inner}"
            );
            for (k, _) in a.as_object().unwrap() {
                assert!(
                    k == "operation" || k == "assert",
                    "unexpected action member {k}"
                );
            }
        };
        let tests = r["test"].as_array().unwrap();
        assert_eq!(tests.len(), 2);
        for t in tests {
            let actions = t["action"].as_array().unwrap();
            assert!(!actions.is_empty(), "test.action is 1..*");
            actions.iter().for_each(|a| check_action(a, false));
        }
        if let Some(setup) = r.get("setup") {
            setup["action"]
                .as_array()
                .unwrap()
                .iter()
                .for_each(|a| check_action(a, false));
        }
        if let Some(teardown) = r.get("teardown") {
            teardown["action"]
                .as_array()
                .unwrap()
                .iter()
                .for_each(|a| check_action(a, true));
        }
    }
    let ips: Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("testreport/ips.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(ips["result"], "fail");
    assert_eq!(ips["score"], 50.0);
    insta::assert_json_snapshot!("testreport-ips", ips);
}

/// The terminal output of the canned run: a line per test as it finishes, then the
/// failures, the summary and the verdict (no colour).
#[test]
fn terminal_golden() {
    use samsvar_report::terminal::{Style, TestLine, final_report, test_line};
    let record = common::sample_run(None);
    let style = Style { color: false };
    let mut out = String::new();
    for e in record.tests() {
        out.push_str(&test_line(
            &style,
            TestLine {
                id: &e.test.id,
                optional: e.test.optional,
                outcome: e.test.outcome,
                duration_ms: e.test.duration_ms,
                reason: e.test.reason.as_deref(),
            },
        ));
    }
    out.push_str(&final_report(&style, &record, &Default::default(), None));
    insta::assert_snapshot!("terminal", out);
}

#[test]
fn run_json_golden() {
    let text = samsvar_report::json::render(&common::sample_run(None)).unwrap();
    insta::assert_snapshot!("run-json", text);
}

#[test]
fn junit_golden() {
    let text = samsvar_report::junit::render(&common::sample_run(None)).unwrap();
    insta::assert_snapshot!("junit", text);
}

#[test]
fn html_golden() {
    let (tmp, _) = bundle();
    let html = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
    insta::with_settings!({filters => vec![(r"build ([0-9a-f]{40}|unknown)", "build [build]")]}, {
        insta::assert_snapshot!("report-html", html);
    });
}

#[test]
fn testreport_lab_golden() {
    let (tmp, _) = bundle();
    let lab: Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("testreport/lab.json")).unwrap(),
    )
    .unwrap();
    insta::assert_json_snapshot!("testreport-lab", lab);
}

#[test]
fn annex_iii_analysis_lists_a_skipped_required_test_as_a_finding() {
    // The sample's skipped test is optional; made required, its skip is a finding:
    // a required test that did not run demonstrates nothing.
    let mut events = common::sample_events(None);
    for e in &mut events {
        if let samsvar_record::Event::RunStarted { plan, .. } = e {
            for suite in plan.iter_mut() {
                for item in &mut suite.root.items {
                    if let samsvar_record::PlanItem::Test(t) = item
                        && t.id == "audit-event"
                    {
                        t.optional = false;
                    }
                }
            }
        }
    }
    let run = common::fold(events);
    let ehds = samsvar_evidence::ehds::rollup(&run);
    let input = samsvar_evidence::declaration::DeclarationInput {
        sut: Some(&sut()),
        run: &run,
        complete: true,
        packages: &[],
        ehds: &ehds,
    };
    let d = samsvar_evidence::declaration::build(&declaration(), &input).unwrap();
    let findings = &d.test_results.findings;
    assert_eq!(findings.len(), 3, "{findings:#?}");
    assert!(
        findings
            .iter()
            .any(|f| f.starts_with("lab/audit-event: skip — optional: depends on create-document")),
        "{findings:#?}"
    );
    assert!(
        d.test_results.analysis.contains("1 skipped"),
        "{}",
        d.test_results.analysis
    );
}
