//! The evidence a reviewer gets from the real binary: `samsvar verify` authenticates
//! (VERIFIED only with the signer's key), a simulated run carries no declaration and says
//! so everywhere, and a failing run against a product makes no conformity statement.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{BASICS, samsvar_run};
use samsvar_sim::fhir::Defect;
use std::path::Path;
use std::process::Command;

const CONFIG: &str = r#"
[sut]
manufacturer = "Nordlys Helse AS"
manufacturer_address = "Kirkegata 2, 7011 Trondheim, Norway"
product = "Nordlys EHR"
version = "7.3.0"
reference = "NORDLYS-EHR-730"

[declaration]
enabled = true
place = "Trondheim"
signatory_name = "Ola Nordmann"
signatory_function = "CEO"
"#;

/// The basics suite against `target`, with the [sut]/[declaration] config and report.html.
fn run_declaring(target: &str) -> common::Run {
    let cfg = tempfile::tempdir().unwrap();
    let config = cfg.path().join("samsvar.toml");
    std::fs::write(&config, CONFIG).unwrap();
    samsvar_run(&[
        BASICS,
        "--target",
        target,
        "--jobs",
        "1",
        "--config",
        config.to_str().unwrap(),
        "--format",
        "terminal,html",
    ])
}

/// `samsvar verify <args>`: (exit code, stdout + stderr).
fn verify(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_samsvar"))
        .arg("verify")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn evidence(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("evidence.json")).unwrap()).unwrap()
}

#[test]
fn a_simulated_run_warns_carries_no_declaration_and_verify_says_so() {
    let run = run_declaring("sim");
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .contains("warning: SIMULATED TARGETS — not evidence about any product"),
        "{}",
        run.all()
    );
    assert!(
        run.all().contains("warning: no EHDS declaration written"),
        "{}",
        run.all()
    );
    let dir = run.run_dir();
    assert_eq!(evidence(&dir)["declaration"], serde_json::Value::Null);
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("SIMULATED TARGETS — not evidence about any product"));
    assert!(!html.contains("Annex IV"));

    // Unsigned: verify refuses to call it verified, and says the targets were simulated.
    let (code, text) = verify(&[dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("verdict: UNSIGNED"), "{text}");
    assert!(
        text.contains("SIMULATED TARGETS — not evidence about any product"),
        "{text}"
    );
    let (code, text) = verify(&[dir.to_str().unwrap(), "--integrity-only"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("verdict: INTEGRITY ONLY"), "{text}");
    assert!(text.contains("NOT checked: who wrote the record"), "{text}");
}

#[test]
fn verify_says_verified_only_for_the_signers_key() {
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("evidence.pem");
    let status = Command::new(env!("CARGO_BIN_EXE_samsvar"))
        .args(["keygen", "--out"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(status.success());
    let public = keys.path().join("evidence.pub.pem");
    let run = samsvar_run(&[
        BASICS,
        "--target",
        "sim",
        "--jobs",
        "1",
        "--sign-key",
        key.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    let dir = run.run_dir();
    let dir = dir.to_str().unwrap();

    let (code, text) = verify(&[dir, "--key", public.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("verdict: VERIFIED"), "{text}");

    let (code, text) = verify(&[dir]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("verdict: SIGNED BY AN UNKNOWN KEY (kid "),
        "{text}"
    );

    let (code, text) = verify(&[dir, "--integrity-only", "--key", public.to_str().unwrap()]);
    assert_eq!(
        code, 2,
        "--integrity-only and --key contradict each other: {text}"
    );
}

#[test]
fn a_failing_run_against_a_product_makes_no_conformity_statement() {
    // A URL, not `sim`: samsvar cannot tell this server from the product.
    let mut run = None;
    common::with_sim(&[Defect::NoVersionBump], |url| {
        run = Some(run_declaring(url))
    });
    let run = run.unwrap();
    assert_eq!(run.code, 1, "{}", run.all());
    let dir = run.run_dir();
    let d = &evidence(&dir)["declaration"];
    assert_eq!(d["conformity_declared"], false, "{d:#}");
    assert!(
        !d["conformity_statement"]
            .as_str()
            .unwrap()
            .contains("is in conformity"),
        "{d:#}"
    );
    assert!(
        d["not_declared_because"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().starts_with("failed: fhir-rest-basics/")),
        "{d:#}"
    );
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("This is NOT an EU declaration of conformity."));
    assert!(!html.contains("Nordlys EHR version 7.3.0 is in conformity"));
    assert!(
        run.all()
            .contains("warning: EHDS declaration: written without a conformity statement"),
        "{}",
        run.all()
    );
}
