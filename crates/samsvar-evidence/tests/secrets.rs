//! A planted secret (header, body, URL query, other reporters' files, the journal)
//! appears nowhere in the bundle, in any spelling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use samsvar_evidence::journal::{Journal, JournalHeader};
use samsvar_evidence::{Algorithm, BundleOptions, Signer, SigningKey, Trust, verify_bundle};
use samsvar_record::Redactor;
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
    let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
    let options = BundleOptions {
        redactor: Redactor::with_values([SECRET]),
        signer: Some(Signer {
            key: key.clone(),
            chain: vec![],
        }),
        html: true,
        testreports: true,
        ..Default::default()
    };
    // Events go through the journal exactly as in a real run (here unredacted: the
    // journal's own pass must catch what a runner would have missed).
    let mut journal = Journal::create(dir, JournalHeader::default(), &options.redactor).unwrap();
    for event in common::sample_events(Some(SECRET)) {
        journal.on_event(&event);
    }
    // Another reporter wrote the raw secret: the final pass must catch it.
    std::fs::write(dir.join("run.json"), format!("{{\"leak\":\"{SECRET}\"}}")).unwrap();
    let summary = journal.finish(&run, &options).unwrap();
    assert!(summary.complete);
    assert_absent(dir);
    let v = verify_bundle(dir, &Trust::Key(key.verifying_key())).unwrap();
    assert!(v.ok(), "{}", v.render(dir));
    // The marker is there instead, and the record says what was redacted.
    let evidence = std::fs::read_to_string(dir.join("evidence.json")).unwrap();
    assert!(evidence.contains("[REDACTED]"));
    let evidence: serde_json::Value = serde_json::from_str(&evidence).unwrap();
    let request =
        &evidence["run"]["suites"][0]["root"]["items"][1]["steps"][0]["exchange"]["request"];
    assert_eq!(
        request["redacted"],
        serde_json::json!({"url": true, "headers": ["authorization", "x-trace"], "body": true}),
        "{request}"
    );
}
