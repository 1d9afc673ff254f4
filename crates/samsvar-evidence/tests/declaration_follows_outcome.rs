//! The conformity statement follows the outcome: it is made only for a complete run
//! against the product in which every required test of the declared harmonised components
//! passed; every other combination says plainly that it is not a declaration and why. A
//! run against the simulator gets no declaration section at all.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use samsvar_evidence::declaration::DeclarationConfig;
use samsvar_evidence::{BundleOptions, SutIdentity, write_bundle};
use samsvar_record::{Event, Outcome, RunRecord};
use serde_json::Value;

fn options() -> BundleOptions {
    BundleOptions {
        sut: Some(SutIdentity {
            manufacturer: Some("Nordlys Helse AS".into()),
            manufacturer_address: Some("Kirkegata 2, 7011 Trondheim, Norway".into()),
            product: Some("Nordlys EHR".into()),
            version: Some("7.3.0".into()),
            reference: Some("NORDLYS-EHR-730".into()),
            endpoints: Default::default(),
        }),
        declaration: Some(DeclarationConfig {
            place: Some("Trondheim".into()),
            signatory_name: Some("Ola Nordmann".into()),
            signatory_function: Some("CEO".into()),
            ..Default::default()
        }),
        html: true,
        ..Default::default()
    }
}

const STATEMENT: &str = "is in conformity with the essential requirements laid down in Annex II";

/// Writes the bundle and returns (declaration, report.html, what the terminal is told).
fn declare(run: &RunRecord, complete: bool) -> (Value, String, Option<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let summary = write_bundle(tmp.path(), run, complete, &options()).unwrap();
    let record: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("evidence.json")).unwrap()).unwrap();
    let html = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
    (
        record["declaration"].clone(),
        html,
        summary.declaration_withheld,
    )
}

fn product_run(outcomes: &[(&str, Outcome)]) -> RunRecord {
    common::against_product(common::fold(common::with_outcomes(outcomes)))
}

const ALL_PASS: [(&str, Outcome); 3] = [
    ("create-document", Outcome::Pass),
    ("search-lab", Outcome::Pass),
    ("audit-event", Outcome::Pass),
];

#[test]
fn a_complete_passing_run_against_the_product_declares_conformity() {
    let (d, html, withheld) = declare(&product_run(&ALL_PASS), true);
    assert_eq!(d["conformity_declared"], true, "{d:#}");
    let statement = d["conformity_statement"].as_str().unwrap();
    assert!(
        statement.contains("Nordlys EHR version 7.3.0"),
        "{statement}"
    );
    assert!(statement.contains(STATEMENT), "{statement}");
    assert!(
        statement.contains("European interoperability software component for EHR systems"),
        "{statement}"
    );
    assert_eq!(d["not_declared_because"], serde_json::json!([]));
    assert!(withheld.is_none());
    assert!(html.contains(STATEMENT));
    assert!(!html.contains("NOT an EU declaration of conformity"));
}

