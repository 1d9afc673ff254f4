//! Every file in `fixtures/` validates against the profiles `fixtures/index.json` declares for
//! it, with the built `samsvar validate`, the packages committed in `fixtures/packages/` and
//! `hl7.fhir.uv.ips@2.0.0` from the npm registry (or a filled `$SAMSVAR_TEST_FHIR_CACHE`).
//! Errors fail the test, except those listed in `KNOWN_VALIDATOR_GAPS`, each with its reason;
//! a listed gap that no longer occurs fails too, so the list cannot go stale.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixtures_support;

use fixtures_support::{Fixtures, POPULATION_LISTS};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// An error the validator reports: its rule id and a fragment of its message.
struct Pattern {
    rule: &'static str,
    message: &'static str,
}

struct KnownGap {
    file: &'static str,
    why: &'static str,
    /// Every error in the file must match one of these, and each must occur.
    errors: &'static [Pattern],
}

/// The imaging report profiles slice with `profile` discriminators the validator does not
/// evaluate; the errors below follow from that, not from the documents (see fixtures/README.md,
/// "Known validator gaps").
const IMAGING_SLICE_GAPS: &[Pattern] = &[
    // ImagingStudyEuImaging slices identifier by {type: profile, path: system}; the identifier
    // conforms to StudyInstanceUidIdentifierEuImaging when that profile is applied directly.
    Pattern {
        rule: "slice-cardinality",
        message: "ImagingStudy.identifier: slice \"studyInstanceUid\" requires at least 1",
    },
    // CompositionEuImaging slices section[imagingstudy].entry by {type: profile, path: $this} on a
    // Reference whose targetProfile is ImagingStudyEuImaging; the reference resolves to it.
    Pattern {
        rule: "slice-cardinality",
        message: "Composition.section.entry: slice \"imagingstudy\" requires at least 1",
    },
    // Consequences: the study, report and composition then "do not conform", so the Bundle's
    // entry slices for them count zero.
    Pattern {
        rule: "reference-profile",
        message: "does not conform to http://hl7.eu/fhir/imaging/StructureDefinition/",
    },
    Pattern {
        rule: "slice-cardinality",
        message: "Bundle.entry: slice \"CompositionEuImaging\" requires at least 1",
    },
    Pattern {
        rule: "slice-cardinality",
        message: "Bundle.entry: slice \"DiagnosticReportEuImaging\" requires at least 1",
    },
    Pattern {
        rule: "slice-cardinality",
        message: "Bundle.entry: slice \"ImagingStudy\" requires at least 1",
    },
];

const KNOWN_VALIDATOR_GAPS: &[KnownGap] = &[
    KnownGap {
        file: "documents/img-tomasz-kowalski-2024-12-09.json",
        why: "profile discriminators on a datatype slice and on a Reference slice never match",
        errors: IMAGING_SLICE_GAPS,
    },
    KnownGap {
        file: "documents/img-astrid-olsen-2025-02-10.json",
        why: "profile discriminators on a datatype slice and on a Reference slice never match",
        errors: IMAGING_SLICE_GAPS,
    },
];

#[derive(Debug)]
struct Issue {
    rule: String,
    message: String,
    at: String,
}

fn cache_dir() -> PathBuf {
    std::env::var("SAMSVAR_TEST_FHIR_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fhir-packages"))
}

fn samsvar() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_samsvar"));
    cmd.env("NO_COLOR", "1").env_remove("RUST_LOG");
    cmd
}

/// Puts the committed tarballs into the cache as they are; their dependencies come with the
/// `--package` requests of each validation.
fn install_fixture_packages(fx: &Fixtures, cache: &Path) {
    let (_, tarballs) = fx.package_specs();
    let lock = tempfile::tempdir().unwrap();
    let out = samsvar()
        .args(["packages", "install", "--no-deps", "--cache"])
        .arg(cache)
        .arg("--lock")
        .arg(lock.path().join("samsvar.lock"))
        .args(&tarballs)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "installing fixtures/packages failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Job {
    profile: Option<String>,
    files: Vec<String>,
}

/// One validation per profile: each population file against every profile the manifest lists for
/// it; each document against its own profile (or its entries' meta.profile, for collections).
fn jobs(fx: &Fixtures) -> Vec<Job> {
    let mut by_profile: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
    for (list, _) in POPULATION_LISTS {
        for entry in fx.list(list) {
            for profile in entry["profiles"].as_array().unwrap() {
                by_profile
                    .entry(Some(profile.as_str().unwrap().to_string()))
                    .or_default()
                    .push(entry["file"].as_str().unwrap().to_string());
            }
        }
    }
    for doc in fx.list("documents") {
        let profile = (doc["conformingResource"] == "Bundle")
            .then(|| doc["profile"].as_str().unwrap().to_string());
        by_profile
            .entry(profile)
            .or_default()
            .push(doc["file"].as_str().unwrap().to_string());
    }
    by_profile
        .into_iter()
        .map(|(profile, files)| Job { profile, files })
        .collect()
}

