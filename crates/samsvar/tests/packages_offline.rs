//! Installed packages need no network: `samsvar validate` with the registry pointed at a closed
//! loopback port resolves IPS 2.0.0 and its dependencies from the cache (nearest versions
//! included), and with a `samsvar.lock` in the current folder it takes every choice from the
//! lock; a suite's declared package that cannot be had stops the run. Real packages: hl7.fhir.uv.ips@2.0.0 from the npm
//! registry into the test cache (or a filled `$SAMSVAR_TEST_FHIR_CACHE`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

fn cache_dir() -> PathBuf {
    std::env::var("SAMSVAR_TEST_FHIR_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fhir-packages"))
}

fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", l.local_addr().unwrap())
}

fn samsvar(dir: &Path, registry: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_samsvar"));
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env("SAMSVAR_FHIR_CACHE", cache_dir())
        .env_remove("SAMSVAR_FHIR_REGISTRIES");
    if let Some(r) = registry {
        cmd.env("SAMSVAR_FHIR_REGISTRIES", r);
    }
    cmd.args(args).output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn validate_works_offline_from_the_cache_and_from_the_lock() {
    let document = common::workspace_root().join("fixtures/documents/ips-ingrid-hansen.json");
    let document = document.to_str().unwrap();
    let project = tempfile::tempdir().unwrap();
    // Once, with the network: the install writes samsvar.lock in the project folder.
    let out = samsvar(
        project.path(),
        None,
        &["packages", "install", "hl7.fhir.uv.ips@2.0.0"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "installing IPS needs https://registry.npmjs.org or a filled $SAMSVAR_TEST_FHIR_CACHE:\n{}",
        text(&out)
    );
    assert!(project.path().join("samsvar.lock").is_file());

    let closed = closed_port();
    // No lock here: the cache answers what the registry would have.
    let elsewhere = tempfile::tempdir().unwrap();
    let out = samsvar(
        elsewhere.path(),
        Some(&closed),
        &["validate", "--package", "hl7.fhir.uv.ips@2.0.0", document],
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("1 of 1 input(s) valid"), "{all}");
    assert!(all.contains("no registry could be reached"), "{all}");
    assert!(all.contains(&closed), "{all}");

    // With the lock in the current folder: no lookup at all, and no --package needed.
    let out = samsvar(project.path(), Some(&closed), &["validate", document]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("1 of 1 input(s) valid"), "{all}");
    assert!(!all.contains("no registry could be reached"), "{all}");
    assert!(!all.contains(&closed), "{all}");

    // A package that is not installed is still exit 2, naming it and the registry tried.
    let out = samsvar(
        elsewhere.path(),
        Some(&closed),
        &[
            "validate",
            "--package",
            "acme.not.installed@1.0.0",
            document,
        ],
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("acme.not.installed@1.0.0"), "{all}");
    assert!(all.contains(&closed), "{all}");
}

#[test]
fn a_suite_whose_declared_package_cannot_be_had_is_exit_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("suite.yaml"),
        r#"suite: { id: needs-a-package, version: "1", title: t, verifies: [REQ-1] }
packages: [acme.not.installed@1.0.0]
targets: { fhir: { kind: fhir } }
tests:
  - id: read
    steps:
      - request: "GET {{fhir}}/metadata"
        assert: [ { status: 200 } ]
"#,
    )
    .unwrap();
    let closed = closed_port();
    let out = samsvar(
        dir.path(),
        Some(&closed),
        &[
            "run",
            "suite.yaml",
            "--target",
            "fhir=http://127.0.0.1:9/fhir",
            "--out",
            "out",
        ],
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(
        all.contains("acme.not.installed@1.0.0 (suite needs-a-package)"),
        "{all}"
    );
    assert!(all.contains(&closed), "{all}");
    // Nothing ran: no run folder was written.
    assert!(!dir.path().join("out").exists(), "{all}");
}
