//! Local ValueSet expansion: enumerated concepts, whole local CodeSystems and simple
//! hierarchy filters. Systems that cannot be enumerated offline (SNOMED CT, LOINC, UCUM,
//! any system whose CodeSystem is not in the loaded packages or is not `complete`) make
//! membership `Unknown`, never a failure.

use crate::definitions::Definitions;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Membership {
    Member,
    NotMember,
    /// The set cannot be checked offline (reason).
    Unknown(String),
}

#[derive(Debug, Default)]
pub struct Expansion {
    codes: HashSet<(String, String)>,
    /// Systems included without an enumerable list.
    open_systems: HashSet<String>,
}

impl Expansion {
    pub fn contains(&self, system: Option<&str>, code: &str) -> Membership {
        match system {
            Some(s) => {
                if self.codes.contains(&(s.to_string(), code.to_string())) {
                    Membership::Member
                } else if self.open_systems.contains(s) {
                    Membership::Unknown(format!("codes of {s} cannot be checked offline"))
                } else {
                    Membership::NotMember
                }
            }
            None => {
                if self.codes.iter().any(|(_, c)| c == code) {
                    Membership::Member
                } else if !self.open_systems.is_empty() {
                    Membership::Unknown(
                        "the value set includes systems not available offline".into(),
                    )
                } else {
                    Membership::NotMember
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty() && self.open_systems.is_empty()
    }
}

/// The concepts of one complete local CodeSystem: code → displays (the concept's display
/// first, then its designations).
#[derive(Debug, Default)]
pub struct CodeSystemIndex {
    pub url: String,
    pub version: Option<String>,
    pub case_sensitive: bool,
    concepts: HashMap<String, Vec<String>>,
}

/// What a local CodeSystem says of a code.
#[derive(Debug, PartialEq, Eq)]
pub enum CodeLookup<'a> {
    /// The code exists; its known displays (possibly none).
    Found(&'a [String]),
    NotFound,
}

impl CodeSystemIndex {
    fn build(cs: &Value) -> CodeSystemIndex {
        let mut index = CodeSystemIndex {
            url: cs
                .get("url")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            version: cs
                .get("version")
                .and_then(Value::as_str)
                .map(str::to_string),
            case_sensitive: cs
                .get("caseSensitive")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            concepts: HashMap::new(),
        };
        index.add(arr(cs, "concept"));
        index
    }

    fn add(&mut self, concepts: &[Value]) {
        for c in concepts {
            if let Some(code) = c.get("code").and_then(Value::as_str) {
                let mut displays: Vec<String> = c
                    .get("display")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .into_iter()
                    .collect();
                displays.extend(
                    arr(c, "designation")
                        .iter()
                        .filter_map(|d| d.get("value").and_then(Value::as_str))
                        .map(str::to_string),
                );
                let key = if self.case_sensitive {
                    code.to_string()
                } else {
                    code.to_lowercase()
                };
                self.concepts.insert(key, displays);
            }
            self.add(arr(c, "concept"));
        }
    }

    pub fn lookup(&self, code: &str) -> CodeLookup<'_> {
        let found = if self.case_sensitive {
            self.concepts.get(code)
        } else {
            self.concepts.get(&code.to_lowercase())
        };
        match found {
            Some(displays) => CodeLookup::Found(displays),
            None => CodeLookup::NotFound,
        }
    }
}

/// Expands and caches value sets, and indexes complete local CodeSystems; shared across
/// threads.
#[derive(Default)]
pub struct Terminology {
    cache: RwLock<HashMap<String, Arc<Result<Expansion, String>>>>,
    code_systems: RwLock<HashMap<String, Option<Arc<CodeSystemIndex>>>>,
}

const MAX_DEPTH: usize = 10;

impl Terminology {
    pub fn expansion(&self, defs: &Definitions, url: &str) -> Arc<Result<Expansion, String>> {
        if let Ok(cache) = self.cache.read()
            && let Some(hit) = cache.get(url)
        {
            return hit.clone();
        }
        let result = Arc::new(expand(defs, url, 0));
        if let Ok(mut cache) = self.cache.write() {
            cache.insert(url.to_string(), result.clone());
        }
        result
    }
}

impl Terminology {
    /// The index of a loaded CodeSystem with `content = complete` (`None` otherwise:
    /// its codes cannot be checked offline).
    pub fn code_system(&self, defs: &Definitions, system: &str) -> Option<Arc<CodeSystemIndex>> {
        if let Ok(cache) = self.code_systems.read()
            && let Some(hit) = cache.get(system)
        {
            return hit.clone();
        }
        let built = local_code_system(defs, system)
            .filter(|cs| cs.get("supplements").is_none())
            .map(|cs| Arc::new(CodeSystemIndex::build(&cs)));
        if let Ok(mut cache) = self.code_systems.write() {
            cache.insert(system.to_string(), built.clone());
        }
        built
    }
}

fn expand(defs: &Definitions, url: &str, depth: usize) -> Result<Expansion, String> {
    if depth > MAX_DEPTH {
        return Err(format!("value set {url} includes itself too deeply"));
    }
    let vs = defs
        .value_set(url)
        .ok_or_else(|| format!("value set {url} is not available offline"))?;
    let mut out = Expansion::default();
    let Some(compose) = vs.get("compose") else {
        // Pre-expanded sets only.
        if let Some(contains) = vs.get("expansion").and_then(|e| e.get("contains")) {
            add_contains(&mut out, contains);
            return Ok(out);
        }
        return Err(format!("value set {url} has neither compose nor expansion"));
    };
    for include in arr(compose, "include") {
        let mut part = Expansion::default();
        let system = include.get("system").and_then(Value::as_str);
        for nested in arr(include, "valueSet") {
            if let Some(n) = nested.as_str() {
                let e = expand(defs, n, depth + 1)?;
                part.codes.extend(e.codes);
                part.open_systems.extend(e.open_systems);
            }
        }
        if let Some(system) = system {
            let concepts = arr(include, "concept");
            let filters = arr(include, "filter");
            if !concepts.is_empty() {
                for c in concepts {
                    if let Some(code) = c.get("code").and_then(Value::as_str) {
                        part.codes.insert((system.to_string(), code.to_string()));
                    }
                }
            } else {
                match local_code_system(defs, system) {
                    Some(cs) if filters.is_empty() => {
                        for code in all_codes(&cs) {
                            part.codes.insert((system.to_string(), code));
                        }
                    }
                    Some(cs) => match apply_filters(&cs, filters) {
                        Some(codes) => {
                            for code in codes {
                                part.codes.insert((system.to_string(), code));
                            }
                        }
                        None => {
                            part.open_systems.insert(system.to_string());
                        }
                    },
                    None => {
                        part.open_systems.insert(system.to_string());
                    }
                }
            }
        }
        out.codes.extend(part.codes);
        out.open_systems.extend(part.open_systems);
    }
    for exclude in arr(compose, "exclude") {
        if let Some(system) = exclude.get("system").and_then(Value::as_str) {
            for c in arr(exclude, "concept") {
                if let Some(code) = c.get("code").and_then(Value::as_str) {
                    out.codes.remove(&(system.to_string(), code.to_string()));
                }
            }
        }
    }
    Ok(out)
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn add_contains(out: &mut Expansion, contains: &Value) {
    for c in contains.as_array().map(Vec::as_slice).unwrap_or(&[]) {
        if let (Some(s), Some(code)) = (
            c.get("system").and_then(Value::as_str),
            c.get("code").and_then(Value::as_str),
        ) {
            out.codes.insert((s.to_string(), code.to_string()));
        }
        if let Some(nested) = c.get("contains") {
            add_contains(out, nested);
        }
    }
}

/// A CodeSystem we can enumerate: loaded and `content = complete`.
fn local_code_system(defs: &Definitions, system: &str) -> Option<Arc<Value>> {
    let cs = defs.code_system(system)?;
    (cs.get("content").and_then(Value::as_str) == Some("complete")).then_some(cs)
}

fn all_codes(cs: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect(arr(cs, "concept"), &mut out);
    out
}

fn collect(concepts: &[Value], out: &mut Vec<String>) {
    for c in concepts {
        if let Some(code) = c.get("code").and_then(Value::as_str) {
            out.push(code.to_string());
        }
        collect(arr(c, "concept"), out);
    }
}

/// Supports `concept is-a X`, `descendent-of X` and `concept = X` over the nested hierarchy.
fn apply_filters(cs: &Value, filters: &[Value]) -> Option<HashSet<String>> {
    let mut result: Option<HashSet<String>> = None;
    for f in filters {
        let property = f.get("property").and_then(Value::as_str)?;
        let op = f.get("op").and_then(Value::as_str)?;
        let value = f.get("value").and_then(Value::as_str)?;
        if property != "concept" && property != "code" {
            return None;
        }
        let node = find(arr(cs, "concept"), value)?;
        let mut set = HashSet::new();
        match op {
            "is-a" => {
                set.insert(value.to_string());
                let mut v = Vec::new();
                collect(arr(node, "concept"), &mut v);
                set.extend(v);
            }
            "descendent-of" => {
                let mut v = Vec::new();
                collect(arr(node, "concept"), &mut v);
                set.extend(v);
            }
            "=" => {
                set.insert(value.to_string());
            }
            _ => return None,
        }
        result = Some(match result {
            None => set,
            Some(prev) => prev.intersection(&set).cloned().collect(),
        });
    }
    result
}

fn find<'a>(concepts: &'a [Value], code: &str) -> Option<&'a Value> {
    for c in concepts {
        if c.get("code").and_then(Value::as_str) == Some(code) {
            return Some(c);
        }
        if let Some(found) = find(arr(c, "concept"), code) {
            return Some(found);
        }
    }
    None
}
