//! The EHDS declaration section: the Annex IV items of the EU declaration of
//! conformity (Regulation (EU) 2025/327), filled from config `[sut]` and
//! `[declaration]`, plus Annex III item 4 (results and critical analyses of the
//! verification and validation tests) taken from the run itself.

mod conformity;

pub use conformity::{COMPONENTS, component_name};

use crate::ehds::EhdsRollup;
pub use crate::model::{
    Declaration, Manufacturer, Signatory, StandardRef, SystemIdentity, TestResults,
};
use crate::model::{PackageDigest, SutIdentity};
use samsvar_record::{Outcome, RunRecord};
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
    /// The harmonised components declared (`interoperability`, `logging`); defaults to
    /// every component a test of the run maps to.
    #[serde(default)]
    pub components: Vec<String>,
    /// The authorised representative (Annex IV item 2, where applicable) and its address.
    #[serde(default)]
    pub authorised_representative: Option<String>,
    #[serde(default)]
    pub authorised_representative_address: Option<String>,
    /// Annex IV item 8: further lines the manufacturer adds.
    #[serde(default)]
    pub additional_information: Vec<String>,
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

/// Everything the declaration is built from besides the config.
pub struct DeclarationInput<'a> {
    pub sut: Option<&'a SutIdentity>,
    pub run: &'a RunRecord,
    /// `false` for a record rebuilt from the journal of an interrupted run.
    pub complete: bool,
    pub packages: &'a [PackageDigest],
    pub ehds: &'a EhdsRollup,
}

/// Builds the declaration section; fails naming every missing mandatory key. The
/// conformity statement is only made when the run supports it (see the `conformity` module).
pub fn build(
    config: &DeclarationConfig,
    input: &DeclarationInput<'_>,
) -> Result<Declaration, MissingDeclarationFields> {
    check_mandatory(input.sut, config)?;
    let run = input.run;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let sut = input.sut.cloned().unwrap_or_default();
    let manufacturer = text(&sut.manufacturer);
    let name = text(&sut.product);
    let version = text(&sut.version);

    let components = conformity::declared_components(run, &config.components);
    let component_names: Vec<String> = components.iter().map(|c| component_name(c)).collect();
    let obstacles = conformity::obstacles(run, input.complete, &components);
    let conformity_declared = obstacles.is_empty();
    let conformity_statement = if conformity_declared {
        format!(
            "{name} version {version} is in conformity with the essential requirements laid down in Annex II \
             of Regulation (EU) 2025/327 for its {components}, as far as they are covered by the specifications \
             listed below. This declaration is complemented by the result from the testing environment \
             (Article 40): samsvar run {run_id}, in which every required test of these components passed.",
            components = component_names.join(" and "),
            run_id = run.run_id,
        )
    } else {
        format!(
            "This is NOT an EU declaration of conformity. samsvar run {run_id} does not support a statement \
             that {name} version {version} conforms to Annex II of Regulation (EU) 2025/327: {count} reason(s) \
             are listed below. Conformity is not demonstrated until a complete run against the product passes \
             every required test of the declared harmonised components.",
            run_id = run.run_id,
            count = obstacles.len(),
        )
    };

    let date = config
        .date
        .clone()
        .unwrap_or_else(|| run.started_at.chars().take(10).collect());
    let authorised_representative =
        config
            .authorised_representative
            .as_ref()
            .map(|rep| Manufacturer {
                name: rep.clone(),
                address: text(&config.authorised_representative_address),
            });

    Ok(Declaration {
        sole_responsibility: format!(
            "This EU declaration of conformity is issued under the sole responsibility of {manufacturer}."
        ),
        harmonised_components: component_names,
        conformity_declared,
        conformity_statement,
        not_declared_because: obstacles,
        system: SystemIdentity {
            name,
            version,
            reference: text(&sut.reference),
        },
        manufacturer: Manufacturer {
            name: manufacturer.clone(),
            address: text(&sut.manufacturer_address),
        },
        authorised_representative,
        standards: standards(config, input),
        place: text(&config.place),
        date,
        signatory: Signatory {
            name: text(&config.signatory_name),
            function: text(&config.signatory_function),
            on_behalf_of: config.on_behalf_of.clone().unwrap_or(manufacturer),
        },
        additional_information: additional_information(config, run),
        test_results: test_results(run),
    })
}

/// Items 5 and 6: the documents (IGs, IHE profiles, RFCs, at their versions) the run's
/// requirement ids come from, the FHIR packages validated with, and the config's list.
fn standards(config: &DeclarationConfig, input: &DeclarationInput<'_>) -> Vec<StandardRef> {
    let mut standards: Vec<StandardRef> = Vec::new();
    for req in &input.ehds.requirements {
        let Some(c) = &req.catalogue else { continue };
        if standards
            .iter()
            .any(|s| s.id == c.document && s.version.as_deref() == Some(&c.document_version))
        {
            continue;
        }
        standards.push(StandardRef {
            kind: "specification".to_string(),
            id: c.document.clone(),
            version: Some(c.document_version.clone()),
            digest: None,
            url: Some(document_url(&c.url)),
        });
    }
    standards.sort_by(|a, b| a.id.cmp(&b.id));
    standards.extend(input.packages.iter().map(|p| StandardRef {
        kind: "fhir-package".to_string(),
        id: p.id.clone(),
        version: Some(p.version.clone()),
        digest: p.digest.clone(),
        url: None,
    }));
    standards.extend(config.common_specifications.iter().map(|s| StandardRef {
        kind: "specification".to_string(),
        id: s.clone(),
        version: None,
        digest: None,
        url: None,
    }));
    standards
}

/// A section's address without its `#anchor`: the document's page.
fn document_url(section_url: &str) -> String {
    section_url
        .split_once('#')
        .map_or(section_url, |(page, _)| page)
        .to_string()
}

/// Item 8: how the result was obtained (tool, suites with digests, run), then the
/// manufacturer's own lines.
fn additional_information(config: &DeclarationConfig, run: &RunRecord) -> Vec<String> {
    let mut lines = vec![format!(
        "Tested with {} {} in run {} ({} → {}).",
        run.tool.name, run.tool.version, run.run_id, run.started_at, run.finished_at
    )];
    for s in &run.suites {
        lines.push(format!(
            "Test suite {} {} ({}), sha256:{}.",
            s.id, s.version, s.title, s.sha256
        ));
    }
    lines.extend(config.additional_information.iter().cloned());
    lines
}

fn test_results(run: &RunRecord) -> TestResults {
    let findings: Vec<String> = run
        .tests()
        // A required test that did not run demonstrates nothing: it is a finding too.
        .filter(|e| {
            !e.test.optional && (e.test.outcome.is_failure() || e.test.outcome == Outcome::Skip)
        })
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
    let warned = if s.warned == 0 {
        String::new()
    } else {
        format!(
            " {} test(s) missed a SHOULD or MAY (warnings, listed in the report; not nonconformities).",
            s.warned
        )
    };
    let analysis = if findings.is_empty() {
        format!(
            "All {} required tests passed ({} passed, {} with warnings). No nonconformity was observed in the tested scope.{warned}",
            s.total - s.skipped,
            s.passed,
            s.warned,
        )
    } else {
        format!(
            "{} required test(s) did not pass or did not run ({} failed, {} errored, {} skipped of {} tests). Each \
             finding below names the test, its requirement ids in the conformity table, and the suite line; the \
             corresponding exchanges are in the bundle. Conformity is not demonstrated for the affected requirements \
             until they pass.{warned}",
            findings.len(),
            s.failed,
            s.errored,
            s.skipped,
            s.total,
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
