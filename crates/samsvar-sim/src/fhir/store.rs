//! A versioned in-memory store for resources of any type.
//!
//! Every version is kept (for vread and history) behind an `Arc`, together with its
//! serialized bytes, so a read clones two pointers under a short read lock and writes the
//! bytes without serializing again. The lock is a std `RwLock`, never held across an await.

use bytes::Bytes;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use time::OffsetDateTime;

use super::time_format::fhir_instant;

/// A resource as stored: the parsed JSON (for search) and its serialized form (for answers).
#[derive(Debug)]
pub struct StoredResource {
    pub json: Value,
    pub bytes: Bytes,
}

/// One version of a resource; `resource` is `None` for the version that records a delete.
#[derive(Debug)]
pub struct Version {
    pub id: String,
    pub version_id: u64,
    pub last_updated: OffsetDateTime,
    /// Store-wide write order, for stable search results.
    pub seq: u64,
    pub resource: Option<StoredResource>,
}

impl Version {
    pub fn etag(&self) -> String {
        format!("W/\"{}\"", self.version_id)
    }
}

/// The answer to a read.
#[derive(Debug)]
pub enum Lookup {
    Found(Arc<Version>),
    Deleted,
    NotFound,
}

/// Why a write was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum WriteError {
    /// `If-Match` named a version that is not the current one.
    VersionConflict { current: Option<u64> },
}

#[derive(Debug, Default)]
struct History {
    versions: Vec<Arc<Version>>,
}

impl History {
    fn current(&self) -> Option<&Arc<Version>> {
        self.versions.last()
    }
}

/// The store: resource type → id → history.
#[derive(Debug, Default)]
pub struct Store {
    types: RwLock<HashMap<String, HashMap<String, History>>>,
    seq: AtomicU64,
}

/// How an update should be applied.
#[derive(Debug, Clone, Copy, Default)]
pub struct UpdateMode {
    /// Required current version (`If-Match`).
    pub if_match: Option<u64>,
    /// Keep the previous version number instead of incrementing it (a defect).
    pub keep_version: bool,
}

impl Store {
    pub fn new() -> Self {
        Self::default()
    }

    fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed)
    }

    /// Build a version: stamp `id` and `meta`, serialize once.
    fn stamp(&self, id: &str, version_id: u64, mut resource: Map<String, Value>) -> Version {
        let now = OffsetDateTime::now_utc();
        resource.insert("id".into(), Value::String(id.to_string()));
        let meta = resource
            .entry("meta")
            .or_insert_with(|| Value::Object(Map::new()));
        if !meta.is_object() {
            *meta = Value::Object(Map::new());
        }
        if let Value::Object(meta) = meta {
            meta.insert("versionId".into(), Value::String(version_id.to_string()));
            meta.insert("lastUpdated".into(), Value::String(fhir_instant(now)));
        }
        let json = reorder_resource_type_first(resource);
        let bytes = Bytes::from(serde_json::to_vec(&json).unwrap_or_default());
        Version {
            id: id.to_string(),
            version_id,
            last_updated: now,
            seq: self.next_seq(),
            resource: Some(StoredResource { json, bytes }),
        }
    }

    /// Store a new resource under a fresh server-assigned id (any `id` in the body is replaced).
    pub fn create(&self, resource_type: &str, resource: Map<String, Value>) -> Arc<Version> {
        let id = uuid::Uuid::new_v4().to_string();
        let version = Arc::new(self.stamp(&id, 1, resource));
        let mut types = self.types.write().unwrap_or_else(PoisonError::into_inner);
        types
            .entry(resource_type.to_string())
            .or_default()
            .entry(id)
            .or_default()
            .versions
            .push(version.clone());
        version
    }

    /// Create or update `resource_type/id`. Returns the new version and whether it was created
    /// (no live version existed before).
    pub fn update(
        &self,
        resource_type: &str,
        id: &str,
        resource: Map<String, Value>,
        mode: UpdateMode,
    ) -> Result<(Arc<Version>, bool), WriteError> {
        let mut types = self.types.write().unwrap_or_else(PoisonError::into_inner);
        let history = types
            .entry(resource_type.to_string())
            .or_default()
            .entry(id.to_string())
            .or_default();
        let current = history.current();
        let live = current.filter(|v| v.resource.is_some());
        if let Some(wanted) = mode.if_match
            && live.map(|v| v.version_id) != Some(wanted)
        {
            return Err(WriteError::VersionConflict {
                current: live.map(|v| v.version_id),
            });
        }
        let previous = current.map(|v| v.version_id).unwrap_or(0);
        let version_id = if mode.keep_version && previous > 0 {
            previous
        } else {
            previous + 1
        };
        let created = live.is_none();
        let version = Arc::new(self.stamp(id, version_id, resource));
        history.versions.push(version.clone());
        Ok((version, created))
    }

    /// Mark `resource_type/id` deleted. `Ok(true)` when a live resource was deleted,
    /// `Ok(false)` when it was already deleted, `Err(None)` when it never existed.
    pub fn delete(
        &self,
        resource_type: &str,
        id: &str,
        if_match: Option<u64>,
    ) -> Result<bool, Option<WriteError>> {
        let mut types = self.types.write().unwrap_or_else(PoisonError::into_inner);
        let Some(history) = types.get_mut(resource_type).and_then(|t| t.get_mut(id)) else {
            return Err(None);
        };
        let Some(current) = history.current() else {
            return Err(None);
        };
        if current.resource.is_none() {
            return Ok(false);
        }
        if let Some(wanted) = if_match
            && current.version_id != wanted
        {
            return Err(Some(WriteError::VersionConflict {
                current: Some(current.version_id),
            }));
        }
        let tombstone = Version {
            id: id.to_string(),
            version_id: current.version_id + 1,
            last_updated: OffsetDateTime::now_utc(),
            seq: self.next_seq(),
            resource: None,
        };
        history.versions.push(Arc::new(tombstone));
        Ok(true)
    }

    /// The current version of `resource_type/id`.
    pub fn read(&self, resource_type: &str, id: &str) -> Lookup {
        let types = self.types.read().unwrap_or_else(PoisonError::into_inner);
        match types
            .get(resource_type)
            .and_then(|t| t.get(id))
            .and_then(History::current)
        {
            Some(v) if v.resource.is_some() => Lookup::Found(v.clone()),
            Some(_) => Lookup::Deleted,
            None => Lookup::NotFound,
        }
    }

    /// A specific version of `resource_type/id`.
    pub fn vread(&self, resource_type: &str, id: &str, version_id: u64) -> Lookup {
        let types = self.types.read().unwrap_or_else(PoisonError::into_inner);
        match types
            .get(resource_type)
            .and_then(|t| t.get(id))
            .and_then(|h| h.versions.iter().find(|v| v.version_id == version_id))
        {
            Some(v) if v.resource.is_some() => Lookup::Found(v.clone()),
            Some(_) => Lookup::Deleted,
            None => Lookup::NotFound,
        }
    }

    /// Every version of `resource_type/id`, newest first; empty when it never existed.
    pub fn history(&self, resource_type: &str, id: &str) -> Vec<Arc<Version>> {
        let types = self.types.read().unwrap_or_else(PoisonError::into_inner);
        types
            .get(resource_type)
            .and_then(|t| t.get(id))
            .map(|h| h.versions.iter().rev().cloned().collect())
            .unwrap_or_default()
    }

    /// The live resources of a type that satisfy `keep`, in write order.
    pub fn search(
        &self,
        resource_type: &str,
        keep: impl Fn(&Version) -> bool,
    ) -> Vec<Arc<Version>> {
        let mut found: Vec<Arc<Version>> = {
            let types = self.types.read().unwrap_or_else(PoisonError::into_inner);
            let Some(resources) = types.get(resource_type) else {
                return Vec::new();
            };
            resources
                .values()
                .filter_map(History::current)
                .filter(|v| v.resource.is_some() && keep(v))
                .cloned()
                .collect()
        };
        found.sort_by_key(|v| v.seq);
        found
    }
}

