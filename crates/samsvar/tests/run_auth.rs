//! Runs against a protected FHIR server: credentials from `samsvar.toml` (secrets in files
//! or the environment), tokens from the simulator's authorization server, nothing secret in
//! any output.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use samsvar_sim::auth::{AuthServer, AuthSettings, RegisteredClient, guarded};
use samsvar_sim::fhir::FhirSim;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SECRET: &str = "planted-client-secret-4711";

async fn guarded_sim() -> (samsvar_sim::SimHandle, AuthServer) {
    let auth = AuthServer::new(AuthSettings {
        clients: vec![RegisteredClient {
            client_id: "vendor-ci".into(),
            secret: Some(SECRET.into()),
            jwks: None,
            allowed_scopes: vec!["system/*.cruds".into()],
            patient: None,
        }],
        ..AuthSettings::default()
    });
    let router = guarded(FhirSim::builder().router(), &auth, "/fhir");
    let sim = samsvar_sim::serve("127.0.0.1:0", router, &[("fhir", "/fhir")])
        .await
        .unwrap();
    (sim, auth)
}

fn suite() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testsuites/fhir-rest-basics")
}

async fn run(dir: &Path, config: &str, envs: Vec<(&'static str, String)>) -> Output {
    std::fs::write(dir.join("samsvar.toml"), config).unwrap();
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_samsvar"))
            .current_dir(&dir)
            .args([
                "run",
                suite().to_str().unwrap(),
                "--config",
                "samsvar.toml",
                "--out",
                "out",
            ])
            .envs(envs)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn client_credentials_from_config_pass_and_no_secret_reaches_any_output() {
    let (sim, auth) = guarded_sim().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("client-secret.txt"), SECRET).unwrap();
    let config = format!(
        r#"
[targets.fhir]
url = "{base}"

[targets.fhir.auth]
type = "client_credentials"
client_id = "vendor-ci"
client_secret = {{ file = "client-secret.txt" }}
token_url = "{origin}/auth/token"
scope = "system/*.cruds"
"#,
        base = sim.base_url(),
        origin = sim.origin()
    );
    let out = run(dir.path(), &config, vec![]).await;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(auth.tokens_issued() >= 1);
    for (path, bytes) in common::every_file_under(&dir.path().join("out")) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(SECRET),
            "the client secret leaked into {}",
            path.display()
        );
        assert!(
            !text
                .to_ascii_lowercase()
                .contains("authorization\": \"bearer"),
            "a bearer token leaked into {}",
            path.display()
        );
    }
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
}

#[tokio::test(flavor = "multi_thread")]
async fn without_credentials_the_protected_server_fails_the_run() {
    let (sim, _auth) = guarded_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let config = format!("[targets.fhir]\nurl = \"{}\"\n", sim.base_url());
    let out = run(dir.path(), &config, vec![]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("401"), "the refusal is visible: {stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_secret_names_the_variable_and_exits_2() {
    let (sim, _auth) = guarded_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        r#"
[targets.fhir]
url = "{base}"

[targets.fhir.auth]
type = "client_credentials"
client_id = "vendor-ci"
client_secret = {{ env = "SAMSVAR_TEST_NEVER_SET_SECRET" }}
token_url = "{origin}/auth/token"
"#,
        base = sim.base_url(),
        origin = sim.origin()
    );
    let out = run(dir.path(), &config, vec![]).await;
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("SAMSVAR_TEST_NEVER_SET_SECRET"), "{all}");
}
