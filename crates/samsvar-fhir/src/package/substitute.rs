//! Packages that registries reachable by default do not carry, and what stands in for them.

/// `hl7.fhir.r4.core` is not published on the npm registry; `hl7.fhir.r4.examples` at the
/// same version holds the same R4 definitions (and the spec's examples besides).
const SUBSTITUTES: &[(&str, &str, &str)] = &[(
    "hl7.fhir.r4.core",
    "hl7.fhir.r4.examples",
    "hl7.fhir.r4.core is not published on the npm registry; hl7.fhir.r4.examples carries the same R4 core definitions",
)];

/// The stand-in for `id` and the reason, if there is one.
pub fn substitute_for(id: &str) -> Option<(&'static str, &'static str)> {
    SUBSTITUTES
        .iter()
        .find(|(from, _, _)| *from == id)
        .map(|(_, to, why)| (*to, *why))
}
