//! Agreement with the HL7 reference validator on its own test cases
//! (`fhir-test-cases/validator/manifest.json`: R4 cases with JSON inputs, modules other
//! than `tx`, which needs a terminology server). Measurement only; not part of `cargo test`.
//!
//! ```text
//! cargo run --release -p samsvar-fhir --example agreement -- [CASES_DIR] <package-dir>...
//! ```
//!
//! CASES_DIR defaults to /work/shared/fhir-test-cases/validator; the run is skipped with a
//! message when it is absent. The package dirs are loaded for every case (R4 core); the
//! packages a case names are installed into `$SAMSVAR_FHIR_CACHE` (default
//! `target/tmp/fhir-packages`) from the npm registry or the case folder, and cases whose
//! packages cannot be had are counted apart. Supporting resources and profiles given as
//! JSON are loaded; a case that needs XML definitions is counted apart too. Cases with a
//! profile are compared twice: against the base definitions and against the profile.
//!
//! `VERBOSE=1` lists every disagreement with the first issues of both sides;
//! `ONLY=text` keeps the cases whose file name contains `text`.

use samsvar_fhir::package::{Cache, InstallOptions, PackageSpec, Registries, install_all_blocking};
use samsvar_fhir::{Definitions, Options, Validator};
use serde_json::Value;
use std::collections::BTreeMap;
use std::ops::Not;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Default)]
struct Tally {
    total: usize,
    both_valid: usize,
    both_invalid: usize,
    only_us: usize,
    only_hl7: usize,
    same_count: usize,
}

impl Tally {
    fn add(&mut self, ours: usize, theirs: usize) {
        self.total += 1;
        match (ours == 0, theirs == 0) {
            (true, true) => self.both_valid += 1,
            (false, false) => self.both_invalid += 1,
            (false, true) => self.only_us += 1,
            (true, false) => self.only_hl7 += 1,
        }
        if ours == theirs {
            self.same_count += 1;
        }
    }

    fn same(&self) -> usize {
        self.both_valid + self.both_invalid
    }

