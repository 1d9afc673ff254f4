//! Bundles: resolving references by the spec's fullUrl rules (Bundle "Resolving
//! references"), and the rules on a Bundle as a whole: absolute fullUrls that agree
//! with the resource id, unique link relations, search results, and documents and
//! messages whose references must resolve inside the Bundle.

use super::super::issue::IssueType;
use super::Walk;
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

impl<'a> Walk<'a> {
    /// Rules on a Bundle as a whole (its entries' resources are walked elsewhere).
    pub(super) fn bundle_rules(&mut self, bundle: &'a Map<String, Value>) {
        let kind = bundle
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        self.link_relations(bundle);
        for (i, entry) in entries(bundle).iter().enumerate() {
            self.push("entry", Some(i), false);
            self.full_url(entry);
            if kind == "searchset" {
                self.search_entry(bundle, entry);
            }
            self.pop();
        }
        let header = match kind {
            "document" => "Composition",
            "message" => "MessageHeader",
            _ => return,
        };
        // The header is the first entry; its own rules (bdl-11, bdl-12) say so.
        let Some(first) = entries(bundle).first().and_then(|e| e.get("resource")) else {
            return;
        };
        if first.get("resourceType").and_then(Value::as_str) != Some(header) {
            return;
        }
        self.push("entry", Some(0), false);
        self.push("resource", None, false);
        if header == "Composition" {
            self.document_references(first);
        } else {
            self.references_in(first, first, "focus", "message focus");
        }
        self.pop();
        self.pop();
    }

    fn full_url(&mut self, entry: &Value) {
        let Some(full) = entry.get("fullUrl").and_then(Value::as_str) else {
            return;
        };
        if !is_absolute(full) {
            self.error(
                IssueType::Invalid,
                "bundle-fullurl",
                format!("fullUrl must be an absolute URL or a urn:uuid/urn:oid, not \"{full}\""),
            );
            return;
        }
        let (Some(base), Some(res)) = (restful_base(full), entry.get("resource")) else {
            return;
        };
        let expected = &full[base.len() + 1..];
        if let Some(actual) = type_id(res)
            && actual != expected
        {
            self.error(
                IssueType::Invalid,
                "bundle-fullurl",
                format!(
                    "fullUrl \"{full}\" is a RESTful URL, so it must end with the resource's type and id ({actual})"
                ),
            );
        }
    }

