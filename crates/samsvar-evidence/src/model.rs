//! The evidence record (`evidence.json`): its types, serialized as RFC 8785 JSON.
//! The format is specified in docs/evidence-format.md; bump [`EVIDENCE_FORMAT_VERSION`]
//! on incompatible changes.

use crate::declaration::Declaration;
use crate::ehds::EhdsRollup;
use samsvar_record::RunRecord;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const EVIDENCE_FORMAT: &str = "samsvar-evidence";
pub const EVIDENCE_FORMAT_VERSION: &str = "1.1";

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
