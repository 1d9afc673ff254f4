//! Tarball digests: the SRI `sha512-…` string npm publishes, the legacy sha1 `shasum`, and
//! the sha256 hex the evidence bundle records.

use super::error::PackageError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

/// Every digest of one tarball, computed in one pass over the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digests {
    /// Subresource Integrity form: `sha512-<base64>`.
    pub sha512_sri: String,
    /// Lowercase hex.
    pub sha256: String,
    /// Lowercase hex (npm's `shasum`).
    pub sha1: String,
}

impl Digests {
    pub fn of(bytes: &[u8]) -> Digests {
        Digests {
            sha512_sri: format!("sha512-{}", STANDARD.encode(Sha512::digest(bytes))),
            sha256: hex::encode(Sha256::digest(bytes)),
            sha1: hex::encode(Sha1::digest(bytes)),
        }
    }
}

/// What the registry announced for a tarball.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    /// `dist.integrity`: one or more space-separated SRI hashes.
    pub integrity: Option<String>,
    /// `dist.shasum`: sha1 hex.
    pub shasum: Option<String>,
}

/// Which check was made, for the progress line and the lock file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    Sha512,
    Sha1,
    /// The registry gave no digest we can check.
    Unchecked,
}

impl Verified {
    pub fn label(self) -> &'static str {
        match self {
            Verified::Sha512 => "sha512 verified",
            Verified::Sha1 => "sha1 verified",
            Verified::Unchecked => "NOT verified (registry gave no digest)",
        }
    }
}

/// Compares the download with the registry's digests: sha512 SRI when offered, else sha1.
pub fn verify(
    package: &str,
    url: &str,
    expected: &Expected,
    actual: &Digests,
) -> Result<Verified, PackageError> {
    let mismatch = |algorithm, expected: &str, actual: &str| PackageError::IntegrityMismatch {
        package: package.to_string(),
        url: url.to_string(),
        algorithm,
        expected: expected.to_string(),
        actual: actual.to_string(),
    };
    if let Some(sri) = &expected.integrity {
        let sha512: Vec<&str> = sri
            .split_whitespace()
            .filter(|h| h.starts_with("sha512-"))
            .map(|h| h.split('?').next().unwrap_or(h))
            .collect();
        if !sha512.is_empty() {
            return if sha512.contains(&actual.sha512_sri.as_str()) {
                Ok(Verified::Sha512)
            } else {
                Err(mismatch("sha512", sha512[0], &actual.sha512_sri))
            };
        }
        // An SRI string with only sha1 (old npm) is checked like `shasum`.
        if let Some(sha1) = sri.split_whitespace().find_map(|h| h.strip_prefix("sha1-")) {
            let want = STANDARD
                .decode(sha1)
                .map(hex::encode)
                .unwrap_or_else(|_| sha1.to_string());
            return if want.eq_ignore_ascii_case(&actual.sha1) {
                Ok(Verified::Sha1)
            } else {
                Err(mismatch("sha1", &want, &actual.sha1))
            };
        }
    }
    if let Some(shasum) = &expected.shasum {
        return if shasum.trim().eq_ignore_ascii_case(&actual.sha1) {
            Ok(Verified::Sha1)
        } else {
            Err(mismatch("sha1", shasum.trim(), &actual.sha1))
        };
    }
    Ok(Verified::Unchecked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_sha512_and_refuses_mismatch() {
        let d = Digests::of(b"hello");
        let ok = Expected {
            integrity: Some(d.sha512_sri.clone()),
            shasum: Some("0000".into()),
        };
        assert_eq!(verify("p", "u", &ok, &d).ok(), Some(Verified::Sha512));
        let bad = Expected {
            integrity: Some(Digests::of(b"other").sha512_sri),
            shasum: Some(d.sha1.clone()),
        };
        let err = verify("p", "http://x/p.tgz", &bad, &d)
            .err()
            .map(|e| e.to_string());
        assert!(
            err.is_some_and(|e| e.contains("failed to verify") && e.contains("http://x/p.tgz"))
        );
        let sha1_only = Expected {
            integrity: None,
            shasum: Some(d.sha1.to_uppercase()),
        };
        assert_eq!(verify("p", "u", &sha1_only, &d).ok(), Some(Verified::Sha1));
        assert_eq!(
            verify("p", "u", &Expected::default(), &d).ok(),
            Some(Verified::Unchecked)
        );
    }
}