    fn link_relations(&mut self, bundle: &Map<String, Value>) {
        let links = bundle
            .get("link")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, link) in links.iter().enumerate() {
            let Some(relation) = link.get("relation").and_then(Value::as_str) else {
                continue;
            };
            if let Some(first) = seen.insert(relation, i) {
                self.push("link", Some(i), false);
                self.error(
                    IssueType::Invalid,
                    "bundle-link",
                    format!(
                        "link relation \"{relation}\" occurs more than once (also link[{first}])"
                    ),
                );
                self.pop();
            }
        }
    }

    /// A search result: matches have ids and the searched type; outcomes are OperationOutcomes.
    fn search_entry(&mut self, bundle: &Map<String, Value>, entry: &Value) {
        let Some(res) = entry.get("resource") else {
            return;
        };
        let rt = res
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mode = entry
            .pointer("/search/mode")
            .and_then(Value::as_str)
            .unwrap_or_default();
        self.push("resource", None, false);
        match mode {
            "match" => {
                if res.get("id").is_none() {
                    self.error(
                        IssueType::Required,
                        "bundle-search",
                        "a search result (search.mode = match) must have an id".into(),
                    );
                }
                let searched = searched_types(bundle);
                if !searched.is_empty() && !searched.iter().any(|t| t == rt) {
                    self.error(
                        IssueType::Invalid,
                        "bundle-search",
                        format!(
                            "{rt} is not a result of this search (the self link searches {})",
                            searched.join(", ")
                        ),
                    );
                }
            }
            "outcome" if rt != "OperationOutcome" => self.error(
                IssueType::Invalid,
                "bundle-search",
                format!(
                    "an entry with search.mode = outcome must be an OperationOutcome, not a {rt}"
                ),
            ),
            _ => {}
        }
        self.pop();
    }

    /// Every reference of a document's Composition (subject, authors, attesters, custodian,
    /// encounter, section authors, focus and entries) must resolve inside the Bundle; a
    /// message's MessageHeader.focus likewise.
    fn document_references(&mut self, composition: &'a Value) {
        for field in ["subject", "encounter", "author", "custodian"] {
            self.references_in(composition, composition, field, field);
        }
        if let Some(attesters) = composition.get("attester").and_then(Value::as_array) {
            for (i, a) in attesters.iter().enumerate() {
                self.push("attester", Some(i), false);
                self.references_in(composition, a, "party", "attester");
                self.pop();
            }
        }
        self.sections(composition, composition);
    }

    fn sections(&mut self, composition: &'a Value, holder: &'a Value) {
        let Some(sections) = holder.get("section").and_then(Value::as_array) else {
            return;
        };
        for (i, section) in sections.iter().enumerate() {
            self.push("section", Some(i), false);
            self.references_in(composition, section, "author", "section author");
            self.references_in(composition, section, "focus", "section focus");
            self.references_in(composition, section, "entry", "section entry");
            self.sections(composition, section);
            self.pop();
        }
    }

    /// Checks the references in `holder[field]` (one or an array) of the entry resource
    /// `from` resolve in the Bundle (an ambiguous one is reported where it is walked).
    fn references_in(&mut self, from: &'a Value, holder: &'a Value, field: &str, role: &str) {
        let (values, is_array): (&[Value], bool) = match holder.get(field) {
            Some(Value::Array(a)) => (a.as_slice(), true),
            Some(v) => (std::slice::from_ref(v), false),
            None => return,
        };
        for (i, v) in values.iter().enumerate() {
            let Some(r) = v.get("reference").and_then(Value::as_str) else {
                continue;
            };
            if r.starts_with('#') {
                continue;
            }
            let Some(index) = self.bundles.last().map(|b| b.1.clone()) else {
                return;
            };
            let Resolution::NotFound { near } = index.resolve(r, Some(from)) else {
                continue;
            };
            self.push(field, is_array.then_some(i), false);
            let why = match near {
                0 => "a document or message must hold what its header refers to".to_string(),
                1 => {
                    "an entry with the same type and id does not match by the fullUrl rules".into()
                }
                n => format!(
                    "{n} entries with the same type and id do not match by the fullUrl rules"
                ),
            };
            self.error(
                IssueType::NotFound,
                "bundle-reference",
                format!("'{r}' ({role}) is not in the Bundle: {why}"),
            );
            self.pop();
        }
    }
}

fn entries(bundle: &Map<String, Value>) -> &[Value] {
    bundle
        .get("entry")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn type_id(res: &Value) -> Option<String> {
    Some(format!(
        "{}/{}",
        res.get("resourceType")?.as_str()?,
        res.get("id")?.as_str()?
    ))
}

fn version_of(res: &Value) -> Option<&str> {
    res.pointer("/meta/versionId").and_then(Value::as_str)
}

/// Absolute: a scheme (`http:`, `urn:`, …) before any `/`.
pub(crate) fn is_absolute(url: &str) -> bool {
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
fn restful_base(full: &str) -> Option<&str> {
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
fn literal_type_id(reference: &str) -> Option<String> {
    let mut parts = reference.rsplitn(3, '/');
    let id = parts.next()?;
    let ty = parts.next()?;
    Some(format!("{ty}/{id}"))
}

/// The resource types a searchset's self link searches (`Patient?…`, `?_type=A,B`).
fn searched_types(bundle: &Map<String, Value>) -> Vec<String> {
    let Some(url) = bundle
        .get("link")
        .and_then(Value::as_array)
        .and_then(|links| {
            links
                .iter()
                .find(|l| l.get("relation").and_then(Value::as_str) == Some("self"))
        })
        .and_then(|l| l.get("url"))
        .and_then(Value::as_str)
    else {
        return Vec::new();
    };
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let last = path.rsplit('/').next().unwrap_or(path);
    if last.starts_with(|c: char| c.is_ascii_uppercase())
        && last.chars().all(|c| c.is_ascii_alphabetic())
    {
        return vec![last.to_string()];
    }
    query
        .split('&')
        .find_map(|p| p.strip_prefix("_type="))
        .map(|types| types.split(',').map(str::to_string).collect())
        .unwrap_or_default()
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
