//! `samsvar.lock`: the exact packages a project uses, with where they came from and their
//! digests. Runs load it to use the same definitions every time; evidence records it.
//! Format: JSON (see docs/packages.md), entries sorted by id and version.

use super::cache::{Cache, InstalledPackage};
use super::error::PackageError;
use super::outcome::InstallOutcome;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const LOCK_FILE: &str = "samsvar.lock";
pub const LOCK_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lock {
    pub lock_version: u32,
    #[serde(default)]
    pub generated_by: String,
    #[serde(default)]
    pub packages: Vec<LockedPackage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<LockedMissing>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockedPackage {
    pub id: String,
    pub version: String,
    /// Tarball URL, `file:<path>`, `dir:<path>`, or `cache` (found in the shared cache,
    /// installed there by another tool).
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    /// sha512 SRI of the tarball.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// sha256 hex of the tarball (for a folder: of its file list, see docs/packages.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The requests (`id@version-or-range`) this entry satisfies.
    #[serde(default)]
    pub requested: Vec<String>,
    /// Dependents (`id@version`); empty for packages the user installed directly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_by: Vec<String>,
    /// The package this one stands in for, e.g. `hl7.fhir.r4.core@4.0.1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substituted_for: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// `dependencies` from its package.json, as written there.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dependencies: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockedMissing {
    pub id: String,
    pub requested: String,
    #[serde(default)]
    pub required_by: Vec<String>,
    pub reason: String,
}

impl Default for Lock {
    fn default() -> Self {
        Lock {
            lock_version: LOCK_VERSION,
            generated_by: concat!("samsvar ", env!("CARGO_PKG_VERSION")).to_string(),
            packages: Vec::new(),
            missing: Vec::new(),
        }
    }
}

impl Lock {
    pub fn load(path: &Path) -> Result<Lock, PackageError> {
        let bad = |reason: String| PackageError::Lock {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
        let lock: Lock = serde_json::from_slice(&text)
            .map_err(|e| bad(format!("not a samsvar lock file: {e}")))?;
        if lock.lock_version != LOCK_VERSION {
            return Err(bad(format!(
                "lockVersion {} is not supported (this samsvar writes {LOCK_VERSION})",
                lock.lock_version
            )));
        }
        Ok(lock)
    }

    /// Loads `path` when it exists, else an empty lock.
    pub fn load_or_default(path: &Path) -> Result<Lock, PackageError> {
        if path.exists() {
            Lock::load(path)
        } else {
            Ok(Lock::default())
        }
    }

    /// Writes atomically (temporary file + rename) so a reader never sees half a lock.
    pub fn save(&self, path: &Path) -> Result<(), PackageError> {
        let mut text = serde_json::to_string_pretty(self).map_err(|e| PackageError::Lock {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        text.push('\n');
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let tmp = tempfile::NamedTempFile::new_in(&dir)
            .map_err(|e| PackageError::io("create a temporary file in", &dir, e))?;
        std::fs::write(tmp.path(), text).map_err(|e| PackageError::io("write", tmp.path(), e))?;
        tmp.persist(path)
            .map_err(|e| PackageError::io("write the lock file", path, e.error))?;
        Ok(())
    }

    pub fn get(&self, id: &str, version: &str) -> Option<&LockedPackage> {
        self.packages
            .iter()
            .find(|p| p.id == id && p.version == version)
    }

    /// Adds (or refreshes) what an install resolved; keeps other entries.
    pub fn merge(&mut self, outcome: &InstallOutcome) {
        self.generated_by = Lock::default().generated_by;
        for r in &outcome.packages {
            let fresh = LockedPackage {
                id: r.package.id.clone(),
                version: r.package.version.clone(),
                source: r.source.clone(),
                registry: r.registry.clone(),
                integrity: r.integrity.clone(),
                sha256: r.sha256.clone(),
                requested: r.requested.clone(),
                required_by: r.required_by.clone(),
                substituted_for: r.substituted_for.clone(),
                notes: r.notes.clone(),
                dependencies: r.package.manifest.dependencies.clone(),
            };
            match self
                .packages
                .iter_mut()
                .find(|p| p.id == fresh.id && p.version == fresh.version)
            {
                Some(old) => {
                    let mut merged = fresh;
                    union(&mut merged.requested, &old.requested);
                    union(&mut merged.required_by, &old.required_by);
                    if merged.substituted_for.is_none() {
                        merged.substituted_for = old.substituted_for.clone();
                    }
                    union(&mut merged.notes, &old.notes);
                    *old = merged;
                }
                None => self.packages.push(fresh),
            }
            self.missing
                .retain(|m| !(m.id == r.package.id && m.requested == r.package.version));
        }
        for m in &outcome.missing {
            self.missing
                .retain(|old| !(old.id == m.id && old.requested == m.requested));
            self.missing.push(LockedMissing {
                id: m.id.clone(),
                requested: m.requested.clone(),
                required_by: m.required_by.clone(),
                reason: m.reason.clone(),
            });
        }
        self.packages
            .sort_by(|a, b| (&a.id, &a.version).cmp(&(&b.id, &b.version)));
        self.missing
            .sort_by(|a, b| (&a.id, &a.requested).cmp(&(&b.id, &b.requested)));
    }
}

fn union(into: &mut Vec<String>, from: &[String]) {
    for item in from {
        if !into.contains(item) {
            into.push(item.clone());
        }
    }
}

/// The cached packages a lock names, in lock order. Fails when one is not in the cache,
/// or when samsvar's record of the cached tarball disagrees with the lock's sha256.
pub fn resolve_locked(lock: &Lock, cache: &Cache) -> Result<Vec<InstalledPackage>, PackageError> {
    let mut out = Vec::with_capacity(lock.packages.len());
    for locked in &lock.packages {
        let label = format!("{}@{}", locked.id, locked.version);
        let mut found = cache
            .installed(&locked.id, &locked.version)
            .ok_or_else(|| PackageError::LockedMissing {
                package: label.clone(),
                cache: cache.root().to_path_buf(),
            })?;
        if let (Some(want), Some(have)) = (&locked.sha256, &found.sha256)
            && want != have
        {
            return Err(PackageError::LockedMismatch {
                package: label,
                dir: found.dir.clone(),
                locked: want.clone(),
                cached: have.clone(),
            });
        }
        if found.sha256.is_none() {
            found.sha256 = locked.sha256.clone();
        }
        out.push(found);
    }
    Ok(out)
}
