//! The MHD 4.2.3 audit patterns, as the Document Responder and Document Recipient record them
//! (the server side of ITI-67, ITI-68 and ITI-65). Every code comes from the differentials of
//! the ihe.iti.mhd 4.2.3 profiles:
//!
//! - Find Document References (ITI-67), `IHE.MHD.FindDocumentReferences.Audit.Responder`: the
//!   BALP PatientQuery event plus the subtype `urn:ihe:event-type-code#ITI-67` (subtype 2..*);
//! - Retrieve Document (ITI-68), `IHE.MHD.RetrieveDocument.Audit.Responder`: the BALP
//!   PatientRead event plus the subtype `#ITI-68`, the data entity's role `object-role#3`
//!   (Report), and the patient the document is about (a Binary names none: the
//!   DocumentReference whose attachment URL it is does);
//! - Provide Document Bundle (ITI-65), `IHE.MHD.ProvideBundle.Audit.Recipient` (on AuditEvent,
//!   not BALP): type DCM 110107 Import, subtype `#ITI-65`, action C, the Document Source agent
//!   (DCM 110153) and the Document Recipient agent (DCM 110152), each with `who` and `network`,
//!   a patient entity (type 1, role 1) and the SubmissionSet entity (type 2, role 20 Job, `what`
//!   the List).
//!
//! The MHD event takes the place of the BALP one (BALP 1:52.6: a grouped profile's more
//! specific pattern is used instead): the ITI-67 and ITI-68 events are still BALP
//! PatientQuery / PatientRead events (the MHD profiles derive from them, and the event claims
//! both), the ITI-65 Import event replaces the per-entry BALP Create events of the bundle.

use serde_json::{Value, json};

use super::context::CallContext;
use super::event::{self, Bends, Kind, Subject};
use super::interaction::Interaction;
use super::patient::patient_of;
use super::target::{Target, Targets};
use crate::fhir::defect::Defect;
use crate::fhir::state::FhirState;

const MHD: &str = "https://profiles.ihe.net/ITI/MHD/StructureDefinition/IHE.MHD.";
const BALP: &str = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.";
const EVENT_TYPE: &str = "urn:ihe:event-type-code";
const DCM: &str = "http://dicom.nema.org/resources/ontology/DCM";
const ENTITY_TYPE: &str = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
const OBJECT_ROLE: &str = "http://terminology.hl7.org/CodeSystem/object-role";
const LIST_TYPES: &str = "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes";

/// The MHD transaction a request may be, from its interaction alone; whether it really is
/// one is decided once the answer is known ([`events`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transaction {
    /// A search of DocumentReference (GET or POST `_search`).
    FindDocumentReferences,
    /// A read of a Binary: a retrieve when a DocumentReference's attachment URL names it.
    RetrieveDocument { binary_id: String },
    /// A transaction Bundle: a Provide Document Bundle when it wrote a SubmissionSet.
    ProvideBundle,
}

impl Transaction {
    pub fn of(interaction: &Interaction) -> Option<Transaction> {
        match interaction {
            Interaction::Search { rt, .. } if rt == "DocumentReference" => {
                Some(Transaction::FindDocumentReferences)
            }
            Interaction::Read { rt, id } if rt == "Binary" => Some(Transaction::RetrieveDocument {
                binary_id: id.clone(),
            }),
            Interaction::Transaction => Some(Transaction::ProvideBundle),
            _ => None,
        }
    }
}

