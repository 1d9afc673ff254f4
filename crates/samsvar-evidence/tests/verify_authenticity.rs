//! Integrity is not authenticity: a bundle edited with its digests fixed, then left
//! unsigned or re-signed with another key, must not verify; an unknown format major
//! version is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use samsvar_evidence::digest::sha256_hex;
use samsvar_evidence::verify::SignatureStatus;
use samsvar_evidence::{
    Algorithm, BundleOptions, Signer, SigningKey, Trust, Verdict, verify_bundle, write_bundle,
};
use serde_json::Value;
use std::path::Path;

fn signed_bundle(dir: &Path, key: &SigningKey) {
    let options = BundleOptions {
        signer: Some(Signer {
            key: key.clone(),
            chain: vec![],
        }),
        html: true,
        ..Default::default()
    };
    write_bundle(dir, &common::sample_run(None), true, &options).unwrap();
}

/// What a forger does: turn the failed run into a pass in evidence.json and report.html,
/// recompute report.html's digest in the manifest, write canonical JSON again.
fn forge(dir: &Path) {
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let forged_html = html.replace("ERROR", "PASSED");
    std::fs::write(dir.join("report.html"), &forged_html).unwrap();
    let mut record: Value =
        serde_json::from_slice(&std::fs::read(dir.join("evidence.json")).unwrap()).unwrap();
    record["run"]["outcome"] = "pass".into();
    for entry in record["files"].as_array_mut().unwrap() {
        if entry["path"] == "report.html" {
            entry["sha256"] = sha256_hex(forged_html.as_bytes()).into();
            entry["size"] = forged_html.len().into();
        }
    }
    let bytes = samsvar_evidence::jcs::to_canonical_vec(&record).unwrap();
    std::fs::write(dir.join("evidence.json"), bytes).unwrap();
}

#[test]
fn a_forged_bundle_without_its_signature_is_unsigned_not_verified() {
    let tmp = tempfile::tempdir().unwrap();
    let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
    signed_bundle(tmp.path(), &key);
    forge(tmp.path());
    std::fs::remove_file(tmp.path().join("evidence.jws")).unwrap();

    let v = verify_bundle(tmp.path(), &Trust::None).unwrap();
    assert!(v.ok(), "the digests were fixed: {:?}", v.problems);
    assert_eq!(v.signature, SignatureStatus::Unsigned);
    assert_eq!(v.verdict(false), Verdict::Unsigned);
    assert!(!v.verdict(false).passed());
    let text = v.render(tmp.path(), false);
    assert!(text.contains("verdict: UNSIGNED"), "{text}");
    assert!(!text.contains("VERIFIED"), "{text}");

    // With the signer's key the missing signature is a failure.
    let v = verify_bundle(tmp.path(), &Trust::Key(key.verifying_key())).unwrap();
    assert_eq!(v.verdict(false), Verdict::Failed);
}

#[test]
fn a_forged_bundle_re_signed_with_another_key_is_signed_by_an_unknown_key() {
    let tmp = tempfile::tempdir().unwrap();
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    signed_bundle(tmp.path(), &key);
    forge(tmp.path());
    let forger = SigningKey::generate(Algorithm::ES256).unwrap();
    let record = std::fs::read(tmp.path().join("evidence.json")).unwrap();
    let jws = samsvar_evidence::jws::sign_detached(&record, &forger, &[]).unwrap();
    std::fs::write(tmp.path().join("evidence.jws"), jws).unwrap();

    let v = verify_bundle(tmp.path(), &Trust::None).unwrap();
    let kid = forger.verifying_key().thumbprint();
    assert_eq!(
        v.signature,
        SignatureStatus::UnknownKey {
            alg: "ES256".into(),
            kid: kid.clone()
        }
    );
    assert_eq!(v.verdict(false), Verdict::UnknownKey);
    let text = v.render(tmp.path(), false);
    assert!(
        text.contains(&format!("verdict: SIGNED BY AN UNKNOWN KEY (kid {kid})")),
        "{text}"
    );

    // The genuine signer's key exposes the forgery.
    let v = verify_bundle(tmp.path(), &Trust::Key(key.verifying_key())).unwrap();
    assert_eq!(v.verdict(false), Verdict::Failed);
    // The forger's own key authenticates the forger, and nobody else.
    let v = verify_bundle(tmp.path(), &Trust::Key(forger.verifying_key())).unwrap();
    assert_eq!(v.verdict(false), Verdict::Verified);
}

#[test]
fn integrity_only_accepts_an_intact_bundle_and_says_what_it_did_not_check() {
    let tmp = tempfile::tempdir().unwrap();
    let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
    signed_bundle(tmp.path(), &key);
    let v = verify_bundle(tmp.path(), &Trust::None).unwrap();
    assert_eq!(v.verdict(true), Verdict::IntegrityOnly);
    assert!(v.verdict(true).passed());
    let text = v.render(tmp.path(), true);
    assert!(text.contains("verdict: INTEGRITY ONLY"), "{text}");
    assert!(text.contains("NOT checked: who wrote the record"), "{text}");

    // A changed file still fails under --integrity-only.
    std::fs::write(tmp.path().join("report.html"), "changed").unwrap();
    let v = verify_bundle(tmp.path(), &Trust::None).unwrap();
    assert_eq!(v.verdict(true), Verdict::Failed);
}

#[test]
fn a_simulated_run_says_so_when_verified() {
    let tmp = tempfile::tempdir().unwrap();
    let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
    signed_bundle(tmp.path(), &key); // the canned run's target is simulated
    let v = verify_bundle(tmp.path(), &Trust::Key(key.verifying_key())).unwrap();
    assert_eq!(v.verdict(false), Verdict::Verified);
    let text = v.render(tmp.path(), false);
    assert!(
        text.contains(
            "SIMULATED TARGETS — not evidence about any product: fhir = http://127.0.0.1:8080/fhir"
        ),
        "{text}"
    );
}

#[test]
fn an_unknown_major_format_version_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
    signed_bundle(tmp.path(), &key);
    let mut record: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("evidence.json")).unwrap()).unwrap();
    record["format_version"] = "3.0".into();
    let bytes = samsvar_evidence::jcs::to_canonical_vec(&record).unwrap();
    std::fs::write(tmp.path().join("evidence.json"), bytes).unwrap();
    let v = verify_bundle(tmp.path(), &Trust::Key(key.verifying_key())).unwrap();
    assert_eq!(v.verdict(false), Verdict::Failed);
    let text = v.render(tmp.path(), false);
    assert!(
        text.contains(
            "INVALID  evidence.json: evidence.json has format_version `3.0`, which this samsvar cannot check (it reads format 2.x)"
        ),
        "{text}"
    );
    // Nothing of a record it cannot read is taken as checked.
    assert_eq!(v.files_checked, 0, "{text}");

    // A newer minor version of the same major is read.
    record["format_version"] = "2.9".into();
    let bytes = samsvar_evidence::jcs::to_canonical_vec(&record).unwrap();
    std::fs::write(tmp.path().join("evidence.json"), bytes).unwrap();
    assert!(verify_bundle(tmp.path(), &Trust::None).is_ok());
}
