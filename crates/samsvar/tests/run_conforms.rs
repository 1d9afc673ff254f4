//! `conforms_to` assertions validated by the native FHIR validator during a run.
//! Needs the R4 core package (from the npm registry, or a filled `$SAMSVAR_TEST_FHIR_CACHE`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

#[test]
fn conforms_to_passes_valid_and_fails_invalid_resources_with_the_validator_issues() {
    let cache = std::env::var("SAMSVAR_TEST_FHIR_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fhir-packages"));
    let out = tempfile::tempdir().unwrap();
    let suite = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cases/conforms");
    let output = Command::new(env!("CARGO_BIN_EXE_samsvar"))
        .args([
            "run",
            suite.to_str().unwrap(),
            "--target",
            "sim",
            "--format",
            "terminal,json",
            "--out",
        ])
        .arg(out.path())
        .env("SAMSVAR_FHIR_CACHE", &cache)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "the broken patient fails the run (needs the npm registry or a filled cache at {})\n{stdout}\n{stderr}",
        cache.display()
    );
    assert!(stdout.contains("pass  valid-patient"), "{stdout}");
    assert!(stdout.contains("FAIL  broken-patient"), "{stdout}");
    assert!(
        stdout.contains("Patient.birthDate"),
        "the terminal names the payload location: {stdout}"
    );

    let run_dir = std::fs::read_dir(out.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    // The bundle names the samsvar that ran and the exact packages it validated with.
    let evidence: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("evidence.json")).unwrap()).unwrap();
    assert_eq!(evidence["tool"]["name"], "samsvar");
    assert_eq!(evidence["tool"]["version"], env!("CARGO_PKG_VERSION"));
    // R4 core, or the package the cache holds that stands in for it (r4.examples
    // carries the same definitions), at 4.0.1, with the digest it was installed from.
    let core = evidence["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "hl7.fhir.r4.core" || p["id"] == "hl7.fhir.r4.examples")
        .unwrap_or_else(|| panic!("R4 core not recorded: {}", evidence["packages"]));
    assert_eq!(core["version"], "4.0.1");
    assert!(
        core["digest"]
            .as_str()
            .is_some_and(|d| d.starts_with("sha256:")),
        "{core}"
    );
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("run.json")).unwrap()).unwrap();
    let text = record.to_string();
    let issues: Vec<&serde_json::Value> = record["suites"][0]["root"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["id"] == "broken-patient")
        .flat_map(|t| t["steps"][0]["assertions"].as_array().unwrap().iter())
        .filter(|a| a["kind"] == "conforms_to")
        .flat_map(|a| a["issues"].as_array().unwrap().iter())
        .collect();
    assert!(
        issues.iter().any(|i| i["severity"] == "error"
            && i["rule"].as_str().is_some_and(|r| !r.is_empty())
            && i["location"]["payload"]["expression"]
                .as_str()
                .is_some_and(|e| e.contains("Patient.birthDate"))),
        "the run record keeps the validator's issues: {text}"
    );
}
