//! The evidence record (`evidence.json`): its types, serialized as RFC 8785 JSON.
//! The format is specified in docs/evidence-format.md; bump [`EVIDENCE_FORMAT_VERSION`]
//! on incompatible changes.

use crate::ehds::EhdsRollup;
use samsvar_record::{Outcome, RunRecord, Summary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const EVIDENCE_FORMAT: &str = "samsvar-evidence";
pub const EVIDENCE_FORMAT_VERSION: &str = "2.0";

/// The whole evidence record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evidence {
    /// Always `samsvar-evidence`.
    pub format: String,
    pub format_version: String,
    /// `false` when the bundle was rebuilt from a journal after an interrupted run.
    pub complete: bool,
    pub tool: ToolBuild,
    /// Identity of the system under test, from the `[sut]` config table.
    pub sut: Option<SutIdentity>,
    /// FHIR packages the run's validators loaded, with their digests.
    pub packages: Vec<PackageDigest>,
    /// The run record: suites, tests, steps, assertions and exchange metadata.
    pub run: RunRecord,
    /// Roll-up of results by EHDS component/category and by requirement id.
    pub ehds: EhdsRollup,
    /// The EHDS Annex IV declaration section, when requested.
    pub declaration: Option<Declaration>,
    /// Every file of the bundle except `evidence.json` and `evidence.jws`, sorted by path.
    pub files: Vec<ManifestEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolBuild {
    pub name: String,
    pub version: String,
    /// Git commit the binary was built from, or `unknown`.
    pub build: String,
    /// Version of the evidence writer that produced this record.
    pub evidence_writer: String,
}

impl ToolBuild {
    /// The running tool, named after the binary that recorded the run.
    pub fn current(name: &str, version: &str) -> Self {
        ToolBuild {
            name: name.to_string(),
            version: version.to_string(),
            build: env!("SAMSVAR_BUILD_COMMIT").to_string(),
            evidence_writer: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// The system under test, as its manufacturer identifies it (config `[sut]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SutIdentity {
    #[serde(default)]
    pub manufacturer: Option<String>,
    #[serde(default)]
    pub manufacturer_address: Option<String>,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    /// Unique identifying reference of the EHR system (e.g. a UDI-like id or catalogue number).
    #[serde(default)]
    pub reference: Option<String>,
    /// Endpoints tested, `name = url`; completed from the run's targets when absent.
    #[serde(default)]
    pub endpoints: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageDigest {
    pub id: String,
    pub version: String,
    /// Digest as the lock file gives it, e.g. `sha256:…` or an npm `sha512-…` integrity.
    pub digest: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Path relative to the bundle folder, `/`-separated.
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

// The declaration section's types live with the rest of evidence.json's; how they are
// filled in from config and the run is the declaration module's job.

/// The declaration section of `evidence.json`, item by item of Annex IV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    /// Annex IV item 1.
    pub system: SystemIdentity,
    /// Annex IV item 2.
    pub manufacturer: Manufacturer,
    /// Annex IV item 2, "where applicable".
    #[serde(default)]
    pub authorised_representative: Option<Manufacturer>,
    /// Annex IV item 3.
    pub sole_responsibility: String,
    /// The harmonised software components the declaration is about (Art. 25(1) names).
    #[serde(default)]
    pub harmonised_components: Vec<String>,
    /// `true` only when the run supports the conformity statement (see `not_declared_because`).
    #[serde(default)]
    pub conformity_declared: bool,
    /// Annex IV item 4 complemented by the test result (Art. 40) when `conformity_declared`;
    /// otherwise the plain statement that this is not a declaration of conformity.
    pub conformity_statement: String,
    /// Why the run does not support a conformity statement, one reason a line.
    #[serde(default)]
    pub not_declared_because: Vec<String>,
    /// Annex IV items 5 and 6: the specifications the run tested against, FHIR packages
    /// validated with, and further standards the manufacturer names.
    pub standards: Vec<StandardRef>,
    /// Annex IV item 7.
    pub place: String,
    pub date: String,
    pub signatory: Signatory,
    /// Annex IV item 8: the test tool, suites and run, and the manufacturer's own lines.
    #[serde(default)]
    pub additional_information: Vec<String>,
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
    /// `specification` (a document of the requirement catalogue or one the config names)
    /// or `fhir-package`.
    pub kind: String,
    pub id: String,
    pub version: Option<String>,
    pub digest: Option<String>,
    /// Where the specification is published.
    #[serde(default)]
    pub url: Option<String>,
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
