//! The hub's one door into samsvar-suite: reading what a suite folder declares (id,
//! version, title, targets) and snapshotting it, so workers anywhere run exactly the
//! version the organiser put in play.

use crate::archive;
use std::path::Path;

/// A suite folder as the hub registers it.
#[derive(Debug, Clone)]
pub struct SuiteSnapshot {
    pub suite_id: String,
    pub title: String,
    pub version: String,
    /// Target names the suite needs, in declaration order.
    pub targets: Vec<String>,
    /// sha256 of the snapshot archive: changes whenever any file of the folder changes.
    pub digest: String,
    /// The folder as deterministic tar.gz.
    pub archive: Vec<u8>,
}

/// Loads and checks the suite folder at `path` (holding suite.yaml and its fixtures).
pub fn snapshot(path: &Path) -> Result<SuiteSnapshot, String> {
    if !path.join(samsvar_suite::SUITE_FILE).is_file() {
        return Err(format!(
            "{} is not a suite folder (no {} in it)",
            path.display(),
            samsvar_suite::SUITE_FILE
        ));
    }
    let loaded = samsvar_suite::load(path).map_err(|e| {
        format!(
            "the suite at {} does not load (run `samsvar suites lint {}`): {e}",
            path.display(),
            path.display()
        )
    })?;
    let suite = &loaded.suite;
    let archive = archive::pack_dir(path, "")
        .map_err(|e| format!("failed to read the suite folder {}: {e}", path.display()))?;
    Ok(SuiteSnapshot {
        suite_id: suite.meta.id.value.clone(),
        title: suite.meta.title.clone(),
        version: suite.meta.version.clone(),
        targets: suite.targets.keys().cloned().collect(),
        digest: archive::sha256_hex(&archive),
        archive,
    })
}
