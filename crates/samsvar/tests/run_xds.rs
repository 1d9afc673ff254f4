//! `samsvar run testsuites/xds-b --target sim`: the passing run, one failing run per XDS
//! simulator defect, and `samsvar validate` on XDS metadata.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::samsvar_run;

const XDS: &str = "testsuites/xds-b";

#[test]
fn xds_suite_passes_against_the_simulator() {
    let run = samsvar_run(&[XDS, "--target", "sim", "--jobs", "1"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let record = run.record();
    assert_eq!(record["outcome"], "pass");
    assert_eq!(record["summary"]["failed"], 0);
}

/// The run with `defect` exits 1 and reports `test` as failed with `fragment`.
fn fails(defect: &str, test: &str, fragment: &str) {
    let run = samsvar_run(&[
        XDS,
        "--target",
        "sim",
        "--sim-defect",
        defect,
        "--jobs",
        "1",
    ]);
    let all = run.all();
    assert_eq!(run.code, 1, "defect {defect}: expected exit 1\n{all}");
    assert!(
        all.contains(&format!("xds-b › {test}")),
        "defect {defect}: expected test `{test}` in\n{all}"
    );
    assert!(
        all.contains(fragment),
        "defect {defect}: expected `{fragment}` in\n{all}"
    );
    assert!(
        all.contains("testsuites/xds-b/suite.yaml:"),
        "defect {defect}: no suite line in\n{all}"
    );
}

#[test]
fn defect_drop_required_slot() {
    fails(
        "xds-drop-required-slot",
        "registered-in-registry",
        "xds-de-004",
    );
}

#[test]
fn defect_wrong_hash() {
    fails("xds-wrong-hash", "retrieve-document", "SHA-1");
}

#[test]
fn defect_soap_fault() {
    fails(
        "xds-soap-fault",
        "retrieve-document",
        "SOAP fault soap:Receiver",
    );
}

#[test]
fn defect_wrong_status() {
    fails("xds-wrong-status", "unknown-patient", "XDSUnknownPatientId");
}

#[test]
fn defect_accept_unknown_patient() {
    fails(
        "xds-accept-unknown-patient",
        "unknown-patient",
        "XDSUnknownPatientId",
    );
}

#[test]
fn defect_plain_retrieve() {
    fails(
        "xds-plain-retrieve",
        "retrieve-document",
        "multipart/related",
    );
}

#[test]
fn defect_billion_laughs() {
    fails("xds-billion-laughs", "provide-and-register", "DOCTYPE");
}

#[test]
fn defect_xxe() {
    fails("xds-xxe", "provide-and-register", "DOCTYPE");
}

fn samsvar_validate(file: &str) -> (i32, String) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_samsvar"))
        .current_dir(root)
        .args(["validate", file])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn validate_accepts_valid_and_flags_invalid_xds_metadata() {
    let (code, text) = samsvar_validate("crates/samsvar-xds/tests/data/valid-submission.xml");
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("valid XDS metadata"), "{text}");
    let (code, text) = samsvar_validate("testsuites/xds-b/fixtures/missing-creation-time.xml");
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("xds-de-004") && text.contains("creationTime"),
        "{text}"
    );
}
