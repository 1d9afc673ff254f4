//! Snapshot generation for profiles that ship only a differential: walk the base
//! snapshot, apply each differential element by id (path plus slice names), add slices
//! by copying the sliced element, and unfold a datatype (or its type profile) when the
//! differential constrains inside it.

use super::model::{ElementDef, StructureDef, element_json};
use super::{DefinitionError, Definitions};
use serde_json::{Map, Value};

/// Builds the snapshot of `profile` (its JSON is `profile_json`) from `base`'s snapshot
/// and `profile`'s differential; returns the elements and their JSON.
pub fn generate(
    defs: &Definitions,
    base: &StructureDef,
    profile: &StructureDef,
    profile_json: &Value,
) -> Result<(Vec<ElementDef>, Vec<Value>), DefinitionError> {
    let mut work: Vec<Value> = defs.snapshot_json(base)?.to_vec();
    let fail = |message: String| DefinitionError::Snapshot {
        url: profile.url.clone(),
        message,
    };
    for diff_json in element_json(profile_json, "differential") {
        let id = element_id(diff_json);
        if let Some(i) = position(&work, &id) {
            merge(&mut work[i], diff_json);
            continue;
        }
        let (parent_id, last) = split_last(&id);
        if let Some((unsliced, slice)) = last.rsplit_once(':') {
            // A new slice: copy the sliced element and its descendants.
            let base_id = if parent_id.is_empty() {
                unsliced.to_string()
            } else {
                format!("{parent_id}.{unsliced}")
            };
            let Some(start) = position(&work, &base_id) else {
                return Err(fail(format!(
                    "slice {id} constrains {base_id}, which is not in the base"
                )));
            };
            let end = subtree_end(&work, start, &base_id);
            let mut copies: Vec<Value> = Vec::new();
            for (k, element) in work[start..].iter().enumerate() {
                let eid = element_id(element);
                let in_base = k == 0 || eid.starts_with(&format!("{base_id}."));
                if !in_base {
                    break;
                }
                let mut copy = element.clone();
                let new_id = format!("{id}{}", &eid[base_id.len()..]);
                set(&mut copy, "id", Value::String(new_id));
                if k == 0 {
                    if let Some(o) = copy.as_object_mut() {
                        o.remove("slicing");
                    }
                    set(&mut copy, "sliceName", Value::String(slice.to_string()));
                }
                copies.push(copy);
            }
            let at = end;
            work.splice(at..at, copies);
            if let Some(i) = position(&work, &id) {
                merge(&mut work[i], diff_json);
            }
            continue;
        }
        // A child inside a datatype that the base does not unfold.
        let Some(p) = position(&work, parent_id) else {
            return Err(fail(format!(
                "differential element {id} has no parent {parent_id} in the base"
            )));
        };
        let parent = ElementDef::from_json(&work[p]);
        let Some(t) = parent.types.first() else {
            return Err(fail(format!("element {parent_id} has no type to unfold")));
        };
        let source = match t.profiles.first() {
            Some(profile_url) => defs.structure(profile_url),
            None => defs.type_structure(&t.code),
        }
        .map_err(|e| fail(format!("failed to unfold {parent_id}: {e}")))?;
        let Some(root) = source.snapshot.first() else {
            continue;
        };
        let (root_id, root_path) = (root.id.clone(), root.path.clone());
        let source_json = defs.snapshot_json(&source)?;
        let children: Vec<Value> = source
            .snapshot
            .iter()
            .zip(source_json.iter())
            .skip(1)
            .map(|(e, json)| {
                let mut c = json.clone();
                let cid = format!("{parent_id}{}", &e.id[root_id.len().min(e.id.len())..]);
                let cpath = format!(
                    "{}{}",
                    parent.path,
                    &e.path[root_path.len().min(e.path.len())..]
                );
                set(&mut c, "id", Value::String(cid));
                set(&mut c, "path", Value::String(cpath));
                c
            })
            .collect();
        let at = subtree_end(&work, p, parent_id);
        work.splice(at..at, children);
        if let Some(i) = position(&work, &id) {
            merge(&mut work[i], diff_json);
        } else {
            return Err(fail(format!("failed to place differential element {id}")));
        }
    }
    let elements = work.iter().map(ElementDef::from_json).collect();
    Ok((elements, work))
}

fn element_id(v: &Value) -> String {
    ElementDef::from_json_id(v)
}

impl ElementDef {
    fn from_json_id(v: &Value) -> String {
        match v.get("id").and_then(Value::as_str) {
            Some(id) => id.to_string(),
            None => {
                let path = v.get("path").and_then(Value::as_str).unwrap_or_default();
                match v.get("sliceName").and_then(Value::as_str) {
                    Some(s) => format!("{path}:{s}"),
                    None => path.to_string(),
                }
            }
        }
    }
}

fn position(work: &[Value], id: &str) -> Option<usize> {
    work.iter().position(|e| element_id(e) == id)
}

/// Index just past `work[start]`'s descendants and slices.
fn subtree_end(work: &[Value], start: usize, id: &str) -> usize {
    let dotted = format!("{id}.");
    let sliced = format!("{id}:");
    let mut i = start + 1;
    while i < work.len() {
        let eid = element_id(&work[i]);
        if eid.starts_with(&dotted) || eid.starts_with(&sliced) {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// Splits `A.b:s.c` into (`A.b:s`, `c`), ignoring dots inside slice names' URLs is not needed.
fn split_last(id: &str) -> (&str, &str) {
    match id.rfind('.') {
        Some(i) => (&id[..i], &id[i + 1..]),
        None => ("", id),
    }
}

fn set(v: &mut Value, key: &str, value: Value) {
    if let Some(o) = v.as_object_mut() {
        o.insert(key.to_string(), value);
    }
}

/// Applies a differential element's constraints to a snapshot element.
fn merge(target: &mut Value, diff: &Value) {
    let (Some(t), Some(d)) = (target.as_object_mut(), diff.as_object()) else {
        return;
    };
    for (k, v) in d {
        match k.as_str() {
            "id" | "path" => {}
            "constraint" => {
                let mut all = t
                    .get("constraint")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if let Some(extra) = v.as_array() {
                    all.extend(extra.iter().cloned());
                }
                t.insert(k.clone(), Value::Array(all));
            }
            _ if k.starts_with("fixed") || k.starts_with("pattern") => {
                remove_prefixed(t, "fixed");
                remove_prefixed(t, "pattern");
                t.insert(k.clone(), v.clone());
            }
            _ => {
                t.insert(k.clone(), v.clone());
            }
        }
    }
}

fn remove_prefixed(t: &mut Map<String, Value>, prefix: &str) {
    let keys: Vec<String> = t
        .keys()
        .filter(|k| k.starts_with(prefix) && k.len() > prefix.len())
        .cloned()
        .collect();
    for k in keys {
        t.remove(&k);
    }
}
