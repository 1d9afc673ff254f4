//! Third-party FHIR servers on loopback for the interoperability tests, started through
//! `scripts/interop/start-*.sh` (their contract is at the top of `scripts/interop/lib.sh`).
//!
//! A server that is not installed makes the test say loudly that it did not run; with
//! `SAMSVAR_REQUIRE_INTEROP=1` (set by `.ci/run`) it makes the test fail instead.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::workspace_root;

/// Exit code of `start-*.sh --check` when the server is not installed.
const NOT_INSTALLED: i32 = 3;
/// A cold start of sekmet on a loaded two-core machine takes about ten seconds.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// A running server; dropping it stops the script and the server it started.
pub struct Server {
    pub name: &'static str,
    pub base: String,
    /// A `samsvar.toml` written by the script, where the server needs one (auth, TLS).
    pub config: Option<PathBuf>,
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        // The script runs in its own process group (see `start`); TERM reaches the script,
        // which stops its server, and the server itself.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

/// Starts `scripts/interop/<script>` with `args`, or says why it cannot run here.
pub fn start(name: &'static str, script: &str, args: &[&str]) -> Result<Server, String> {
    let path = workspace_root().join("scripts/interop").join(script);
    let check = Command::new("bash")
        .arg(&path)
        .arg("--check")
        .output()
        .expect("bash runs");
    match check.status.code() {
        Some(0) => {}
        Some(NOT_INSTALLED) => {
            return Err(String::from_utf8_lossy(&check.stderr).trim().to_string());
        }
        other => panic!(
            "{script} --check failed with {other:?}: {}",
            String::from_utf8_lossy(&check.stderr)
        ),
    }

    let mut child = Command::new("bash")
        .arg(&path)
        .args(args)
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("the start script runs");
    let stderr = collect(child.stderr.take().unwrap());
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // Keep reading after the receiver is gone so the script never writes to a
            // closed pipe.
            let _ = tx.send(line);
        }
    });

    let mut base = None;
    let mut config = None;
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line == "ready" => break,
            Ok(line) => {
                if let Some(url) = line.strip_prefix("base=") {
                    base = Some(url.to_string());
                } else if let Some(file) = line.strip_prefix("config=") {
                    config = Some(PathBuf::from(file));
                }
            }
            Err(_) => {
                let server = Server {
                    name,
                    base: String::new(),
                    config: None,
                    child,
                };
                drop(server);
                panic!(
                    "{script} did not report `ready` within {START_TIMEOUT:?}; its stderr:\n{}",
                    stderr.recv().unwrap_or_default()
                );
            }
        }
    }
    let base = base.unwrap_or_else(|| panic!("{script} said ready without a base= line"));
    Ok(Server {
        name,
        base,
        config,
        child,
    })
}

/// Reads a pipe to its end on a thread; the text arrives once the pipe closes.
fn collect(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        let _ = tx.send(text);
    });
    rx
}

/// A server that cannot run here: a failure where CI requires the servers, else a loud skip.
pub fn not_installed(test: &str, why: &str) {
    let msg = format!(
        "INTEROP SERVER MISSING: {why}; install it with scripts/interop/install.sh \
         (CI sets SAMSVAR_REQUIRE_INTEROP=1 and installs it in .ci/run)"
    );
    assert!(
        std::env::var("SAMSVAR_REQUIRE_INTEROP").as_deref() != Ok("1"),
        "{msg}"
    );
    eprintln!("SKIPPED {test} — {msg}");
}

/// One test's result in a run record.
#[derive(Debug, Clone)]
pub struct TestResult {
    pub outcome: String,
    pub reason: Option<String>,
    pub warnings: usize,
}

/// Every test of every suite in a `run.json`, by `suite/test-id`.
pub fn test_results(record: &serde_json::Value) -> BTreeMap<String, TestResult> {
    fn walk(suite: &str, node: &serde_json::Value, out: &mut BTreeMap<String, TestResult>) {
        for item in node["items"].as_array().into_iter().flatten() {
            if item["kind"] == "test" {
                let id = item["id"].as_str().unwrap_or_default();
                out.insert(
                    format!("{suite}/{id}"),
                    TestResult {
                        outcome: item["outcome"].as_str().unwrap_or_default().to_string(),
                        reason: item["reason"].as_str().map(str::to_string),
                        warnings: item["warnings"].as_array().map_or(0, Vec::len),
                    },
                );
            } else {
                walk(suite, item, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    for suite in record["suites"].as_array().into_iter().flatten() {
        walk(
            suite["id"].as_str().unwrap_or_default(),
            &suite["root"],
            &mut out,
        );
    }
    out
}
