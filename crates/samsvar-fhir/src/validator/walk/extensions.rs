//! Extensions: which definition an extension is checked against, and whether it is used
//! in an element context its definition allows.

use super::Walk;
use crate::validator::compiled::Compiled;
use samsvar_diagnostics::{IssueType, Severity};
use serde_json::{Map, Value};

impl<'a> Walk<'a> {
    /// The definition an extension is checked against: the one its `url` names when it
    /// is loaded. Otherwise `None`, after a warning (an error on a modifierExtension,
    /// whose meaning a reader cannot ignore).
    pub(super) fn extension_target(
        &mut self,
        obj: &Map<String, Value>,
        element_path: &str,
    ) -> Option<String> {
        let url = obj.get("url").and_then(Value::as_str).unwrap_or_default();
        if self.v.definitions().has_structure(url) {
            return Some(url.to_string());
        }
        if let Some(version) = cross_version(url) {
            // Defined by the FHIR cross-version rules, not by a package.
            self.issue(
                Severity::Warning,
                IssueType::NotSupported,
                "extension-unknown",
                format!("cross-version extension {url} (FHIR {version}) is not checked"),
            );
            return None;
        }
        let severity = if element_path.ends_with("modifierExtension") {
            Severity::Error
        } else {
            Severity::Warning
        };
        self.issue(
            severity,
            IssueType::Structure,
            "extension-unknown",
            format!("unknown extension {url}"),
        );
        None
    }

    /// Checks that an extension is used where its definition allows it.
    pub(super) fn extension_context(&mut self, ext: &Compiled, element_path: &str) {
        let contexts = &ext.sd.contexts;
        if contexts.is_empty() {
            return;
        }
        // The path of the element that holds the extension (drop `.extension`).
        let host = element_path
            .strip_suffix(".extension")
            .or_else(|| element_path.strip_suffix(".modifierExtension"))
            .unwrap_or(element_path);
        let host_type = self.host_type();
        let ok = contexts.iter().any(|(kind, expr)| match kind.as_str() {
            "element" => {
                expr == "Element"
                    || expr == "Resource"
                    || expr == "DomainResource"
                    || expr == host
                    || expr == &host_type
                    || host.starts_with(&format!("{expr}."))
                    || expr.ends_with(&format!(".{host}"))
                    || expr.starts_with(&format!("{host_type}."))
                    || expr.contains('#')
                    || expr.contains("[x]")
                    || host == "Extension"
            }
            // FHIRPath and nested-extension contexts are not checked.
            _ => true,
        });
        if !ok {
            let allowed: Vec<&str> = contexts.iter().map(|(_, e)| e.as_str()).collect();
            self.issue(
                Severity::Warning,
                IssueType::BusinessRule,
                "extension-context",
                format!(
                    "extension {} is not allowed on {host} (contexts: {})",
                    ext.sd.url,
                    allowed.join(", ")
                ),
            );
        }
    }

    pub(super) fn host_type(&self) -> String {
        self.frames
            .last()
            .and_then(|f| f.resource.get("resourceType"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }
}

/// The FHIR version of a cross-version extension URL
/// (`http://hl7.org/fhir/5.0/StructureDefinition/extension-DeviceRequest.doNotPerform`).
fn cross_version(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("http://hl7.org/fhir/")?;
    let (version, rest) = rest.split_once('/')?;
    let numeric = !version.is_empty() && version.chars().all(|c| c.is_ascii_digit() || c == '.');
    (numeric && rest.starts_with("StructureDefinition/extension-")).then_some(version)
}
