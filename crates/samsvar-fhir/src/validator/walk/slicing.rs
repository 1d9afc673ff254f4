//! Slicing: assign each instance item to a slice by the discriminators, then check
//! per-slice cardinality, closed/openAtEnd rules and order, and validate each item
//! against its slice.

use super::values::{json_contains, json_equal};
use super::{Item, Walk};
use crate::definitions::model::{DiscriminatorType, SlicingRules, Strength};
use crate::validator::compiled::{Compiled, NodeId};
use samsvar_diagnostics::IssueType;
use serde_json::Value;
use std::sync::Arc;

impl<'a> Walk<'a> {
    pub(super) fn slices(&mut self, c: &Arc<Compiled>, node: NodeId, items: &[Item<'a>]) {
        let Some(slicing) = c.nodes[node].elem.slicing.clone() else {
            return;
        };
        let slices = c.nodes[node].slices.clone();
        let mut assigned: Vec<Option<usize>> = Vec::with_capacity(items.len());
        for item in items {
            let hit = slices.iter().position(|&s| {
                // A slice that gives no value for one discriminator is not constrained by
                // it (as the HL7 validator reads it); it must be constrained by at least one.
                let mut constrained = false;
                for (kind, path) in &slicing.discriminators {
                    match self.discriminates(c, s, item, *kind, path) {
                        Some(false) => return false,
                        Some(true) => constrained = true,
                        None => {}
                    }
                }
                constrained
            });
            assigned.push(hit);
        }
        let key = items.first().map(|i| i.key).unwrap_or_default();
        for (si, &s) in slices.iter().enumerate() {
            let elem = &c.nodes[s].elem;
            let count = assigned.iter().filter(|a| **a == Some(si)).count();
            let name = elem.slice_name.clone().unwrap_or_default();
            if count < elem.min as usize {
                self.push(key, None, false);
                self.error(
                    IssueType::Required,
                    "slice-cardinality",
                    format!(
                        "{}: slice \"{name}\" requires at least {}, but found {count}",
                        elem.path, elem.min
                    ),
                );
                self.pop();
            }
            if !elem.max.allows(count) {
                self.push(key, None, false);
                self.error(
                    IssueType::Structure,
                    "slice-cardinality",
                    format!(
                        "{}: slice \"{name}\" allows at most {}, but found {count}",
                        elem.path,
                        elem.max.text()
                    ),
                );
                self.pop();
            }
        }
        let mut seen_unmatched = false;
        let mut last_slice = 0usize;
        for (item, slot) in items.iter().zip(&assigned) {
            match slot {
                None => {
                    if slicing.rules == SlicingRules::Closed {
                        self.push(item.key, item.index, false);
                        self.error(
                            IssueType::Structure,
                            "slicing-closed",
                            format!(
                                "this element does not match any slice of {} and the slicing is closed",
                                c.nodes[node].elem.path
                            ),
                        );
                        self.pop();
                    }
                    seen_unmatched = true;
                }
                Some(si) => {
                    if slicing.rules == SlicingRules::OpenAtEnd && seen_unmatched {
                        self.push(item.key, item.index, false);
                        self.error(
                            IssueType::Structure,
                            "slicing-open-at-end",
                            "elements that match no slice must come after all sliced elements (openAtEnd)".into(),
                        );
                        self.pop();
                    }
                    if slicing.ordered && *si < last_slice {
                        self.push(item.key, item.index, false);
                        self.error(
                            IssueType::Structure,
                            "slicing-ordered",
                            "the slices are ordered and this element is out of order".into(),
                        );
                        self.pop();
                    }
                    last_slice = last_slice.max(*si);
                }
            }
        }
        for (item, slot) in items.iter().zip(&assigned) {
            match slot {
                Some(si) => self.item(c, slices[*si], item),
                None => self.item(c, node, item),
            }
        }
    }

    fn discriminates(
        &mut self,
        c: &Compiled,
        slice: NodeId,
        item: &Item<'a>,
        kind: DiscriminatorType,
        path: &str,
    ) -> Option<bool> {
        let segments = split_path(path);
        match kind {
            DiscriminatorType::Value | DiscriminatorType::Pattern => {
                self.value_discriminator(c, slice, item, &segments)
            }
            DiscriminatorType::Exists => {
                let target = descend(c, slice, &segments)?;
                let present = !self.values_at(item, &segments).is_empty();
                let elem = &c.nodes[target].elem;
                if elem.min >= 1 {
                    Some(present)
                } else if elem.max == crate::definitions::Max::N(0) {
                    Some(!present)
                } else {
                    None
                }
            }
            DiscriminatorType::Type => {
                let expected = self.expected_types(c, slice, &segments);
                if expected.is_empty() {
                    return None;
                }
                let actual: Vec<String> = if segments.iter().all(|s| s == "$this") {
                    match (&item.type_code, item.value) {
                        (Some(t), _) => vec![t.clone()],
                        (None, Some(v)) => resource_type(v).into_iter().collect(),
                        _ => vec![],
                    }
                } else {
                    self.values_at(item, &segments)
                        .into_iter()
                        .filter_map(resource_type)
                        .collect()
                };
                Some(!actual.is_empty() && actual.iter().all(|a| expected.contains(a)))
            }
            DiscriminatorType::Profile => {
                let profiles = self.expected_profiles(c, slice, &segments);
                if profiles.is_empty() {
                    return None;
                }
                let values = self.values_at(item, &segments);
                Some(
                    !values.is_empty()
                        && values
                            .into_iter()
                            .all(|v| profiles.iter().any(|p| self.conforms(v, p))),
                )
            }
        }
    }

    fn value_discriminator(
        &mut self,
        c: &Compiled,
        slice: NodeId,
        item: &Item<'a>,
        segments: &[String],
    ) -> Option<bool> {
        // Special case: extension slices name their definition in type.profile.
        if segments.len() == 1 && segments[0] == "url" {
            let elem = &c.nodes[slice].elem;
            let fixed_child = c
                .child_named(slice, "url")
                .and_then(|u| c.nodes[u].elem.fixed.clone());
            let expected = fixed_child.or_else(|| {
                elem.types
                    .iter()
                    .find_map(|t| t.profiles.first())
                    .map(|p| Value::String(p.split('|').next().unwrap_or(p).to_string()))
            });
            let expected = expected?;
            return Some(
                item.value
                    .and_then(|v| v.get("url"))
                    .is_some_and(|u| json_equal(u, &expected)),
            );
        }
        // Walk the slice definition along the path; remember the deepest fixed/pattern.
        let mut cur = slice;
        let mut best: Option<(usize, Value, bool)> = None;
        let consider = |node: NodeId, depth: usize, best: &mut Option<(usize, Value, bool)>| {
            let e = &c.nodes[node].elem;
            if let Some(f) = &e.fixed {
                *best = Some((depth, f.clone(), true));
            } else if let Some(p) = &e.pattern {
                *best = Some((depth, p.clone(), false));
            }
        };
        consider(cur, 0, &mut best);
        let mut last_node = Some(cur);
        for (i, seg) in segments.iter().enumerate() {
            if seg == "$this" {
                continue;
            }
            match c.child_named(cur, seg) {
                Some(next) => {
                    cur = next;
                    consider(cur, i + 1, &mut best);
                    last_node = Some(cur);
                }
                None => {
                    last_node = None;
                    break;
                }
            }
        }
        if let Some((depth, expected, fixed)) = best {
            let prefix: Vec<String> = segments
                .iter()
                .filter(|s| *s != "$this")
                .take(depth)
                .cloned()
                .collect();
            let rest: Vec<String> = segments
                .iter()
                .filter(|s| *s != "$this")
                .skip(depth)
                .cloned()
                .collect();
            let values = self.values_at(item, &prefix);
            let wanted = values_in(&expected, &rest);
            if rest.is_empty() {
                return Some(values.iter().any(|v| {
                    if fixed {
                        json_equal(v, &expected)
                    } else {
                        json_contains(v, &expected)
                    }
                }));
            }
            // Compare only the discriminating part of the pattern.
            let actual: Vec<&Value> = values.iter().flat_map(|v| values_in(v, &rest)).collect();
            return Some(
                !wanted.is_empty()
                    && wanted
                        .iter()
                        .all(|w| actual.iter().any(|a| json_equal(a, w))),
            );
        }
        // No fixed value: a required binding on the discriminating element.
        if let Some(node) = last_node
            && let Some(b) = &c.nodes[node].elem.binding
            && b.strength == Strength::Required
            && let Some(vs) = &b.value_set
        {
            let expansion = self.v.terminology().expansion(self.v.definitions(), vs);
            if let Ok(e) = expansion.as_ref() {
                return Some(self.values_at(item, segments).iter().any(|v| {
                    let pairs: Vec<(Option<&str>, &str)> = match v {
                        Value::String(s) => vec![(None, s.as_str())],
                        _ => codings(v),
                    };
                    pairs.iter().any(|(s, code)| {
                        e.contains(*s, code) == crate::terminology::Membership::Member
                    })
                }));
            }
        }
        None
    }

    fn expected_types(&self, c: &Compiled, slice: NodeId, segments: &[String]) -> Vec<String> {
        let Some(target) = descend_or_self(c, slice, segments) else {
            return vec![];
        };
        let elem = &c.nodes[target].elem;
        if segments.iter().any(|s| s == "resolve()") {
            let targets: Vec<String> = elem
                .types
                .iter()
                .flat_map(|t| t.target_profiles.iter().cloned())
                .collect();
            return self.target_types(&targets);
        }
        let mut out = Vec::new();
        for t in &elem.types {
            if t.profiles.is_empty() || !(t.code == "Resource" || t.code == "DomainResource") {
                out.push(t.code.clone());
            }
            out.extend(t.profiles.iter().filter_map(|p| self.profile_type(p)));
        }
        out
    }

    fn expected_profiles(&self, c: &Compiled, slice: NodeId, segments: &[String]) -> Vec<String> {
        let Some(target) = descend_or_self(c, slice, segments) else {
            return vec![];
        };
        let elem = &c.nodes[target].elem;
        if segments.iter().any(|s| s == "resolve()") {
            elem.types
                .iter()
                .flat_map(|t| t.target_profiles.clone())
                .collect()
        } else {
            elem.types.iter().flat_map(|t| t.profiles.clone()).collect()
        }
    }

    /// The instance values at a (simple) FHIRPath discriminator path from an item.
    fn values_at(&self, item: &Item<'a>, segments: &[String]) -> Vec<&'a Value> {
        let Some(start) = item.value else {
            return vec![];
        };
        let mut cur: Vec<&'a Value> = vec![start];
        for seg in segments {
            let mut next = Vec::new();
            for v in cur {
                if seg == "$this" {
                    next.push(v);
                } else if seg == "resolve()" {
                    if let Some(r) = v.get("reference").and_then(Value::as_str)
                        && let Some(res) = self.resolve(r)
                    {
                        next.push(res);
                    }
                } else if let Some(t) = seg
                    .strip_prefix("ofType(")
                    .and_then(|s| s.strip_suffix(')'))
                {
                    if resource_type(v).as_deref() == Some(t)
                        || t.chars().next().is_some_and(char::is_lowercase)
                        || v.is_object()
                    {
                        next.push(v);
                    }
                } else if let Some(url) = seg
                    .strip_prefix("extension(")
                    .and_then(|s| s.strip_suffix(')'))
                {
                    let url = url.trim_matches(|ch| ch == '\'' || ch == '"');
                    for e in v
                        .get("extension")
                        .and_then(Value::as_array)
                        .map(Vec::as_slice)
                        .unwrap_or(&[])
                    {
                        if e.get("url").and_then(Value::as_str) == Some(url) {
                            next.push(e);
                        }
                    }
                } else if let Some(obj) = v.as_object() {
                    match obj.get(seg.as_str()) {
                        Some(Value::Array(a)) => next.extend(a.iter()),
                        Some(x) => next.push(x),
                        None => {
                            // A choice element: `value` finds `valueQuantity`.
                            for (k, x) in obj {
                                if k.len() > seg.len()
                                    && k.starts_with(seg.as_str())
                                    && k[seg.len()..]
                                        .starts_with(|ch: char| ch.is_ascii_uppercase())
                                {
                                    next.push(x);
                                }
                            }
                        }
                    }
                }
            }
            cur = next;
        }
        cur
    }
}

fn resource_type(v: &Value) -> Option<String> {
    v.get("resourceType")
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn codings(v: &Value) -> Vec<(Option<&str>, &str)> {
    let mut out = Vec::new();
    if let Some(code) = v.get("code").and_then(Value::as_str) {
        out.push((v.get("system").and_then(Value::as_str), code));
    }
    for c in v
        .get("coding")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        if let Some(code) = c.get("code").and_then(Value::as_str) {
            out.push((c.get("system").and_then(Value::as_str), code));
        }
    }
    out
}

/// Values inside a JSON value along plain property names (arrays flattened).
fn values_in<'v>(v: &'v Value, segments: &[String]) -> Vec<&'v Value> {
    let mut cur = vec![v];
    for seg in segments {
        let mut next = Vec::new();
        for x in cur {
            match x.get(seg.as_str()) {
                Some(Value::Array(a)) => next.extend(a.iter()),
                Some(y) => next.push(y),
                None => {}
            }
        }
        cur = next;
    }
    cur
}

/// Splits `code.coding.where(x).code` style paths into segments, keeping calls whole.
fn split_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for ch in path.chars() {
        match ch {
            '(' => {
                depth += 1;
                cur.push(ch);
            }
            ')' => {
                depth -= 1;
                cur.push(ch);
            }
            '.' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
            }
            _ => cur.push(ch),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn descend(c: &Compiled, start: NodeId, segments: &[String]) -> Option<NodeId> {
    let mut cur = start;
    for seg in segments {
        if seg == "$this" || seg.contains('(') {
            continue;
        }
        cur = c.child_named(cur, seg)?;
    }
    Some(cur)
}

fn descend_or_self(c: &Compiled, start: NodeId, segments: &[String]) -> Option<NodeId> {
    descend(c, start, segments)
}
