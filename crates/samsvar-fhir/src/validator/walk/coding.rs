//! A Coding on its own, wherever it appears: `system` is an absolute URI naming a code
//! system (not a value set), and where that code system is loaded and complete, the
//! code exists in it and the display is one of the concept's displays.

use super::Walk;
use super::bundle_index::is_absolute;
use crate::terminology::CodeLookup;
use samsvar_diagnostics::{IssueType, Severity};
use serde_json::{Map, Value};

impl<'a> Walk<'a> {
    pub(super) fn coding(&mut self, coding: &Map<String, Value>) {
        let Some(system) = coding.get("system").and_then(Value::as_str) else {
            return;
        };
        if !is_absolute(system) {
            self.push("system", None, false);
            self.error(
                IssueType::Invalid,
                "coding-system",
                format!("Coding.system must be an absolute URI, not \"{system}\""),
            );
            self.pop();
            return;
        }
        let defs = self.v.definitions();
        if defs.has_value_set(system) && !defs.has_code_system(system) {
            self.push("system", None, false);
            self.error(
                IssueType::Invalid,
                "coding-system",
                format!("Coding.system {system} is a value set, not a code system"),
            );
            self.pop();
            return;
        }
        let Some(code) = coding.get("code").and_then(Value::as_str) else {
            return;
        };
        let Some(cs) = self.v.terminology().code_system(defs, system) else {
            return;
        };
        // A Coding of another version than the one loaded cannot be judged by it.
        if let (Some(wanted), Some(loaded)) =
            (coding.get("version").and_then(Value::as_str), &cs.version)
            && wanted != loaded
        {
            return;
        }
        match cs.lookup(code) {
            CodeLookup::NotFound => {
                self.push("code", None, false);
                self.error(
                    IssueType::CodeInvalid,
                    "coding-code",
                    format!("unknown code \"{code}\" in the code system {system}"),
                );
                self.pop();
            }
            CodeLookup::Found(displays) => {
                let Some(display) = coding.get("display").and_then(Value::as_str) else {
                    return;
                };
                if displays.is_empty() || displays.iter().any(|d| same_display(d, display)) {
                    return;
                }
                let shown: Vec<String> = displays
                    .iter()
                    .take(3)
                    .map(|d| format!("\"{d}\""))
                    .collect();
                self.push("display", None, false);
                self.issue(
                    Severity::Warning,
                    IssueType::CodeInvalid,
                    "coding-display",
                    format!(
                        "display \"{display}\" is not a display of {system}#{code} (expected {})",
                        shown.join(" or ")
                    ),
                );
                self.pop();
            }
        }
    }
}

/// Displays compare without regard to case and runs of whitespace.
fn same_display(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}
