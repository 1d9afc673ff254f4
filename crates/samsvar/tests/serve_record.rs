//! `samsvar serve --record DIR`: the real binary on an ephemeral loopback port, real
//! clients (plain sockets), stopped by SIGINT; the bundles it writes are checked with
//! `samsvar verify`.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The ITI-41 of the xds-b suite that lacks the DocumentEntry's creationTime.
const DEFECTIVE_ITI41: &str =
    include_str!("../../../testsuites/xds-b/fixtures/missing-creation-time.xml");

/// The same submission with its creationTime: conformant.
fn conformant_iti41() -> String {
    let good = DEFECTIVE_ITI41.replacen(
        "<rim:Slot name=\"languageCode\">",
        "<rim:Slot name=\"creationTime\"><rim:ValueList><rim:Value>20240101120000</rim:Value></rim:ValueList></rim:Slot><rim:Slot name=\"languageCode\">",
        1,
    );
    assert_ne!(
        good, DEFECTIVE_ITI41,
        "the fixture changed: no languageCode slot"
    );
    good
}

fn samsvar() -> Command {
    Command::new(env!("CARGO_BIN_EXE_samsvar"))
}

struct Serve {
    child: Child,
    /// `target → base URL` from the "listening on" lines.
    bases: Vec<(String, String)>,
    lines: mpsc::Receiver<String>,
}

/// Starts `serve` and waits for "press Ctrl-C"; stderr is read until EOF by a thread.
fn start_serve(args: &[&str], env: &[(&str, &str)]) -> Serve {
    let (child, rx) = common::spawn_reading_stderr(
        samsvar()
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::null()),
    );
    let mut bases = Vec::new();
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("serve prints its addresses within 60 s");
        if let Some(rest) = line.strip_prefix("samsvar-sim ")
            && let Some((target, url)) = rest.split_once(" listening on ")
        {
            bases.push((target.to_string(), url.to_string()));
        }
        if line.starts_with("press Ctrl-C") {
            break;
        }
    }
    Serve {
        child,
        bases,
        lines: rx,
    }
}

impl Serve {
    fn origin(&self) -> String {
        let (_, url) = self.bases.first().expect("a listening line");
        let rest = url.strip_prefix("http://").unwrap();
        let host = rest.split_once('/').map_or(rest, |(h, _)| h);
        format!("http://{host}")
    }

    /// The next stderr line that starts with `prefix` (within 30 s).
    fn line_starting(&self, prefix: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("no stderr line starting with `{prefix}`"));
            if line.starts_with(prefix) {
                return line;
            }
        }
    }

    /// SIGINT, wait for the exit (0), and return every stderr line printed meanwhile.
    fn stop(mut self) -> Vec<String> {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let start = std::time::Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > Duration::from_secs(60) {
                let _ = self.child.kill();
                panic!("serve did not stop within 60 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        // The reader thread ends at EOF, which disconnects the channel.
        let mut rest = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(10)) {
            rest.push(line);
        }
        assert_eq!(
            status.code(),
            Some(0),
            "serve exit status; stderr: {rest:#?}"
        );
        rest
    }
}

/// One HTTP/1.1 request over a plain socket; returns (status, headers+body text).
fn http(
    origin: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let host = origin.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer}"));
    (status, answer)
}

fn post_iti41(origin: &str, path: &str, envelope: &str) -> (u16, String) {
    http(
        origin,
        "POST",
        path,
        &[(
            "Content-Type",
            "application/soap+xml; charset=UTF-8; action=\"urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b\"",
        )],
        envelope.as_bytes(),
    )
}

/// The bundle folders under `dir`: `dir/<client>/<run-id>/` with an evidence.json.
fn bundles(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for client in std::fs::read_dir(dir).unwrap() {
        let client = client.unwrap();
        if !client.file_type().unwrap().is_dir() {
            continue;
        }
        for run in std::fs::read_dir(client.path()).unwrap() {
            let run = run.unwrap().path();
            if run.join("evidence.json").is_file() {
                out.push((client.file_name().to_string_lossy().into_owned(), run));
            }
        }
    }
    out.sort();
    out
}

fn evidence(bundle: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(bundle.join("evidence.json")).unwrap()).unwrap()
}

