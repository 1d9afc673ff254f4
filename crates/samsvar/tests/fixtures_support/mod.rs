//! Reading the synthetic population in `fixtures/` (manifest `fixtures/index.json`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod norwegian_ids;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The manifest's lists of population resources, by resource type.
pub const POPULATION_LISTS: [(&str, &str); 4] = [
    ("patients", "Patient"),
    ("practitioners", "Practitioner"),
    ("practitionerRoles", "PractitionerRole"),
    ("organizations", "Organization"),
];

pub fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .canonicalize()
        .expect("the fixtures/ folder sits at the workspace root")
}

pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("failed to read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

pub struct Fixtures {
    pub root: PathBuf,
    pub manifest: Value,
}

impl Fixtures {
    pub fn load() -> Fixtures {
        let root = fixtures_root();
        let manifest = read_json(&root.join("index.json"));
        Fixtures { root, manifest }
    }

    pub fn list(&self, key: &str) -> &Vec<Value> {
        self.manifest[key]
            .as_array()
            .unwrap_or_else(|| panic!("index.json: `{key}` is not a list"))
    }

    /// Every manifest entry that names a file: population resources, then documents.
    pub fn file_entries(&self) -> Vec<&Value> {
        POPULATION_LISTS
            .iter()
            .flat_map(|(list, _)| self.list(list))
            .chain(self.list("documents"))
            .collect()
    }

    pub fn path(&self, entry: &Value) -> PathBuf {
        let file = entry["file"]
            .as_str()
            .unwrap_or_else(|| panic!("index.json: entry without `file`: {entry}"));
        self.root.join(file)
    }

    pub fn file(&self, entry: &Value) -> Value {
        read_json(&self.path(entry))
    }

    pub fn full_url_base(&self) -> &str {
        self.manifest["fullUrlBase"]
            .as_str()
            .expect("index.json: `fullUrlBase`")
    }

    /// Every population resource by `Type/id`, as stored in its own file.
    pub fn population(&self) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        for (list, _) in POPULATION_LISTS {
            for entry in self.list(list) {
                let reference = entry["reference"].as_str().unwrap().to_string();
                out.insert(reference, self.file(entry));
            }
        }
        out
    }

    /// The fixture packages as `ID@VERSION` (the npm ones included) and the local tarballs.
    pub fn package_specs(&self) -> (Vec<String>, Vec<PathBuf>) {
        let mut specs = Vec::new();
        let mut files = Vec::new();
        for p in self.list("packages") {
            specs.push(format!(
                "{}@{}",
                p["id"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            ));
            if p.get("file").is_some() {
                files.push(self.path(p));
            }
        }
        (specs, files)
    }
}

/// `Type/id` of a resource.
pub fn key(resource: &Value) -> String {
    format!(
        "{}/{}",
        resource["resourceType"].as_str().unwrap_or("?"),
        resource["id"].as_str().unwrap_or("?")
    )
}

/// Every `reference` string anywhere inside a value.
pub fn references(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_references(value, &mut out);
    out
}

fn collect_references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("reference", Value::String(s)) => out.push(s.clone()),
                    _ => collect_references(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_references(v, out)),
        _ => {}
    }
}

/// The `.json` files under `dir`, relative to the fixtures root, sorted.
pub fn json_files_under(root: &Path, dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.join(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// Where two JSON values first differ, as `path: left vs right` (for readable assertion messages).
pub fn first_difference(left: &Value, right: &Value) -> Option<String> {
    fn walk(l: &Value, r: &Value, path: &str) -> Option<String> {
        match (l, r) {
            (Value::Object(a), Value::Object(b)) => {
                let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
                keys.into_iter().find_map(|k| {
                    let p = format!("{path}.{k}");
                    match (a.get(k), b.get(k)) {
                        (Some(x), Some(y)) => walk(x, y, &p),
                        (x, y) => Some(format!("{p}: {x:?} vs {y:?}")),
                    }
                })
            }
            (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
                .iter()
                .zip(b)
                .enumerate()
                .find_map(|(i, (x, y))| walk(x, y, &format!("{path}[{i}]"))),
            _ if l == r => None,
            _ => Some(format!("{path}: {l} vs {r}")),
        }
    }
    walk(left, right, "")
}
