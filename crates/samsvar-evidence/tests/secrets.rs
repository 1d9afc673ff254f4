//! A planted secret (header, body, URL query, other reporters' files, the journal)
//! appears nowhere in the bundle, in any spelling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use samsvar_evidence::journal::{Journal, JournalHeader};
use samsvar_evidence::{Algorithm, BundleOptions, Signer, SigningKey, Trust, verify_bundle};
use samsvar_runner::Event;
use std::path::Path;

const SECRET: &str = "tok_Zq9/LkX+3w==";

fn spellings() -> Vec<String> {
    vec![
        SECRET.to_string(),
        url::form_urlencoded::byte_serialize(SECRET.as_bytes()).collect(),
        SECRET
            .replace('/', "%2F")
            .replace('+', "%2B")
            .replace('=', "%3D"),
        SECRET.replace('/', "\\/"),
    ]
}

fn assert_absent(dir: &Path) {
    let files = samsvar_evidence::manifest::list_files(dir).unwrap();
    assert!(
        files.len() > 5,
        "bundle too small to be meaningful: {files:?}"
    );
    for f in files {
        let bytes = std::fs::read(dir.join(&f)).unwrap();
        for s in spellings() {
            assert!(
                !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                "secret spelling {s:?} found in {f}"
            );
        }
        // The bearer token header value is gone too, whatever the secret list says.
        assert!(
            !bytes.windows(7).any(|w| w == b"Bearer "),
            "Authorization value found in {f}"
        );
    }
}

#[test]
fn planted_secret_is_nowhere_in_the_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let run = common::sample_run(Some(SECRET));
    let key = SigningKey::generate(Algorithm::EdDsa);
    let options = BundleOptions {
        secrets: vec![SECRET.to_string()],
        signer: Some(Signer {
            key: key.clone(),
            chain: vec![],
        }),
        html: true,
        testreports: true,
        ..Default::default()
    };
    // Events go through the journal exactly as in a real run.
    let mut journal = Journal::create(dir, JournalHeader::default(), &options.secrets).unwrap();
    journal.on_event(&Event::RunStarted {
        run_id: run.run_id.clone(),
        started_at: run.started_at.clone(),
        targets: run.targets.clone(),
        total_tests: 4,
    });
    for suite in &run.suites {
        for (_, test) in samsvar_evidence::ehds::all_tests_of_suite(suite) {
            for step in &test.steps {
                journal.on_event(&Event::StepFinished {
                    suite_id: suite.id.clone(),
                    test_id: Some(test.id.clone()),
                    step: step.clone(),
                });
            }
            journal.on_event(&Event::TestFinished {
                suite_id: suite.id.clone(),
                test: test.clone(),
            });
        }
        journal.on_event(&Event::SuiteFinished {
            suite: suite.clone(),
        });
    }
    journal.on_event(&Event::RunFinished {
        record: run.clone(),
    });
    // Another reporter wrote the raw secret: the final pass must catch it.
    std::fs::write(dir.join("run.json"), format!("{{\"leak\":\"{SECRET}\"}}")).unwrap();
    let summary = journal.finish(None, &options).unwrap();
    assert!(summary.complete);
    assert_absent(dir);
    let v = verify_bundle(dir, &Trust::Key(key.verifying_key())).unwrap();
    assert!(v.ok(), "{}", v.render(dir));
    // The marker is there instead.
    let evidence = std::fs::read_to_string(dir.join("evidence.json")).unwrap();
    assert!(evidence.contains("[REDACTED]"));
}
