//! The hostile battery: the real binary against a loopback server that misbehaves in
//! every way docs/user-guide.md#robustness lists (slow, endless, huge, reset, not HTTP,
//! header floods, redirect loops and off-origin redirects, bombs, invalid UTF-8, deep
//! nesting, giant strings, terminal escapes, a reflected secret, XXE, XInclude, billion
//! laughs, one-line giant XML, giant SOAP faults, broken and huge MTOM). Every case must
//! end as a failed or errored test with a reason, within the run's limits (no case is
//! bounded by this test), with output proportional to the suite, and with evidence that
//! verifies. The outcome table is printed for docs/user-guide.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "hostile_support/server.rs"]
mod server;

use server::ECHOED_SECRET;
use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// FHIR cases: each is one test that GETs `{{fhir}}/<case>` and expects a Patient, with
/// a fragment its reason must hold.
const FHIR_CASES: &[(&str, &str)] = &[
    ("slow-headers", "timed out after 2 s"),
    ("slow-body", "timed out after 2 s"),
    ("huge-body", "response body larger than 4 MiB limit"),
    ("endless-chunked", "response body larger than 4 MiB limit"),
    ("declared-huge", "response body larger than 4 MiB limit"),
    (
        "reset-mid-body",
        "end of file before message length reached",
    ),
    ("http09", "invalid HTTP version parsed"),
    ("huge-header", "message head is too large"),
    ("header-flood", "message head is too large"),
    ("redirect-loop", "more than 10 redirects"),
    (
        "redirect-off-origin",
        "it leads off-origin to http://localhost:",
    ),
    (
        "gzip-bomb",
        "response body is not JSON: expected value at 1:1",
    ),
    (
        "invalid-utf8",
        "response body is not JSON: invalid unicode code point",
    ),
    (
        "deep-json",
        "response body is not JSON: recursion limit exceeded",
    ),
    ("giant-string", "expected true, got false"),
    ("terminal-escape", "expected true, got false"),
    ("wrong-content-type", "got text/html"),
    ("echo", "expected 200, got 400"),
];

/// XDS cases: each is its own registry target, queried with ITI-18.
const XDS_CASES: &[(&str, &str)] = &[
    ("xml-one-line", "more than 200000 elements"),
    ("xml-deep", "nesting deeper than 64 levels"),
    ("xml-billion-laughs", "DOCTYPE declarations are refused"),
    ("xml-xxe", "DOCTYPE declarations are refused"),
    (
        "xml-xinclude",
        "expected query:AdhocQueryResponse, found <x>",
    ),
    ("soap-giant-fault", "[excerpt: 2048 of 3145"),
    ("mtom-bad-boundary", "bad MIME framing"),
    ("mtom-many-parts", "the SOAP Body is empty"),
    ("slow-headers", "timed out after 2000 ms"),
    ("slow-body", "timed out after 2000 ms"),
    ("huge-body", "body larger than 4194304 bytes"),
    (
        "reset-mid-body",
        "end of file before message length reached",
    ),
];

/// The step timeout of every case not about time: on a loaded 2-core machine the run's
/// 2 s could trip before the limit the case is about (the body size, the redirect count).
const UNTIMED_MS: u32 = 30_000;

/// The step's own `timeout_ms` line, unless the case is about the run's timeout.
fn step_timeout(expected: &str, indent: &str) -> String {
    if expected.contains("timed out") {
        String::new()
    } else {
        format!("{indent}timeout_ms: {UNTIMED_MS}\n")
    }
}

/// The run's limits: the battery must stop at these, not at anything in this test.
const TIMEOUT: &str = "2s";
const MAX_BODY: &str = "4MiB";

