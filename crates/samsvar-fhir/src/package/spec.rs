//! What a user asks to install: `id@version` from a registry, a local `.tgz`, or a folder.

use super::error::PackageError;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageSpec {
    /// A package from a registry. `version` is an exact version, `latest`, `current`/`dev`
    /// (mapped to the latest published version, with a warning) or an npm-style range.
    Registry { id: String, version: String },
    /// A local `.tgz` in FHIR NPM format.
    Tarball(PathBuf),
    /// A local folder: either the folder holding `package/package.json` or the `package/` folder itself.
    Folder(PathBuf),
}

impl PackageSpec {
    pub fn registry(id: impl Into<String>, version: impl Into<String>) -> Self {
        PackageSpec::Registry {
            id: id.into(),
            version: version.into(),
        }
    }

    /// Parses a command-line argument. Paths win over ids: an existing folder is a folder,
    /// a name ending in `.tgz`/`.tar.gz` is a tarball; otherwise `id@version` or `id#version`
    /// (`id` alone means `latest`).
    pub fn parse(text: &str) -> Result<Self, PackageError> {
        let text = text.trim();
        let bad = |reason: &str| PackageError::BadSpec {
            spec: text.to_string(),
            reason: reason.to_string(),
        };
        if text.is_empty() {
            return Err(bad("it is empty"));
        }
        let path = Path::new(text);
        if path.is_dir() {
            return Ok(PackageSpec::Folder(path.to_path_buf()));
        }
        if text.ends_with(".tgz") || text.ends_with(".tar.gz") {
            return Ok(PackageSpec::Tarball(path.to_path_buf()));
        }
        if text.contains('/') || text.contains('\\') {
            return Err(bad(
                "it looks like a path, but no such folder exists and it does not end in .tgz",
            ));
        }
        let (id, version) = match text.split_once(['@', '#']) {
            Some((id, version)) => (id, version),
            None => (text, "latest"),
        };
        check_id(id).map_err(|r| bad(&r))?;
        if version.is_empty() {
            return Err(bad("the version after `@` is empty"));
        }
        Ok(PackageSpec::registry(id, version))
    }

    /// A short name for messages.
    pub fn describe(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for PackageSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PackageSpec::Registry { id, version } => write!(f, "{id}@{version}"),
            PackageSpec::Tarball(p) | PackageSpec::Folder(p) => write!(f, "{}", p.display()),
        }
    }
}

impl std::str::FromStr for PackageSpec {
    type Err = PackageError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PackageSpec::parse(s)
    }
}

/// Package ids become folder names in the cache: allow only the characters FHIR package
/// ids use, so an id can never walk out of the cache.
pub(crate) fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("the package id is empty".into());
    }
    if id.starts_with('.') || id.len() > 214 {
        return Err(format!("`{id}` is not a valid package id"));
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
    {
        return Err(format!(
            "the package id `{id}` contains `{c}`; ids use letters, digits, `.`, `-` and `_`"
        ));
    }
    Ok(())
}

/// Versions become folder names too (`<id>#<version>`); same reasoning as [`check_id`].
pub(crate) fn check_version(version: &str) -> Result<(), String> {
    if version.is_empty() || version.starts_with('.') || version.len() > 128 {
        return Err(format!("`{version}` is not a valid package version"));
    }
    if let Some(c) = version
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+')))
    {
        return Err(format!("the version `{version}` contains `{c}`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ids_and_versions() {
        assert_eq!(
            PackageSpec::parse("hl7.fhir.uv.ips@2.0.0").ok(),
            Some(PackageSpec::registry("hl7.fhir.uv.ips", "2.0.0"))
        );
        assert_eq!(
            PackageSpec::parse("hl7.fhir.uv.ips#2.0.0").ok(),
            Some(PackageSpec::registry("hl7.fhir.uv.ips", "2.0.0"))
        );
        assert_eq!(
            PackageSpec::parse("hl7.fhir.uv.ips").ok(),
            Some(PackageSpec::registry("hl7.fhir.uv.ips", "latest"))
        );
        assert!(matches!(
            PackageSpec::parse("x/y/nothing.tgz"),
            Ok(PackageSpec::Tarball(_))
        ));
        assert!(PackageSpec::parse("../evil@1.0.0").is_err());
        assert!(PackageSpec::parse("a b@1").is_err());
        assert!(PackageSpec::parse("ok@").is_err());
    }

    #[test]
    fn rejects_versions_that_could_escape_the_cache() {
        assert!(check_version("../../etc").is_err());
        assert!(check_version("1.0.0/x").is_err());
        assert!(check_version("4.0.1").is_ok());
        assert!(check_version("5.3.0-ballot-tc1").is_ok());
    }
}
