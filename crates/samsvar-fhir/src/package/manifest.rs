//! `package/package.json`: the few fields samsvar uses, the rest kept verbatim.

use super::error::PackageError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub dependencies: BTreeMap<String, String>,
    #[serde(default, rename = "fhirVersions", alias = "fhir-version-list")]
    pub fhir_versions: Vec<String>,
    #[serde(default)]
    pub canonical: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

impl Manifest {
    /// Reads `<package_dir>/package.json`. `label` names the package in errors.
    pub fn read(package_dir: &Path, label: &str) -> Result<Manifest, PackageError> {
        let path = package_dir.join("package.json");
        let bad = |reason: String| PackageError::Manifest {
            package: label.to_string(),
            path: path.clone(),
            reason,
        };
        let text = std::fs::read(&path).map_err(|e| bad(e.to_string()))?;
        let value: serde_json::Value =
            serde_json::from_slice(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
        // `dependencies` is sometimes written as an empty array by old tools; treat as none.
        let mut value = value;
        if let Some(obj) = value.as_object_mut() {
            if obj.get("dependencies").is_some_and(|d| !d.is_object()) {
                obj.remove("dependencies");
            }
            if obj.get("fhirVersions").is_some_and(|d| !d.is_array()) {
                obj.remove("fhirVersions");
            }
        }
        serde_json::from_value(value).map_err(|e| bad(e.to_string()))
    }
}
