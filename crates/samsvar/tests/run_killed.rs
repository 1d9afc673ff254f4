//! `kill -9` halfway through a run loses nothing that had finished: `samsvar report
//! finalize` builds an incomplete bundle from the journal.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn a_run_killed_with_sigkill_is_finalized_into_an_incomplete_bundle() {
    // A "server" that accepts and never answers keeps the second test running.
    let stuck = TcpListener::bind("127.0.0.1:0").unwrap();
    let stuck_url = format!("http://{}", stuck.local_addr().unwrap());
    let out = tempfile::tempdir().unwrap();
    let suite = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cases/interrupted");
    let mut child = Command::new(env!("CARGO_BIN_EXE_samsvar"))
        .args([
            "run",
            suite.to_str().unwrap(),
            "--target",
            "sim",
            "--target",
        ])
        .arg(format!("stuck={stuck_url}"))
        .arg("--out")
        .arg(out.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    // Wait until the journal holds the finished first test, then kill without warning.
    let deadline = Instant::now() + Duration::from_secs(60);
    let run_dir = loop {
        assert!(
            Instant::now() < deadline,
            "the first test never reached the journal"
        );
        let dir = std::fs::read_dir(out.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.is_dir());
        if let Some(dir) = dir
            && std::fs::read_to_string(dir.join("journal.jsonl")).is_ok_and(|j| {
                let finished = j.lines().any(|l| {
                    l.contains(r#""type":"test_finished""#) && l.contains(r#""finishes""#)
                });
                let started = j
                    .lines()
                    .any(|l| l.contains(r#""type":"test_started""#) && l.contains(r#""hangs""#));
                finished && started
            })
        {
            break dir;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    assert!(
        !run_dir.join("evidence.json").exists(),
        "a killed run cannot have finalised its bundle"
    );

    let status = Command::new(env!("CARGO_BIN_EXE_samsvar"))
        .args(["report", "finalize"])
        .arg(&run_dir)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let evidence: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("evidence.json")).unwrap())
            .unwrap();
    assert_eq!(
        evidence["complete"], false,
        "the bundle says it is incomplete"
    );
    // Every planned test is in the bundle: the finished one as it ended, the one that
    // was running as interrupted, the one that never started as such.
    let tests: Vec<(String, String, String)> = evidence["run"]["suites"][0]["root"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let field = |k: &str| t[k].as_str().unwrap_or("finished").to_string();
            (field("id"), field("outcome"), field("completion"))
        })
        .collect();
    let expected = [
        ("finishes", "pass", "finished"),
        ("hangs", "error", "interrupted"),
        ("never-starts", "skip", "not_started"),
    ]
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
    assert_eq!(tests, expected);
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert!(
        stdout.contains("1 finished test(s), 1 interrupted, 1 never started"),
        "{stdout}"
    );
    drop(stuck);
}
