//! The `fhir-security` suite against protected and unprotected servers over HTTPS: a
//! request without a token, with a forged token or with a too narrow scope must be
//! refused, and so must TLS 1.0 and 1.1. Each failure names the test and the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use samsvar_sim::SimHandle;
use samsvar_sim::auth::tls::TlsMaterial;
use samsvar_sim::auth::{AuthServer, AuthSettings, RegisteredClient, guarded};
use samsvar_sim::fhir::FhirSim;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &str = "security-suite-secret-0815";

fn suite() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testsuites/fhir-security")
}

/// The FHIR simulator over HTTPS, behind the authorization server when `protected`.
async fn https_sim(protected: bool) -> (SimHandle, TlsMaterial) {
    let material = TlsMaterial::generate("samsvar security test CA").unwrap();
    let auth = AuthServer::new(AuthSettings {
        clients: vec![RegisteredClient {
            client_id: "vendor-ci".into(),
            secret: Some(SECRET.into()),
            jwks: None,
            allowed_scopes: vec!["system/Patient.rs".into(), "system/Observation.rs".into()],
            patient: None,
        }],
        tls: true,
        ..AuthSettings::default()
    });
    let router = if protected {
        guarded(FhirSim::builder().router(), &auth, "/fhir")
    } else {
        FhirSim::builder().router()
    };
    let sim = samsvar_sim::serve_tls(
        "127.0.0.1:0",
        router,
        &[("fhir", "/fhir")],
        material.server_config(false).unwrap(),
    )
    .await
    .unwrap();
    (sim, material)
}

/// A server that answers every ClientHello by choosing the version it offered, as a
/// server still accepting TLS 1.0 and 1.1 would.
async fn legacy_tls_server() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut hello = [0u8; 11];
                if s.read_exact(&mut hello).await.is_ok() {
                    // Record header (5), handshake type and length (4), client_version (2).
                    let [major, minor] = [hello[9], hello[10]];
                    let _ = s
                        .write_all(&[22, 3, minor, 0, 6, 2, 0, 0, 2, major, minor])
                        .await;
                }
            });
        }
    });
    port
}

