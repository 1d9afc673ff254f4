//! Replaces secret values with [`REDACTED`] before anything is recorded or emitted.

use crate::record::REDACTED;
use bytes::Bytes;

/// Header names whose values are always secret, whatever the configuration says.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "dpop",
    "x-api-key",
];

#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret containing another is replaced whole.
    secrets: Vec<String>,
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| !s.is_empty()).collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Self { secrets }
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    pub fn text(&self, s: &str) -> String {
        let mut out = s.to_string();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }

    pub fn header(&self, name: &str, value: &str) -> String {
        if SECRET_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            REDACTED.to_string()
        } else {
            self.text(value)
        }
    }

    /// Redacts body bytes; returns the input unchanged (no copy) when nothing matches.
    pub fn bytes(&self, body: &Bytes) -> Bytes {
        let mut current: Option<Vec<u8>> = None;
        for secret in &self.secrets {
            let hay = current.as_deref().unwrap_or(body);
            if let Some(replaced) = replace_bytes(hay, secret.as_bytes(), REDACTED.as_bytes()) {
                current = Some(replaced);
            }
        }
        current.map_or_else(|| body.clone(), Bytes::from)
    }
}

fn replace_bytes(hay: &[u8], needle: &[u8], with: &[u8]) -> Option<Vec<u8>> {
    let first = find(hay, needle)?;
    let mut out = Vec::with_capacity(hay.len());
    out.extend_from_slice(&hay[..first]);
    out.extend_from_slice(with);
    let mut rest = &hay[first + needle.len()..];
    while let Some(i) = find(rest, needle) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(with);
        rest = &rest[i + needle.len()..];
    }
    out.extend_from_slice(rest);
    Some(out)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_text_headers_and_bytes() {
        let r = Redactor::new(["s3cret".to_string(), "s3cret-long".to_string()]);
        assert_eq!(
            r.text("a=s3cret-long&b=s3cret"),
            "a=[REDACTED]&b=[REDACTED]"
        );
        assert_eq!(r.header("Authorization", "Bearer x"), "[REDACTED]");
        assert_eq!(r.header("x-token", "s3cret"), "[REDACTED]");
        let b = r.bytes(&Bytes::from_static(b"{\"p\":\"s3cret\"}"));
        assert_eq!(&b[..], b"{\"p\":\"[REDACTED]\"}");
        let clean = Bytes::from_static(b"nothing here");
        assert_eq!(r.bytes(&clean), clean);
    }
}
