//! A journal cut off mid-run (as after kill -9, including a torn last line) is
//! finalized into an incomplete bundle holding every finished step and test.
//! (The end-to-end variant with the real binary is still to be written.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use samsvar_evidence::journal::{Journal, JournalHeader};
use samsvar_evidence::{BundleOptions, Trust, finalize_from_journal, verify_bundle};
use samsvar_runner::{Event, Outcome};
use std::io::Write;

#[test]
fn interrupted_journal_finalizes_into_incomplete_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let run = common::sample_run(None);
    let ips = &run.suites[0];
    let tests = samsvar_evidence::ehds::all_tests_of_suite(ips);
    let mut journal = Journal::create(dir, JournalHeader::default(), &[]).unwrap();
    journal.on_event(&Event::RunStarted {
        run_id: run.run_id.clone(),
        started_at: run.started_at.clone(),
        targets: run.targets.clone(),
        total_tests: 4,
    });
    journal.on_event(&Event::SuiteStarted {
        suite_id: "ips".into(),
        title: ips.title.clone(),
        tests: 2,
    });
    // First test finishes completely.
    let (_, first) = tests[0];
    journal.on_event(&Event::TestStarted {
        suite_id: "ips".into(),
        test_id: first.id.clone(),
    });
    journal.on_event(&Event::StepFinished {
        suite_id: "ips".into(),
        test_id: Some(first.id.clone()),
        step: first.steps[0].clone(),
    });
    journal.on_event(&Event::TestFinished {
        suite_id: "ips".into(),
        test: first.clone(),
    });
    // Second test: one step finished, then the process dies.
    let (_, second) = tests[1];
    journal.on_event(&Event::TestStarted {
        suite_id: "ips".into(),
        test_id: second.id.clone(),
    });
    journal.on_event(&Event::StepFinished {
        suite_id: "ips".into(),
        test_id: Some(second.id.clone()),
        step: second.steps[0].clone(),
    });
    drop(journal);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("journal.jsonl"))
        .unwrap();
    f.write_all(b"{\"type\":\"step_finished\",\"at\":\"2026-")
        .unwrap();
    drop(f);

    let (summary, recovered) = finalize_from_journal(
        dir,
        &BundleOptions {
            html: true,
            testreports: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(!summary.complete);
    assert_eq!(recovered.skipped_lines, 1);
    let evidence: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("evidence.json")).unwrap()).unwrap();
    assert_eq!(evidence["complete"], false);
    assert_eq!(evidence["run"]["outcome"], "error");
    let items = evidence["run"]["suites"][0]["root"]["items"]
        .as_array()
        .unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], first.id.as_str());
    assert_eq!(items[0]["outcome"], "pass");
    assert_eq!(items[1]["id"], second.id.as_str());
    assert_eq!(items[1]["outcome"], "error");
    assert!(
        items[1]["reason"]
            .as_str()
            .unwrap()
            .starts_with("interrupted")
    );
    assert_eq!(
        items[1]["steps"].as_array().unwrap().len(),
        1,
        "the finished step is kept"
    );
    assert_eq!(recovered.record.summary.total, 2);
    assert_eq!(recovered.record.outcome, Outcome::Error);
    // The bodies of the finished steps were stored as they arrived.
    let body = second.steps[0]
        .exchange
        .as_ref()
        .unwrap()
        .response
        .as_ref()
        .unwrap()
        .body
        .as_ref()
        .unwrap();
    assert!(dir.join("exchanges").join(&body.sha256).is_file());
    assert!(verify_bundle(dir, &Trust::None).unwrap().ok());
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("INCOMPLETE"));
}
