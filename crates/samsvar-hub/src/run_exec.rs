//! The hub's one door into the runner: each run is a child process of the `samsvar`
//! binary (`samsvar run SUITE --target … --out DIR --sign-key K --format json`). A crashing
//! or hanging run cannot take a worker down; a timeout kills it and the journal it leaves
//! is finalized with `samsvar report finalize`, as an operator would.
//!
//! Exit codes follow the CLI contract: 0 every required test passed, 1 the SUT failed,
//! 2 samsvar could not run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Command;

/// Everything one run needs; none of it secret (credentials come from `config`, a file on
/// the worker's machine, and the worker's environment).
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub suite_dir: PathBuf,
    /// Target name → URL, or `sim` for the built-in simulator.
    pub targets: BTreeMap<String, String>,
    pub sim_defects: Vec<String>,
    /// `--out`: the run writes its bundle into `out_dir/<run-id>/`.
    pub out_dir: PathBuf,
    pub sign_key: PathBuf,
    /// A samsvar.toml on the worker's machine with the system's authentication.
    pub config: Option<PathBuf>,
    pub timeout: Duration,
}

/// How the child ended.
#[derive(Debug, Clone)]
pub struct Execution {
    /// `None`: killed (timeout) or ended by a signal.
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    /// The folder holding evidence.json, when the run (or its finalization) wrote one.
    pub bundle_dir: Option<PathBuf>,
    /// The end of stderr, for a run samsvar could not start (exit 2).
    pub stderr_tail: String,
}

/// The arguments of `samsvar run` for `spec`.
pub fn run_args(spec: &RunSpec) -> Vec<String> {
    let mut args = vec!["run".to_string(), spec.suite_dir.display().to_string()];
    if spec.targets.values().any(|url| url == "sim") {
        args.extend(["--target".into(), "sim".into()]);
        for defect in &spec.sim_defects {
            args.extend(["--sim-defect".into(), defect.clone()]);
        }
    }
    for (name, url) in spec.targets.iter().filter(|(_, url)| *url != "sim") {
        args.extend(["--target".into(), format!("{name}={url}")]);
    }
    args.extend([
        "--out".into(),
        spec.out_dir.display().to_string(),
        "--format".into(),
        "json".into(),
        "--sign-key".into(),
        spec.sign_key.display().to_string(),
    ]);
    if let Some(config) = &spec.config {
        args.extend(["--config".into(), config.display().to_string()]);
    }
    args
}

/// Runs `spec` with the `samsvar` binary at `exe`.
pub async fn execute(exe: &Path, spec: &RunSpec) -> Result<Execution, String> {
    std::fs::create_dir_all(&spec.out_dir)
        .map_err(|e| format!("failed to create {}: {e}", spec.out_dir.display()))?;
    let stdout = std::fs::File::create(spec.out_dir.join("samsvar.stdout"))
        .map_err(|e| format!("failed to create the run log: {e}"))?;
    let stderr_path = spec.out_dir.join("samsvar.stderr");
    let stderr = std::fs::File::create(&stderr_path)
        .map_err(|e| format!("failed to create the run log: {e}"))?;
    let mut child = Command::new(exe)
        .args(run_args(spec))
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("failed to start {}: {e}", exe.display()))?;
    let (exit_code, timed_out) = match tokio::time::timeout(spec.timeout, child.wait()).await {
        Ok(Ok(status)) => (status.code(), false),
        Ok(Err(e)) => return Err(format!("failed to wait for the run: {e}")),
        Err(_) => {
            let _ = child.kill().await;
            (None, true)
        }
    };
    let mut bundle_dir = find_run_dir(&spec.out_dir);
    if let Some(dir) = &bundle_dir
        && !dir.join("evidence.json").is_file()
    {
        // Killed (timeout) or crashed before the bundle: build it from the journal.
        if finalize(exe, dir, &spec.sign_key).await.is_err() {
            bundle_dir = None;
        }
    }
    let stderr_tail = tail(
        &std::fs::read_to_string(&stderr_path).unwrap_or_default(),
        2000,
    );
    Ok(Execution {
        exit_code,
        timed_out,
        bundle_dir: bundle_dir.filter(|d| d.join("evidence.json").is_file()),
        stderr_tail,
    })
}

/// `samsvar report finalize DIR --sign-key K --no-html`.
pub async fn finalize(exe: &Path, run_dir: &Path, sign_key: &Path) -> Result<(), String> {
    let output = Command::new(exe)
        .arg("report")
        .arg("finalize")
        .arg(run_dir)
        .arg("--sign-key")
        .arg(sign_key)
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| format!("failed to start {}: {e}", exe.display()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "samsvar report finalize failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// The `<run-id>` folder `samsvar run` made under `out_dir` (the one with a journal).
pub fn find_run_dir(out_dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(out_dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.is_dir() && (p.join("journal.jsonl").is_file() || p.join("evidence.json").is_file())
        })
}

fn tail(text: &str, max: usize) -> String {
    let trimmed = text.trim_end();
    if trimmed.len() <= max {
        return trimmed.to_string();
    }
    let mut start = trimmed.len() - max;
    while !trimmed.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &trimmed[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sim_and_real_targets_become_flags() {
        let mut spec = RunSpec {
            suite_dir: "suites/x".into(),
            targets: BTreeMap::from([("fhir".to_string(), "sim".to_string())]),
            sim_defects: vec!["no-etag".into()],
            out_dir: "work/run-1".into(),
            sign_key: "key.pem".into(),
            config: None,
            timeout: Duration::from_secs(1),
        };
        assert_eq!(
            run_args(&spec).join(" "),
            "run suites/x --target sim --sim-defect no-etag --out work/run-1 --format json --sign-key key.pem"
        );
        spec.targets =
            BTreeMap::from([("fhir".to_string(), "http://127.0.0.1:9/fhir".to_string())]);
        spec.config = Some("secrets/7.toml".into());
        assert_eq!(
            run_args(&spec).join(" "),
            "run suites/x --target fhir=http://127.0.0.1:9/fhir --out work/run-1 --format json --sign-key key.pem --config secrets/7.toml"
        );
        assert_eq!(tail("abcdef", 3), "…def");
    }
}