fn run(fx: &Fixtures, cache: &Path, specs: &[String], job: &Job) -> Vec<(String, Vec<Issue>)> {
    let mut cmd = samsvar();
    cmd.current_dir(&fx.root)
        .args(["validate", "--format", "json", "--cache"])
        .arg(cache);
    for spec in specs {
        cmd.args(["--package", spec]);
    }
    if let Some(profile) = &job.profile {
        cmd.args(["--profile", profile]);
    }
    let out = cmd.args(&job.files).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "samsvar validate could not run for {:?} (needs https://registry.npmjs.org or a filled \
         $SAMSVAR_TEST_FHIR_CACHE at {}):\n{stderr}",
        job.profile,
        cache.display()
    );
    let value: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("validate --format json printed no JSON ({e}):\n{stderr}"));
    let outcomes: Vec<(String, &Value)> = if value["resourceType"] == "Bundle" {
        value["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let oo = &e["resource"];
                let file = oo["extension"][0]["valueString"].as_str().unwrap();
                (file.to_string(), oo)
            })
            .collect()
    } else {
        vec![(job.files[0].clone(), &value)]
    };
    let label = job.profile.as_deref().unwrap_or("meta.profile");
    outcomes
        .into_iter()
        .map(|(file, oo)| {
            let errors = oo["issue"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|i| i["severity"] == "error" || i["severity"] == "fatal")
                .map(|i| {
                    // The rule id travels as the HL7 validator's message-id extension.
                    let rule = i["extension"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .find(|e| e["url"].as_str().is_some_and(|u| u.ends_with("message-id")))
                        .and_then(|e| e["valueCode"].as_str())
                        .unwrap_or("");
                    let message = i["details"]["text"].as_str().unwrap_or("");
                    Issue {
                        rule: rule.to_string(),
                        message: message.to_string(),
                        at: format!("{label} @ {}", i["expression"][0].as_str().unwrap_or("?")),
                    }
                })
                .collect();
            (file, errors)
        })
        .collect()
}

fn matches(issue: &Issue, p: &Pattern) -> bool {
    issue.rule == p.rule && issue.message.contains(p.message)
}

#[test]
fn every_fixture_validates_against_its_declared_profiles() {
    let fx = Fixtures::load();
    let cache = cache_dir();
    install_fixture_packages(&fx, &cache);
    let (specs, _) = fx.package_specs();
    let queue = Mutex::new(jobs(&fx));
    let results: Mutex<BTreeMap<String, Vec<Issue>>> = Mutex::new(BTreeMap::new());
    // Each validation waits mostly on package loading; three at a time keep two cores busy.
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                loop {
                    let Some(job) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    for (file, issues) in run(&fx, &cache, &specs, &job) {
                        results
                            .lock()
                            .unwrap()
                            .entry(file)
                            .or_default()
                            .extend(issues);
                    }
                }
            });
        }
    });
    let results = results.into_inner().unwrap();

    let mut problems = Vec::new();
    let all_files: Vec<String> = fx
        .file_entries()
        .into_iter()
        .map(|e| e["file"].as_str().unwrap().to_string())
        .collect();
    for file in &all_files {
        let Some(issues) = results.get(file) else {
            problems.push(format!("{file}: was not validated"));
            continue;
        };
        match KNOWN_VALIDATOR_GAPS.iter().find(|g| g.file == file) {
            None => problems.extend(
                issues
                    .iter()
                    .map(|i| format!("{file}: [{}] {} ({})", i.rule, i.message, i.at)),
            ),
            Some(gap) => {
                for issue in issues {
                    if !gap.errors.iter().any(|p| matches(issue, p)) {
                        problems.push(format!(
                            "{file}: [{}] {} ({}) is not the known gap \"{}\"",
                            issue.rule, issue.message, issue.at, gap.why
                        ));
                    }
                }
                for p in gap.errors {
                    if !issues.iter().any(|i| matches(i, p)) {
                        problems.push(format!(
                            "{file}: known gap no longer reported ([{}] {}); if the validator \
                             now handles \"{}\", remove it from KNOWN_VALIDATOR_GAPS",
                            p.rule, p.message, gap.why
                        ));
                    }
                }
            }
        }
    }
    for gap in KNOWN_VALIDATOR_GAPS {
        if !all_files.iter().any(|f| f == gap.file) {
            problems.push(format!(
                "KNOWN_VALIDATOR_GAPS names {}, which is not a fixture",
                gap.file
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
