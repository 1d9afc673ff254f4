//! Errors of the package module. Every message names the package and, where there is one,
//! the URL or path involved, so a user can act on it without a debugger.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("failed to parse package spec `{spec}`: {reason}")]
    BadSpec { spec: String, reason: String },

    #[error(
        "failed to reach any registry for package `{package}` (tried {tried}): {reason}\n\
         hint: check the network, or set SAMSVAR_FHIR_REGISTRIES to a registry you can reach"
    )]
    Network {
        package: String,
        tried: String,
        reason: String,
    },

    #[error("failed to download {what} for package `{package}` from {url}: {reason}")]
    Download {
        package: String,
        what: &'static str,
        url: String,
        reason: String,
    },

    #[error("failed to find package `{package}` on any registry (tried {tried})")]
    NotFound { package: String, tried: String },

    #[error(
        "failed to find a version of `{package}` matching `{requested}` at {registry} (available: {available})"
    )]
    NoMatchingVersion {
        package: String,
        requested: String,
        registry: String,
        available: String,
    },

    #[error(
        "failed to verify the integrity of package `{package}` from {url}: the registry announced {algorithm} {expected} but the download has {actual}; refusing to install it"
    )]
    IntegrityMismatch {
        package: String,
        url: String,
        algorithm: &'static str,
        expected: String,
        actual: String,
    },

    #[error("failed to read registry metadata for package `{package}` from {url}: {reason}")]
    BadMetadata {
        package: String,
        url: String,
        reason: String,
    },

    #[error("failed to extract package `{package}` from {source_name}: {reason}")]
    Extract {
        package: String,
        source_name: String,
        reason: String,
    },

    #[error("failed to read the manifest of package `{package}` at {path}: {reason}")]
    Manifest {
        package: String,
        path: PathBuf,
        reason: String,
    },

    #[error("failed to {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("failed to read the lock file {path}: {reason}")]
    Lock { path: PathBuf, reason: String },

    #[error(
        "failed to find locked package `{package}` in the cache {cache}\n\
         hint: run `samsvar packages install` next to the lock file to fetch it"
    )]
    LockedMissing { package: String, cache: PathBuf },

    #[error(
        "failed to match locked package `{package}`: the lock records sha256 {locked} but the cache at {dir} was installed from a tarball with sha256 {cached}"
    )]
    LockedMismatch {
        package: String,
        dir: PathBuf,
        locked: String,
        cached: String,
    },

    #[error("failed to start the async runtime for a blocking install: {0}")]
    Runtime(String),
}

impl PackageError {
    /// True when the cause is the network (unreachable registry, timeout): the CLI maps
    /// these and every other package error to exit code 2, but says so in its message.
    pub fn is_network(&self) -> bool {
        matches!(
            self,
            PackageError::Network { .. } | PackageError::Download { .. }
        )
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        PackageError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