/// FHIR JSON convention: `resourceType` first (serde_json keeps insertion order here).
fn reorder_resource_type_first(resource: Map<String, Value>) -> Value {
    let mut ordered = Map::with_capacity(resource.len());
    let mut rest = resource;
    // shift_remove keeps the order of the remaining members (remove would swap the last in).
    if let Some(rt) = rest.shift_remove("resourceType") {
        ordered.insert("resourceType".into(), rt);
    }
    if let Some(id) = rest.shift_remove("id") {
        ordered.insert("id".into(), id);
    }
    if let Some(meta) = rest.shift_remove("meta") {
        ordered.insert("meta".into(), meta);
    }
    ordered.extend(rest);
    Value::Object(ordered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patient() -> Map<String, Value> {
        match json!({"resourceType": "Patient", "name": [{"family": "Nordmann"}]}) {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    const PLAIN: UpdateMode = UpdateMode {
        if_match: None,
        keep_version: false,
    };

    #[test]
    fn versions_deletes_and_if_match() {
        let store = Store::new();
        let v1 = store.create("Patient", patient());
        assert_eq!(v1.version_id, 1);
        let (v2, created) = store.update("Patient", &v1.id, patient(), PLAIN).unwrap();
        assert!(!created);
        assert_eq!(v2.version_id, 2);
        let stale = UpdateMode {
            if_match: Some(1),
            keep_version: false,
        };
        assert_eq!(
            store
                .update("Patient", &v1.id, patient(), stale)
                .unwrap_err(),
            WriteError::VersionConflict { current: Some(2) }
        );
        assert!(matches!(
            store.vread("Patient", &v1.id, 1),
            Lookup::Found(_)
        ));
        assert_eq!(store.delete("Patient", &v1.id, None), Ok(true));
        assert_eq!(store.delete("Patient", &v1.id, None), Ok(false));
        assert!(matches!(store.read("Patient", &v1.id), Lookup::Deleted));
        assert!(store.search("Patient", |_| true).is_empty());
        assert_eq!(store.history("Patient", &v1.id).len(), 3);
        assert_eq!(store.delete("Patient", "nope", None), Err(None));
    }

    #[test]
    fn stamped_json_starts_with_resource_type_and_carries_meta() {
        let store = Store::new();
        let v = store.create("Patient", patient());
        let text = std::str::from_utf8(&v.resource.as_ref().unwrap().bytes).unwrap();
        assert!(
            text.starts_with("{\"resourceType\":\"Patient\",\"id\":"),
            "{text}"
        );
        assert!(text.contains("\"versionId\":\"1\""), "{text}");
    }
}
