//! FHIRPath invariants of an element: natively where samsvar implements them, otherwise
//! through the compiled expression; expressions that cannot be evaluated are noted on
//! the validator, never reported as passed.

use super::Walk;
use crate::validator::compiled::{Compiled, NodeId};
use crate::validator::fhirpath::{self, Variables};
use crate::validator::native_invariants;
use samsvar_diagnostics::{IssueType, Severity};
use serde_json::Value;

impl<'a> Walk<'a> {
    pub(crate) fn invariants(&mut self, c: &Compiled, node: NodeId, input: &Value) {
        if !self.v.invariants_enabled() {
            return;
        }
        let constraints = &c.nodes[node].elem.constraints;
        if constraints.is_empty() {
            return;
        }
        let vars = self.frames.last().and_then(|f| f.vars.clone());
        for k in constraints {
            if k.key == "ele-1" {
                continue;
            }
            if let Some(holds) = native_invariants::holds(&k.key, input) {
                if !holds {
                    let severity = if k.error {
                        Severity::Error
                    } else {
                        Severity::Warning
                    };
                    self.issue(
                        severity,
                        IssueType::Invariant,
                        &k.key,
                        format!("constraint failed: {}: {}", k.key, k.human),
                    );
                }
                continue;
            }
            let Some(expr) = &k.expression else { continue };
            let Some(compiled) = self.v.invariant(&k.key, expr) else {
                continue;
            };
            let empty = Variables::new();
            let result = compiled.evaluate_with(input, vars.as_deref().unwrap_or(&empty));
            match result {
                Ok(values) => {
                    if fhirpath::as_boolean(&values) == Some(false) {
                        self.issue(
                            if k.error {
                                Severity::Error
                            } else {
                                Severity::Warning
                            },
                            IssueType::Invariant,
                            &k.key,
                            format!("constraint failed: {}: {} ({expr})", k.key, k.human),
                        );
                    }
                }
                Err(e) => self.v.note_invariant_problem(&k.key, &e.to_string()),
            }
        }
    }
}
