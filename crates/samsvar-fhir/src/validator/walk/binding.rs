//! Value set bindings: a code (or any code of a CodeableConcept) in the locally
//! expandable value set, with the severity its binding strength gives.

use super::Walk;
use crate::definitions::model::Strength;
use crate::terminology::Membership;
use crate::validator::compiled::{Compiled, NodeId};
use samsvar_diagnostics::{IssueType, Severity};

impl<'a> Walk<'a> {
    pub(super) fn binding(&mut self, c: &Compiled, node: NodeId, codes: &[(Option<&str>, &str)]) {
        let Some(binding) = &c.nodes[node].elem.binding else {
            return;
        };
        if binding.strength == Strength::Example {
            return;
        }
        let Some(vs) = &binding.value_set else { return };
        let expansion = self.v.terminology().expansion(self.v.definitions(), vs);
        let exp = match expansion.as_ref() {
            Ok(e) => e,
            Err(reason) => {
                if binding.strength == Strength::Required {
                    self.issue(
                        Severity::Information,
                        IssueType::NotSupported,
                        "binding",
                        format!("required binding not checked: {reason}"),
                    );
                }
                return;
            }
        };
        let mut unknown = false;
        for (system, code) in codes {
            match exp.contains(*system, code) {
                Membership::Member => return,
                Membership::Unknown(_) => unknown = true,
                Membership::NotMember => {}
            }
        }
        if unknown {
            return;
        }
        let shown: Vec<String> = codes
            .iter()
            .map(|(s, c)| match s {
                Some(s) => format!("{s}#{c}"),
                None => (*c).to_string(),
            })
            .collect();
        let (severity, strength) = match binding.strength {
            Strength::Required => (Severity::Error, "required"),
            Strength::Extensible => (Severity::Warning, "extensible"),
            _ => (Severity::Information, "preferred"),
        };
        self.issue(
            severity,
            IssueType::CodeInvalid,
            "binding",
            format!(
                "{} is not in the value set {vs} ({strength} binding)",
                shown.join(", ")
            ),
        );
    }
}
