//! A journal cut off mid-run (as after kill -9, including a torn last line) is
//! finalized into an incomplete bundle: every finished step and test, the open test
//! as `interrupted`, the planned tests that never started as `not_started`. A journal
//! that reaches the run's end replays into the very record the runner made.
//! (The end-to-end variant with the real binary is `crates/samsvar/tests/run_killed.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use samsvar_evidence::journal::{Journal, JournalHeader, read_journal};
use samsvar_evidence::{BundleOptions, Trust, finalize_from_journal, verify_bundle};
use samsvar_record::{Completion, Event, Outcome, Redactor};
use std::io::Write;

#[test]
fn interrupted_journal_finalizes_into_incomplete_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let events = common::sample_events(None);
    // Stop after the first step of the second test of suite `ips`.
    let cut = events
        .iter()
        .position(|e| matches!(e, Event::StepFinished { step, .. } if step.index == 0 && step.location.ends_with(":31")))
        .unwrap();
    let mut journal = Journal::create(dir, JournalHeader::default(), &Redactor::new()).unwrap();
    for e in &events[..=cut] {
        journal.on_event(e);
    }
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
    assert_eq!(items[0]["id"], "read-patient");
    assert_eq!(items[0]["outcome"], "pass");
    assert!(
        items[0].get("completion").is_none(),
        "finished tests say nothing"
    );
    assert_eq!(items[1]["id"], "create-document");
    assert_eq!(items[1]["outcome"], "error");
    assert_eq!(items[1]["completion"], "interrupted");
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
    // Suite `lab` never started: its planned tests are listed as never started.
    let lab = &evidence["run"]["suites"][1];
    assert_eq!(lab["id"], "lab");
    assert_eq!(lab["outcome"], "error");
    let never: Vec<(&str, &str)> = lab["root"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_str().unwrap(), t["completion"].as_str().unwrap()))
        .collect();
    assert_eq!(
        never,
        [
            ("search-lab", "not_started"),
            ("audit-event", "not_started")
        ]
    );
    assert_eq!(recovered.record.summary.total, 4);
    assert_eq!(recovered.record.summary.skipped, 2);
    assert_eq!(recovered.record.outcome, Outcome::Error);
    let completions: Vec<Completion> = recovered
        .record
        .tests()
        .map(|e| e.test.completion)
        .collect();
    assert_eq!(
        completions,
        [
            Completion::Finished,
            Completion::Interrupted,
            Completion::NotStarted,
            Completion::NotStarted
        ]
    );
    // The bodies of the finished steps were stored as they arrived.
    let record = common::sample_run(None);
    let body = record.suites[0].root.items.iter().find_map(|i| match i {
        samsvar_record::ItemRecord::Test(t) if t.id == "create-document" => {
            t.steps[0].bodies().last().cloned()
        }
        _ => None,
    });
    let body = body.unwrap();
    assert!(dir.join("exchanges").join(&body.sha256).is_file());
    assert!(verify_bundle(dir, &Trust::None).unwrap().ok());
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("INCOMPLETE"));
}

#[test]
fn a_whole_journal_replays_into_the_record_of_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let mut journal =
        Journal::create(tmp.path(), JournalHeader::default(), &Redactor::new()).unwrap();
    for e in common::sample_events(None) {
        journal.on_event(&e);
    }
    drop(journal);
    let recovered = read_journal(tmp.path()).unwrap();
    assert!(recovered.complete);
    assert_eq!(recovered.skipped_lines, 0);
    // Bodies keep their digests; their bytes live in `exchanges/`, not in the journal.
    let mut expected = common::sample_run(None);
    for suite in &mut expected.suites {
        suite.visit_mut(&mut |_| {}, &mut |t| {
            for step in &mut t.steps {
                if let Some(ex) = &mut step.exchange {
                    for m in std::iter::once(&mut ex.request).chain(ex.response.as_mut()) {
                        if let Some(b) = &mut m.body {
                            b.bytes = Default::default();
                        }
                    }
                }
            }
        });
    }
    assert_eq!(recovered.record, expected);
}

#[test]
fn a_journal_of_an_older_format_is_refused_with_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("journal.jsonl"),
        "{\"type\":\"header\",\"journal_version\":\"1\",\"at\":\"2026-11-24T10:00:00Z\",\"header\":{}}\n",
    )
    .unwrap();
    let err = read_journal(tmp.path()).unwrap_err().to_string();
    assert!(err.contains("version 1"), "{err}");
}

#[test]
fn a_received_message_survives_a_crash_with_its_body() {
    use samsvar_record::{Direction, Exchange, HttpMessage, ReceivedRecord};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let events = common::sample_events(None);
    let redactor = Redactor::new();
    let mut journal = Journal::create(dir, JournalHeader::default(), &redactor).unwrap();
    // The run started, then the repository received a syslog message, then the run died.
    journal.on_event(&events[0]);
    let syslog = common::body(
        "text/plain",
        "<85>1 - host app - IHE+RFC-3881 - <AuditMessage/>",
    );
    let message = ReceivedRecord {
        target: "audit".into(),
        transport: "syslog-tls".into(),
        received_at: "2026-12-04T10:00:00Z".into(),
        peer: Some("127.0.0.1:40000".into()),
        exchange: Exchange {
            direction: Direction::Received,
            request: HttpMessage {
                method: None,
                url: Some("syslog://127.0.0.1:6514".into()),
                headers: vec![("msgid".into(), "IHE+RFC-3881".into())],
                body: Some(syslog.clone()),
                redacted: Default::default(),
            },
            response: None,
            status: None,
            elapsed_ms: None,
        },
        findings: vec![],
    };
    journal.on_event(&Event::MessageReceived {
        message: Box::new(message),
    });
    drop(journal);

    let (summary, _) = finalize_from_journal(dir, &BundleOptions::default()).unwrap();
    assert!(!summary.complete);
    let evidence: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("evidence.json")).unwrap()).unwrap();
    let received = &evidence["run"]["received"][0];
    assert_eq!(received["transport"], "syslog-tls");
    let sha = received["exchange"]["request"]["body"]["sha256"]
        .as_str()
        .unwrap();
    assert_eq!(sha, syslog.sha256);
    assert_eq!(
        std::fs::read(dir.join("exchanges").join(sha)).unwrap(),
        syslog.bytes.to_vec(),
        "the body was stored before the line that names it"
    );
    let report = verify_bundle(dir, &Trust::None).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}
