//! Search: parse the parameters, match resources, decide what was ignored.

use serde_json::Value;

use super::search_params::{self, CONTROL, ParamDef, ParamKind};

/// Largest page the simulator returns, whatever `_count` asks.
pub const MAX_COUNT: usize = 1000;
/// Page size when `_count` is absent.
pub const DEFAULT_COUNT: usize = 100;

/// One filter: a known parameter, its modifier and its OR-ed values.
#[derive(Debug, Clone)]
pub struct Filter {
    pub def: &'static ParamDef,
    pub modifier: Modifier,
    pub values: Vec<String>,
    /// The parameter as written (`name:modifier`), for the self link.
    pub raw_name: String,
    pub raw_value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modifier {
    None,
    Exact,
    Contains,
    Not,
    Missing,
}

/// A parsed search request.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub filters: Vec<Filter>,
    pub count: usize,
    pub offset: usize,
    pub summary_count: bool,
    pub sort: Option<(SortKey, bool)>,
    /// Parameters the simulator did not understand (name as written).
    pub ignored: Vec<String>,
    /// Control parameters to repeat in links (`_count`, `_sort`, …).
    pub control: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Id,
    LastUpdated,
}

impl SearchRequest {
    /// Parse `params` for `resource_type`. Unknown names, modifiers and unparseable control
    /// values are collected in `ignored` (the caller decides whether that is an error).
    pub fn parse(resource_type: &str, params: &[(String, String)]) -> Self {
        let mut req = SearchRequest {
            filters: Vec::new(),
            count: DEFAULT_COUNT,
            offset: 0,
            summary_count: false,
            sort: None,
            ignored: Vec::new(),
            control: Vec::new(),
        };
        for (raw_name, value) in params {
            let (name, modifier) = match raw_name.split_once(':') {
                Some((n, m)) => (n, Some(m)),
                None => (raw_name.as_str(), None),
            };
            if CONTROL.contains(&name) {
                if req.apply_control(name, value) {
                    req.control.push((raw_name.clone(), value.clone()));
                } else {
                    req.ignored.push(raw_name.clone());
                }
                continue;
            }
            let Some(def) = search_params::find(resource_type, name) else {
                req.ignored.push(raw_name.clone());
                continue;
            };
            let Some(modifier) = parse_modifier(def.kind, modifier) else {
                req.ignored.push(raw_name.clone());
                continue;
            };
            req.filters.push(Filter {
                def,
                modifier,
                values: split_or_values(value),
                raw_name: raw_name.clone(),
                raw_value: value.clone(),
            });
        }
        req
    }

    /// Returns false when the value is not understood.
    fn apply_control(&mut self, name: &str, value: &str) -> bool {
        match name {
            "_count" => match value.trim().parse::<usize>() {
                Ok(n) => {
                    self.count = n.min(MAX_COUNT);
                    true
                }
                Err(_) => false,
            },
            "_offset" => match value.trim().parse::<usize>() {
                Ok(n) => {
                    self.offset = n;
                    true
                }
                Err(_) => false,
            },
            "_summary" => {
                self.summary_count = value == "count";
                matches!(value, "count" | "false")
            }
            "_sort" => {
                let (key, descending) = match value.strip_prefix('-') {
                    Some(k) => (k, true),
                    None => (value, false),
                };
                let key = match key {
                    "_id" => SortKey::Id,
                    "_lastUpdated" => SortKey::LastUpdated,
                    _ => return false,
                };
                self.sort = Some((key, descending));
                true
            }
            // Only JSON is served; content negotiation already checked `_format`.
            "_format" | "_pretty" => true,
            _ => false,
        }
    }

    /// Does `resource` satisfy every filter (AND), each by any of its values (OR)?
    pub fn matches(&self, resource: &Value) -> bool {
        self.filters.iter().all(|f| filter_matches(f, resource))
    }
}

fn parse_modifier(kind: ParamKind, modifier: Option<&str>) -> Option<Modifier> {
    match (kind, modifier) {
        (_, None) => Some(Modifier::None),
        (_, Some("missing")) => Some(Modifier::Missing),
        (ParamKind::String, Some("exact")) => Some(Modifier::Exact),
        (ParamKind::String, Some("contains")) => Some(Modifier::Contains),
        (ParamKind::Token, Some("not")) => Some(Modifier::Not),
        _ => None,
    }
}

/// Split on unescaped commas; `\,` stays a literal comma.
fn split_or_values(value: &str) -> Vec<String> {
    let mut values = vec![String::new()];
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&',') => {
                chars.next();
                if let Some(last) = values.last_mut() {
                    last.push(',');
                }
            }
            ',' => values.push(String::new()),
            c => {
                if let Some(last) = values.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    values
}

fn filter_matches(filter: &Filter, resource: &Value) -> bool {
    let mut nodes = Vec::new();
    for path in filter.def.paths {
        collect(resource, path, &mut nodes);
    }
    if filter.modifier == Modifier::Missing {
        let want_missing = filter.values.iter().any(|v| v == "true");
        return nodes.is_empty() == want_missing;
    }
    let any = filter
        .values
        .iter()
        .any(|v| nodes.iter().any(|n| node_matches(filter, n, v)));
    if filter.modifier == Modifier::Not {
        // :not matches resources where no value matches (including those without the element).
        let none = !filter
            .values
            .iter()
            .any(|v| nodes.iter().any(|n| token_matches(n, v)));
        return none;
    }
    any
}

