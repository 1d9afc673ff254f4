//! Helpers for driving the real `samsvar` binary from integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root: suites are passed relative to it so locations read
/// `testsuites/fhir-rest-basics/suite.yaml:LINE:COL` in every environment.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .expect("crates/samsvar sits two levels below the workspace root")
        .to_path_buf()
}

pub const BASICS: &str = "testsuites/fhir-rest-basics";

/// The EHDS suites (testsuites/ips, mhd, pdqm) and the `--package` arguments their
/// conforms_to checks need: IPS from the npm registry (or the package cache), the IHE
/// packages committed under fixtures/packages.
pub const EHDS_SUITES: &[&str] = &["testsuites/pdqm", "testsuites/mhd", "testsuites/ips"];
pub const EHDS_PACKAGES: &[&str] = &[
    "--package",
    "hl7.fhir.uv.ips@2.0.0",
    "--package",
    "fixtures/packages/ihe.iti.mhd-4.2.3.tgz",
    "--package",
    "fixtures/packages/ihe.iti.pdqm-3.1.0.tgz",
    "--package",
    "fixtures/packages/ihe.iti.balp-1.1.4.tgz",
];

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub out_dir: tempfile::TempDir,
}

impl Run {
    /// stdout then stderr, with volatile parts replaced by stable markers.
    pub fn normalized(&self) -> String {
        normalize(
            &format!("{}\n--- stderr ---\n{}", self.stdout, self.stderr),
            self.out_dir.path(),
        )
    }

    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// The single run folder written under the output directory.
    pub fn run_dir(&self) -> PathBuf {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(self.out_dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        assert_eq!(dirs.len(), 1, "expected one run folder, got {dirs:?}");
        dirs.remove(0)
    }

    pub fn record(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.run_dir().join("run.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }
}

/// Runs `samsvar run <args> --out <tempdir>` from the workspace root, without colour.
pub fn samsvar_run(args: &[&str]) -> Run {
    samsvar_run_in(&workspace_root(), args)
}

pub fn samsvar_run_in(dir: &Path, args: &[&str]) -> Run {
    let out_dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_samsvar"));
    cmd.current_dir(dir)
        .arg("run")
        .args(args)
        .arg("--out")
        .arg(out_dir.path())
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG");
    for (k, _) in std::env::vars() {
        if k.starts_with("SAMSVAR_INPUT_") {
            cmd.env_remove(k);
        }
    }
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("failed to start the samsvar binary");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        out_dir,
    }
}

/// Replaces run ids, ports, UUIDs, durations, the version and temp paths.
pub fn normalize(text: &str, out_dir: &Path) -> String {
    let mut t = text.replace(&out_dir.display().to_string(), "[OUT]");
    let rules: &[(&str, &str)] = &[
        (r"\d{8}T\d{6}Z-[0-9a-f]{4}", "[RUN_ID]"),
        (r"(127\.0\.0\.1|localhost):\d+", "$1:[PORT]"),
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[UUID]",
        ),
        (r"\b\d+ ms\b", "[MS]"),
        (r"exchanges/[0-9a-f]{64}", "exchanges/[SHA256]"),
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
            "[TIME]",
        ),
        (r"\b\d+\.\d+ s\b", "[S]"),
        (r"samsvar \d+\.\d+\.\d+", "samsvar [VERSION]"),
        (r#"time="\d+\.\d+""#, r#"time="[S]""#),
        (r#"timestamp="[^"]*""#, r#"timestamp="[TIME]""#),
    ];
    for (pattern, with) in rules {
        t = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&t, *with)
            .into_owned();
    }
    t
}

/// Writes a suite folder with `suite.yaml` (and optional extra files) into a temp dir.
pub fn temp_suite(yaml: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("suite.yaml"), yaml).unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// Every file under `dir` with its bytes (to search outputs for leaked secrets).
pub fn every_file_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

/// Runs `f` with the base URL of a FHIR simulator (with `defects`) serving on loopback,
/// started as a plain server: a run against its URL cannot tell it from a product.
pub fn with_sim(defects: &[samsvar_sim::fhir::Defect], f: impl FnOnce(&str)) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sim = rt
        .block_on(
            samsvar_sim::fhir::FhirSim::builder()
                .defects(defects)
                .start("127.0.0.1:0"),
        )
        .unwrap();
    f(sim.base_url());
    rt.block_on(sim.shutdown());
}

/// Every test of a run record (`run.json`), at any depth of groups: id → (outcome, the
/// test's record as JSON, for messages and reasons).
pub fn test_outcomes(
    record: &serde_json::Value,
) -> std::collections::BTreeMap<String, (String, String)> {
    use serde_json::Value;
    use std::collections::BTreeMap;
    fn walk(item: &Value, out: &mut BTreeMap<String, (String, String)>) {
        if item["kind"] == "test" {
            out.insert(
                item["id"].as_str().unwrap().to_string(),
                (
                    item["outcome"].as_str().unwrap_or_default().to_string(),
                    item.to_string(),
                ),
            );
        }
        for child in item["items"].as_array().into_iter().flatten() {
            walk(child, out);
        }
    }
    let mut out = BTreeMap::new();
    for suite in record["suites"].as_array().into_iter().flatten() {
        walk(&suite["root"], &mut out);
    }
    out
}

/// Spawns `command` with stderr piped and returns the child and its stderr lines. A
/// thread reads stderr to the end even after the receiver is gone: closing the pipe would
/// make the child's next log line fail (a `samsvar serve` must keep serving).
pub fn spawn_reading_stderr(
    command: &mut Command,
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    use std::io::{BufRead, BufReader};
    let mut child = command
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the command starts");
    let stderr = child.stderr.take().expect("stderr is piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (child, rx)
}