fn suite() -> String {
    let mut y = String::from(
        "suite:\n  id: hostile\n  version: \"1.0.0\"\n  title: Hostile battery\n  verifies: [\"FHIR-R4:http\"]\n\ntargets:\n  fhir:\n    kind: fhir\n",
    );
    for (case, _) in XDS_CASES {
        let _ = write!(y, "  xds-{case}:\n    kind: xds-registry\n");
    }
    y.push_str("\ninputs:\n  token:\n    description: A key the server must not reflect.\n    secret: true\n\ntests:\n");
    for (case, expected) in FHIR_CASES {
        let timeout = step_timeout(expected, "          ");
        let _ = write!(
            y,
            "  - id: fhir-{case}\n    steps:\n      - request:\n{timeout}          method: GET\n          url: \"{{{{fhir}}}}/{case}?key={{{{token}}}}\"\n          headers:\n            X-Api-Key: \"{{{{token}}}}\"\n        assert:\n          - status: 200\n          - content_type: application/fhir+json\n          - fhirpath: \"resourceType = 'Patient' and id = 'ok'\"\n"
        );
    }
    for (case, expected) in XDS_CASES {
        let timeout = step_timeout(expected, "          ");
        let _ = write!(
            y,
            "  - id: xds-{case}\n    steps:\n      - xds:\n{timeout}          transaction: ITI-18\n          target: xds-{case}\n          query:\n            name: FindDocuments\n            params:\n              XDSDocumentEntryPatientId: \"1^^^&1.2.3&ISO\"\n              XDSDocumentEntryStatus: [\"urn:oasis:names:tc:ebxml-regrep:StatusType:Approved\"]\n        assert:\n          - xds: {{ status: Success }}\n"
        );
    }
    y
}

struct Battery {
    code: i32,
    wall: Duration,
    stdout: String,
    stderr: String,
    out: tempfile::TempDir,
}

fn run_battery() -> Battery {
    let addr = server::start();
    let suite_dir = common::temp_suite(&suite(), &[]);
    let out = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_samsvar"));
    cmd.arg("run")
        .arg(suite_dir.path())
        .args(["--target", &format!("fhir=http://{addr}/fhir")]);
    for (case, _) in XDS_CASES {
        cmd.args(["--target", &format!("xds-{case}=http://{addr}/xds/{case}")]);
    }
    cmd.args(["--timeout", TIMEOUT, "--max-body", MAX_BODY, "--jobs", "8"])
        .arg("--out")
        .arg(out.path())
        .env("NO_COLOR", "1")
        .env("SAMSVAR_INPUT_TOKEN", ECHOED_SECRET)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    let started = Instant::now();
    let output = cmd.output().expect("samsvar runs");
    Battery {
        code: output.status.code().unwrap_or(-1),
        wall: started.elapsed(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        out,
    }
}

fn run_dir(out: &std::path::Path) -> std::path::PathBuf {
    let dirs: Vec<_> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs[0].clone()
}

fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            let meta = e.metadata().unwrap();
            if meta.is_dir() {
                dir_size(&e.path())
            } else {
                meta.len()
            }
        })
        .sum()
}

fn all_text_files(dir: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.metadata().unwrap().is_dir() {
            all_text_files(&e.path(), out);
        } else {
            out.push((
                e.path().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            ));
        }
    }
}

