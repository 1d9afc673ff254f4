//! The code system names DICOM audit messages use (`codeSystemName`) and the FHIR system
//! URIs they stand for: one table, read one way by the audit record repository (DICOM →
//! AuditEvent) and the other way by the simulator's syslog trail (AuditEvent → DICOM).

/// (DICOM code system name, FHIR system URI).
const CODE_SYSTEMS: &[(&str, &str)] = &[
    ("DCM", "http://dicom.nema.org/resources/ontology/DCM"),
    ("IHE Transactions", "urn:ihe:event-type-code"),
    // RFC 3881's own code lists (participant object id types) have no FHIR code system.
    ("RFC-3881", "urn:ietf:rfc:3881"),
];

/// The FHIR system of a code system name: the table's, an OID as `urn:oid:`, a name that
/// is a URI as itself, else none.
pub fn fhir_system(name: &str) -> Option<String> {
    if let Some((_, uri)) = CODE_SYSTEMS.iter().find(|(n, _)| *n == name) {
        return Some((*uri).to_string());
    }
    if name == "IHE" {
        return Some("urn:ihe:event-type-code".to_string());
    }
    if name.contains(':') {
        return Some(name.to_string());
    }
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Some(format!("urn:oid:{name}"));
    }
    None
}

/// The code system name for a FHIR system: the table's, an OID without `urn:oid:`, else
/// the URI itself.
pub fn dicom_name(system: &str) -> String {
    match CODE_SYSTEMS.iter().find(|(_, uri)| *uri == system) {
        Some((name, _)) => (*name).to_string(),
        None => system
            .strip_prefix("urn:oid:")
            .unwrap_or(system)
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_systems_map_both_ways() {
        for (name, uri) in CODE_SYSTEMS {
            assert_eq!(fhir_system(name).as_deref(), Some(*uri));
            assert_eq!(dicom_name(uri), *name);
        }
        assert_eq!(
            fhir_system("1.2.840.10008").as_deref(),
            Some("urn:oid:1.2.840.10008")
        );
        assert_eq!(dicom_name("urn:oid:1.2.840.10008"), "1.2.840.10008");
        assert_eq!(fhir_system("Local Codes"), None);
    }
}