/// The events of an MHD transaction, or `None` to record the plain BALP events (not an MHD
/// transaction after all, a failed one, or the `audit-mhd-plain-balp` defect).
pub fn events(
    st: &FhirState,
    transaction: Option<Transaction>,
    response: &axum::response::Response,
    subjects: &[Subject],
    call: &CallContext,
    base: &str,
    bends: Bends,
) -> Option<Vec<Value>> {
    let transaction = transaction?;
    if st.has(Defect::AuditMhdPlainBalp) || !response.status().is_success() {
        return None;
    }
    let build = |s: &Subject| event::build(s, call, base, bends);
    match transaction {
        Transaction::FindDocumentReferences => Some(
            subjects
                .iter()
                .map(|s| {
                    let mut e = build(s);
                    find_document_references(&mut e);
                    e
                })
                .collect(),
        ),
        Transaction::RetrieveDocument { binary_id } => {
            let [subject] = subjects else { return None };
            let patient = document_patient(st, &binary_id)?;
            let mut subject = subject.clone();
            if !st.has(Defect::AuditNoPatient) {
                subject.patient = Some(patient);
            }
            let mut e = build(&subject);
            retrieve_document(&mut e);
            Some(vec![e])
        }
        Transaction::ProvideBundle => {
            let written = response.extensions().get::<Targets>()?;
            let submission_set = written.0.iter().find(|t| is_submission_set(t))?;
            let list = format!("List/{}", submission_set.version.id);
            let patient = if st.has(Defect::AuditNoPatient) {
                None
            } else {
                submission_set
                    .version
                    .resource
                    .as_ref()
                    .and_then(|r| patient_of(&r.json))
            };
            let subject = Subject {
                kind: Kind::Create,
                status: response.status().as_u16(),
                data: None,
                patient: patient.clone(),
                query: None,
            };
            let mut e = build(&subject);
            provide_bundle(&mut e, patient.as_deref(), &list);
            Some(vec![e])
        }
    }
}

/// The MHD profiles' `val-audit-source` (on the Responder's / Recipient's agent): the server
/// agent's `who` is the event's `source.observer`, the same Reference, display and all.
fn server_observes(event: &mut Value) {
    let server = event["agent"]
        .as_array()
        .and_then(|agents| agents.iter().find(|a| a["requestor"] == false))
        .map(|a| a["who"].clone());
    if let Some(who) = server
        && event["source"].is_object()
    {
        event["source"]["observer"] = who;
    }
}

fn event_type(code: &str, display: &str) -> Value {
    json!({"system": EVENT_TYPE, "code": code, "display": display})
}

/// Adds the ITI subtype and, where the event claims the BALP pattern the MHD profile is
/// built on, the MHD profile too (first).
fn mark(event: &mut Value, code: &str, display: &str, balp: &str, mhd: &str) {
    if let Some(subtypes) = event["subtype"].as_array_mut() {
        subtypes.insert(0, event_type(code, display));
    }
    server_observes(event);
    let balp = format!("{BALP}{balp}");
    if let Some(profiles) = event["meta"]["profile"].as_array_mut()
        && profiles.iter().any(|p| p == balp.as_str())
    {
        profiles.insert(0, json!(format!("{MHD}{mhd}")));
    }
}

fn find_document_references(event: &mut Value) {
    mark(
        event,
        "ITI-67",
        "Find Document References",
        "PatientQuery",
        "FindDocumentReferences.Audit.Responder",
    );
}

fn retrieve_document(event: &mut Value) {
    mark(
        event,
        "ITI-68",
        "Retrieve Document",
        "PatientRead",
        "RetrieveDocument.Audit.Responder",
    );
    // The data entity (the one with `what` that is neither the patient nor the request id).
    for entity in event["entity"].as_array_mut().into_iter().flatten() {
        if entity["type"]["code"] == "2" && entity["role"]["code"] == "4" {
            entity["role"] = json!({"system": OBJECT_ROLE, "code": "3", "display": "Report"});
        }
    }
}

/// Turns a BALP Create event (its agents are already Source 110153 for the client and
/// Destination 110152 for the server) into the ITI-65 Import event at the Recipient.
fn provide_bundle(event: &mut Value, patient: Option<&str>, list: &str) {
    let Some(map) = event.as_object_mut() else {
        return;
    };
    map.insert(
        "type".into(),
        json!({"system": DCM, "code": "110107", "display": "Import"}),
    );
    map.insert(
        "subtype".into(),
        json!([event_type("ITI-65", "Provide Document Bundle")]),
    );
    map.insert("action".into(), json!("C"));
    server_observes(event);
    let Some(map) = event.as_object_mut() else {
        return;
    };
    let request_id = map.get("entity").and_then(Value::as_array).and_then(|es| {
        es.iter()
            .find(|e| e["type"]["code"] == "XrequestId")
            .cloned()
    });
    let mut entities = Vec::new();
    if let Some(patient) = patient {
        entities.push(json!({
            "type": {"system": ENTITY_TYPE, "code": "1", "display": "Person"},
            "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"},
            "what": {"reference": patient},
        }));
    }
    entities.push(json!({
        "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
        "role": {"system": OBJECT_ROLE, "code": "20", "display": "Job"},
        "what": {"reference": list},
    }));
    entities.extend(request_id);
    map.insert("entity".into(), Value::Array(entities));
    // The profile requires the patient entity; without it the event claims none.
    if patient.is_some() && map.get("outcome") == Some(&json!("0")) {
        map.insert(
            "meta".into(),
            json!({"profile": [format!("{MHD}ProvideBundle.Audit.Recipient")]}),
        );
    } else {
        map.remove("meta");
    }
}

