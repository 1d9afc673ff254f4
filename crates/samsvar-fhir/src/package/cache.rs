//! The FHIR package cache, shared with other FHIR tools:
//! `<root>/<id>#<version>/package/package.json` (+ the package's files), plus samsvar's
//! own marker `<root>/<id>#<version>/.samsvar-origin.json` recording where the tarball
//! came from and its digests.

use super::error::PackageError;
use super::manifest::Manifest;
use super::spec::{check_id, check_version};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Environment variables that move the cache, checked in this order.
pub const CACHE_ENV_VARS: [&str; 2] = ["SAMSVAR_FHIR_CACHE", "FHIR_PACKAGE_CACHE"];

/// Name of samsvar's marker file inside `<id>#<version>/`.
pub const ORIGIN_FILE: &str = ".samsvar-origin.json";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cache {
    root: PathBuf,
}

/// A package present in the cache.
#[derive(Debug, Clone, PartialEq)]
pub struct InstalledPackage {
    pub id: String,
    pub version: String,
    /// The folder `<root>/<id>#<version>` (it holds `package/`).
    pub dir: PathBuf,
    pub manifest: Manifest,
    /// sha256 (hex) of the tarball it was installed from, when samsvar installed it (or
    /// when a lock file records it).
    pub sha256: Option<String>,
}

impl InstalledPackage {
    /// The `package/` folder holding `package.json` and the resources.
    pub fn package_dir(&self) -> PathBuf {
        self.dir.join("package")
    }

    /// Same as [`InstalledPackage::dir`]; the name the lock API uses.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// `id#version`, the cache's name for it.
    pub fn key(&self) -> String {
        format!("{}#{}", self.id, self.version)
    }
}

/// Where a cached package came from; written by samsvar next to `package/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Origin {
    /// Tarball URL, `file:` path of a local `.tgz`, or `dir:` path of a folder.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    /// sha512 SRI of the tarball (absent for folders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// sha256 hex of the tarball (for folders: of the sorted file list with each file's sha256).
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shasum: Option<String>,
}

impl Cache {
    pub fn new(root: impl Into<PathBuf>) -> Cache {
        Cache { root: root.into() }
    }

    /// `$SAMSVAR_FHIR_CACHE`, else `$FHIR_PACKAGE_CACHE`, else `~/.fhir/packages` (the
    /// location the HL7 tools use), else `.fhir/packages` under the current folder when
    /// there is no home folder.
    pub fn default_location() -> PathBuf {
        for var in CACHE_ENV_VARS {
            if let Some(v) = std::env::var_os(var).filter(|v| !v.is_empty()) {
                return PathBuf::from(v);
            }
        }
        let home = std::env::var_os("HOME")
            .or_else(|| std::env::var_os("USERPROFILE"))
            .filter(|v| !v.is_empty());
        match home {
            Some(h) => PathBuf::from(h).join(".fhir").join("packages"),
            None => PathBuf::from(".fhir").join("packages"),
        }
    }

    /// The cache at [`Cache::default_location`].
    pub fn at_default_location() -> Cache {
        Cache::new(Self::default_location())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<root>/<id>#<version>` (not checked for existence).
    pub fn dir_for(&self, id: &str, version: &str) -> PathBuf {
        self.root.join(format!("{id}#{version}"))
    }

    /// The package if it is fully installed (its `package/package.json` is readable).
    pub fn installed(&self, id: &str, version: &str) -> Option<InstalledPackage> {
        if check_id(id).is_err() || check_version(version).is_err() {
            return None;
        }
        let dir = self.dir_for(id, version);
        let manifest = Manifest::read(&dir.join("package"), &format!("{id}@{version}")).ok()?;
        let sha256 = read_origin(&dir).map(|o| o.sha256);
        Some(InstalledPackage {
            id: id.to_string(),
            version: version.to_string(),
            dir,
            manifest,
            sha256,
        })
    }

    /// Where samsvar recorded this package came from, if samsvar installed it.
    pub fn origin(&self, id: &str, version: &str) -> Option<Origin> {
        read_origin(&self.dir_for(id, version))
    }

    /// Every installed package, sorted by id then version. Folders that are not packages
    /// (temporary install folders, `packages.ini`) are skipped.
    pub fn list(&self) -> Result<Vec<InstalledPackage>, PackageError> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(PackageError::io("list the package cache", &self.root, e)),
        };
        let mut found = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some((id, version)) = name.split_once('#') else {
                continue;
            };
            if let Some(p) = self.installed(id, version) {
                found.push(p);
            }
        }
        found.sort_by(|a, b| (&a.id, &a.version).cmp(&(&b.id, &b.version)));
        Ok(found)
    }

    /// Every installed version of `id`.
    pub fn versions_of(&self, id: &str) -> Vec<String> {
        self.list()
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.id == id)
            .map(|p| p.version)
            .collect()
    }
}

impl Default for Cache {
    fn default() -> Self {
        Cache::at_default_location()
    }
}

fn read_origin(dir: &Path) -> Option<Origin> {
    let text = std::fs::read(dir.join(ORIGIN_FILE)).ok()?;
    serde_json::from_slice(&text).ok()
}
