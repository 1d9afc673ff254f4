//! `samsvar serve`: the real binary on an ephemeral loopback port.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn samsvar() -> Command {
    Command::new(env!("CARGO_BIN_EXE_samsvar"))
}

/// Start `serve`, wait for the "listening on" line and return the base URL and the
/// remaining stderr lines (as a channel).
fn start_serve(args: &[&str]) -> (Child, String, Vec<String>, mpsc::Receiver<String>) {
    let (child, rx) =
        common::spawn_reading_stderr(samsvar().arg("serve").args(args).stdout(Stdio::null()));
    let mut seen = Vec::new();
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("serve prints its address within 30 s");
        seen.push(line.clone());
        if line.starts_with("press Ctrl-C") {
            break;
        }
    }
    let base = seen
        .iter()
        .find_map(|l| l.strip_prefix("samsvar-sim fhir listening on "))
        .expect("a listening line")
        .to_string();
    (child, base, seen, rx)
}

/// A minimal HTTP/1.1 GET over a plain socket; returns the whole answer.
fn http_get(base: &str, path: &str) -> String {
    let rest = base.strip_prefix("http://").unwrap();
    let (host, prefix) = rest.split_once('/').unwrap();
    let mut stream = TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET /{prefix}{path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/fhir+json\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[cfg(unix)]
fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[cfg(unix)]
fn wait_with_timeout(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("serve did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(unix)]
#[test]
fn serve_prints_the_real_port_serves_and_stops_on_ctrl_c() {
    let (mut child, base, lines, _rest) = start_serve(&[
        "--sim",
        "fhir",
        "--addr",
        "127.0.0.1:0",
        "--defect",
        "wrong-fhir-version",
    ]);
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/fhir"),
        "{base}"
    );
    assert!(!base.contains(":0/"), "the real port is printed: {base}");
    assert!(
        lines.contains(&"samsvar-sim defects: wrong-fhir-version".to_string()),
        "{lines:?}"
    );
    let answer = http_get(&base, "/metadata");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("content-type: application/fhir+json"),
        "{answer}"
    );
    assert!(answer.contains("\"fhirVersion\":\"3.0.2\""), "{answer}");
    interrupt(&child);
    let status = wait_with_timeout(&mut child, Duration::from_secs(10));
    assert_eq!(status.code(), Some(0));
}

#[cfg(unix)]
#[test]
fn serve_all_starts_the_fhir_simulator() {
    let (mut child, base, lines, _rest) = start_serve(&["--sim", "all", "--addr", "127.0.0.1:0"]);
    assert!(
        lines.contains(&"samsvar-sim defects: none".to_string()),
        "{lines:?}"
    );
    let answer = http_get(&base, "/Patient/nope");
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(answer.contains("OperationOutcome"), "{answer}");
    interrupt(&child);
    assert_eq!(
        wait_with_timeout(&mut child, Duration::from_secs(10)).code(),
        Some(0)
    );
}

#[test]
fn unknown_defect_or_simulator_exits_2_with_a_hint() {
    let out = samsvar()
        .args([
            "serve",
            "--sim",
            "fhir",
            "--addr",
            "127.0.0.1:0",
            "--defect",
            "serch-500",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("did you mean `search-500`?"), "{stderr}");

    let out = samsvar().args(["serve", "--sim", "fhr"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("did you mean `fhir`?"), "{stderr}");
}

#[test]
fn serve_help_lists_every_defect() {
    let out = samsvar().args(["serve", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for d in samsvar_sim::defect_catalogue() {
        assert!(help.contains(d.name), "{} missing from help", d.name);
    }
}

#[test]
fn serve_require_auth_guards_the_server_and_publishes_discovery() {
    let mut child = samsvar()
        .args([
            "serve",
            "--sim",
            "fhir",
            "--addr",
            "127.0.0.1:0",
            "--require-auth",
        ])
        .args([
            "--client-id",
            "ci",
            "--client-secret-env",
            "SAMSVAR_TEST_SERVE_SECRET",
        ])
        .env("SAMSVAR_TEST_SERVE_SECRET", "serve-secret-123")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines().map_while(Result::ok);
    let base = lines
        .find_map(|l| {
            l.strip_prefix("samsvar-sim fhir listening on ")
                .map(str::to_string)
        })
        .expect("a listening line");
    let refused = http_get(&base, "/Patient");
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    let discovery = http_get(&base, "/.well-known/smart-configuration");
    assert!(
        discovery.starts_with("HTTP/1.1 200") && discovery.contains("/auth/token"),
        "{discovery}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn serve_require_auth_without_credentials_exits_2() {
    let out = samsvar()
        .args([
            "serve",
            "--sim",
            "fhir",
            "--addr",
            "127.0.0.1:0",
            "--require-auth",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--client-secret-env"));
}
