//! Golden diagnostics for broken suites: every folder under `tests/cases/broken/` holds a
//! `suite.yaml` and a sidecar `expect.toml` naming the lint codes it must report. The
//! suite must not load, must report errors with exactly those codes, and its rendered
//! diagnostics (file:line:col, caret, hint) must match the snapshot
//! `tests/snapshots/broken_suites__<folder>.snap`. Each folder is a test of its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use samsvar_diagnostics::render_all;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expectation {
    codes: BTreeSet<String>,
}

fn case(suite_file: &Path) -> datatest_stable::Result<()> {
    // A relative path keeps the rendered `file:line:col` independent of the checkout.
    let dir = suite_file.parent().unwrap();
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let sidecar = dir.join("expect.toml");
    let text = std::fs::read_to_string(&sidecar).map_err(|e| {
        format!(
            "{}: every case needs its expectation: {e}",
            sidecar.display()
        )
    })?;
    let expect: Expectation =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", sidecar.display()))?;
    let checked = samsvar_suite::check(dir)?;
    if !checked.has_errors() {
        return Err(format!("case `{name}` must have errors").into());
    }
    if samsvar_suite::load(dir).is_ok() {
        return Err(format!("case `{name}` must not load").into());
    }
    let codes: BTreeSet<String> = checked
        .diagnostics
        .iter()
        .map(|d| d.rule.to_string())
        .collect();
    if codes != expect.codes {
        return Err(format!(
            "case `{name}` reports {codes:?}, its expect.toml lists {:?}",
            expect.codes
        )
        .into());
    }
    insta::assert_snapshot!(name, render_all(&checked.sources, &checked.diagnostics));
    Ok(())
}

datatest_stable::harness! {
    { test = case, root = "tests/cases/broken", pattern = r"^[^/]+/suite\.yaml$" },
}
