// The shared interop support prints which servers it skipped.
#![allow(clippy::print_stderr)]
//! The EHDS suites (ips, mhd, pdqm) against sekmet-fhir, a FHIR server samsvar's authors did
//! not write, on loopback. The synthetic population is copied onto it from the seeded
//! simulator with scripts/ehds/load-population.py first. Every verdict is stated with the
//! sentence behind it; docs/interop-results.md ("EHDS suites") explains each.
//!
//! When sekmet is not installed (scripts/interop/install.sh) the test says so and passes;
//! with SAMSVAR_REQUIRE_INTEROP=1 (CI) that is a failure, as in interop_servers.rs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/interop.rs"]
mod interop;

use common::{EHDS_PACKAGES, EHDS_SUITES, samsvar_run, workspace_root};
use interop::{not_installed, start, test_results};
use std::process::Command;

/// `suite/test` → the outcome a correct harness gives against sekmet, and why.
const EXPECTED: &[(&str, &str, &str)] = &[
    ("pdqm/by-identifier", "pass", ""),
    ("pdqm/by-d-number", "pass", ""),
    ("pdqm/by-family-and-gender", "pass", ""),
    ("pdqm/by-birthdate-and-family", "pass", ""),
    ("pdqm/family-prefix-matches-all", "pass", ""),
    ("pdqm/family-exact-accepted", "pass", ""),
    ("pdqm/family-exact-matches-whole-name", "pass", ""),
    ("pdqm/non-ascii-family", "pass", ""),
    ("pdqm/post-search", "pass", ""),
    ("pdqm/zero-results", "pass", ""),
    (
        "pdqm/unknown-identifier-domain",
        "fail",
        "ITI-78 Case 4: an OperationOutcome (warning, not-found) is returned; sekmet sends an empty searchset",
    ),
    ("pdqm/retrieve-patient", "pass", ""),
    ("pdqm/results-conform-to-pdqm", "pass", ""),
    ("mhd/provide-document-bundle", "pass", ""),
    (
        "mhd/provide-refused-without-binary",
        "fail",
        "ITI-65 3.65.4.1.2: the Binary an attachment.url points at shall be in the Bundle; sekmet stores the dangling reference",
    ),
    (
        "mhd/read-provided-document-reference",
        "fail",
        "ITI-67 3.67.4.2.2.1.1: attachment.url shall be a full URL; sekmet keeps the transaction's urn:uuid",
    ),
    // It needs read-provided-document-reference to have run, not to have passed.
    ("mhd/provided-document-reference-follows-mhd", "pass", ""),
    (
        "mhd/find-by-patient-identifier",
        "fail",
        "ITI-67 3.67.4.1.2.1: identifier searches masterIdentifier and identifier; sekmet only identifier",
    ),
    ("mhd/find-by-patient-type-category-date", "pass", ""),
    ("mhd/find-by-post", "pass", ""),
    ("mhd/find-excludes-other-patients", "pass", ""),
    ("mhd/find-zero-hits", "pass", ""),
    (
        "mhd/find-document-lists",
        "fail",
        "ITI-66 3.66.4.1.2.1: the Responder shall implement code, identifier, patient.identifier, status; sekmet ignores all List parameters",
    ),
    (
        "mhd/retrieve-document",
        "error",
        "the captured attachment URL is a urn:uuid, which samsvar refuses to request (the failure is read-provided-document-reference's)",
    ),
    ("mhd/retrieve-unknown-document", "pass", ""),
    ("mhd/category-patient-summary", "pass", ""),
    ("mhd/category-laboratory-report", "pass", ""),
    ("mhd/category-discharge-report", "pass", ""),
    ("mhd/category-imaging-report", "pass", ""),
    ("mhd/category-prescription", "pass", ""),
    (
        "ips/summary-is-a-document",
        "fail",
        "sekmet does not offer $summary (404 not-supported); the ips suite tests servers that do",
    ),
    ("ips/summary-conforms-to-ips", "fail", "no $summary"),
    ("ips/summary-required-sections", "fail", "no $summary"),
    ("ips/summary-references-resolve", "fail", "no $summary"),
    ("ips/summary-subject-is-the-patient", "fail", "no $summary"),
    ("ips/find-ips-document-reference", "pass", ""),
    (
        "ips/retrieve-ips-document",
        "fail",
        "ITI-68 3.68.4.2.2: the body shall be the document; sekmet returns the Binary resource for Accept */*",
    ),
];

#[test]
fn ehds_suites_against_sekmet() {
    let test = "ehds_suites_against_sekmet";
    let server = match start("sekmet", "start-sekmet.sh", &[]) {
        Ok(server) => server,
        Err(why) => return not_installed(test, &why),
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime
        .block_on(
            samsvar_sim::fhir::FhirSim::builder()
                .seed_fixtures(true)
                .start("127.0.0.1:0"),
        )
        .unwrap();
    let load = Command::new("python3")
        .current_dir(workspace_root())
        .args([
            "scripts/ehds/load-population.py",
            "--from",
            sim.base_url(),
            "--to",
        ])
        .arg(&server.base)
        .output()
        .expect("python3 runs");
    assert!(
        load.status.success(),
        "loading the population into sekmet failed:\n{}",
        String::from_utf8_lossy(&load.stderr)
    );
    let target = format!("fhir={}", server.base);
    let mut args = EHDS_SUITES.to_vec();
    args.extend(["--target", &target]);
    args.extend(EHDS_PACKAGES);
    let run = samsvar_run(&args);
    let results = test_results(&run.record());
    let mut wrong = Vec::new();
    for (id, outcome, why) in EXPECTED {
        match results.get(*id) {
            Some(r) if r.outcome == *outcome => {}
            Some(r) => wrong.push(format!("{id}: {} (expected {outcome}: {why})", r.outcome)),
            None => wrong.push(format!("{id}: not run")),
        }
    }
    assert_eq!(
        results.len(),
        EXPECTED.len(),
        "tests not in the table: {results:?}"
    );
    assert!(wrong.is_empty(), "{}\n{}", wrong.join("\n"), run.all());
}