    fn line(&self) -> String {
        let pct = |n: usize| 100.0 * n as f64 / self.total.max(1) as f64;
        format!(
            "{:>4} | {:>4} ({:>5.1}%) | {:>4} | {:>4} | {:>4} | {:>4} | {:>4} ({:>5.1}%)",
            self.total,
            self.same(),
            pct(self.same()),
            self.both_valid,
            self.both_invalid,
            self.only_us,
            self.only_hl7,
            self.same_count,
            pct(self.same_count)
        )
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let cases = if args.first().is_some_and(|a| a.contains("fhir-test-cases")) {
        PathBuf::from(args.remove(0))
    } else {
        PathBuf::from("/work/shared/fhir-test-cases/validator")
    };
    let manifest_path = cases.join("manifest.json");
    let Some(manifest) = read_json(&manifest_path) else {
        println!(
            "skipped: {} is not present or not JSON",
            manifest_path.display()
        );
        return;
    };
    if let Err(e) = Definitions::load(&args) {
        eprintln!("{e}");
        std::process::exit(2);
    }
    let cache = Cache::new(
        std::env::var("SAMSVAR_FHIR_CACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|_| PathBuf::from("target/tmp/fhir-packages")),
    );
    let verbose = std::env::var_os("VERBOSE").is_some();
    let only = std::env::var("ONLY").ok();
    let mut by_module: BTreeMap<String, Tally> = BTreeMap::new();
    let mut all = Tally::default();
    let mut skipped: BTreeMap<&'static str, usize> = BTreeMap::new();
    let empty = Vec::new();
    for case in manifest["test-cases"].as_array().unwrap_or(&empty) {
        let version = case["version"].as_str().unwrap_or("");
        let module = case["module"].as_str().unwrap_or("(none)");
        let file = case["file"].as_str().unwrap_or("");
        if !version.starts_with("4.0") || module == "tx" || !file.ends_with(".json") {
            continue;
        }
        if only.as_deref().is_some_and(|o| !file.contains(o)) {
            continue;
        }
        // Cases the suite itself does not use, and cases run with an option that turns a
        // check off (contained resources ignored, comments allowed in JSON).
        if case["use-test"] == Value::Bool(false)
            || case["validateContains"] == "IGNORE"
            || case["allow-comments"] == Value::Bool(true)
        {
            *skipped
                .entry("not used by the suite, or run with a check turned off")
                .or_default() += 1;
            continue;
        }
        let Ok(bytes) = std::fs::read(cases.join(file)) else {
            *skipped.entry("input missing").or_default() += 1;
            continue;
        };
        // The base run sees the case's own packages and resources; the profile run
        // also sees the profile's (as in the HL7 runs).
        let base_setup = Setup::for_case(&cache, &cases, &args, case, false);
        let profile_setup = case["profile"]["java"]
            .is_null()
            .not()
            .then(|| Setup::for_case(&cache, &cases, &args, case, true));
        let mut compare = |label: &str, setup: Result<Setup, &'static str>, java: &Value| {
            let setup = match setup {
                Ok(s) => s,
                Err(why) => {
                    *skipped.entry(why).or_default() += 1;
                    return;
                }
            };
            let Some(theirs) = expected_errors(&cases, java) else {
                *skipped.entry("no recorded outcome").or_default() += 1;
                return;
            };
            let options = Options {
                security_checks: case["security-checks"] == Value::Bool(true),
                ..Options::default()
            };
            let validator = Validator::with_options(Arc::new(setup.defs), options);
            let report = validator.validate_bytes(&bytes, setup.profile.as_deref());
            let ours = report.error_count();
            all.add(ours, theirs);
            by_module
                .entry(module.to_string())
                .or_default()
                .add(ours, theirs);
            if verbose && (ours == 0) != (theirs == 0) {
                println!("{file} [{label}]: samsvar {ours} errors, HL7 {theirs} errors");
                for i in report.errors().take(3) {
                    println!(
                        "    ours: {} [{}] {}",
                        samsvar_fhir::validator::expression_of(i),
                        i.rule,
                        i.message
                    );
                }
                for m in hl7_errors(&cases, java).iter().take(3) {
                    println!("    HL7:  {m}");
                }
            }
        };
        compare("base", base_setup, &case["java"]);
        if let Some(setup) = profile_setup {
            compare("profile", setup, &case["profile"]["java"]);
        }
    }
    println!(
        "module          | runs | same verdict     | both valid | both invalid | only samsvar | only HL7 | same error count"
    );
    for (m, t) in &by_module {
        println!("{m:<15} | {}", t.line());
    }
    println!("{:<15} | {}", "all", all.line());
    for (why, n) in &skipped {
        println!("not compared: {n} case(s): {why}");
    }
}

/// The definitions (and profile) one HL7 run of a case had.
struct Setup {
    defs: Definitions,
    profile: Option<String>,
}

impl Setup {
    fn for_case(
        cache: &Cache,
        cases: &Path,
        base_dirs: &[String],
        case: &Value,
        with_profile: bool,
    ) -> Result<Setup, &'static str> {
        let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
        let mut packages = list(&case["packages"]);
        let mut files = list(&case["supporting"]);
        files.extend(list(&case["profiles"]));
        let source = case["profile"]["source"].as_str().unwrap_or_default();
        if with_profile {
            packages.extend(list(&case["profile"]["packages"]));
            files.extend(list(&case["profile"]["supporting"]));
            files.push(Value::from(source));
        }
        let mut dirs: Vec<PathBuf> = Vec::new();
        for p in packages.iter().filter_map(Value::as_str) {
            dirs.extend(install(cache, cases, p).ok_or("needs a package not on the npm registry")?);
        }
        dirs.extend(base_dirs.iter().map(PathBuf::from));
        let mut defs = Definitions::load(&dirs).map_err(|_| "package did not load")?;
        // A profile given by its canonical comes from the case's packages.
        let mut profile = (with_profile && source.starts_with("http")).then(|| source.to_string());
        for f in files.iter().filter_map(Value::as_str) {
            if f.starts_with("http") {
                continue;
            }
            if !f.ends_with(".json") {
                return Err("needs definitions only given as XML");
            }
            let v = read_json(&cases.join(f)).ok_or("a supporting file is missing")?;
            if with_profile && f == source {
                profile = v["url"].as_str().map(str::to_string);
            }
            defs.add_resource(v);
        }
        Ok(Setup { defs, profile })
    }
}

/// Installs a case's package (`id#version`, `id`, or a `.tgz` beside the cases); `None`
/// when it cannot be had.
fn install(cache: &Cache, cases: &Path, spec: &str) -> Option<Vec<PathBuf>> {
    let spec = if spec.ends_with(".tgz") {
        PackageSpec::Tarball(cases.join(spec))
    } else {
        PackageSpec::parse(spec).ok()?
    };
    let outcome = install_all_blocking(
        cache,
        &Registries::from_env(),
        &[spec],
        &InstallOptions::default(),
    )
    .ok()?;
    Some(outcome.installed().into_iter().map(|p| p.dir).collect())
}

/// The HL7 validator's error count: an outcome file, or an inline `{"errorCount": N}`.
fn expected_errors(cases: &Path, java: &Value) -> Option<usize> {
    match java {
        Value::String(path) => {
            Some(error_messages(&read_json(&cases.join("outcomes").join(path))?).len())
        }
        Value::Object(o) => match (o.get("errorCount"), o.get("outcome")) {
            (Some(n), _) => n.as_u64().map(|n| n as usize),
            (None, Some(outcome)) => Some(error_messages(outcome).len()),
            _ => None,
        },
        _ => None,
    }
}

fn hl7_errors(cases: &Path, java: &Value) -> Vec<String> {
    match java {
        Value::String(p) => read_json(&cases.join("outcomes").join(p))
            .map(|o| error_messages(&o))
            .unwrap_or_default(),
        other => error_messages(&other["outcome"]),
    }
}

fn error_messages(outcome: &Value) -> Vec<String> {
    outcome["issue"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| matches!(i["severity"].as_str(), Some("error" | "fatal")))
        .map(|i| {
            let at = i["expression"][0].as_str().unwrap_or_default();
            let text = i["details"]["text"]
                .as_str()
                .or(i["diagnostics"].as_str())
                .unwrap_or_default();
            format!("{at} {}", text.chars().take(200).collect::<String>())
        })
        .collect()
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}