async fn run(dir: &Path, config: &str, extra: &[&str]) -> Output {
    std::fs::write(dir.join("samsvar.toml"), config).unwrap();
    let dir = dir.to_path_buf();
    let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_samsvar"))
            .current_dir(&dir)
            .args(["run", suite().to_str().unwrap()])
            .args(["--config", "samsvar.toml", "--out", "out"])
            .args(extra)
            .env("NO_COLOR", "1")
            .env("SECURITY_SECRET", SECRET)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

/// Test id → (outcome, reason) from the run record.
fn outcomes(dir: &Path) -> Vec<(String, String, String)> {
    let out = dir.join("out");
    let run_dir = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("run.json").exists())
        .expect("a run folder with run.json");
    let record: Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("run.json")).unwrap()).unwrap();
    record["suites"][0]["root"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_string(),
                t["outcome"].as_str().unwrap().to_string(),
                t["reason"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn outcome_of<'a>(all: &'a [(String, String, String)], id: &str) -> (&'a str, &'a str) {
    let (_, o, r) = all
        .iter()
        .find(|(t, _, _)| t == id)
        .unwrap_or_else(|| panic!("no test `{id}` in {all:?}"));
    (o.as_str(), r.as_str())
}

fn config(base: &str, ca: &Path, with_auth: bool) -> String {
    let mut c = format!(
        "[targets.fhir]\nurl = \"{base}\"\n\n[targets.fhir.tls]\nca_file = \"{}\"\n",
        ca.display()
    );
    if with_auth {
        c.push_str(
            "\n[targets.fhir.auth]\ntype = \"client_credentials\"\nclient_id = \"vendor-ci\"\n\
             client_secret = { env = \"SECURITY_SECRET\" }\ndiscover = true\nscope = \"system/Patient.rs\"\n",
        );
    }
    c
}

/// Runs the suite against the HTTPS simulator (protected: with the authorization server,
/// and credentials in samsvar.toml); returns the folder, the process output and the
/// outcomes by test.
async fn run_against_https_sim(
    protected: bool,
    extra: &[&str],
) -> (tempfile::TempDir, Output, Vec<(String, String, String)>) {
    let (sim, material) = https_sim(protected).await;
    let dir = tempfile::tempdir().unwrap();
    let files = material.write_client_files(dir.path()).unwrap();
    let toml = config(sim.base_url(), &files.ca_cert, protected);
    let out = run(dir.path(), &toml, extra).await;
    let all = outcomes(dir.path());
    (dir, out, all)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_protected_server_passes_every_security_test() {
    let (dir, out, all) = run_against_https_sim(true, &[]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(all.len(), 6, "{all:?}");
    for (id, outcome, reason) in &all {
        assert_eq!(outcome, "pass", "{id}: {reason}");
    }
    for (path, bytes) in common::every_file_under(&dir.path().join("out")) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SECRET),
            "the secret leaked into {}",
            path.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scope_that_covers_the_read_fails_the_narrow_scope_test() {
    let (_dir, out, all) =
        run_against_https_sim(true, &["--input", "narrow_scope=system/Patient.rs"]).await;
    assert_eq!(out.status.code(), Some(1));
    let (outcome, reason) = outcome_of(&all, "narrow-scope");
    assert_eq!(outcome, "fail", "{reason}");
    assert!(reason.contains("200"), "{reason}");
    assert_eq!(outcome_of(&all, "no-token").0, "pass");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_open_server_fails_the_access_control_tests_by_name() {
    let (_dir, out, all) = run_against_https_sim(false, &[]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_eq!(outcome_of(&all, "authorized-search").0, "pass");
    for id in ["no-token", "forged-token"] {
        let (outcome, reason) = outcome_of(&all, id);
        assert_eq!(outcome, "fail", "{id}: {reason}");
        assert!(reason.contains("200"), "{id}: {reason}");
    }
    // No OAuth2 flow is configured, so no token with another scope can be requested.
    let (outcome, reason) = outcome_of(&all, "narrow-scope");
    assert_eq!(outcome, "error", "{reason}");
    assert!(reason.contains("client_credentials"), "{reason}");
    // The simulator's HTTPS refuses legacy TLS either way.
    assert_eq!(outcome_of(&all, "tls-1-0-refused").0, "pass");
    assert_eq!(outcome_of(&all, "tls-1-1-refused").0, "pass");
    assert!(stdout.contains("no-token"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_accepting_legacy_tls_fails_both_tls_tests() {
    let port = legacy_tls_server().await;
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        "",
        &["--target", &format!("fhir=https://127.0.0.1:{port}/fhir")],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let all = outcomes(dir.path());
    for (id, version) in [("tls-1-0-refused", "1.0"), ("tls-1-1-refused", "1.1")] {
        let (outcome, reason) = outcome_of(&all, id);
        assert_eq!(outcome, "fail", "{id}: {reason}");
        assert!(
            reason.contains(&format!("accepted: the server chose TLS {version}")),
            "{id}: {reason}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn probing_a_plain_http_target_is_an_error_that_says_why() {
    let sim = samsvar_sim::serve(
        "127.0.0.1:0",
        FhirSim::builder().router(),
        &[("fhir", "/fhir")],
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = format!("fhir={}", sim.base_url());
    run(dir.path(), "", &["--target", &target]).await;
    let all = outcomes(dir.path());
    let (outcome, reason) = outcome_of(&all, "tls-1-1-refused");
    assert_eq!(outcome, "error", "{reason}");
    assert!(reason.contains("not an https URL"), "{reason}");
}

/// IHE ATNA secure nodes talk mutual TLS: XDS transactions use the target's CA bundle and
/// client certificate from samsvar.toml, and fail without the certificate.
#[tokio::test(flavor = "multi_thread")]
async fn xds_transactions_use_the_targets_mutual_tls() {
    let material = TlsMaterial::generate("samsvar XDS test CA").unwrap();
    let (router, mounts) =
        samsvar_sim::routes(samsvar_sim::Selection::Xds, &[] as &[&str]).unwrap();
    let sim = samsvar_sim::serve_tls(
        "127.0.0.1:0",
        router,
        &mounts,
        material.server_config(true).unwrap(),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = material.write_client_files(dir.path()).unwrap();
    let mut config = String::new();
    for target in ["xds-repository", "xds-registry"] {
        config.push_str(&format!(
            "[targets.{target}]\nurl = \"{}\"\n[targets.{target}.tls]\nca_file = \"{}\"\n",
            sim.endpoint(target).unwrap(),
            files.ca_cert.display()
        ));
    }
    let with_cert = config.replace(
        "[targets.xds-registry]",
        &format!(
            "client_cert = \"{}\"\nclient_key = \"{}\"\n[targets.xds-registry]",
            files.client_cert.display(),
            files.client_key.display()
        ),
    ) + &format!(
        "client_cert = \"{}\"\nclient_key = \"{}\"\n",
        files.client_cert.display(),
        files.client_key.display()
    );
    let xds_suite = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testsuites/xds-b");
    let run_xds = |toml: String| {
        let dir = dir.path().to_path_buf();
        let suite = xds_suite.clone();
        tokio::task::spawn_blocking(move || {
            std::fs::write(dir.join("samsvar.toml"), toml).unwrap();
            Command::new(env!("CARGO_BIN_EXE_samsvar"))
                .current_dir(&dir)
                .args(["run", suite.to_str().unwrap(), "--config", "samsvar.toml"])
                .args(["--out", "out", "--jobs", "1"])
                .env("NO_COLOR", "1")
                .output()
                .unwrap()
        })
    };
    let passed = run_xds(with_cert).await.unwrap();
    let stdout = String::from_utf8_lossy(&passed.stdout);
    assert_eq!(passed.status.code(), Some(0), "{stdout}");

    let refused = run_xds(config).await.unwrap();
    let stdout = String::from_utf8_lossy(&refused.stdout);
    assert_eq!(refused.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("ERROR"), "{stdout}");
}
