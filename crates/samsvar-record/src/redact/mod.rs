//! The one secrets policy of a run. One [`Redactor`] per run, shared (it is a handle) by
//! everything that learns or writes values: the configuration and `secret: true` inputs
//! feed it before the run, the authentication layer registers every credential it
//! obtains (access tokens, client assertions, DPoP proofs, Basic credentials) the moment
//! it has it, and the transport, the run record, the journal and the evidence writer all
//! redact through it.
//!
//! A secret is replaced by [`crate::REDACTED`] in every spelling a server or a URL gives
//! it ([`spellings`]): raw, percent- and plus-encoded, JSON- and HTML-escaped, base64
//! and base64url (also inside longer base64 text). Independently of the values known,
//! credential headers and credential fields are redacted by name ([`structure`]).

mod levels;
mod record;
pub use record::WireMessage;
pub mod spellings;
pub mod structure;

use levels::Levels;
use std::borrow::Cow;
use std::sync::{Arc, RwLock};

pub use structure::{SECRET_FIELDS, SECRET_HEADERS, is_secret_field, is_secret_header};

/// Values shorter than this are never redacted by value: replacing "a" everywhere would
/// mangle every output and protect nothing. Credential headers and fields are still
/// redacted by name.
pub const MIN_SECRET_LEN: usize = 4;

/// Replaces secret values by [`crate::REDACTED`]. Cloning gives another handle to the
/// same set of secrets: a value registered through one handle is redacted by all.
#[derive(Clone, Default)]
pub struct Redactor {
    shared: Arc<RwLock<Shared>>,
}

#[derive(Default)]
struct Shared {
    /// The registered values (for de-duplication and counting; never shown).
    values: Vec<Arc<str>>,
    /// Their spellings, searchable; swapped whole so readers never wait on a search.
    levels: Arc<Levels>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} values)", self.len())
    }
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// A redactor knowing `values`.
    pub fn with_values<I, S>(values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let r = Self::new();
        r.register_all(values);
        r
    }

    /// Remembers a secret value; from now on every handle redacts it.
    pub fn register(&self, value: &str) {
        self.register_all([value]);
    }

    pub fn register_all<I, S>(&self, values: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let Ok(mut shared) = self.shared.write() else {
            return;
        };
        let mut added = Vec::new();
        for value in values {
            let value = value.as_ref();
            if value.len() < MIN_SECRET_LEN || shared.values.iter().any(|v| &**v == value) {
                continue;
            }
            shared.values.push(Arc::from(value));
            added.extend(spellings::spellings(value));
        }
        if !added.is_empty() {
            shared.levels = Arc::new(shared.levels.with(added));
        }
    }

    /// How many secret values are known.
    pub fn len(&self) -> usize {
        self.shared.read().map_or(0, |s| s.values.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn levels(&self) -> Arc<Levels> {
        self.shared
            .read()
            .map(|s| Arc::clone(&s.levels))
            .unwrap_or_default()
    }

    /// `true` when `bytes` hold a known secret in any spelling.
    pub fn contains_secret(&self, bytes: &[u8]) -> bool {
        self.levels().is_match(bytes)
    }

    /// `bytes` with every known secret replaced, or `None` when there was none.
    pub fn bytes(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        self.levels().replace(bytes, crate::REDACTED.as_bytes())
    }

    /// `text` with every known secret replaced.
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.bytes(text.as_bytes()) {
            // Secrets are whole UTF-8 strings, so they start and end on character
            // boundaries and the result stays UTF-8.
            Some(b) => Cow::Owned(
                String::from_utf8(b)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            ),
            None => Cow::Borrowed(text),
        }
    }

    /// Redacts `text` in place; `true` when it changed.
    pub fn string(&self, text: &mut String) -> bool {
        match self.text(text) {
            Cow::Owned(clean) => {
                *text = clean;
                true
            }
            Cow::Borrowed(_) => false,
        }
    }

    /// Redacts an optional text in place.
    pub fn option(&self, text: &mut Option<String>) -> bool {
        text.as_mut().is_some_and(|t| self.string(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::REDACTED;

    #[test]
    fn every_handle_redacts_what_any_handle_registered() {
        let r = Redactor::new();
        let other = r.clone();
        other.register("s3cret");
        other.register("s3cret-long");
        other.register("abc");
        assert_eq!(r.len(), 2, "values under 4 characters are ignored");
        assert_eq!(
            r.text("a=s3cret-long&b=s3cret&c=abc"),
            "a=[REDACTED]&b=[REDACTED]&c=abc"
        );
        assert_eq!(r.text("nothing here"), "nothing here");
        assert!(matches!(r.text("nothing"), Cow::Borrowed(_)));
        assert_eq!(
            r.bytes(b"\xff s3cret \xff").as_deref(),
            Some(&b"\xff [REDACTED] \xff"[..])
        );
        assert!(r.contains_secret(b"..s3cret.."));
        assert!(!r.contains_secret(b"..s3cre.."));
    }

    #[test]
    fn overlapping_secrets_are_redacted_whole() {
        let r = Redactor::with_values(["abcdef", "cdefgh"]);
        assert_eq!(r.text("xabcdefghx"), format!("x{REDACTED}x"));
    }

    #[test]
    fn encoded_spellings_are_redacted() {
        let secret = "tok_Zq9/LkX+3w==";
        let r = Redactor::with_values([secret]);
        for spelled in [
            "tok_Zq9%2FLkX%2B3w%3D%3D",
            "tok_Zq9%2fLkX%2b3w%3d%3d",
            "tok_Zq9\\/LkX+3w==",
            "dG9rX1pxOS9Ma1grM3c9PQ",
            "dG9rX1pxOS9Ma1grM3c9PQ==",
        ] {
            let out = r.text(spelled);
            assert!(out.contains(REDACTED), "{spelled} → {out}");
            assert!(!out.contains("LkX"), "{spelled} → {out}");
        }
    }

    #[test]
    fn debug_never_shows_values() {
        let r = Redactor::with_values(["hunter2-secret"]);
        assert_eq!(format!("{r:?}"), "Redactor(1 values)");
    }
}
