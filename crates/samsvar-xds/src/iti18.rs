//! ITI-18 Registry Stored Query: request building and reading, response reading.

use crate::ebrim::{
    ObjectList, RegistryResponse, read_object_list, read_registry_response, write_object_list,
    write_registry_response,
};
use crate::error::XdsError;
use crate::ns::{QUERY, RIM, RS};
use crate::vocab;
use crate::xml::Element;
use serde::Deserialize;

/// `ObjectRef` returns references only; `LeafClass` returns full objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum ReturnType {
    ObjectRef,
    #[default]
    LeafClass,
}

impl ReturnType {
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnType::ObjectRef => "ObjectRef",
            ReturnType::LeafClass => "LeafClass",
        }
    }
}

/// A stored query: id (or name), parameters, return type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredQuery {
    /// Stored query id (`urn:uuid:…`).
    pub id: String,
    /// Parameter name (with `$`) → values as they go into `rim:Value` (already quoted).
    pub params: Vec<(String, Vec<String>)>,
    pub return_type: ReturnType,
}

impl StoredQuery {
    /// A query by name (`FindDocuments`, …) or id.
    pub fn new(name_or_id: &str, return_type: ReturnType) -> Result<Self, XdsError> {
        // A raw `urn:uuid:` id that is not a known query goes out as written, so suites can
        // check how a registry answers unknown stored queries.
        let raw = name_or_id.starts_with("urn:uuid:").then_some(name_or_id);
        let id = vocab::query::id_for(name_or_id).or(raw).ok_or_else(|| {
            let names: Vec<&str> = vocab::query::ALL.iter().map(|(n, _)| *n).collect();
            XdsError::Build(format!(
                "unknown stored query `{name_or_id}`; known: {}",
                names.join(", ")
            ))
        })?;
        Ok(StoredQuery {
            id: id.to_string(),
            params: Vec::new(),
            return_type,
        })
    }

    /// Add a parameter with one value; quoted as a string unless already quoted or a list.
    pub fn param(mut self, name: &str, value: &str) -> Self {
        self.params
            .push((param_name(name), vec![quote_single(value)]));
        self
    }

    /// Add a multi-valued parameter: `('a','b')`.
    pub fn param_list(mut self, name: &str, values: &[String]) -> Self {
        let inner: Vec<String> = values.iter().map(|v| quote(v)).collect();
        self.params
            .push((param_name(name), vec![format!("({})", inner.join(","))]));
        self
    }

    /// The stored query's name, when known.
    pub fn name(&self) -> Option<&'static str> {
        vocab::query::name_of(&self.id)
    }
}

fn param_name(name: &str) -> String {
    if name.starts_with('$') {
        name.to_string()
    } else {
        format!("${name}")
    }
}

fn quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "''"))
}

/// Quote a single value unless it is already a quoted string, a list, or a number.
fn quote_single(v: &str) -> String {
    let t = v.trim();
    if t.starts_with('\'')
        || t.starts_with('(')
        || (!t.is_empty() && t.chars().all(|c| c.is_ascii_digit()))
    {
        t.to_string()
    } else {
        quote(t)
    }
}

/// Split a stored query parameter value into its items: `'a'` → `[a]`; `('a','b')` → `[a, b]`.
pub fn parse_param_values(raw: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for v in raw {
        let t = v.trim();
        let inner = t
            .strip_prefix('(')
            .and_then(|s| s.strip_suffix(')'))
            .unwrap_or(t);
        let mut current = String::new();
        let mut in_quote = false;
        let mut chars = inner.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\'' if in_quote && chars.peek() == Some(&'\'') => {
                    current.push('\'');
                    chars.next();
                }
                '\'' => in_quote = !in_quote,
                ',' if !in_quote => {
                    out.push(current.trim().to_string());
                    current.clear();
                }
                _ => current.push(c),
            }
        }
        if !current.trim().is_empty() {
            out.push(current.trim().to_string());
        }
    }
    out
}

/// The `query:AdhocQueryRequest` body.
pub fn request_body(q: &StoredQuery) -> Element {
    let mut adhoc = Element::new(RIM, "rim", "AdhocQuery")
        .decl("rim", RIM)
        .attr("id", q.id.clone());
    for (name, values) in &q.params {
        let mut vl = Element::new(RIM, "rim", "ValueList");
        for v in values {
            vl.children
                .push(Element::new(RIM, "rim", "Value").text(v.clone()));
        }
        adhoc.children.push(
            Element::new(RIM, "rim", "Slot")
                .attr("name", name.clone())
                .child(vl),
        );
    }
    Element::new(QUERY, "query", "AdhocQueryRequest")
        .decl("query", QUERY)
        .child(
            Element::new(QUERY, "query", "ResponseOption")
                .attr("returnType", q.return_type.as_str())
                .attr("returnComposedObjects", "true"),
        )
        .child(adhoc)
}

/// Read an AdhocQueryRequest (for simulators).
pub fn read_request(body: &Element) -> Result<StoredQuery, XdsError> {
    if !body.is(QUERY, "AdhocQueryRequest") {
        return Err(XdsError::Message(format!(
            "expected query:AdhocQueryRequest, found <{}>",
            body.qname()
        )));
    }
    let return_type = match body
        .first_child(QUERY, "ResponseOption")
        .and_then(|r| r.get_attr("returnType"))
    {
        Some("ObjectRef") => ReturnType::ObjectRef,
        _ => ReturnType::LeafClass,
    };
    let adhoc = body
        .first_child(RIM, "AdhocQuery")
        .ok_or_else(|| XdsError::Message("the request has no rim:AdhocQuery".into()))?;
    let params = adhoc
        .children_named(RIM, "Slot")
        .map(|s| {
            let values = s
                .first_child(RIM, "ValueList")
                .map(|vl| {
                    vl.children_named(RIM, "Value")
                        .map(|v| v.text_trimmed().to_string())
                        .collect()
                })
                .unwrap_or_default();
            (s.get_attr("name").unwrap_or_default().to_string(), values)
        })
        .collect();
    Ok(StoredQuery {
        id: adhoc.get_attr("id").unwrap_or_default().to_string(),
        params,
        return_type,
    })
}

/// A read AdhocQueryResponse.
#[derive(Debug, Clone)]
pub struct QueryResponse {
    pub response: RegistryResponse,
    pub objects: ObjectList,
}

pub const RESPONSE_LIST_PATH: &str = "/Envelope/Body/AdhocQueryResponse/RegistryObjectList";

/// Read a `query:AdhocQueryResponse` body.
pub fn read_response(body: &Element) -> Result<QueryResponse, XdsError> {
    if !body.is(QUERY, "AdhocQueryResponse") {
        return Err(XdsError::Message(format!(
            "expected query:AdhocQueryResponse, found <{}>",
            body.qname()
        )));
    }
    let response = read_registry_response(body).ok_or_else(|| {
        XdsError::Message("the AdhocQueryResponse has no valid status attribute".into())
    })?;
    let objects = body
        .first_child(RIM, "RegistryObjectList")
        .map(|l| read_object_list(l, RESPONSE_LIST_PATH))
        .unwrap_or_default();
    Ok(QueryResponse { response, objects })
}

/// A `query:AdhocQueryResponse` body (for simulators).
pub fn response_body(response: &RegistryResponse, objects: &ObjectList) -> Element {
    let base = Element::new(QUERY, "query", "AdhocQueryResponse")
        .decl("query", QUERY)
        .decl("rs", RS)
        .decl("rim", RIM);
    let mut el = write_registry_response(base, response);
    el.children.push(write_object_list(objects));
    el
}
