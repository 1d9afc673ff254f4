//! Narratives: the XHTML rules, and `#` links that must land on an anchor of the
//! narrative or on an id in the resource.

use super::Walk;
use crate::validator::xhtml;
use samsvar_diagnostics::{IssueType, Severity};
use serde_json::Value;
use std::collections::HashSet;

impl<'a> Walk<'a> {
    /// A narrative: XHTML rules, then `#` links against the narrative's own anchors and,
    /// failing those, anything with that id in the resource.
    pub(super) fn narrative(&mut self, div: &str) {
        let scan = xhtml::check(div);
        for p in scan.problems {
            let code = if p.rule == "xhtml" {
                IssueType::Structure
            } else {
                IssueType::Invariant
            };
            self.error(code, p.rule, p.message);
        }
        for link in &scan.internal_links {
            if scan.anchors.contains(link) || self.resource_has_anchor(link) {
                continue;
            }
            // A warning: HL7's own published narratives carry such links by the hundred.
            self.issue(
                Severity::Warning,
                IssueType::NotFound,
                "xhtml-link",
                format!("the narrative's hyperlink #{link} does not resolve: no id or name \"{link}\" in the narrative or the resource"),
            );
        }
    }

    /// Whether the resource being walked has `id` anywhere: an element or contained
    /// resource id, or an id or name in any of its narratives.
    pub(super) fn resource_has_anchor(&mut self, id: &str) -> bool {
        let Some(frame) = self.frames.iter().rev().find(|f| !f.contained) else {
            return false;
        };
        let key = frame.resource as *const Value as usize;
        let resource = frame.resource;
        self.anchors
            .entry(key)
            .or_insert_with(|| anchors_in(resource))
            .contains(id)
    }
}

/// Every `id` value in a resource's JSON, and every id or name in its narratives.
fn anchors_in(resource: &Value) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut stack = vec![resource];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(o) => {
                for (k, x) in o {
                    match (k.as_str(), x) {
                        ("id", Value::String(s)) => {
                            out.insert(s.clone());
                        }
                        ("div", Value::String(s)) => out.extend(xhtml::check(s).anchors),
                        _ => stack.push(x),
                    }
                }
            }
            Value::Array(a) => stack.extend(a.iter()),
            _ => {}
        }
    }
    out
}