fn node_matches(filter: &Filter, node: &Value, wanted: &str) -> bool {
    match filter.def.kind {
        ParamKind::String => string_matches(node, wanted, filter.modifier),
        ParamKind::Token => token_matches(node, wanted),
        ParamKind::Reference(target) => reference_matches(node, wanted, target),
        ParamKind::Date => date_matches(node, wanted),
        ParamKind::Uri => node.as_str() == Some(wanted),
    }
}

/// Follow a dot path, flattening arrays; `name[x]` matches any `nameXxx` choice element.
pub fn collect<'a>(value: &'a Value, path: &str, out: &mut Vec<&'a Value>) {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let Value::Object(map) = value else {
        return;
    };
    let mut children: Vec<&Value> = Vec::new();
    if let Some(prefix) = head.strip_suffix("[x]") {
        for (k, v) in map {
            if k.len() > prefix.len()
                && k.starts_with(prefix)
                && k[prefix.len()..].starts_with(|c: char| c.is_ascii_uppercase())
            {
                children.push(v);
            }
        }
    } else if let Some(v) = map.get(head) {
        children.push(v);
    }
    for child in children {
        let items: Vec<&Value> = match child {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        for item in items {
            match rest {
                Some(rest) => collect(item, rest, out),
                None => out.push(item),
            }
        }
    }
}

fn string_matches(node: &Value, wanted: &str, modifier: Modifier) -> bool {
    let mut strings = Vec::new();
    string_leaves(node, 0, &mut strings);
    let wanted_folded = fold(wanted);
    strings.iter().any(|s| match modifier {
        Modifier::Exact => *s == wanted,
        Modifier::Contains => fold(s).contains(&wanted_folded),
        _ => fold(s).starts_with(&wanted_folded),
    })
}

/// Strings of a value: itself, or the strings inside a HumanName/Address-like object.
fn string_leaves<'a>(node: &'a Value, depth: usize, out: &mut Vec<&'a str>) {
    match node {
        Value::String(s) => out.push(s),
        Value::Array(items) if depth < 3 => {
            for i in items {
                string_leaves(i, depth + 1, out);
            }
        }
        Value::Object(map) if depth < 3 => {
            for (k, v) in map {
                if !matches!(k.as_str(), "use" | "period" | "extension" | "id") {
                    string_leaves(v, depth + 1, out);
                }
            }
        }
        _ => {}
    }
}

/// Case-insensitive comparison form (FHIR also ignores accents; lowercase is our subset).
fn fold(s: &str) -> String {
    s.to_lowercase()
}

fn token_matches(node: &Value, wanted: &str) -> bool {
    let (system, code) = match wanted.split_once('|') {
        Some((s, c)) => (Some(s), c),
        None => (None, wanted),
    };
    let mut candidates: Vec<(Option<&str>, &str)> = Vec::new();
    token_candidates(node, &mut candidates);
    candidates.iter().any(|(cand_system, cand_code)| {
        let system_ok = match system {
            None => true,
            Some("") => cand_system.is_none(),
            Some(s) => *cand_system == Some(s),
        };
        let code_ok = (code.is_empty() && system.is_some()) || *cand_code == code;
        system_ok && code_ok
    })
}

fn token_candidates<'a>(node: &'a Value, out: &mut Vec<(Option<&'a str>, &'a str)>) {
    match node {
        Value::String(s) => out.push((None, s)),
        Value::Bool(true) => out.push((None, "true")),
        Value::Bool(false) => out.push((None, "false")),
        Value::Object(map) => {
            let system = map.get("system").and_then(Value::as_str);
            if let Some(Value::Array(codings)) = map.get("coding") {
                for c in codings {
                    token_candidates(c, out);
                }
            }
            if let Some(code) = map.get("code").and_then(Value::as_str) {
                out.push((system, code));
            }
            if let Some(value) = map.get("value").and_then(Value::as_str) {
                out.push((system, value));
            }
        }
        _ => {}
    }
}

fn reference_matches(node: &Value, wanted: &str, target: Option<&str>) -> bool {
    let Some(reference) = node.get("reference").and_then(Value::as_str) else {
        return false;
    };
    let (ref_type, ref_id) = type_and_id(reference);
    if let (Some(target), Some(ref_type)) = (target, ref_type)
        && target != ref_type
    {
        return false;
    }
    if reference == wanted {
        return true;
    }
    let (wanted_type, wanted_id) = type_and_id(wanted);
    ref_id == wanted_id && (wanted_type.is_none() || wanted_type == ref_type)
}

/// `Patient/123`, `http://x/fhir/Patient/123/_history/2` → (Some("Patient"), "123").
fn type_and_id(reference: &str) -> (Option<&str>, &str) {
    let without_history = match reference.find("/_history/") {
        Some(i) => &reference[..i],
        None => reference,
    };
    let mut parts = without_history.rsplit('/');
    let id = parts.next().unwrap_or_default();
    let resource_type = parts
        .next()
        .filter(|t| t.starts_with(|c: char| c.is_ascii_uppercase()));
    (resource_type, id)
}

