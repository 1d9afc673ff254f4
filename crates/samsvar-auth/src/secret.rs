use crate::AuthError;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, RwLock};

/// A secret value. `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(Arc::from(value.into()))
    }

    /// The value, for putting on the wire. Callers must not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Reads a secret from an environment variable.
    pub fn from_env(var: &str) -> Result<Self, AuthError> {
        match std::env::var(var) {
            Ok(v) if !v.is_empty() => Ok(Self::new(v)),
            _ => Err(AuthError::MissingEnv(var.to_string())),
        }
    }

    /// Reads a secret from a file, trimming one trailing newline.
    pub fn from_file(path: &Path) -> Result<Self, AuthError> {
        let text = std::fs::read_to_string(path).map_err(|source| AuthError::SecretFile {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self::new(text.trim_end_matches(['\n', '\r'])))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Collects every secret value seen during a run (configured secrets, obtained tokens,
/// client assertions, DPoP proofs) so that outputs can replace them by a marker.
#[derive(Clone, Default)]
pub struct Redactor {
    values: Arc<RwLock<Vec<Arc<str>>>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.values.read().map_or(0, |v| v.len());
        write!(f, "Redactor({n} values)")
    }
}

/// The marker that replaces every secret value.
pub const MARKER: &str = "[REDACTED]";

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Remembers a value to redact. Very short values are ignored: redacting "a" would
    /// mangle every output without protecting anything.
    pub fn register(&self, value: &str) {
        if value.len() < 4 {
            return;
        }
        if let Ok(mut values) = self.values.write()
            && !values.iter().any(|v| &**v == value)
        {
            values.push(Arc::from(value));
            // Longest first, so a secret containing another is replaced whole.
            values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        }
    }

    pub fn register_secret(&self, secret: &Secret) {
        self.register(secret.expose());
    }

    /// Replaces every registered value in `text`.
    pub fn redact(&self, text: &str) -> String {
        let Ok(values) = self.values.read() else {
            return text.to_string();
        };
        let mut out = text.to_string();
        for v in values.iter() {
            if out.contains(&**v) {
                out = out.replace(&**v, MARKER);
            }
        }
        out
    }

    /// Replaces every registered value in a byte buffer (bodies need not be UTF-8).
    pub fn redact_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        let Ok(values) = self.values.read() else {
            return bytes.to_vec();
        };
        let mut out = bytes.to_vec();
        for v in values.iter() {
            out = replace_all(&out, v.as_bytes(), MARKER.as_bytes());
        }
        out
    }

    /// True when `text` contains a registered value.
    pub fn contains_secret(&self, bytes: &[u8]) -> bool {
        let Ok(values) = self.values.read() else {
            return false;
        };
        values.iter().any(|v| find(bytes, v.as_bytes()).is_some())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(i) = find(rest, needle) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(with);
        rest = &rest[i + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{s:?} {s}"), "Secret([REDACTED]) [REDACTED]");
    }

    #[test]
    fn redacts_text_and_bytes_longest_first() {
        let r = Redactor::new();
        r.register("abcd");
        r.register("abcdefgh");
        assert_eq!(r.redact("x abcdefgh y abcd"), "x [REDACTED] y [REDACTED]");
        assert_eq!(
            r.redact_bytes(b"\xffabcd\xff"),
            b"\xff[REDACTED]\xff".to_vec()
        );
        assert!(r.contains_secret(b"..abcd.."));
        assert!(!r.contains_secret(b"..abc.."));
    }

    #[test]
    fn missing_env_names_the_variable() {
        let err = Secret::from_env("SAMSVAR_TEST_SURELY_UNSET_VAR").unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed to read secret: environment variable `SAMSVAR_TEST_SURELY_UNSET_VAR` is not set"
        );
    }
}
