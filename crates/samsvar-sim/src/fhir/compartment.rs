//! The patient compartment a patient-context token (`TokenClaims::patient`, SMART
//! `patient/…` scopes) may see: the Patient itself and what is about it. For an AuditEvent
//! that is its patient entity (BALP's `entity:patient` slice, `entity.what` =
//! `Patient/{id}`): the person's own access log (EHDS Art. 9). The guard
//! (`auth/guard.rs`) lets such a token only read, vread and search; the handlers filter
//! what those answer with [`visible`].

use serde_json::Value;

use super::audit::{patient_of, patient_reference};

/// May the person whose patient id is `patient` see `resource`?
pub fn visible(resource: &Value, patient: &str) -> bool {
    let own = format!("Patient/{patient}");
    if resource["resourceType"] == "AuditEvent" {
        // Every patient the event names must be this one, and it must name one: an event
        // about nobody, or about this patient and another, is not part of this log.
        let named: Vec<String> = resource["entity"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["what"]["reference"].as_str())
            .filter_map(patient_reference)
            .collect();
        return !named.is_empty() && named.iter().all(|p| *p == own);
    }
    patient_of(resource).as_deref() == Some(own.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(patients: &[&str]) -> Value {
        let mut entity: Vec<Value> = patients
            .iter()
            .map(
                |p| json!({"what": {"reference": p}, "type": {"code": "1"}, "role": {"code": "1"}}),
            )
            .collect();
        entity.push(
            json!({"what": {"identifier": {"value": "req-1"}}, "type": {"code": "XrequestId"}}),
        );
        json!({"resourceType": "AuditEvent", "entity": entity})
    }

    #[test]
    fn an_audit_event_is_visible_to_its_patient_only() {
        assert!(visible(&event(&["Patient/p1"]), "p1"));
        assert!(visible(
            &event(&["http://h/fhir/Patient/p1/_history/3"]),
            "p1"
        ));
        assert!(!visible(&event(&["Patient/p2"]), "p1"));
        assert!(!visible(&event(&[]), "p1"));
        assert!(!visible(&event(&["Patient/p1", "Patient/p2"]), "p1"));
        // A prefix of another id is another patient.
        assert!(!visible(&event(&["Patient/p10"]), "p1"));
    }

    #[test]
    fn other_resources_by_their_patient() {
        assert!(visible(
            &json!({"resourceType": "Patient", "id": "p1"}),
            "p1"
        ));
        assert!(!visible(
            &json!({"resourceType": "Patient", "id": "p2"}),
            "p1"
        ));
        let obs = json!({"resourceType": "Observation", "subject": {"reference": "Patient/p1"}});
        assert!(visible(&obs, "p1"));
        assert!(!visible(&obs, "p2"));
        assert!(!visible(
            &json!({"resourceType": "Organization", "id": "o"}),
            "p1"
        ));
    }
}
