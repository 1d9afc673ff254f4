//! The value of one element: primitive formats, lengths, ranges, fixed values and
//! patterns; complex values walked against their type (or profile), with the checks of
//! the data types that have their own rules (Coding, CodeableConcept, Quantity,
//! Reference, Attachment).

use super::{Item, Walk};
use crate::definitions::model::TypeRef;
use crate::primitives;
use crate::validator::compiled::{Compiled, NodeId};
use crate::validator::{ranges, xhtml};
use samsvar_diagnostics::{IssueType, Severity};
use serde_json::{Map, Value};
use std::sync::Arc;

impl<'a> Walk<'a> {
    pub(super) fn primitive(
        &mut self,
        c: &Arc<Compiled>,
        node: NodeId,
        code: &str,
        item: &Item<'a>,
    ) {
        let elem = &c.nodes[node].elem;
        if let Some(value) = item.value {
            let check = if code == "xhtml" {
                match value.as_str() {
                    Some(s) => {
                        self.narrative(s);
                        Ok(())
                    }
                    None => Err("xhtml must be a string holding a <div> element".to_string()),
                }
            } else {
                primitives::check(code, value)
            };
            if let Err(message) = check {
                self.error(IssueType::Value, &format!("type-{code}"), message);
            }
            if code == "string"
                && let Some(tag) = value.as_str().and_then(xhtml::embedded_html)
            {
                // An error only with security checks on: HL7's own examples hold HTML in
                // strings, and it is harmless where strings are escaped when shown.
                let severity = if self.v.security_checks() {
                    Severity::Error
                } else {
                    Severity::Information
                };
                self.issue(
                    severity,
                    IssueType::Security,
                    "security-html",
                    format!("the string holds an HTML tag ({tag}); shown without escaping it would run in a browser"),
                );
            }
            let findings = ranges::check_primitive(code, value, elem);
            self.range_findings(findings);
            if let (Some(max), Some(s)) = (elem.max_length, value.as_str())
                && s.chars().count() > max
            {
                self.error(
                    IssueType::TooLong,
                    "max-length",
                    format!("value is longer than maxLength {max}"),
                );
            }
            if let Some(fixed) = &elem.fixed
                && !json_equal(value, fixed)
            {
                self.error(
                    IssueType::Value,
                    "fixed",
                    format!("value must be exactly {fixed}, found {value}"),
                );
            }
            if let Some(pattern) = &elem.pattern
                && !json_equal(value, pattern)
            {
                self.error(
                    IssueType::Value,
                    "pattern",
                    format!("value must be {pattern}, found {value}"),
                );
            }
            if matches!(code, "code" | "string" | "uri")
                && let Some(s) = value.as_str()
            {
                self.binding(c, node, &[(None, s)]);
            }
        } else if elem.fixed.is_some() || elem.pattern.is_some() {
            self.error(
                IssueType::Value,
                "fixed",
                format!(
                    "{} has a fixed value, but only an extension is present",
                    elem.path
                ),
            );
        }
        if let Some(ext) = item.ext {
            self.path.pop();
            self.push(item.key, item.index, true);
            match (
                ext.as_object(),
                self.v
                    .compiled("http://hl7.org/fhir/StructureDefinition/Element"),
            ) {
                (Some(obj), Ok(element)) => {
                    if let Some(root) = element.root() {
                        self.object(ext, obj, &element, root, false);
                    }
                }
                (None, _) => self.error(
                    IssueType::Structure,
                    "json-type",
                    format!("\"_{}\" must be a JSON object", item.key),
                ),
                _ => {}
            }
            self.path.pop();
            self.push(item.key, item.index, false);
        }
    }

