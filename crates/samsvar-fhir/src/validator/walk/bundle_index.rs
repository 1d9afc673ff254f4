//! Resolving references inside a Bundle by the spec's fullUrl rules (Bundle "Resolving
//! references"): an index of the entries by fullUrl and by type and id, built once per
//! Bundle, and the URL helpers those rules need.

use serde_json::{Map, Value};
use std::collections::HashMap;

/// The entries of one Bundle, for resolving references.
pub(crate) struct BundleIndex<'a> {
    /// fullUrl → the resources of the entries with that fullUrl (several when a Bundle
    /// holds several versions of one resource).
    by_full_url: HashMap<&'a str, Vec<&'a Value>>,
    /// `Type/id` → how many entries hold such a resource (to explain a failed match).
    by_type_id: HashMap<String, usize>,
    /// A resource (by address) → the fullUrl of its entry.
    full_url_of: HashMap<usize, &'a str>,
}

/// The outcome of resolving a reference inside a Bundle.
pub(crate) enum Resolution<'a> {
    Found(&'a Value),
    /// Several entries match an unversioned reference.
    Ambiguous(usize),
    /// No entry matches (a relative reference from an entry whose fullUrl is not a
    /// RESTful URL never does); `near` entries have the same type and id.
    NotFound {
        near: usize,
    },
}

impl<'a> BundleIndex<'a> {
    pub(crate) fn new(bundle: &'a Map<String, Value>) -> BundleIndex<'a> {
        let mut index = BundleIndex {
            by_full_url: HashMap::new(),
            by_type_id: HashMap::new(),
            full_url_of: HashMap::new(),
        };
        for entry in entries(bundle) {
            let Some(res) = entry.get("resource") else {
                continue;
            };
            if let Some(full) = entry.get("fullUrl").and_then(Value::as_str) {
                index.by_full_url.entry(full).or_default().push(res);
                index.full_url_of.insert(res as *const Value as usize, full);
            }
            if let Some(key) = type_id(res) {
                *index.by_type_id.entry(key).or_default() += 1;
            }
        }
        index
    }

    /// Resolves `reference` found in the entry resource `from` (`None`: the Bundle itself).
    pub(crate) fn resolve(&self, reference: &str, from: Option<&Value>) -> Resolution<'a> {
        let (plain, version) = match reference.split_once("/_history/") {
            Some((p, v)) => (p, Some(v)),
            None => (reference, None),
        };
        let absolute = if is_absolute(plain) {
            plain.to_string()
        } else {
            // `Type/id` resolves against the RESTful base of the referring entry's fullUrl.
            let base = from
                .and_then(|r| self.full_url_of.get(&(r as *const Value as usize)))
                .and_then(|full| restful_base(full));
            match base {
                Some(base) if plain.split('/').count() == 2 => format!("{base}/{plain}"),
                _ => {
                    return Resolution::NotFound {
                        near: self.near(plain),
                    };
                }
            }
        };
        let candidates: Vec<&'a Value> = self
            .by_full_url
            .get(absolute.as_str())
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|r| version.is_none_or(|want| version_of(r) == Some(want)))
                    .collect()
            })
            .unwrap_or_default();
        match candidates.as_slice() {
            [one] => Resolution::Found(one),
            [] => Resolution::NotFound {
                near: self.near(plain),
            },
            many => Resolution::Ambiguous(many.len()),
        }
    }

    /// How many entries hold a resource with the type and id a reference names.
    fn near(&self, plain: &str) -> usize {
        literal_type_id(plain)
            .and_then(|k| self.by_type_id.get(&k))
            .copied()
            .unwrap_or(0)
    }
}

pub(super) fn entries(bundle: &Map<String, Value>) -> &[Value] {
    bundle
        .get("entry")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

pub(super) fn type_id(res: &Value) -> Option<String> {
    Some(format!(
        "{}/{}",
        res.get("resourceType")?.as_str()?,
        res.get("id")?.as_str()?
    ))
}

pub(super) fn version_of(res: &Value) -> Option<&str> {
    res.pointer("/meta/versionId").and_then(Value::as_str)
}

/// Absolute: a scheme (`http:`, `urn:`, …) before any `/`.
pub(super) fn is_absolute(url: &str) -> bool {
    match url.find(':') {
        Some(i) => {
            i > 0
                && !url[..i].contains('/')
                && url[..i]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// The RESTful base of `http(s)://server/path/Type/id` (`http(s)://server/path`).
pub(super) fn restful_base(full: &str) -> Option<&str> {
    if !(full.starts_with("http://") || full.starts_with("https://")) {
        return None;
    }
    let plain = full.split("/_history/").next().unwrap_or(full);
    let mut parts = plain.rsplitn(3, '/');
    let id = parts.next()?;
    let ty = parts.next()?;
    let base = parts.next()?;
    let type_like = ty.starts_with(|c: char| c.is_ascii_uppercase())
        && ty.chars().all(|c| c.is_ascii_alphabetic());
    let id_like = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'));
    (type_like && id_like && base.contains("://")).then_some(base)
}

/// `Patient/1` (or `…/Patient/1`) → `Patient/1`.
pub(super) fn literal_type_id(reference: &str) -> Option<String> {
    let mut parts = reference.rsplitn(3, '/');
    let id = parts.next()?;
    let ty = parts.next()?;
    Some(format!("{ty}/{id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_urls_have_a_scheme() {
        assert!(is_absolute("http://x/Patient/1"));
        assert!(is_absolute("urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"));
        assert!(!is_absolute("Patient/1"));
        assert!(!is_absolute("Patient/1:2"));
    }

    #[test]
    fn restful_base_needs_type_and_id() {
        assert_eq!(
            restful_base("http://x/fhir/Patient/1"),
            Some("http://x/fhir")
        );
        assert_eq!(
            restful_base("http://x/fhir/Patient/1/_history/2"),
            Some("http://x/fhir")
        );
        assert_eq!(restful_base("urn:uuid:1"), None);
        assert_eq!(restful_base("http://x/nothing"), None);
    }
}
