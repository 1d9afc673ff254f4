//! Things compiled once per run and shared by every step: FHIRPath expressions,
//! regular expressions and JSON Schemas.

use regex::Regex;
use samsvar_fhirpath::Expression;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

type Cache<K, V> = Mutex<HashMap<K, Result<V, String>>>;

#[derive(Default)]
pub struct Caches {
    fhirpath: Cache<String, Expression>,
    regex: Cache<String, Regex>,
    schemas: Cache<PathBuf, Arc<jsonschema::Validator>>,
}

impl Caches {
    pub fn fhirpath(&self, src: &str) -> Result<Expression, String> {
        cached(&self.fhirpath, src.to_string(), || {
            Expression::parse(src).map_err(|e| e.to_string())
        })
    }

    pub fn regex(&self, src: &str) -> Result<Regex, String> {
        cached(&self.regex, src.to_string(), || {
            Regex::new(src).map_err(|e| format!("failed to compile regex `{src}`: {e}"))
        })
    }

    /// Loads and compiles a JSON Schema file once per run.
    pub fn schema(&self, path: &Path) -> Result<Arc<jsonschema::Validator>, String> {
        cached(&self.schemas, path.to_path_buf(), || {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("failed to read JSON Schema {}: {e}", path.display()))?;
            let value: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| format!("failed to parse JSON Schema {}: {e}", path.display()))?;
            jsonschema::validator_for(&value)
                .map(Arc::new)
                .map_err(|e| format!("failed to compile JSON Schema {}: {e}", path.display()))
        })
    }
}

fn cached<K, V>(
    cache: &Cache<K, V>,
    key: K,
    make: impl FnOnce() -> Result<V, String>,
) -> Result<V, String>
where
    K: std::hash::Hash + Eq,
    V: Clone,
{
    if let Ok(map) = cache.lock()
        && let Some(hit) = map.get(&key)
    {
        return hit.clone();
    }
    let made = make();
    if let Ok(mut map) = cache.lock() {
        map.insert(key, made.clone());
    }
    made
}