/// A List of MHD list type `submissionset`.
fn is_submission_set(target: &Target) -> bool {
    target.resource_type == "List"
        && target.version.resource.as_ref().is_some_and(|r| {
            r.json["code"]["coding"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["system"] == LIST_TYPES && c["code"] == "submissionset")
        })
}

/// The patient of the DocumentReference whose attachment URL names `Binary/{binary_id}`.
fn document_patient(st: &FhirState, binary_id: &str) -> Option<String> {
    st.store
        .search("DocumentReference", |v| {
            v.resource.as_ref().is_some_and(|r| {
                r.json["content"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c["attachment"]["url"].as_str())
                    .any(|url| names_binary(url, binary_id))
            })
        })
        .iter()
        .find_map(|v| v.resource.as_ref().and_then(|r| patient_of(&r.json)))
}

/// `Binary/x`, `http://host/fhir/Binary/x` (a query or fragment aside) name Binary `x`.
fn names_binary(url: &str, binary_id: &str) -> bool {
    let bare = url.split(['?', '#']).next().unwrap_or(url);
    let mut parts = bare.rsplit('/');
    parts.next() == Some(binary_id) && parts.next() == Some("Binary")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Method;

    fn call() -> CallContext {
        CallContext {
            peer_ip: Some("127.0.0.1".into()),
            host: "localhost".into(),
            user_agent: Some("samsvar/0.1".into()),
            request_id: Some("rid-1".into()),
            token: None,
            request_line: "GET /fhir/DocumentReference?patient=Patient/p".into(),
        }
    }

    fn subject(kind: Kind, data: Option<&str>, query: Option<&[u8]>) -> Subject {
        Subject {
            kind,
            status: 200,
            data: data.map(str::to_string),
            patient: Some("Patient/p".into()),
            query: query.map(<[u8]>::to_vec),
        }
    }

    fn codes(v: &Value) -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                format!(
                    "{}#{}",
                    c["system"].as_str().unwrap_or(""),
                    c["code"].as_str().unwrap_or("")
                )
            })
            .collect()
    }

    #[test]
    fn classifies_the_mhd_transactions() {
        let of =
            |m: &Method, p: &str| Interaction::classify(m, p).and_then(|i| Transaction::of(&i));
        assert_eq!(
            of(&Method::GET, "/fhir/DocumentReference"),
            Some(Transaction::FindDocumentReferences)
        );
        assert_eq!(
            of(&Method::POST, "/fhir/DocumentReference/_search"),
            Some(Transaction::FindDocumentReferences)
        );
        assert_eq!(
            of(&Method::GET, "/fhir/Binary/b1"),
            Some(Transaction::RetrieveDocument {
                binary_id: "b1".into()
            })
        );
        assert_eq!(of(&Method::POST, "/fhir"), Some(Transaction::ProvideBundle));
        assert_eq!(of(&Method::GET, "/fhir/Patient"), None);
        assert_eq!(of(&Method::GET, "/fhir/DocumentReference/d1"), None);
    }

    #[test]
    fn iti67_adds_the_event_type_to_a_patient_query() {
        let mut e = event::build(
            &subject(Kind::Search, None, Some(b"patient=Patient/p")),
            &call(),
            "http://localhost/fhir",
            Bends::default(),
        );
        find_document_references(&mut e);
        let subtypes = codes(&e["subtype"]);
        assert_eq!(subtypes.len(), 2, "{subtypes:?}");
        assert_eq!(subtypes[0], "urn:ihe:event-type-code#ITI-67");
        assert_eq!(e["action"], "E");
        assert_eq!(
            e["meta"]["profile"][0],
            format!("{MHD}FindDocumentReferences.Audit.Responder")
        );
        assert_eq!(e["meta"]["profile"][1], format!("{BALP}PatientQuery"));
        assert_eq!(e["source"]["observer"], e["agent"][1]["who"]);
    }

    #[test]
    fn iti67_without_a_patient_claims_no_mhd_profile() {
        let mut s = subject(Kind::Search, None, Some(b"status=current"));
        s.patient = None;
        let mut e = event::build(&s, &call(), "http://localhost/fhir", Bends::default());
        find_document_references(&mut e);
        assert_eq!(codes(&e["subtype"])[0], "urn:ihe:event-type-code#ITI-67");
        let profiles = e["meta"]["profile"].as_array().cloned().unwrap_or_default();
        assert!(
            !profiles
                .iter()
                .any(|p| p.as_str().is_some_and(|p| p.starts_with(MHD))),
            "{profiles:?}"
        );
    }

    #[test]
    fn iti68_is_a_patient_read_of_a_report() {
        let mut e = event::build(
            &subject(Kind::Read, Some("Binary/b1/_history/1"), None),
            &call(),
            "http://localhost/fhir",
            Bends::default(),
        );
        retrieve_document(&mut e);
        let subtypes = codes(&e["subtype"]);
        assert_eq!(
            subtypes,
            vec![
                "urn:ihe:event-type-code#ITI-68".to_string(),
                "http://hl7.org/fhir/restful-interaction#read".to_string()
            ]
        );
        let data = e["entity"]
            .as_array()
            .and_then(|es| {
                es.iter()
                    .find(|x| x["what"]["reference"] == "Binary/b1/_history/1")
            })
            .cloned()
            .unwrap_or_default();
        assert_eq!(data["role"]["code"], "3");
        assert_eq!(data["type"]["code"], "2");
        assert_eq!(
            e["meta"]["profile"][0],
            format!("{MHD}RetrieveDocument.Audit.Responder")
        );
    }

    #[test]
    fn iti65_is_an_import_with_patient_and_submission_set() {
        let mut e = event::build(
            &subject(Kind::Create, None, None),
            &call(),
            "http://localhost/fhir",
            Bends::default(),
        );
        provide_bundle(&mut e, Some("Patient/p"), "List/s1");
        assert_eq!(e["type"]["system"], DCM);
        assert_eq!(e["type"]["code"], "110107");
        assert_eq!(codes(&e["subtype"]), vec!["urn:ihe:event-type-code#ITI-65"]);
        assert_eq!(e["action"], "C");
        assert_eq!(e["outcome"], "0");
        let agent_codes: Vec<_> = e["agent"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| a["type"]["coding"][0]["code"].clone())
            .collect();
        assert_eq!(agent_codes, vec![json!("110153"), json!("110152")]);
        assert_eq!(e["source"]["observer"], e["agent"][1]["who"]);
        assert!(
            e["agent"]
                .as_array()
                .into_iter()
                .flatten()
                .all(|a| a["who"].is_object() && a["network"].is_object())
        );
        let entities = e["entity"].as_array().cloned().unwrap_or_default();
        assert_eq!(entities.len(), 3, "{entities:?}");
        assert_eq!(entities[0]["what"]["reference"], "Patient/p");
        assert_eq!(entities[1]["role"]["code"], "20");
        assert_eq!(entities[1]["what"]["reference"], "List/s1");
        assert_eq!(entities[2]["what"]["identifier"]["value"], "rid-1");
        assert_eq!(
            e["meta"]["profile"],
            json!([format!("{MHD}ProvideBundle.Audit.Recipient")])
        );
        // Without the patient it claims no profile.
        provide_bundle(&mut e, None, "List/s1");
        assert!(e.get("meta").is_none());
    }

    #[test]
    fn binary_urls() {
        assert!(names_binary("http://h/fhir/Binary/b1", "b1"));
        assert!(names_binary("Binary/b1?_format=json", "b1"));
        assert!(!names_binary("http://h/fhir/Binary/b10", "b1"));
        assert!(!names_binary("http://h/fhir/Other/b1", "b1"));
    }
}