#[test]
fn every_hostile_case_fails_or_errors_with_a_reason_within_the_limits() {
    let b = run_battery();
    let all = format!("{}\n{}", b.stdout, b.stderr);
    assert_eq!(b.code, 1, "{all}");
    assert!(!all.contains("panicked"), "{all}");

    // Bounded by the run's own limits: every case is cut by the 2 s timeout at worst,
    // 8 jobs at once, so 30 cases end in well under a minute.
    assert!(b.wall < Duration::from_secs(60), "took {:?}", b.wall);

    let dir = run_dir(b.out.path());
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    let mut table =
        String::from("| case | outcome | reason (first 200 characters) |\n|---|---|---|\n");
    let mut seen = 0;
    for item in record["suites"][0]["root"]["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        let outcome = item["outcome"].as_str().unwrap();
        let reason = item["reason"].as_str().unwrap_or("");
        assert!(
            outcome == "fail" || outcome == "error",
            "{id} ended {outcome}: {reason}"
        );
        let expected = FHIR_CASES
            .iter()
            .find(|(c, _)| id == format!("fhir-{c}"))
            .map(|(_, e)| *e)
            .or_else(|| {
                XDS_CASES
                    .iter()
                    .find(|(c, _)| id == format!("xds-{c}"))
                    .map(|(_, e)| *e)
            })
            .unwrap_or_else(|| panic!("unknown test {id}"));
        assert!(
            reason.contains(expected),
            "{id}: `{expected}` not in `{reason}`"
        );
        // Without the `step N (file:line): ` prefix, which names a temporary folder.
        let said = match reason.split_once("): ") {
            Some((head, rest)) if head.starts_with("step ") => rest,
            _ => reason,
        };
        let short: String = said.chars().take(200).collect();
        let _ = writeln!(
            table,
            "| `{id}` | {outcome} | {} |",
            short.replace('|', "\\|")
        );
        seen += 1;
    }
    assert_eq!(seen, FHIR_CASES.len() + XDS_CASES.len());
    println!("{table}");

    // Output proportional to the suite, not to what the server sent: the giant string
    // (900 KiB), the 3 MiB fault reason and 4 MiB bodies are excerpts in the reports.
    assert!(
        b.stdout.len() < 64 * 1024,
        "stdout is {} bytes",
        b.stdout.len()
    );
    let run_json = std::fs::metadata(dir.join("run.json")).unwrap().len();
    assert!(run_json < 512 * 1024, "run.json is {run_json} bytes");
    let junit = std::fs::metadata(dir.join("junit.xml")).unwrap().len();
    assert!(junit < 256 * 1024, "junit.xml is {junit} bytes");
    // The bundle holds the bodies themselves (each at most --max-body) once by digest.
    let total = dir_size(&dir);
    assert!(total < 64 * 1024 * 1024, "the run folder is {total} bytes");
    assert!(all.contains("[excerpt: 2048 of "), "{all}");

    // A server cannot drive the terminal: its escape characters are shown escaped.
    assert!(!b.stdout.contains('\u{1b}'), "an ESC reached stdout");
    // The reflected secret is in no output, raw.
    assert!(!all.contains(ECHOED_SECRET));
    let mut files = Vec::new();
    all_text_files(&dir, &mut files);
    for (name, bytes) in &files {
        assert!(
            !bytes
                .windows(ECHOED_SECRET.len())
                .any(|w| w == ECHOED_SECRET.as_bytes()),
            "the secret is in {name}"
        );
        // No local file reached the record through XXE or XInclude.
        assert!(
            !bytes.windows(8).any(|w| w == b"root:x:0"),
            "/etc/passwd content in {name}"
        );
    }

    // Status and headers that arrived before the failure are kept.
    let steps = |id: &str| {
        record["suites"][0]["root"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()["steps"][0]
            .clone()
    };
    for id in [
        "fhir-slow-body",
        "fhir-huge-body",
        "fhir-reset-mid-body",
        "fhir-endless-chunked",
        "xds-slow-body",
        "xds-huge-body",
        "xds-reset-mid-body",
    ] {
        let step = steps(id);
        assert_eq!(step["exchange"]["status"], 200, "{id}: {step:#}");
        let headers = step["exchange"]["response"]["headers"].to_string();
        assert!(headers.contains("x-hostile"), "{id}: {headers}");
        assert_eq!(
            step["exchange"]["response"]["body"]["truncated"], true,
            "{id}"
        );
    }

    // The evidence verifies.
    let verify = Command::new(env!("CARGO_BIN_EXE_samsvar"))
        .arg("verify")
        .arg(&dir)
        // The run is unsigned: what is checked here is that every file is intact.
        .arg("--integrity-only")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&verify.stdout);
    assert_eq!(verify.status.code(), Some(0), "{text}");
}

#[test]
fn a_closed_stdout_neither_crashes_nor_loses_evidence() {
    // `samsvar run … | head -1`: stdout closes after the first line.
    let out = tempfile::tempdir().unwrap();
    let root = common::workspace_root();
    let mut child = Command::new(env!("CARGO_BIN_EXE_samsvar"))
        .current_dir(&root)
        .args(["run", common::BASICS, "--target", "sim", "--out"])
        .arg(out.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close the pipe, like `head -1`.
    let stdout = child.stdout.take().unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first).unwrap();
    let status = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&status.stderr);
    assert!(first.starts_with("samsvar "), "{first}");
    assert_eq!(status.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let dir = run_dir(out.path());
    for file in ["run.json", "junit.xml", "evidence.json"] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    let verify = Command::new(env!("CARGO_BIN_EXE_samsvar"))
        .arg("verify")
        .arg(&dir)
        // The run is unsigned: what is checked here is that every file is intact.
        .arg("--integrity-only")
        .output()
        .unwrap();
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );

    // `samsvar verify … | head -0`: the reader is gone before verify writes its report
    // (it reads every file first), so the write fails with a broken pipe.
    let mut verify = Command::new(env!("CARGO_BIN_EXE_samsvar"))
        .arg("verify")
        .arg(&dir)
        .arg("--integrity-only")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(verify.stdout.take());
    let verify = verify.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&verify.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(verify.status.code(), Some(0), "{stderr}");
}
