//! The rules on a Bundle as a whole: absolute fullUrls that agree with the resource id,
//! unique link relations, search results, and documents and messages whose references
//! must resolve inside the Bundle.

use super::Walk;
use super::bundle_index::{Resolution, entries, is_absolute, restful_base, type_id};
use samsvar_diagnostics::IssueType;
use serde_json::{Map, Value};
use std::collections::HashMap;

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
