//! "Patient involved" (BALP Patient* profiles): the resource is a Patient, or its
//! `subject` / `patient` reference points at one.

use serde_json::Value;

/// `Patient/{id}` for the patient `resource` is about, if any.
pub fn patient_of(resource: &Value) -> Option<String> {
    if resource["resourceType"] == "Patient" {
        return resource["id"].as_str().map(|id| format!("Patient/{id}"));
    }
    ["subject", "patient"].iter().find_map(|k| {
        resource[*k]["reference"]
            .as_str()
            .and_then(patient_reference)
    })
}

/// `Patient/x`, `http://host/fhir/Patient/x/_history/2` → `Patient/x`; other targets → None.
pub fn patient_reference(reference: &str) -> Option<String> {
    let bare = match reference.find("/_history/") {
        Some(i) => &reference[..i],
        None => reference,
    };
    let mut parts = bare.rsplit('/');
    let id = parts.next()?;
    (parts.next() == Some("Patient") && !id.is_empty()).then(|| format!("Patient/{id}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_the_patient() {
        assert_eq!(
            patient_of(&json!({"resourceType": "Patient", "id": "p"})),
            Some("Patient/p".into())
        );
        let obs = json!({"resourceType": "Observation", "subject": {"reference": "http://h/fhir/Patient/q/_history/1"}});
        assert_eq!(patient_of(&obs), Some("Patient/q".into()));
        let grp = json!({"resourceType": "Observation", "subject": {"reference": "Group/g"}});
        assert_eq!(patient_of(&grp), None);
        let allergy =
            json!({"resourceType": "AllergyIntolerance", "patient": {"reference": "Patient/a"}});
        assert_eq!(patient_of(&allergy), Some("Patient/a".into()));
    }
}