fn date_matches(node: &Value, wanted: &str) -> bool {
    let value = match node {
        Value::String(s) => s.as_str(),
        Value::Object(map) => match map
            .get("start")
            .or_else(|| map.get("end"))
            .and_then(Value::as_str)
        {
            Some(s) => s,
            None => return false,
        },
        _ => return false,
    };
    let (prefix, date) = split_date_prefix(wanted);
    let date = strip_zone(date);
    let value = strip_zone(value);
    // ISO 8601 strings order lexicographically; a partial date is the range of values it prefixes.
    let within = value.starts_with(date);
    match prefix {
        "eq" => within,
        "ne" => !within,
        "gt" | "sa" => !within && value > date,
        "lt" | "eb" => !within && value < date,
        "ge" => within || value > date,
        "le" => within || value < date,
        _ => false,
    }
}

fn split_date_prefix(wanted: &str) -> (&str, &str) {
    const PREFIXES: &[&str] = &["eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"];
    match PREFIXES.iter().find(|p| wanted.starts_with(**p)) {
        Some(p) if *p == "ap" => ("eq", &wanted[2..]),
        Some(p) => (p, &wanted[p.len()..]),
        None => ("eq", wanted),
    }
}

/// Drop a trailing `Z` or `±hh:mm`: the simulator compares wall-clock strings (basic support).
fn strip_zone(s: &str) -> &str {
    if let Some(stripped) = s.strip_suffix('Z') {
        return stripped;
    }
    if s.len() > 16 && s.contains('T') {
        let tail = &s[s.len() - 6..];
        if (tail.starts_with('+') || tail.starts_with('-')) && tail.as_bytes().get(3) == Some(&b':')
        {
            return &s[..s.len() - 6];
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn patient() -> Value {
        json!({
            "resourceType": "Patient", "id": "p1",
            "meta": {"lastUpdated": "2026-11-24T10:00:00.000Z"},
            "identifier": [{"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": "13116900216"}],
            "name": [{"family": "Nordmann", "given": ["Kari", "Ingrid"]}],
            "gender": "female", "active": true, "birthDate": "1969-11-13"
        })
    }

    fn check(pairs: &[(&str, &str)]) -> bool {
        SearchRequest::parse("Patient", &params(pairs)).matches(&patient())
    }

    #[test]
    fn string_token_date_and_modifiers() {
        assert!(check(&[("family", "nord")]));
        assert!(!check(&[("family:exact", "nord")]));
        assert!(check(&[("family:exact", "Nordmann")]));
        assert!(check(&[("name", "ingr")]));
        assert!(check(&[("given:contains", "ngri")]));
        assert!(check(&[(
            "identifier",
            "urn:oid:2.16.578.1.12.4.1.4.1|13116900216"
        )]));
        assert!(check(&[("identifier", "13116900216")]));
        assert!(!check(&[("identifier", "|13116900216")]));
        assert!(check(&[("identifier", "urn:oid:2.16.578.1.12.4.1.4.1|")]));
        assert!(check(&[("gender", "male,female")]));
        assert!(!check(&[("gender", "male")]));
        assert!(check(&[("gender:not", "male")]));
        assert!(check(&[("active", "true")]));
        assert!(check(&[("birthdate", "1969")]));
        assert!(check(&[
            ("birthdate", "gt1969-01-01"),
            ("birthdate", "lt1970")
        ]));
        assert!(!check(&[("birthdate", "ge1970")]));
        assert!(check(&[("_lastUpdated", "ge2026-11-24T09:00:00Z")]));
        assert!(check(&[("_id", "p1")]));
        assert!(check(&[("telecom:missing", "true")]));
    }

    #[test]
    fn references_respect_target_type() {
        let obs = json!({"resourceType": "Observation", "subject": {"reference": "Patient/p1"}});
        let m = |pairs: &[(&str, &str)]| {
            SearchRequest::parse("Observation", &params(pairs)).matches(&obs)
        };
        assert!(m(&[("patient", "p1")]));
        assert!(m(&[("subject", "Patient/p1")]));
        assert!(m(&[("subject", "http://example.org/fhir/Patient/p1")]));
        assert!(!m(&[("subject", "Group/p1")]));
        assert!(!m(&[("patient", "p2")]));
    }

    #[test]
    fn unknown_parameters_and_controls() {
        let req = SearchRequest::parse(
            "Patient",
            &params(&[
                ("famly", "x"),
                ("_count", "5"),
                ("name:fuzzy", "y"),
                ("_include", "*"),
            ]),
        );
        assert_eq!(req.ignored, vec!["famly", "name:fuzzy", "_include"]);
        assert_eq!(req.count, 5);
        assert!(req.filters.is_empty());
    }

    #[test]
    fn escaped_commas() {
        assert_eq!(split_or_values(r"a\,b,c"), vec!["a,b", "c"]);
    }
}
