//! In-memory registry (metadata) and repository (document bytes).

use bytes::Bytes;
use samsvar_xds::ebrim::{Association, ExtrinsicObject, ObjectList, RegistryPackage, Slot};
use samsvar_xds::submission::{ProvideAndRegister, sha1_hex};
use samsvar_xds::vocab;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct Store {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
pub struct Inner {
    pub metadata: ObjectList,
    /// Document uniqueId → (mime type, bytes).
    pub documents: HashMap<String, (String, Bytes)>,
}

impl Store {
    /// Run `f` with the store locked. A poisoned lock is recovered: the data is plain values.
    pub fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut guard = match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }
}

impl Inner {
    /// Whether a DocumentEntry with this uniqueId is registered already.
    pub fn has_document_unique_id(&self, unique_id: &str) -> bool {
        self.metadata
            .extrinsic_objects
            .iter()
            .any(|x| x.unique_id() == Some(unique_id))
    }

    /// Register a validated submission: symbolic ids become urn:uuid ids, objects become
    /// Approved, DocumentEntries get repositoryUniqueId, hash and size; documents are stored.
    pub fn register(&mut self, mut sub: ProvideAndRegister, repository_unique_id: &str) {
        let ids = assign_uuids(&mut sub.metadata);
        for d in &mut sub.documents {
            if let Some(new) = ids.get(&d.id) {
                d.id = new.clone();
            }
        }
        let approved = Some(vocab::status::APPROVED.to_string());
        for x in &mut sub.metadata.extrinsic_objects {
            x.obj.status = approved.clone();
            if let Some(doc) = sub.documents.iter().find(|d| d.id == x.obj.id) {
                set_slot(x, "hash", sha1_hex(&doc.data));
                set_slot(x, "size", doc.data.len().to_string());
                set_slot(x, "repositoryUniqueId", repository_unique_id.to_string());
                if let Some(uid) = x.unique_id() {
                    self.documents.insert(
                        uid.to_string(),
                        (x.mime_type.clone().unwrap_or_default(), doc.data.clone()),
                    );
                }
            }
        }
        for p in &mut sub.metadata.packages {
            p.obj.status = approved.clone();
        }
        for a in &mut sub.metadata.associations {
            a.status = approved.clone();
        }
        let m = &mut self.metadata;
        m.extrinsic_objects.extend(sub.metadata.extrinsic_objects);
        m.packages.extend(sub.metadata.packages);
        m.associations.extend(sub.metadata.associations);
        m.classifications.extend(sub.metadata.classifications);
    }

    pub fn package_is(&self, p: &RegistryPackage, kind: samsvar_xds::ebrim::PackageKind) -> bool {
        self.metadata.package_kind(p) == kind
    }

    pub fn associations_from<'a>(
        &'a self,
        source: &'a str,
    ) -> impl Iterator<Item = &'a Association> + 'a {
        self.metadata
            .associations
            .iter()
            .filter(move |a| a.source == source)
    }
}

fn set_slot(x: &mut ExtrinsicObject, name: &str, value: String) {
    match x.obj.slots.iter_mut().find(|s| s.name == name) {
        Some(s) => s.values = vec![value],
        None => x.obj.slots.push(Slot::new(name, vec![value])),
    }
}

/// Replace every id that is not a `urn:uuid:` with a fresh one, and every reference to it.
fn assign_uuids(list: &mut ObjectList) -> HashMap<String, String> {
    let mut map = HashMap::new();
    let mut fresh = |id: &mut String| {
        if !id.starts_with("urn:uuid:") {
            let new = format!("urn:uuid:{}", uuid::Uuid::new_v4());
            map.insert(id.clone(), new.clone());
            *id = new;
        }
    };
    for x in &mut list.extrinsic_objects {
        fresh(&mut x.obj.id);
    }
    for p in &mut list.packages {
        fresh(&mut p.obj.id);
    }
    for a in &mut list.associations {
        fresh(&mut a.id);
    }
    let fix = |s: &mut String| {
        if let Some(n) = map.get(s.as_str()) {
            *s = n.clone();
        }
    };
    let objs = list
        .extrinsic_objects
        .iter_mut()
        .map(|x| &mut x.obj)
        .chain(list.packages.iter_mut().map(|p| &mut p.obj));
    for o in objs {
        for c in &mut o.classifications {
            fix(&mut c.classified_object);
        }
        for e in &mut o.external_identifiers {
            fix(&mut e.registry_object);
        }
    }
    for c in &mut list.classifications {
        fix(&mut c.classified_object);
    }
    for a in &mut list.associations {
        fix(&mut a.source);
        fix(&mut a.target);
    }
    map
}