/// name, test outcomes, complete, the reasons the section must give.
type Case = (
    &'static str,
    Vec<(&'static str, Outcome)>,
    bool,
    Vec<&'static str>,
);

/// Every combination of failed, errored, skipped and interrupted: never a statement, and
/// each reason is named.
#[test]
fn any_failed_errored_skipped_or_interrupted_test_withholds_the_statement() {
    let cases: Vec<Case> = vec![
        (
            "failed",
            vec![
                ("create-document", Outcome::Fail),
                ("search-lab", Outcome::Pass),
            ],
            true,
            vec!["failed: ips/create-document"],
        ),
        (
            "errored",
            vec![
                ("create-document", Outcome::Pass),
                ("search-lab", Outcome::Error),
            ],
            true,
            vec!["errored: lab/search-lab"],
        ),
        (
            "skipped",
            vec![
                ("create-document", Outcome::Pass),
                ("search-lab", Outcome::Skip),
            ],
            true,
            vec!["skipped: lab/search-lab"],
        ),
        (
            "failed and errored",
            vec![
                ("create-document", Outcome::Fail),
                ("search-lab", Outcome::Error),
            ],
            true,
            vec!["failed: ips/create-document", "errored: lab/search-lab"],
        ),
        (
            "failed and skipped",
            vec![
                ("create-document", Outcome::Fail),
                ("search-lab", Outcome::Skip),
            ],
            true,
            vec!["failed: ips/create-document", "skipped: lab/search-lab"],
        ),
        (
            "all passed but incomplete",
            ALL_PASS.to_vec(),
            false,
            vec!["interrupted: the run stopped before it finished"],
        ),
        (
            "failed and incomplete",
            vec![
                ("create-document", Outcome::Fail),
                ("search-lab", Outcome::Pass),
            ],
            false,
            vec!["interrupted:", "failed: ips/create-document"],
        ),
    ];
    for (name, outcomes, complete, reasons) in cases {
        let (d, html, withheld) = declare(&product_run(&outcomes), complete);
        assert_eq!(d["conformity_declared"], false, "{name}: {d:#}");
        let statement = d["conformity_statement"].as_str().unwrap();
        assert!(!statement.contains(STATEMENT), "{name}: {statement}");
        assert!(
            statement.starts_with("This is NOT an EU declaration of conformity."),
            "{name}: {statement}"
        );
        let listed: Vec<&str> = d["not_declared_because"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        for reason in &reasons {
            assert!(
                listed.iter().any(|l| l.starts_with(reason)),
                "{name}: {reason:?} not in {listed:#?}"
            );
        }
        assert!(
            !html.contains(STATEMENT),
            "{name}: the page states conformity"
        );
        assert!(html.contains("This is NOT an EU declaration of conformity."));
        assert!(withheld.unwrap().contains(reasons[0]), "{name}");
    }
}

/// An interrupted run: the journal's events stop after the first suite.
#[test]
fn an_interrupted_run_from_the_journal_withholds_the_statement() {
    let events: Vec<Event> = common::with_outcomes(&ALL_PASS)
        .into_iter()
        .take_while(|e| !matches!(e, Event::SuiteStarted { suite_id } if suite_id == "lab"))
        .collect();
    let run = common::against_product(common::fold(events));
    let (d, html, _) = declare(&run, false);
    assert_eq!(d["conformity_declared"], false);
    let reasons = d["not_declared_because"].to_string();
    assert!(reasons.contains("2 never started"), "{reasons}");
    assert!(reasons.contains("not run: lab/search-lab"), "{reasons}");
    // The planned tests that never ran are listed beside the INCOMPLETE banner.
    let incomplete = html.split("id=\"incomplete\"").nth(1).unwrap();
    let incomplete = incomplete.split("</div>\n").take(3).collect::<String>();
    assert!(
        incomplete.contains("Planned but never run (2)"),
        "{incomplete}"
    );
    assert!(incomplete.contains("lab/search-lab"), "{incomplete}");
    assert!(incomplete.contains("lab/audit-event"), "{incomplete}");
}

/// `samsvar run --test` left tests out: everything that ran passed, and still no statement,
/// and the page says which tests were left out.
#[test]
fn a_partial_run_withholds_the_statement_and_names_what_it_left_out() {
    let mut run = product_run(&ALL_PASS);
    run.selection = Some(samsvar_record::Selection {
        patterns: vec!["create-*".into()],
        selected: 3,
        total: 5,
        left_out: vec!["ips/read-document".into(), "lab/delete-lab".into()],
    });
    let (d, html, withheld) = declare(&run, true);
    assert_eq!(d["conformity_declared"], false, "{d:#}");
    let reasons = d["not_declared_because"].to_string();
    assert!(
        reasons.contains(
            "partial: the run was limited with --test create-* (3 of 5 tests; 2 left out)"
        ),
        "{reasons}"
    );
    assert!(withheld.unwrap().contains("partial"));
    assert!(!html.contains(STATEMENT));
    let partial = html
        .split("id=\"partial\"")
        .nth(1)
        .expect("a partial-run note");
    assert!(
        // The template escapes `/` as `&#x2f;`.
        partial.contains("ips&#x2f;read-document") && partial.contains("lab&#x2f;delete-lab"),
        "{partial}"
    );

    // A selection that happened to name every test leaves nothing out: not partial.
    run.selection = Some(samsvar_record::Selection {
        patterns: vec!["*".into()],
        selected: 3,
        total: 3,
        left_out: vec![],
    });
    let (d, html, _) = declare(&run, true);
    assert_eq!(d["conformity_declared"], true, "{d:#}");
    assert!(!html.contains("id=\"partial\""));
}

#[test]
fn a_run_against_the_simulator_yields_no_declaration_and_says_so() {
    let run = common::fold(common::with_outcomes(&ALL_PASS)); // target simulated
    let (d, html, withheld) = declare(&run, true);
    assert_eq!(d, Value::Null, "no declaration section for a simulated run");
    assert!(
        !html.contains("Annex IV"),
        "the page has a declaration section"
    );
    assert!(html.contains("SIMULATED TARGETS — not evidence about any product"));
    assert!(!html.contains("Nordlys EHR version 7.3.0 is in conformity"));
    assert!(withheld.unwrap().contains("SIMULATED TARGETS"));
}

#[test]
fn the_annex_iv_items_come_from_the_config_and_the_catalogue() {
    let mut opts = options();
    let config = opts.declaration.as_mut().unwrap();
    config.authorised_representative = Some("Nordlys EU Rep GmbH".into());
    config.authorised_representative_address = Some("Hauptstraße 1, 10115 Berlin".into());
    config.additional_information = vec!["Certificate of the test lab: TL-42".into()];
    let tmp = tempfile::tempdir().unwrap();
    let mut run = product_run(&ALL_PASS);
    // Cite catalogue requirements so the standards list names their documents.
    for suite in &mut run.suites {
        for item in &mut suite.root.items {
            if let samsvar_record::ItemRecord::Test(t) = item {
                t.verifies.push("IHE-ITI-XDS.b:TF-1:10".into());
            }
        }
    }
    write_bundle(tmp.path(), &run, true, &opts).unwrap();
    let record: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("evidence.json")).unwrap()).unwrap();
    let d = &record["declaration"];
    assert_eq!(
        d["authorised_representative"]["name"],
        "Nordlys EU Rep GmbH"
    );
    let standards = d["standards"].as_array().unwrap();
    assert!(
        standards.iter().any(|s| s["id"]
            == "IHE ITI Technical Framework Volume 1, 10 Cross-Enterprise Document Sharing (XDS.b)"
            && s["version"] == "Revision 20.0 (2023-08-04), Final Text"
            && s["url"] == "https://profiles.ihe.net/ITI/TF/Volume1/ch-10.html"),
        "{standards:#?}"
    );
    assert!(
        standards.iter().all(|s| s["kind"] != "test-suite"),
        "suite names are not standards: {standards:#?}"
    );
    let info = d["additional_information"].to_string();
    assert!(info.contains("Test suite ips 1.0.0"), "{info}");
    assert!(
        info.contains("Certificate of the test lab: TL-42"),
        "{info}"
    );
}
