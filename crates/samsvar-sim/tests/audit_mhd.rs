//! The MHD 4.2.3 audit patterns of the FHIR simulator, over real loopback HTTP: ITI-65 as the
//! Import event at the Document Recipient, ITI-67 and ITI-68 as BALP PatientQuery and
//! PatientRead with their MHD event type at the Document Responder, and the
//! `audit-mhd-plain-balp` defect.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{FHIR_JSON, client, create_id, entries, patient, start};
use samsvar_sim::fhir::Defect;
use serde_json::{Value, json};

const MHD: &str = "https://profiles.ihe.net/ITI/MHD/StructureDefinition/IHE.MHD.";
const BALP: &str = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.";
const EVENT_TYPE: &str = "urn:ihe:event-type-code";

/// A minimal Provide Document Bundle for `pid`: SubmissionSet, DocumentReference, Binary.
fn provide_bundle(pid: &str) -> Value {
    let subject = json!({"reference": format!("Patient/{pid}")});
    json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:6f1d7a52-0000-4000-8000-000000000001",
         "resource": {"resourceType": "List", "status": "current", "mode": "working",
                      "code": {"coding": [{"system": "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes", "code": "submissionset"}]},
                      "subject": subject,
                      "entry": [{"item": {"reference": "urn:uuid:6f1d7a52-0000-4000-8000-000000000002"}}]},
         "request": {"method": "POST", "url": "List"}},
        {"fullUrl": "urn:uuid:6f1d7a52-0000-4000-8000-000000000002",
         "resource": {"resourceType": "DocumentReference", "status": "current", "subject": subject,
                      "content": [{"attachment": {"contentType": "text/plain",
                                                  "url": "urn:uuid:6f1d7a52-0000-4000-8000-000000000003"}}]},
         "request": {"method": "POST", "url": "DocumentReference"}},
        {"fullUrl": "urn:uuid:6f1d7a52-0000-4000-8000-000000000003",
         "resource": {"resourceType": "Binary", "contentType": "text/plain", "data": "aGVsbG8="},
         "request": {"method": "POST", "url": "Binary"}}
    ]})
}

/// POSTs the bundle and answers the written ids (List, DocumentReference, Binary).
async fn provide(base: &str, pid: &str) -> Vec<String> {
    let r = client()
        .post(base)
        .header("content-type", FHIR_JSON)
        .header("x-request-id", "req-provide")
        .body(provide_bundle(pid).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let reply: Value = r.json().await.unwrap();
    entries_of_response(&reply)
}

fn entries_of_response(reply: &Value) -> Vec<String> {
    reply["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let location = e["response"]["location"].as_str().unwrap();
            location.split('/').nth(1).unwrap().to_string()
        })
        .collect()
}

async fn events(base: &str, query: &str) -> Vec<Value> {
    let r = client()
        .get(format!("{base}/AuditEvent?{query}"))
        .header("accept", FHIR_JSON)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    entries(&r.json().await.unwrap())
}

fn with_event_type<'a>(events: &'a [Value], code: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| {
            e["subtype"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|s| s["system"] == EVENT_TYPE && s["code"] == code)
        })
        .collect()
}

fn entity<'a>(event: &'a Value, role: &str) -> &'a Value {
    event["entity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["role"]["code"] == role)
        .unwrap_or_else(|| panic!("no entity in role {role}: {event:#}"))
}

