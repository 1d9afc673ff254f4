//! A StructureDefinition snapshot turned into a tree: each element knows its children
//! (keyed by JSON property name, choice types expanded) and its slices.

use crate::definitions::model::{ElementDef, StructureDef};
use std::collections::HashMap;
use std::sync::Arc;

pub type NodeId = usize;

#[derive(Debug)]
pub struct Node {
    pub elem: ElementDef,
    /// Children in definition order.
    pub children: Vec<NodeId>,
    /// Slices of this element (when it is sliced).
    pub slices: Vec<NodeId>,
    /// JSON property name → (child, type code for choice elements).
    pub by_key: HashMap<String, (NodeId, Option<String>)>,
}

#[derive(Debug)]
pub struct Compiled {
    pub sd: Arc<StructureDef>,
    pub nodes: Vec<Node>,
    by_id: HashMap<String, NodeId>,
}

/// `dateTime` → `DateTime`, as used in choice-type property names.
pub fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

impl Compiled {
    pub fn new(sd: Arc<StructureDef>) -> Compiled {
        let mut nodes: Vec<Node> = Vec::with_capacity(sd.snapshot.len());
        let mut by_id: HashMap<String, NodeId> = HashMap::new();
        for elem in &sd.snapshot {
            let id = nodes.len();
            let elem_id = elem.id.clone();
            nodes.push(Node {
                elem: elem.clone(),
                children: Vec::new(),
                slices: Vec::new(),
                by_key: HashMap::new(),
            });
            if id > 0
                && let Some((parent, is_slice)) = parent_of(&elem_id, &by_id)
            {
                if is_slice {
                    nodes[parent].slices.push(id);
                } else {
                    nodes[parent].children.push(id);
                }
            }
            by_id.insert(elem_id, id);
        }
        for n in 0..nodes.len() {
            let mut keys = HashMap::new();
            for &c in &nodes[n].children {
                let e = &nodes[c].elem;
                let name = e.name();
                if let Some(prefix) = name.strip_suffix("[x]") {
                    for t in &e.types {
                        keys.insert(
                            format!("{prefix}{}", upper_first(&t.code)),
                            (c, Some(t.code.clone())),
                        );
                    }
                } else {
                    keys.insert(name.to_string(), (c, None));
                }
            }
            nodes[n].by_key = keys;
        }
        Compiled { sd, nodes, by_id }
    }

    pub fn root(&self) -> Option<NodeId> {
        (!self.nodes.is_empty()).then_some(0)
    }

    /// The node a `contentReference` (`#Questionnaire.item`) points to.
    pub fn content_target(&self, reference: &str) -> Option<NodeId> {
        let id = reference.rsplit('#').next()?;
        self.by_id.get(id).copied()
    }

    /// The child of `node` whose FHIRPath name is `name` (`value` finds `value[x]`).
    pub fn child_named(&self, node: NodeId, name: &str) -> Option<NodeId> {
        self.nodes[node].children.iter().copied().find(|&c| {
            let n = self.nodes[c].elem.name();
            n == name || n.strip_suffix("[x]") == Some(name)
        })
    }
}

/// Finds the parent of an element id: `A.b:s.c` → `A.b:s` (child); `A.b:s` → `A.b` (slice).
fn parent_of(id: &str, by_id: &HashMap<String, NodeId>) -> Option<(NodeId, bool)> {
    let last_dot = id.rfind('.');
    let last_colon = id.rfind(':');
    match (last_dot, last_colon) {
        (Some(d), Some(c)) if c > d => {
            // A slice (or re-slice `a/b`, attached to the slice `a`).
            let sliced = &id[..c];
            let name = &id[c + 1..];
            if let Some((first, _)) = name.split_once('/') {
                let parent_slice = format!("{sliced}:{first}");
                if let Some(&p) = by_id.get(&parent_slice) {
                    return Some((p, true));
                }
            }
            by_id.get(sliced).map(|&p| (p, true))
        }
        (Some(d), _) => by_id.get(&id[..d]).map(|&p| (p, false)),
        _ => None,
    }
}
