//! Snapshot generation for profiles that ship only a differential: walk the base
//! snapshot, apply each differential element by id (path plus slice names), add slices
//! by copying the sliced element, and unfold a datatype (or its type profile) when the
//! differential constrains inside it.

use super::model::{ElementDef, StructureDef, element_json};
use super::{DefinitionError, Definitions};
use serde_json::{Map, Value};

/// A generated snapshot: its elements, their JSON, and the differential elements that
/// could not be applied (skipped, as the HL7 validator does, and reported to the user).
pub struct Generated {
    pub elements: Vec<ElementDef>,
    pub json: Vec<Value>,
    pub problems: Vec<String>,
}

/// Builds the snapshot of `profile` (its JSON is `profile_json`) from `base`'s snapshot
/// and `profile`'s differential.
pub fn generate(
    defs: &Definitions,
    base: &StructureDef,
    profile_json: &Value,
) -> Result<Generated, DefinitionError> {
    let mut work: Vec<Value> = defs.snapshot_json(base)?.to_vec();
    let mut problems: Vec<String> = Vec::new();
    for diff_json in element_json(profile_json, "differential") {
        let id = element_id(diff_json);
        // `Observation.valueQuantity` in a differential names `Observation.value[x]`.
        let id = choice_renamed(&work, &id).unwrap_or(id);
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
                problems.push(format!(
                    "slice {id} constrains {base_id}, which is not in the base"
                ));
                continue;
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
            problems.push(format!(
                "differential element {id} has no parent {parent_id} in the base"
            ));
            continue;
        };
        let parent = ElementDef::from_json(&work[p]);
        let children = match unfold(defs, base, &parent) {
            Ok(children) => children,
            Err(why) => {
                problems.push(format!("differential element {id}: {why}"));
                continue;
            }
        };
        if parent.content_reference.is_some()
            && let Some(o) = work[p].as_object_mut()
        {
            // The element now has its own children instead of pointing at others.
            o.remove("contentReference");
        }
        let at = subtree_end(&work, p, parent_id);
        work.splice(at..at, children);
        if let Some(i) = position(&work, &id) {
            merge(&mut work[i], diff_json);
        } else {
            problems.push(format!("failed to place differential element {id}"));
        }
    }
    Ok(Generated {
        elements: work.iter().map(ElementDef::from_json).collect(),
        json: work,
        problems,
    })
}

/// The children of `parent` taken from where its content is defined: the element a
/// `contentReference` points to (in the base snapshot, unconstrained), or its type (or
/// type profile), with ids and paths moved under `parent`.
fn unfold(
    defs: &Definitions,
    base: &StructureDef,
    parent: &ElementDef,
) -> Result<Vec<Value>, String> {
    if let Some(reference) = &parent.content_reference {
        let target = reference.rsplit('#').next().unwrap_or(reference);
        return children_under(defs, base, target, parent);
    }
    let Some(t) = parent.types.first() else {
        return Err("it is not in the base".into());
    };
    let source = match t.profiles.first() {
        Some(profile_url) => defs.structure(profile_url),
        None => defs.type_structure(&t.code),
    }
    .map_err(|e| format!("failed to unfold {}: {e}", parent.id))?;
    let Some(root) = source.snapshot.first() else {
        return Ok(Vec::new());
    };
    children_under(defs, &source, &root.id, parent)
}

/// The elements below `root_id` in `source`'s snapshot, with ids and paths moved from
/// under that root to under `parent`.
fn children_under(
    defs: &Definitions,
    source: &StructureDef,
    root_id: &str,
    parent: &ElementDef,
) -> Result<Vec<Value>, String> {
    let Some(root) = source.snapshot.iter().find(|e| e.id == root_id) else {
        return Err(format!(
            "its content reference #{root_id} is not in the base"
        ));
    };
    let json = defs.snapshot_json(source).map_err(|e| e.to_string())?;
    let prefix = format!("{root_id}.");
    Ok(source
        .snapshot
        .iter()
        .zip(json.iter())
        .filter(|(e, _)| e.id.starts_with(&prefix))
        .map(|(e, json)| {
            let mut json = json.clone();
            let id = format!("{}{}", parent.id, &e.id[root.id.len()..]);
            let path = format!(
                "{}{}",
                parent.path,
                &e.path[root.path.len().min(e.path.len())..]
            );
            set(&mut json, "id", Value::String(id));
            set(&mut json, "path", Value::String(path));
            json
        })
        .collect())
}

/// The id with type-named choice segments (`valueQuantity`) replaced by the base's
/// choice element (`value[x]`); `None` when nothing needed renaming.
fn choice_renamed(work: &[Value], id: &str) -> Option<String> {
    if position(work, id).is_some() {
        return None;
    }
    let mut segments = id.split('.');
    let mut out = segments.next()?.to_string();
    let mut changed = false;
    for seg in segments {
        let (name, slice) = match seg.split_once(':') {
            Some((n, s)) => (n, Some(s)),
            None => (seg, None),
        };
        let plain = format!("{out}.{seg}");
        if position(work, &plain).is_some() {
            out = plain;
            continue;
        }
        let parent = format!("{out}.");
        let choice = work.iter().map(element_id).find(|eid| {
            eid.strip_prefix(&parent)
                .and_then(|rest| rest.strip_suffix("[x]"))
                .is_some_and(|prefix| {
                    !prefix.contains(['.', ':'])
                        && name.len() > prefix.len()
                        && name.starts_with(prefix)
                        && name[prefix.len()..].starts_with(|c: char| c.is_ascii_uppercase())
                })
        });
        match choice {
            Some(eid) => {
                changed = true;
                out = match slice {
                    Some(s) => format!("{eid}:{s}"),
                    None => eid,
                };
            }
            None => out = plain,
        }
    }
    changed.then_some(out)
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
