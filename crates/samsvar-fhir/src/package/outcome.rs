//! What an install resolved: each package with the facts the lock file records, and the
//! dependencies that could not be found. Shared by the installer, the lock file and the
//! offline lookup, so none of them depends on another for these types.

use super::cache::InstalledPackage;

/// One installed package with the facts the lock file records.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedPackage {
    pub package: InstalledPackage,
    /// Tarball URL, `file:<path>` or `dir:<path>`; `cache` when it was found in the cache
    /// without a samsvar origin marker (installed by another tool).
    pub source: String,
    pub registry: Option<String>,
    /// sha512 SRI of the tarball.
    pub integrity: Option<String>,
    /// sha256 hex of the tarball (folders: see `extract::stage_folder`).
    pub sha256: Option<String>,
    /// `id@request` strings that led here (the user's spec, or dependents' entries).
    pub requested: Vec<String>,
    /// `id@version` of packages depending on it; empty for what the user asked for.
    pub required_by: Vec<String>,
    /// `id@request` this package stands in for (see `substitute`).
    pub substituted_for: Option<String>,
    /// Warnings about how it was chosen.
    pub notes: Vec<String>,
    pub from_cache: bool,
}

/// A dependency that could not be found; the install goes on without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingPackage {
    pub id: String,
    pub requested: String,
    pub required_by: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct InstallOutcome {
    /// In resolution order: roots first, then dependencies breadth-first.
    pub packages: Vec<ResolvedPackage>,
    pub missing: Vec<MissingPackage>,
    pub warnings: Vec<String>,
}

impl InstallOutcome {
    pub fn installed(&self) -> Vec<InstalledPackage> {
        self.packages.iter().map(|p| p.package.clone()).collect()
    }
}