/// The received exchanges of a bundle's record.
fn received(bundle: &Path) -> Vec<Value> {
    evidence(bundle)["run"]["received"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn rules_of(message: &Value) -> Vec<String> {
    message["findings"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|f| f["rule"].as_str().map(str::to_string))
        .collect()
}

fn verify(bundle: &Path, extra: &[&str]) -> (i32, String) {
    let out = samsvar()
        .arg("verify")
        .arg(bundle)
        .args(extra)
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

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn xds_exchanges_become_one_signed_verifiable_bundle_per_client_with_their_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("key.pem");
    let keygen = samsvar()
        .arg("keygen")
        .arg("--out")
        .arg(&key)
        .output()
        .unwrap();
    assert!(keygen.status.success(), "{keygen:?}");
    let record = tmp.path().join("recorded");
    let serve = start_serve(
        &[
            "--sim",
            "xds",
            "--record",
            record.to_str().unwrap(),
            "--sign-key",
            key.to_str().unwrap(),
        ],
        &[],
    );
    let origin = serve.origin();
    assert!(
        serve.bases.iter().any(|(t, _)| t == "xds-repository"),
        "{:?}",
        serve.bases
    );

    // vendor-a: a conformant submission, then a defective one.
    let (status, answer) = post_iti41(
        &origin,
        "/clients/vendor-a/xds/repository",
        &conformant_iti41(),
    );
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("ResponseStatusType:Success"), "{answer}");
    let line = serve.line_starting("exchange: ");
    assert_eq!(
        line,
        "exchange: POST /clients/vendor-a/xds/repository 200 findings=0 client=vendor-a"
    );
    let (status, answer) = post_iti41(&origin, "/clients/vendor-a/xds/repository", DEFECTIVE_ITI41);
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("ResponseStatusType:Failure"), "{answer}");
    let line = serve.line_starting("exchange: ");
    assert!(
        line.starts_with("exchange: POST /clients/vendor-a/xds/repository 200 findings=")
            && line.contains("client=vendor-a")
            && !line.contains("findings=0")
            && line.contains("xds-"),
        "{line}"
    );
    // vendor-b, under its own prefix: the defective one only.
    let (status, _) = post_iti41(&origin, "/clients/vendor-b/xds/repository", DEFECTIVE_ITI41);
    assert_eq!(status, 200);
    serve.line_starting("exchange: ");
    let rest = serve.stop();
    assert_eq!(
        rest.iter().filter(|l| l.starts_with("evidence: ")).count(),
        2,
        "{rest:#?}"
    );

    let found = bundles(&record);
    let clients: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(clients, ["vendor-a", "vendor-b"], "{found:?}");
    let a = &found[0].1;
    let b = &found[1].1;

    // vendor-a's bundle: its two exchanges, nothing of vendor-b's.
    let messages = received(a);
    assert_eq!(messages.len(), 2, "{messages:#?}");
    for m in &messages {
        assert_eq!(m["target"], "xds-repository");
        assert_eq!(m["exchange"]["direction"], "received");
        assert!(
            m["exchange"]["request"]["url"]
                .as_str()
                .unwrap()
                .starts_with("/clients/vendor-a/"),
            "{m}"
        );
    }
    assert!(
        rules_of(&messages[0]).is_empty(),
        "the conformant ITI-41 has no findings: {:?}",
        messages[0]["findings"]
    );
    let defective = rules_of(&messages[1]);
    // The DocumentEntry's missing creationTime, by the XDS rule samsvar validate gives it.
    let expected = expected_rule();
    assert!(
        defective.contains(&expected),
        "{defective:?} should name {expected}"
    );
    let b_messages = received(b);
    assert_eq!(b_messages.len(), 1, "{b_messages:#?}");
    assert!(rules_of(&b_messages[0]).contains(&expected));
    assert!(
        b_messages[0]["exchange"]["request"]["url"]
            .as_str()
            .unwrap()
            .starts_with("/clients/vendor-b/")
    );

    // Both verify with the public key, and a changed file makes verification fail.
    let public = tmp.path().join("key.pub.pem");
    for bundle in [a, b] {
        assert!(bundle.join("evidence.jws").is_file(), "signed");
        let (code, text) = verify(bundle, &["--key", public.to_str().unwrap()]);
        assert_eq!(code, 0, "{text}");
        assert!(text.contains("verdict: VERIFIED"), "{text}");
        // The simulators served the system under test: not "evidence about no product".
        assert!(text.contains("CLIENT SESSION"), "{text}");
        assert!(!text.contains("SIMULATED TARGETS"), "{text}");
        let html = std::fs::read_to_string(bundle.join("report.html")).unwrap();
        assert!(html.contains("id=\"client-session\""));
        assert!(html.contains("Received by samsvar"));
    }
    let evidence_path = a.join("evidence.json");
    let mut text = std::fs::read_to_string(&evidence_path).unwrap();
    text = text.replacen("vendor-a", "vendor-x", 1);
    std::fs::write(&evidence_path, text).unwrap();
    let (code, text) = verify(a, &["--key", public.to_str().unwrap()]);
    assert_ne!(code, 0, "a tampered bundle must not verify: {text}");
}

