//! Element traversal: the properties of a JSON object matched to the children of their
//! definition, cardinality and JSON shape (arrays, nulls), choice types, and the dispatch
//! of each instance to the primitive or complex checks.

use super::{Item, MAX_ELEMENT_DEPTH, Walk};
use crate::definitions::model::TypeRef;
use crate::primitives;
use crate::validator::compiled::{Compiled, NodeId};
use samsvar_diagnostics::IssueType;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Properties of one JSON object grouped by child: (name, choice type, value, `_name` part).
type Found<'a> = HashMap<
    NodeId,
    Vec<(
        &'a str,
        Option<String>,
        Option<&'a Value>,
        Option<&'a Value>,
    )>,
>;

impl<'a> Walk<'a> {
    /// Walks the properties of a JSON object against `node`'s children.
    pub(super) fn object(
        &mut self,
        value: &'a Value,
        obj: &'a Map<String, Value>,
        c: &Arc<Compiled>,
        node: NodeId,
        resource_root: bool,
    ) {
        self.depth += 1;
        if self.depth > MAX_ELEMENT_DEPTH {
            self.error(
                IssueType::Structure,
                "depth",
                format!("elements nested more than {MAX_ELEMENT_DEPTH} levels deep"),
            );
            self.depth -= 1;
            return;
        }
        let (cc, children_of) = self.children_source(c, node);
        let n = &cc.nodes[children_of];
        if obj.is_empty() || (obj.len() == 1 && obj.contains_key("id") && !resource_root) {
            self.error(
                IssueType::Invariant,
                "ele-1",
                "ele-1: All FHIR elements must have a @value or children".into(),
            );
        }
        // Group the properties by the child definition they belong to.
        let mut found: Found<'a> = HashMap::new();
        let mut order: Vec<NodeId> = Vec::new();
        for (key, value) in obj {
            if resource_root && key == "resourceType" {
                continue;
            }
            let (name, is_ext) = match key.strip_prefix('_') {
                Some(base) => (base, true),
                None => (key.as_str(), false),
            };
            let Some((child, type_code)) = n.by_key.get(name) else {
                self.push(key, None, false);
                let hint = self.did_you_mean(&cc, children_of, name);
                self.error(
                    IssueType::Structure,
                    "unknown-element",
                    format!("unrecognized property \"{key}\"{hint}"),
                );
                self.pop();
                continue;
            };
            let list = found.entry(*child).or_insert_with(|| {
                order.push(*child);
                Vec::new()
            });
            let name_ref: &'a str = match obj.get_key_value(name) {
                Some((k, _)) => k.as_str(),
                None => &key[1..],
            };
            if let Some(entry) = list.iter_mut().find(|e| e.0 == name_ref) {
                if is_ext {
                    entry.3 = Some(value);
                } else {
                    entry.2 = Some(value);
                }
            } else {
                let (v, e) = if is_ext {
                    (None, Some(value))
                } else {
                    (Some(value), None)
                };
                list.push((name_ref, type_code.clone(), v, e));
            }
        }
        let children = n.children.clone();
        for child in children {
            let elem = &cc.nodes[child].elem;
            let props = found.remove(&child).unwrap_or_default();
            if props.len() > 1 {
                let names: Vec<&str> = props.iter().map(|p| p.0).collect();
                self.error(
                    IssueType::Structure,
                    "choice",
                    format!(
                        "only one of {} may be present, found {}",
                        elem.name(),
                        names.join(", ")
                    ),
                );
            }
            let repeats = elem.base_max.unwrap_or(elem.max).repeats();
            let mut items: Vec<Item<'a>> = Vec::new();
            for (key, type_code, value, ext) in props.iter().take(1) {
                self.collect_items(key, type_code.clone(), *value, *ext, repeats, &mut items);
            }
            let count = items.len();
            let display = match props.first() {
                Some(p) => p.0.to_string(),
                None => elem.name().trim_end_matches("[x]").to_string(),
            };
            if count < elem.min as usize {
                self.push(&display, None, false);
                self.error(
                    IssueType::Required,
                    "cardinality",
                    format!(
                        "{}: minimum required = {}, but only found {count}",
                        elem.path, elem.min
                    ),
                );
                self.pop();
            }
            if !elem.max.allows(count) {
                self.push(&display, None, false);
                self.error(
                    IssueType::Structure,
                    "cardinality",
                    format!(
                        "{}: maximum allowed = {}, but found {count}",
                        elem.path,
                        elem.max.text()
                    ),
                );
                self.pop();
            }
            if count == 0 && elem.must_support && elem.min == 0 && cc.sd.derivation_constraint {
                self.must_support_missing
                    .push(format!("{}.{}", self.expression(), display));
            }
            if count == 0 {
                continue;
            }
            let sliced = elem.slicing.is_some() && !cc.nodes[child].slices.is_empty();
            if sliced {
                self.slices(&cc, child, &items);
            } else {
                for item in &items {
                    self.item(&cc, child, item);
                }
            }
        }
        self.invariants(c, node, value);
        self.depth -= 1;
    }

    /// A hint naming the nearest known property, at most two edits away.
    fn did_you_mean(&self, c: &Compiled, node: NodeId, name: &str) -> String {
        // Sorted, so that of equally near names the first in order is named every time.
        let mut keys: Vec<&str> = c.nodes[node].by_key.keys().map(String::as_str).collect();
        keys.sort_unstable();
        match samsvar_diagnostics::nearest(name, keys, 2) {
            Some(k) => format!(" (did you mean \"{k}\"?)"),
            None => String::new(),
        }
    }

    pub(super) fn collect_items(
        &mut self,
        key: &'a str,
        type_code: Option<String>,
        value: Option<&'a Value>,
        ext: Option<&'a Value>,
        repeats: bool,
        items: &mut Vec<Item<'a>>,
    ) {
        if repeats {
            let vals = match value {
                Some(Value::Array(a)) => a.as_slice(),
                Some(_) => {
                    self.push(key, None, false);
                    self.error(
                        IssueType::Structure,
                        "json-array",
                        format!("\"{key}\" repeats, so it must be a JSON array"),
                    );
                    self.pop();
                    std::slice::from_ref(value.unwrap_or(&Value::Null))
                }
                None => &[],
            };
            let exts = match ext {
                Some(Value::Array(a)) => a.as_slice(),
                Some(_) => {
                    self.push(key, None, true);
                    self.error(
                        IssueType::Structure,
                        "json-array",
                        format!("\"_{key}\" must be a JSON array, like \"{key}\""),
                    );
                    self.pop();
                    &[]
                }
                None => &[],
            };
            if vals.is_empty() && exts.is_empty() && value.is_some() {
                self.push(key, None, false);
                self.error(
                    IssueType::Structure,
                    "json-array",
                    format!("\"{key}\" is an empty array; omit the property instead"),
                );
                self.pop();
            }
            let is_array =
                matches!(value, Some(Value::Array(_))) || matches!(ext, Some(Value::Array(_)));
            for i in 0..vals.len().max(exts.len()) {
                let v = vals.get(i).filter(|v| !v.is_null());
                let e = exts.get(i).filter(|v| !v.is_null());
                if v.is_none() && e.is_none() {
                    self.push(key, is_array.then_some(i), false);
                    self.error(
                        IssueType::Structure,
                        "json-null",
                        format!("\"{key}\"[{i}] is null and has no extension"),
                    );
                    self.pop();
                    continue;
                }
                items.push(Item {
                    key,
                    index: is_array.then_some(i),
                    type_code: type_code.clone(),
                    value: v,
                    ext: e,
                });
            }
        } else {
            if matches!(value, Some(Value::Array(_))) {
                self.push(key, None, false);
                self.error(
                    IssueType::Structure,
                    "json-array",
                    format!("\"{key}\" does not repeat, so it must not be a JSON array"),
                );
                self.pop();
                return;
            }
            if matches!(value, Some(Value::Null)) && ext.is_none() {
                self.push(key, None, false);
                self.error(
                    IssueType::Structure,
                    "json-null",
                    format!("\"{key}\" is null; omit the property instead"),
                );
                self.pop();
                return;
            }
            items.push(Item {
                key,
                index: None,
                type_code,
                value: value.filter(|v| !v.is_null()),
                ext,
            });
        }
    }

    /// Where the children of `node` are defined: the node itself, a content reference,
    /// or the definition of its (single) type.
    pub(super) fn children_source(
        &self,
        c: &Arc<Compiled>,
        node: NodeId,
    ) -> (Arc<Compiled>, NodeId) {
        let n = &c.nodes[node];
        if !n.children.is_empty() {
            return (c.clone(), node);
        }
        if let Some(r) = &n.elem.content_reference
            && let Some(target) = c.content_target(r)
        {
            return (c.clone(), target);
        }
        (c.clone(), node)
    }

    pub(super) fn type_for<'t>(
        &self,
        c: &'t Compiled,
        node: NodeId,
        item: &Item<'_>,
    ) -> Option<&'t TypeRef> {
        let types = &c.nodes[node].elem.types;
        match &item.type_code {
            Some(code) => types.iter().find(|t| &t.code == code),
            // A resource element typed with several resource types (a slice allowing
            // Practitioner or PractitionerRole): the one naming the resource's own type.
            None if types.len() > 1 => item
                .value
                .and_then(|v| v.get("resourceType"))
                .and_then(Value::as_str)
                .and_then(|rt| types.iter().find(|t| t.code == rt))
                .or(types.first()),
            None => types.first(),
        }
    }

    /// Validates one instance of an element.
    pub(crate) fn item(&mut self, c: &Arc<Compiled>, node: NodeId, item: &Item<'a>) {
        self.push(item.key, item.index, false);
        let elem = &c.nodes[node].elem;
        let type_ref = self.type_for(c, node, item).cloned();
        let mut code = type_ref
            .as_ref()
            .map(|t| t.code.as_str())
            .unwrap_or("BackboneElement");
        // R4 declares Resource.id as a plain string; the spec requires the id format.
        if code == "string"
            && c.sd.kind == "resource"
            && elem.path.matches('.').count() == 1
            && elem.path.ends_with(".id")
        {
            code = "id";
        }
        if primitives::is_primitive(code) {
            self.primitive(c, node, code, item);
        } else if let Some(value) = item.value {
            match value.as_object() {
                None => {
                    self.error(
                        IssueType::Structure,
                        "json-type",
                        format!("{} is a {code}, so it must be a JSON object", elem.path),
                    );
                }
                Some(obj) => {
                    if item.ext.is_some() {
                        self.error(
                            IssueType::Structure,
                            "unknown-element",
                            format!("\"_{}\" is only allowed for primitive types", item.key),
                        );
                    }
                    self.complex(c, node, code, type_ref.as_ref(), value, obj);
                }
            }
        }
        self.pop();
    }
}
