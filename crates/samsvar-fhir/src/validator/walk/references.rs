//! References: resolution (contained `#id`, the enclosing Bundle), the target's type
//! against `targetProfile`, and conformance of a resolved target to its profiles.

use super::bundle_index::Resolution;
use super::{MAX_CONFORMANCE_NESTING, Walk};
use samsvar_diagnostics::{IssueType, Severity};
use serde_json::{Map, Value};

impl<'a> Walk<'a> {
    pub(super) fn reference(&mut self, obj: &Map<String, Value>, targets: &[String]) {
        let Some(r) = obj.get("reference").and_then(Value::as_str) else {
            return;
        };
        let allowed = self.target_types(targets);
        // Resolved once: contained (`#id`), or in the enclosing Bundle.
        let in_bundle = if r.starts_with('#') {
            None
        } else {
            self.bundle_resolution(r)
        };
        let resolved = match &in_bundle {
            Some(Resolution::Found(hit)) => Some(*hit),
            _ if r.starts_with('#') => self.resolve(r),
            _ => None,
        };
        if r.starts_with('#') && r.len() > 1 && resolved.is_none() {
            self.error(
                IssueType::NotFound,
                "reference",
                format!("contained resource {r} not found"),
            );
            return;
        }
        let actual = match resolved {
            Some(res) => res
                .get("resourceType")
                .and_then(Value::as_str)
                .map(str::to_string),
            None => literal_type(r).filter(|t| {
                self.v
                    .definitions()
                    .has_structure(&format!("http://hl7.org/fhir/StructureDefinition/{t}"))
            }),
        };
        if let Some(actual) = actual
            && !allowed.is_empty()
            && !allowed.iter().any(|a| a == &actual || a == "Resource")
        {
            self.error(
                IssueType::Structure,
                "reference-type",
                format!(
                    "reference to a {actual} is not allowed here; allowed: {}",
                    allowed.join(", ")
                ),
            );
        }
        if let Some(res) = resolved {
            self.reference_profiles(r, res, targets);
        }
        if let Some(Resolution::Ambiguous(n)) = in_bundle {
            self.error(
                IssueType::Duplicate,
                "bundle-reference",
                format!("reference {r} matches {n} entries of the Bundle; it must identify one"),
            );
        } else if resolved.is_none() && r.starts_with("urn:uuid:") && !self.bundles.is_empty() {
            self.issue(
                Severity::Warning,
                IssueType::NotFound,
                "reference",
                format!("reference {r} does not resolve to an entry of the Bundle"),
            );
        }
    }

    /// A resolved reference whose targetProfiles are profiles (not just base types) must
    /// conform to one of those for its type.
    pub(super) fn reference_profiles(&mut self, r: &str, res: &'a Value, targets: &[String]) {
        if self.nesting >= MAX_CONFORMANCE_NESTING {
            return;
        }
        let Some(rt) = res.get("resourceType").and_then(Value::as_str) else {
            return;
        };
        let base = format!("http://hl7.org/fhir/StructureDefinition/{rt}");
        let mut candidates = Vec::new();
        for t in targets {
            let plain = t.split('|').next().unwrap_or(t);
            if plain == base || plain == "http://hl7.org/fhir/StructureDefinition/Resource" {
                return;
            }
            if let Ok(sd) = self.v.definitions().structure(plain)
                && sd.type_name == rt
            {
                candidates.push(plain.to_string());
            }
        }
        if candidates.is_empty() || candidates.iter().any(|p| self.conforms(res, p)) {
            return;
        }
        self.error(
            IssueType::Invalid,
            "reference-profile",
            format!(
                "{r} resolves to a {rt} that does not conform to {}",
                candidates.join(" or ")
            ),
        );
    }

    /// The resource types the target profiles allow; empty (no check) when one of them
    /// is a profile that is not loaded, since its type is then unknown.
    pub(super) fn target_types(&self, targets: &[String]) -> Vec<String> {
        targets
            .iter()
            .map(|t| self.profile_type(t))
            .collect::<Option<Vec<String>>>()
            .unwrap_or_default()
    }

    /// The type a profile constrains: from its definition, or from a core URL
    /// (`…/StructureDefinition/Patient`); `None` for a profile that is not loaded.
    pub(crate) fn profile_type(&self, canonical: &str) -> Option<String> {
        let plain = canonical.split('|').next().unwrap_or(canonical);
        match self.v.definitions().structure(plain) {
            Ok(sd) => Some(sd.type_name.clone()),
            Err(_) => plain
                .strip_prefix("http://hl7.org/fhir/StructureDefinition/")
                .map(str::to_string),
        }
    }

    /// Resolves a reference against the contained resources and the enclosing Bundle.
    pub(crate) fn resolve(&self, r: &str) -> Option<&'a Value> {
        if let Some(id) = r.strip_prefix('#') {
            // The container: the nearest frame that is not itself contained.
            let container = self.frames.iter().rev().find(|f| !f.contained)?.resource;
            if id.is_empty() {
                return Some(container);
            }
            return container
                .get("contained")
                .and_then(Value::as_array)?
                .iter()
                .find(|c| c.get("id").and_then(Value::as_str) == Some(id));
        }
        match self.bundle_resolution(r)? {
            Resolution::Found(hit) => Some(hit),
            _ => None,
        }
    }

    /// Resolves a reference in the enclosing Bundle, from the entry being walked.
    pub(super) fn bundle_resolution(&self, r: &str) -> Option<Resolution<'a>> {
        let (frame, index) = self.bundles.last()?;
        let from = self.frames.get(frame + 1).map(|f| f.resource);
        Some(index.resolve(r, from))
    }
}

/// The resource type of a literal reference (`Patient/1`, `http://x/fhir/Patient/1`).
pub(super) fn literal_type(r: &str) -> Option<String> {
    let plain = r.split("/_history/").next().unwrap_or(r);
    let mut parts = plain.rsplitn(3, '/');
    let _id = parts.next()?;
    let ty = parts.next()?;
    (ty.chars().next()?.is_ascii_uppercase()).then(|| ty.to_string())
}