/// The rule `samsvar validate` reports for the defective submission (so the test follows
/// the rule catalogue rather than a copy of it).
fn expected_rule() -> String {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("defective.xml");
    std::fs::write(&path, DEFECTIVE_ITI41).unwrap();
    let out = samsvar()
        .arg("validate")
        .arg(&path)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .filter(|f| {
            f["message"]
                .as_str()
                .unwrap_or_default()
                .contains("creationTime")
        })
        .filter_map(|f| f["rule"].as_str().map(str::to_string))
        .collect();
    assert_eq!(rules.len(), 1, "{report:#}");
    rules[0].clone()
}

#[test]
fn fhir_exchanges_are_told_apart_by_token_client_and_keep_no_secret() {
    const SECRET: &str = "s3cret-of-vendor-c-do-not-keep-0123456789";
    let tmp = tempfile::tempdir().unwrap();
    let record = tmp.path().join("recorded");
    let serve = start_serve(
        &[
            "--sim",
            "fhir",
            "--record",
            record.to_str().unwrap(),
            "--require-auth",
            "--client-id",
            "vendor-c",
            "--client-secret-env",
            "SAMSVAR_TEST_CLIENT_SECRET",
        ],
        &[("SAMSVAR_TEST_CLIENT_SECRET", SECRET)],
    );
    let origin = serve.origin();
    let form = format!(
        "grant_type=client_credentials&client_id=vendor-c&client_secret={SECRET}&scope=system%2F*.cruds"
    );
    let (status, answer) = http(
        &origin,
        "POST",
        "/auth/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form.as_bytes(),
    );
    assert_eq!(status, 200, "{answer}");
    let json = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
    let token: Value = serde_json::from_str(json.trim()).unwrap();
    let token = token["access_token"].as_str().unwrap().to_string();
    assert!(token.len() >= 12);
    let line = serve.line_starting("exchange: ");
    assert_eq!(
        line,
        "exchange: POST /auth/token 200 findings=0 client=vendor-c"
    );
    let bearer = format!("Bearer {token}");
    let patient = br#"{"resourceType":"Patient","name":[{"family":"Nordmann","given":["Kari"]}]}"#;
    let (status, answer) = http(
        &origin,
        "POST",
        "/fhir/Patient",
        &[
            ("Authorization", &bearer),
            ("Content-Type", "application/fhir+json"),
        ],
        patient,
    );
    assert_eq!(status, 201, "{answer}");
    let line = serve.line_starting("exchange: ");
    assert_eq!(
        line,
        "exchange: POST /fhir/Patient 201 findings=0 client=vendor-c"
    );
    // The wrong resource for the URL: recorded with its finding.
    let (_, _) = http(
        &origin,
        "POST",
        "/fhir/Patient",
        &[
            ("Authorization", &bearer),
            ("Content-Type", "application/fhir+json"),
        ],
        br#"{"resourceType":"Observation","status":"final","code":{"text":"x"}}"#,
    );
    let line = serve.line_starting("exchange: ");
    assert!(
        line.contains("client=vendor-c") && line.contains("serve-fhir-type"),
        "{line}"
    );
    // No token: not the client's; by its address.
    let (status, _) = http(&origin, "GET", "/fhir/Patient", &[], b"");
    assert_eq!(status, 401);
    let line = serve.line_starting("exchange: ");
    assert_eq!(
        line,
        "exchange: GET /fhir/Patient 401 findings=0 client=127.0.0.1"
    );
    serve.stop();

    let found = bundles(&record);
    let clients: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(clients, ["127.0.0.1", "vendor-c"], "{found:?}");
    let c = &found[1].1;
    let messages = received(c);
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert!(rules_of(&messages[0]).is_empty(), "{}", messages[0]);
    assert!(rules_of(&messages[1]).is_empty(), "{}", messages[1]);
    // The wrong type by the recording layer's check, and the simulator's refusal of it.
    assert_eq!(
        rules_of(&messages[2]),
        ["serve-fhir-type", "serve-fhir-refused"]
    );
    assert_eq!(received(&found[0].1).len(), 1);

    // Unsigned: the digests verify.
    for (_, bundle) in &found {
        let (code, text) = verify(bundle, &["--integrity-only"]);
        assert_eq!(code, 0, "{text}");
    }
    // Neither the secret nor the token, in any spelling the redactor knows, anywhere.
    let spellings = [
        SECRET.to_string(),
        token.clone(),
        base64_of(SECRET),
        base64_of(&token),
    ];
    let mut checked = 0;
    for path in files(&record) {
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for s in &spellings {
            assert!(
                !text.contains(s.as_str()),
                "{} holds a secret",
                path.display()
            );
        }
        checked += 1;
    }
    assert!(checked > 4, "{checked} files");
    // …while the exchange that carried them is there, redacted.
    let token_request = &messages[0]["exchange"]["request"];
    assert_eq!(token_request["url"], "/auth/token");
    assert!(
        serde_json::to_string(token_request)
            .unwrap()
            .contains("redacted"),
        "{token_request}"
    );
}

fn base64_of(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}
