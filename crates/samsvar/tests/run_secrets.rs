//! A hostile server that echoes every credential it gets, in every encoding a server
//! or URL gives a value: the static bearer token, the OAuth access token it issued and
//! the client secret it was sent. No output of the run (stdout, stderr, run.json,
//! evidence.json, junit.xml, the journal, the TestReports, report.html, the exchange
//! files) may contain any of them in any of those spellings, and the evidence must say
//! where it redacted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use std::path::{Path, PathBuf};
use std::process::Command;

const BEARER: &str = "bt_Q8/x+y=z-static-bearer-0815";
const ACCESS: &str = "at_Zq9/LkX+3w==-issued-access-token";
const CLIENT_SECRET: &str = "cs_p@ss/w0rd+&\"<'>-client-secret";

/// Every spelling of `v` the server sends back (and the test looks for).
fn spellings(v: &str) -> Vec<String> {
    let form: String = url::form_urlencoded::byte_serialize(v.as_bytes()).collect();
    let strict: String = v
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let json = serde_json::to_string(v).unwrap();
    let json = json.trim_matches('"').to_string();
    let html = v
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;");
    let json_twice = serde_json::to_string(&json).unwrap();
    let json_twice = json_twice.trim_matches('"').to_string();
    vec![
        v.to_string(),
        json_twice,
        form,
        strict.to_ascii_lowercase_hex(),
        strict,
        json.replace('/', "\\/"),
        json,
        html,
        STANDARD.encode(v),
        STANDARD_NO_PAD.encode(v),
        URL_SAFE_NO_PAD.encode(v),
    ]
}

trait LowerHex {
    fn to_ascii_lowercase_hex(&self) -> String;
}

impl LowerHex for String {
    fn to_ascii_lowercase_hex(&self) -> String {
        let mut out = String::new();
        let mut rest = self.as_str();
        while let Some(i) = rest.find('%') {
            out.push_str(&rest[..i]);
            out.push('%');
            out.push_str(&rest[i + 1..i + 3].to_ascii_lowercase());
            rest = &rest[i + 3..];
        }
        out.push_str(rest);
        out
    }
}

/// A JWT-like blob that wraps the value in JSON and base64url (not at a 3-byte boundary).
fn wrapped(v: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{{\"sub\":\"x\",\"echo\":\"{v}\"}}"))
}

/// The echo: every credential value it knows, in every spelling, in headers and body.
fn echo(values: &[&str]) -> Response {
    let mut headers = HeaderMap::new();
    let mut body = serde_json::Map::new();
    for (i, v) in values.iter().enumerate() {
        for (j, s) in spellings(v).into_iter().enumerate() {
            if let Ok(h) = HeaderValue::from_str(&s) {
                headers.insert(
                    axum::http::HeaderName::try_from(format!("x-echo-{i}-{j}")).unwrap(),
                    h,
                );
            }
            body.insert(format!("echo_{i}_{j}"), serde_json::Value::String(s));
        }
        body.insert(format!("wrapped_{i}"), wrapped(v).into());
    }
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    let text = serde_json::to_string_pretty(&body).unwrap();
    (StatusCode::OK, headers, text).into_response()
}

fn bearer_of(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_string()
}