fn agent_codes(event: &Value) -> Vec<String> {
    event["agent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"]["coding"][0]["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn provide_find_and_retrieve_record_the_mhd_patterns() {
    let sim = start(&[]).await;
    let base = sim.base_url();
    let pid = create_id(&client(), base, &patient("Mhd")).await;
    let ids = provide(base, &pid).await;
    let (list, binary) = (&ids[0], &ids[2]);

    // ITI-65: one Import event in place of a Create per entry.
    let about = events(base, &format!("patient=Patient/{pid}")).await;
    let imports = with_event_type(&about, "ITI-65");
    assert_eq!(imports.len(), 1, "{about:#?}");
    let import = imports[0];
    assert_eq!(import["type"]["code"], "110107");
    assert_eq!(import["action"], "C");
    assert_eq!(
        import["meta"]["profile"],
        json!([format!("{MHD}ProvideBundle.Audit.Recipient")])
    );
    assert_eq!(agent_codes(import), ["110153", "110152"]);
    assert_eq!(
        entity(import, "20")["what"]["reference"],
        format!("List/{list}")
    );
    assert_eq!(
        entity(import, "1")["what"]["reference"],
        format!("Patient/{pid}")
    );
    let creates = about.iter().filter(|e| e["action"] == "C").count();
    assert_eq!(
        creates, 2,
        "the patient's create and the import: {about:#?}"
    );

    // ITI-67: the PatientQuery event with the ITI-67 subtype.
    let r = client()
        .get(format!("{base}/DocumentReference?patient=Patient/{pid}"))
        .header("accept", FHIR_JSON)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let about = events(base, &format!("patient=Patient/{pid}")).await;
    let finds = with_event_type(&about, "ITI-67");
    assert_eq!(finds.len(), 1, "{about:#?}");
    let find = finds[0];
    assert_eq!(find["action"], "E");
    assert_eq!(
        find["meta"]["profile"],
        json!([
            format!("{MHD}FindDocumentReferences.Audit.Responder"),
            format!("{BALP}PatientQuery")
        ])
    );
    assert!(entity(find, "24")["query"].is_string());
    assert_eq!(find["source"]["observer"], find["agent"][1]["who"]);

    // ITI-68: the Binary the DocumentReference names, as PatientRead of a Report.
    let r = client()
        .get(format!("{base}/Binary/{binary}"))
        .header("accept", "*/*")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "hello");
    let about = events(base, &format!("patient=Patient/{pid}")).await;
    let retrieves = with_event_type(&about, "ITI-68");
    assert_eq!(retrieves.len(), 1, "{about:#?}");
    let retrieve = retrieves[0];
    assert_eq!(retrieve["action"], "R");
    assert_eq!(agent_codes(retrieve), ["110152", "110153"]);
    let data = entity(retrieve, "3");
    assert!(
        data["what"]["reference"]
            .as_str()
            .unwrap()
            .starts_with(&format!("Binary/{binary}")),
        "{retrieve:#}"
    );
    assert_eq!(
        retrieve["meta"]["profile"][0],
        format!("{MHD}RetrieveDocument.Audit.Responder")
    );
}

#[tokio::test]
async fn other_transactions_and_binaries_stay_plain_balp() {
    let sim = start(&[]).await;
    let base = sim.base_url();
    // A Binary that no DocumentReference names is a plain read.
    let id = create_id(
        &client(),
        base,
        &json!({"resourceType": "Binary", "contentType": "text/plain", "data": "eA=="}),
    )
    .await;
    let r = client()
        .get(format!("{base}/Binary/{id}"))
        .header("accept", "*/*")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let all = events(base, "action=R").await;
    assert_eq!(all.len(), 1, "{all:#?}");
    assert!(with_event_type(&all, "ITI-68").is_empty(), "{all:#?}");
    assert_eq!(all[0]["meta"]["profile"][0], format!("{BALP}Read"));
}

#[tokio::test]
async fn audit_mhd_plain_balp_records_the_balp_events_only() {
    let sim = start(&[Defect::AuditMhdPlainBalp]).await;
    let base = sim.base_url();
    let pid = create_id(&client(), base, &patient("Plain")).await;
    let ids = provide(base, &pid).await;
    let r = client()
        .get(format!("{base}/DocumentReference?patient=Patient/{pid}"))
        .header("accept", FHIR_JSON)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = client()
        .get(format!("{base}/Binary/{}", ids[2]))
        .header("accept", "*/*")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let all = events(base, "_count=100").await;
    for code in ["ITI-65", "ITI-67", "ITI-68"] {
        assert!(with_event_type(&all, code).is_empty(), "{code}: {all:#?}");
    }
    // The bundle's entries are audited one by one, as BALP Creates.
    let creates = all.iter().filter(|e| e["action"] == "C").count();
    assert_eq!(creates, 4, "the patient and three entries: {all:#?}");
    assert!(all.iter().all(|e| {
        e["meta"]["profile"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|p| p.as_str().is_some_and(|p| p.starts_with(BALP)))
    }));
}
