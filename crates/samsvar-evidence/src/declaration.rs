//! The EHDS declaration section: the Annex IV items of the EU declaration of
//! conformity (Regulation (EU) 2025/327), filled from config `[sut]` and
//! `[declaration]`, plus Annex III item 4 (results and critical analyses of the
//! verification and validation tests) taken from the run itself.

use crate::model::{PackageDigest, SutIdentity};
use samsvar_record::{Outcome, RunRecord, Summary};
use serde::{Deserialize, Serialize};

/// The `[declaration]` config table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationConfig {
    /// Produce the declaration section on every run (same as `--declaration`).
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub place: Option<String>,
    /// Date of issue (YYYY-MM-DD); defaults to the run's date.
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub signatory_name: Option<String>,
    #[serde(default)]
    pub signatory_function: Option<String>,
    /// On whose behalf the signatory signs; defaults to the manufacturer.
    #[serde(default)]
    pub on_behalf_of: Option<String>,
    /// Further harmonised standards or common specifications the manufacturer applied.
    #[serde(default)]
    pub common_specifications: Vec<String>,
}

/// The declaration section of `evidence.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    /// Annex IV item 1.
    pub system: SystemIdentity,
    /// Annex IV item 2.
    pub manufacturer: Manufacturer,
    /// Annex IV item 3.
    pub sole_responsibility: String,
    /// Annex IV item 4, complemented by the test results (Art. 40).
    pub conformity_statement: String,
    /// Annex IV item 5: suites, FHIR packages and further specifications.
    pub standards: Vec<StandardRef>,
    /// Annex IV item 7.
    pub place: String,
    pub date: String,
    pub signatory: Signatory,
    /// Annex III item 4, from the run.
    pub test_results: TestResults,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemIdentity {
    pub name: String,
    pub version: String,
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manufacturer {
    pub name: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardRef {
    /// `test-suite`, `fhir-package` or `specification`.
    pub kind: String,
    pub id: String,
    pub version: Option<String>,
    pub digest: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signatory {
    pub name: String,
    pub function: String,
    pub on_behalf_of: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResults {
    pub run_id: String,
    pub outcome: Outcome,
    pub summary: Summary,
    /// One line per required test that did not pass: the critical analysis input.
    pub findings: Vec<String>,
    /// A plain-language analysis of the results.
    pub analysis: String,
}

/// Every missing mandatory key, named as in the config file (e.g. `sut.manufacturer`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to build the EHDS declaration: missing mandatory config keys: {}", .0.join(", "))]
pub struct MissingDeclarationFields(pub Vec<String>);

/// Checks that every mandatory key is present, naming all missing ones at once.
pub fn check_mandatory(
    sut: Option<&SutIdentity>,
    config: &DeclarationConfig,
) -> Result<(), MissingDeclarationFields> {
    let empty = SutIdentity::default();
    let sut = sut.unwrap_or(&empty);
    let present = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    let checks = [
        ("sut.product", present(&sut.product)),
        ("sut.version", present(&sut.version)),
        ("sut.reference", present(&sut.reference)),
        ("sut.manufacturer", present(&sut.manufacturer)),
        (
            "sut.manufacturer_address",
            present(&sut.manufacturer_address),
        ),
        ("declaration.place", present(&config.place)),
        (
            "declaration.signatory_name",
            present(&config.signatory_name),
        ),
        (
            "declaration.signatory_function",
            present(&config.signatory_function),
        ),
    ];
    let missing: Vec<String> = checks
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(k, _)| k.to_string())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(MissingDeclarationFields(missing))
    }
}

/// Builds the declaration section; fails naming every missing mandatory key.
pub fn build(
    sut: Option<&SutIdentity>,
    config: &DeclarationConfig,
    run: &RunRecord,
    packages: &[PackageDigest],
) -> Result<Declaration, MissingDeclarationFields> {
    check_mandatory(sut, config)?;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let sut = sut.cloned().unwrap_or_default();
    let manufacturer = text(&sut.manufacturer);
    let name = text(&sut.product);
    let version = text(&sut.version);

    let mut standards: Vec<StandardRef> = run
        .suites
        .iter()
        .map(|s| StandardRef {
            kind: "test-suite".to_string(),
            id: s.id.clone(),
            version: Some(s.version.clone()),
            digest: Some(format!("sha256:{}", s.sha256)),
        })
        .collect();
    standards.extend(packages.iter().map(|p| StandardRef {
        kind: "fhir-package".to_string(),
        id: p.id.clone(),
        version: Some(p.version.clone()),
        digest: p.digest.clone(),
    }));
    standards.extend(config.common_specifications.iter().map(|s| StandardRef {
        kind: "specification".to_string(),
        id: s.clone(),
        version: None,
        digest: None,
    }));

    let date = config
        .date
        .clone()
        .unwrap_or_else(|| run.started_at.chars().take(10).collect());

    Ok(Declaration {
        sole_responsibility: format!(
            "This EU declaration of conformity is issued under the sole responsibility of {manufacturer}."
        ),
        conformity_statement: format!(
            "{name} version {version} is in conformity with the essential requirements laid down in Annex II \
             of Regulation (EU) 2025/327 and with the common specifications referred to in Article 36, as far \
             as they are covered by the standards listed below. This declaration is complemented by the result \
             from the testing environment (Article 40): samsvar run {run_id}, outcome {outcome}.",
            run_id = run.run_id,
            outcome = run.outcome,
        ),
        system: SystemIdentity {
            name,
            version,
            reference: text(&sut.reference),
        },
        manufacturer: Manufacturer {
            name: manufacturer.clone(),
            address: text(&sut.manufacturer_address),
        },
        standards,
        place: text(&config.place),
        date,
        signatory: Signatory {
            name: text(&config.signatory_name),
            function: text(&config.signatory_function),
            on_behalf_of: config.on_behalf_of.clone().unwrap_or(manufacturer),
        },
        test_results: test_results(run),
    })
}

fn test_results(run: &RunRecord) -> TestResults {
    let findings: Vec<String> = run
        .tests()
        .filter(|e| !e.test.optional && e.test.outcome.is_failure())
        .map(|e| {
            let (suite, t) = (&e.suite.id, e.test);
            let reason = t.reason.as_deref().unwrap_or("no reason recorded");
            format!(
                "{suite}/{}: {} — {reason} ({})",
                t.id, t.outcome, t.location
            )
        })
        .collect();
    let s = run.summary;
    let analysis = if findings.is_empty() {
        format!(
            "All {} required tests passed ({} passed, {} skipped). No nonconformity was observed in the tested scope.",
            s.total - s.skipped,
            s.passed,
            s.skipped
        )
    } else {
        format!(
            "{} of {} tests did not pass ({} failed, {} errored). Each finding below names the test, its \
             requirement ids in the conformity table, and the suite line; the corresponding exchanges are in \
             the bundle. Conformity is not demonstrated for the affected requirements until they pass.",
            s.failed + s.errored,
            s.total,
            s.failed,
            s.errored
        )
    };
    TestResults {
        run_id: run.run_id.clone(),
        outcome: run.outcome,
        summary: s,
        findings,
        analysis,
    }
}
