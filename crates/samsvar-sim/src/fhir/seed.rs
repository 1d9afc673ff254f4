//! The synthetic Norwegian test population (`fixtures/`, embedded at build time) loaded into
//! the store, so that the EHDS suites (`testsuites/ips`, `mhd`, `pdqm`) find the patients and
//! documents they name.
//!
//! What a seeded simulator holds, for every entry of `fixtures/index.json`:
//! - each Patient, Practitioner, PractitionerRole and Organization under its own id;
//! - each document as `Bundle/{document id}` (as the fixture file has it);
//! - for each document, what an MHD Document Responder publishes: `Binary/{document id}` with
//!   the file's exact bytes, `DocumentReference/{document id}` pointing at it (type, EHDS
//!   category, subject, date, author, custodian, masterIdentifier, size and SHA-1 hash of those
//!   bytes) and a SubmissionSet `List/ss-{document id}`.
//!
//! `DocumentReference.content.attachment.url` must be a full URL (MHD ITI TF-2 3.67.4.2.2.1.1),
//! and the base URL is only known once a client addresses the server, so the store is filled
//! on the first request, with that request's base URL.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};
use sha1::{Digest, Sha1};

use super::store::{Store, UpdateMode};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));
}

/// LOINC codes of HL7 Europe Base's `ehdsCategories-eu` value set, by manifest category:
/// what the seeded DocumentReferences carry in `category` (the XDS classCode), so that a
/// Document Consumer can find all documents of one EHDS priority category.
const EHDS_CATEGORIES: &[(&str, &str, &str)] = &[
    ("patient-summary", "60591-5", "Patient summary Document"),
    ("laboratory-report", "11502-2", "Laboratory report"),
    ("hospital-discharge-report", "18842-5", "Discharge summary"),
    ("imaging-report", "18748-4", "Diagnostic imaging study"),
    ("prescription", "57833-6", "Prescription for medication"),
];

/// The embedded manifest and files, as `(path relative to fixtures/, text)`.
pub fn files() -> &'static [(&'static str, &'static str)] {
    embedded::FILES
}

fn file(path: &str) -> Option<&'static str> {
    embedded::FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, text)| *text)
}

/// Load the whole population into `store`; `base` is the server's base URL
/// (`http://HOST:PORT/fhir`). Returns how many resources were written.
pub fn seed(store: &Store, base: &str) -> usize {
    let Ok(index) = serde_json::from_str::<Value>(embedded::INDEX) else {
        return 0;
    };
    let mut written = 0;
    for list in [
        "organizations",
        "practitioners",
        "practitionerRoles",
        "patients",
    ] {
        for item in index[list].as_array().into_iter().flatten() {
            if let Some(resource) = item["file"].as_str().and_then(file).and_then(parse) {
                written += usize::from(put(store, resource));
            }
        }
    }
    for doc in index["documents"].as_array().into_iter().flatten() {
        written += seed_document(store, base, doc);
    }
    written
}

fn seed_document(store: &Store, base: &str, doc: &Value) -> usize {
    let (Some(id), Some(text)) = (doc["id"].as_str(), doc["file"].as_str().and_then(file)) else {
        return 0;
    };
    let mut written = 0;
    if let Some(bundle) = parse(text) {
        written += usize::from(put(store, bundle));
    }
    let content_type = doc["contentType"]
        .as_str()
        .unwrap_or("application/fhir+json");
    let binary = json!({
        "resourceType": "Binary",
        "id": id,
        "contentType": content_type,
        "data": BASE64.encode(text.as_bytes()),
    });
    written += usize::from(put_value(store, binary));
    let reference = document_reference(base, id, doc, text.as_bytes());
    written += usize::from(put_value(store, reference));
    written += usize::from(put_value(store, submission_set(id, doc)));
    written
}

/// The DocumentReference an MHD Document Responder would publish for one fixture document.
fn document_reference(base: &str, id: &str, doc: &Value, bytes: &[u8]) -> Value {
    let hash = BASE64.encode(Sha1::digest(bytes));
    let category = doc["category"].as_str().unwrap_or_default();
    let mut reference = json!({
        "resourceType": "DocumentReference",
        "id": id,
        "meta": {
            "profile": ["https://profiles.ihe.net/ITI/MHD/StructureDefinition/IHE.MHD.Minimal.DocumentReference"],
            "security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HTEST"}],
        },
        // MHD's UniqueIdIdentifier requires `use: usual` on the masterIdentifier.
        "masterIdentifier": {
            "use": "usual",
            "system": doc["identifier"]["system"],
            "value": doc["identifier"]["value"],
        },
        "status": "current",
        "type": {"coding": [doc["type"]]},
        "subject": {"reference": doc["patient"]},
        "date": doc["date"],
        "description": doc["title"],
        "content": [{
            "attachment": {
                "contentType": doc["contentType"],
                "url": format!("{base}/Binary/{id}"),
                "size": bytes.len(),
                "hash": hash,
                "title": doc["title"],
                "creation": doc["date"],
            }
        }],
    });
    if let Some((_, code, display)) = EHDS_CATEGORIES.iter().find(|(c, _, _)| *c == category) {
        reference["category"] =
            json!([{"coding": [{"system": "http://loinc.org", "code": code, "display": display}]}]);
    }
    if let Some(author) = doc["author"].as_str() {
        reference["author"] = json!([{"reference": author}]);
    }
    if let Some(custodian) = doc["custodian"].as_str() {
        reference["custodian"] = json!({"reference": custodian});
    }
    if doc["formatCode"].is_object() {
        reference["content"][0]["format"] = doc["formatCode"].clone();
    }
    reference
}

/// The SubmissionSet that published one document (MHD Minimal SubmissionSet).
fn submission_set(id: &str, doc: &Value) -> Value {
    json!({
        "resourceType": "List",
        "id": format!("ss-{id}"),
        "meta": {
            "profile": ["https://profiles.ihe.net/ITI/MHD/StructureDefinition/IHE.MHD.Minimal.SubmissionSet"],
            "security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HTEST"}],
        },
        "extension": [{
            "url": "https://profiles.ihe.net/ITI/MHD/StructureDefinition/ihe-sourceId",
            "valueIdentifier": {"system": "urn:ietf:rfc:3986", "value": "urn:oid:2.25.246880339186153373470370524108355931393"}
        }],
        "identifier": [{"use": "usual", "system": "urn:ietf:rfc:3986", "value": format!("urn:samsvar:fixtures:submissionset:{id}")}],
        "status": "current",
        "mode": "working",
        "code": {"coding": [{"system": "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes", "code": "submissionset"}]},
        "subject": {"reference": doc["patient"]},
        "date": doc["date"],
        "entry": [{"item": {"reference": format!("DocumentReference/{id}")}}],
    })
}

fn parse(text: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

fn put_value(store: &Store, value: Value) -> bool {
    match value {
        Value::Object(map) => put(store, map),
        _ => false,
    }
}

/// Store a resource under its own type and id (create-or-update).
fn put(store: &Store, resource: Map<String, Value>) -> bool {
    let (Some(rt), Some(id)) = (
        resource
            .get("resourceType")
            .and_then(Value::as_str)
            .map(str::to_string),
        resource
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_string),
    ) else {
        return false;
    };
    store
        .update(&rt, &id, resource, UpdateMode::default())
        .is_ok()
}