/// A resource server that echoes the token it receives (and, hostile, also the client
/// secret it knows as the authorization server), and an authorization server issuing
/// `ACCESS` for `CLIENT_SECRET`.
fn hostile() -> Router {
    Router::new()
        .route(
            "/token",
            post(|headers: HeaderMap| async move {
                let basic = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Basic "))
                    .and_then(|b| STANDARD.decode(b).ok())
                    .and_then(|b| String::from_utf8(b).ok())
                    .unwrap_or_default();
                let expected: String =
                    url::form_urlencoded::byte_serialize(CLIENT_SECRET.as_bytes()).collect();
                if basic != format!("vendor:{expected}") {
                    return (StatusCode::UNAUTHORIZED, "{\"error\":\"invalid_client\"}")
                        .into_response();
                }
                (
                    [("content-type", "application/json")],
                    serde_json::json!({
                        "access_token": ACCESS, "token_type": "Bearer", "expires_in": 3600
                    })
                    .to_string(),
                )
                    .into_response()
            }),
        )
        .route(
            "/api/echo",
            get(|headers: HeaderMap| async move {
                let token = bearer_of(&headers);
                echo(&[&token, CLIENT_SECRET])
            }),
        )
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

const SUITE: &str = r#"suite:
  id: hostile-echo
  version: "1.0.0"
  title: Servers that echo credentials
targets:
  bearer:
    kind: http
  oauth:
    kind: http
tests:
  - id: bearer-echo
    steps:
      - request:
          method: GET
          url: "{{bearer}}/echo"
          target: bearer
        capture:
          echoed_bearer: { header: x-echo-0-0 }
        assert:
          - status: 200
          - header: { name: x-echo-0-0, equals: "something else" }
  - id: oauth-echo
    steps:
      - request:
          method: GET
          url: "{{oauth}}/echo"
          target: oauth
        capture:
          echoed_access: { fhirpath: echo_0_0 }
        assert:
          - status: 200
          - fhirpath: { expr: echo_0_0, equals: "something else" }
          - fhirpath: { expr: echo_1_0, equals: "something else" }
"#;

fn every_file(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    common::every_file_under(dir)
}

#[tokio::test(flavor = "multi_thread")]
async fn echoed_credentials_reach_no_output_in_any_spelling() {
    // The bearer target echoes its token; the OAuth target, another origin, echoes the
    // access token it issued and the client secret.
    let bearer_base = serve(Router::new().route(
        "/fhir/echo",
        get(|headers: HeaderMap| async move { echo(&[&bearer_of(&headers)]) }),
    ))
    .await;
    let oauth_base = serve(hostile()).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("suite")).unwrap();
    std::fs::write(dir.path().join("suite/suite.yaml"), SUITE).unwrap();
    let config = format!(
        r#"
[targets.bearer]
url = "{bearer_base}/fhir"

[targets.bearer.auth]
type = "bearer"
token = {{ env = "E2E_BEARER" }}

[targets.oauth]
url = "{oauth_base}/api"

[targets.oauth.auth]
type = "client_credentials"
client_id = "vendor"
client_secret = {{ env = "E2E_CLIENT_SECRET" }}
token_url = "{oauth_base}/token"
"#
    );
    std::fs::write(dir.path().join("samsvar.toml"), config).unwrap();
    let cwd = dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_samsvar"))
            .current_dir(&cwd)
            .args(["run", "suite", "--config", "samsvar.toml", "--out", "out"])
            .args(["--format", "terminal,json,junit,html"])
            .env("NO_COLOR", "1")
            .env("E2E_BEARER", BEARER)
            .env("E2E_CLIENT_SECRET", CLIENT_SECRET)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    // The assertions comparing the echo with something else fail: exit 1, not a crash.
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("[REDACTED]"),
        "the failures show the marker: {stdout}"
    );

    let files = every_file(&dir.path().join("out"));
    let names: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
    for wanted in [
        "run.json",
        "evidence.json",
        "junit.xml",
        "journal.jsonl",
        "report.html",
        "testreport/hostile-echo.json",
        "exchanges/",
    ] {
        assert!(
            names.iter().any(|n| n.contains(wanted)),
            "{wanted} was written: {names:?}"
        );
    }
    let mut outputs: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|(p, b)| (p.display().to_string(), b))
        .collect();
    outputs.push(("stdout".into(), stdout.into_bytes()));
    outputs.push(("stderr".into(), stderr.into_bytes()));
    for secret in [BEARER, ACCESS, CLIENT_SECRET] {
        let mut needles = spellings(secret);
        needles.push(wrapped(secret));
        for (name, bytes) in &outputs {
            for n in &needles {
                assert!(
                    !bytes.windows(n.len()).any(|w| w == n.as_bytes()),
                    "{secret:?} spelled {n:?} is in {name}"
                );
            }
        }
    }

    // The evidence says what it redacted on the echo responses: the echo headers and the
    // body. (Credentials go on the wire only: the recorded request has no Authorization.)
    let run_dir = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .unwrap();
    let evidence: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("evidence.json")).unwrap()).unwrap();
    for test in evidence["run"]["suites"][0]["root"]["items"]
        .as_array()
        .unwrap()
    {
        let exchange = &test["steps"][0]["exchange"];
        let request_headers = exchange["request"]["headers"].as_array().unwrap();
        assert!(
            !request_headers
                .iter()
                .any(|h| h[0].as_str() == Some("authorization")),
            "{}",
            test["id"]
        );
        let response = &exchange["response"]["redacted"];
        assert_eq!(response["body"], true, "{}: {response}", test["id"]);
        let headers = response["headers"].as_array().unwrap();
        assert!(
            headers.iter().any(|h| h == "x-echo-0-0"),
            "{}: {response}",
            test["id"]
        );
        let captured = &test["steps"][0]["captures"][0]["value"];
        assert_eq!(captured, "[REDACTED]", "{}", test["id"]);
    }
}