    pub(super) fn complex(
        &mut self,
        c: &Arc<Compiled>,
        node: NodeId,
        code: &str,
        type_ref: Option<&TypeRef>,
        value: &'a Value,
        obj: &'a Map<String, Value>,
    ) {
        let elem = &c.nodes[node].elem;
        let abstract_resource = code == "Resource" || code == "DomainResource";
        let resource_typed = abstract_resource
            || self
                .v
                .compiled(&format!("http://hl7.org/fhir/StructureDefinition/{code}"))
                .map(|t| t.sd.kind == "resource")
                .unwrap_or(false);
        // A profile that constrains inside a typed resource element (`Patient.contained`
        // as Practitioner, with rules on its `name`) gives the node children: walk those.
        let is_resource =
            abstract_resource || (resource_typed && c.nodes[node].children.is_empty());
        if is_resource {
            let mut profiles = type_ref.map(|t| t.profiles.clone()).unwrap_or_default();
            // Several profiles on one type: the resource must conform to at least one.
            // Walk the first it conforms to; when none, walk them all to show why.
            if profiles.len() > 1
                && let Some(fit) = profiles.iter().find(|p| self.conforms(value, p)).cloned()
            {
                profiles = vec![fit];
            }
            let contained = elem.path.ends_with(".contained");
            self.resource(value, &profiles, true, contained);
            return;
        }
        let n = &c.nodes[node];
        if !n.children.is_empty() || n.elem.content_reference.is_some() {
            // A resource walked through a profile's children still names its `resourceType`.
            self.object(value, obj, c, node, resource_typed);
        } else {
            let target = match type_ref.and_then(|t| t.profiles.first()) {
                Some(profile) => Some(profile.clone()),
                None if code == "Extension" => self.extension_target(obj, &elem.path),
                None => None,
            };
            let target =
                target.unwrap_or_else(|| format!("http://hl7.org/fhir/StructureDefinition/{code}"));
            match self.v.compiled(&target) {
                Ok(tc) => {
                    if let Some(root) = tc.root() {
                        if code == "Extension" {
                            self.extension_context(&tc, &elem.path);
                        }
                        self.object(value, obj, &tc, root, false);
                    }
                }
                Err(e) => self.error(
                    IssueType::NotFound,
                    "type",
                    format!("failed to find the definition of type {code} ({target}): {e}"),
                ),
            }
            // Invariants declared on this element itself (beyond the type's).
            self.invariants(c, node, value);
        }
        if let Some(fixed) = &elem.fixed
            && !json_equal(value, fixed)
        {
            self.error(
                IssueType::Value,
                "fixed",
                format!("value must be exactly {fixed}"),
            );
        }
        if let Some(pattern) = &elem.pattern
            && !json_contains(value, pattern)
        {
            self.error(
                IssueType::Value,
                "pattern",
                format!("value does not match the required pattern {pattern}"),
            );
        }
        match code {
            "Attachment" => self.attachment(obj),
            "Coding" => {
                self.coding(obj);
                let pair = coding_pair(value);
                if let Some(p) = pair {
                    self.binding(c, node, &[p]);
                }
            }
            "CodeableConcept" => {
                let pairs: Vec<(Option<&str>, &str)> = value
                    .get("coding")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(coding_pair).collect())
                    .unwrap_or_default();
                if !pairs.is_empty() {
                    self.binding(c, node, &pairs);
                }
            }
            "Quantity" | "Age" | "Duration" | "Distance" | "Count" | "SimpleQuantity"
            | "MoneyQuantity" => {
                if let Some(p) = coding_pair(value) {
                    self.binding(c, node, &[p]);
                }
                let findings = ranges::check_quantity(value, &c.nodes[node].elem);
                self.range_findings(findings);
            }
            "Reference" => {
                let targets = type_ref
                    .map(|t| t.target_profiles.clone())
                    .unwrap_or_default();
                self.reference(obj, &targets);
            }
            _ => {}
        }
    }

    pub(super) fn range_findings(&mut self, findings: Vec<ranges::RangeFinding>) {
        use ranges::RangeFinding;
        for f in findings {
            match f {
                RangeFinding::Outside(m) => self.error(IssueType::Value, "range", m),
                RangeFinding::Incomparable(m) => {
                    self.issue(Severity::Warning, IssueType::Value, "range", m)
                }
            }
        }
    }
}

fn coding_pair(v: &Value) -> Option<(Option<&str>, &str)> {
    let code = v.get("code").and_then(Value::as_str)?;
    Some((v.get("system").and_then(Value::as_str), code))
}

/// JSON equality with numbers compared by value (`1.0` equals `1`).
pub(crate) fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// Pattern matching: every property of `pattern` is present in `value` (arrays: every
/// pattern item matched by some value item).
pub(crate) fn json_contains(value: &Value, pattern: &Value) -> bool {
    match (value, pattern) {
        (Value::Object(v), Value::Object(p)) => p
            .iter()
            .all(|(k, pv)| v.get(k).is_some_and(|vv| json_contains(vv, pv))),
        (Value::Array(v), Value::Array(p)) => {
            p.iter().all(|pi| v.iter().any(|vi| json_contains(vi, pi)))
        }
        (Value::Array(v), p) => v.iter().any(|vi| json_contains(vi, p)),
        _ => json_equal(value, pattern),
    }
}
