//! The BALP audit trail of the FHIR simulator (the EHDS logging component): every access
//! recorded as an IHE BasicAudit AuditEvent, searchable at once, pushable, and the five
//! audit defects, over real loopback HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine as _;
use common::{FHIR_JSON, client, create_id, entries, patient, put, start};
use samsvar_sim::SimHandle;
use samsvar_sim::auth::{AuthServer, AuthSettings, RegisteredClient, guarded};
use samsvar_sim::fhir::{Defect, FhirSim};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BALP: &str = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.";
const DCM: &str = "http://dicom.nema.org/resources/ontology/DCM";

async fn get(url: &str, request_id: Option<&str>) -> (u16, Value) {
    let mut r = client()
        .get(url)
        .header("accept", FHIR_JSON)
        .header("user-agent", "audit-test/1.0");
    if let Some(id) = request_id {
        r = r.header("x-request-id", id);
    }
    let response = r.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The AuditEvents a search finds.
async fn events(base: &str, query: &str) -> Vec<Value> {
    let (status, bundle) = get(&format!("{base}/AuditEvent?{query}"), None).await;
    assert_eq!(status, 200, "{bundle}");
    entries(&bundle)
}

async fn only_event(base: &str, query: &str) -> Value {
    let found = events(base, query).await;
    assert_eq!(found.len(), 1, "{query}: {found:#?}");
    found.into_iter().next().unwrap()
}

/// The event claims the BALP profile `profile` and has the RESTful subtype `subtype`.
fn assert_pattern(event: &Value, profile: &str, subtype: &str) {
    assert_eq!(
        event["meta"]["profile"][0],
        format!("{BALP}{profile}"),
        "{event:#}"
    );
    assert_eq!(event["subtype"][0]["code"], subtype, "{event:#}");
}

fn agent_code(event: &Value, index: usize) -> &str {
    event["agent"][index]["type"]["coding"][0]["code"]
        .as_str()
        .unwrap()
}

fn entity<'a>(event: &'a Value, type_code: &str) -> Option<&'a Value> {
    event["entity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"]["code"] == type_code)
}

fn observation(patient_id: &str) -> Value {
    json!({"resourceType": "Observation", "status": "final",
           "code": {"text": "weight"}, "subject": {"reference": format!("Patient/{patient_id}")}})
}

#[tokio::test]
async fn read_and_vread_record_patient_read() {
    let sim = start(&[]).await;
    let base = sim.base_url();
    let id = create_id(&client(), base, &patient("Audit")).await;
    let (status, _) = get(&format!("{base}/Patient/{id}"), Some("req-read-1")).await;
    assert_eq!(status, 200);
    let read = only_event(base, "subtype=read").await;
    assert_eq!(read["meta"]["profile"][0], format!("{BALP}PatientRead"));
    assert_eq!(
        read["type"]["system"],
        "http://terminology.hl7.org/CodeSystem/audit-event-type"
    );
    assert_eq!(read["type"]["code"], "rest");
    assert_eq!(
        read["subtype"][0]["system"],
        "http://hl7.org/fhir/restful-interaction"
    );
    assert_eq!(read["action"], "R");
    assert_eq!(read["outcome"], "0");
    assert!(read["recorded"].as_str().unwrap().ends_with('Z'));
    assert_eq!(read["agent"][0]["type"]["coding"][0]["system"], DCM);
    assert_eq!(agent_code(&read, 0), "110152", "client is the destination");
    assert_eq!(agent_code(&read, 1), "110153", "server is the source");
    assert_eq!(read["agent"][0]["requestor"], true);
    assert_eq!(read["agent"][1]["requestor"], false);
    assert_eq!(read["agent"][0]["who"]["display"], "audit-test/1.0");
    assert_eq!(read["agent"][0]["network"]["address"], "127.0.0.1");
    assert_eq!(read["agent"][0]["network"]["type"], "2");
    assert_eq!(read["agent"][1]["network"]["type"], "1");
    let data = entity(&read, "2").unwrap();
    assert_eq!(data["role"]["code"], "4");
    assert_eq!(
        data["what"]["reference"],
        format!("Patient/{id}/_history/1")
    );
    let who = entity(&read, "1").unwrap();
    assert_eq!(who["role"]["code"], "1");
    assert_eq!(who["what"]["reference"], format!("Patient/{id}"));
    let tx = entity(&read, "XrequestId").unwrap();
    assert_eq!(tx["what"]["identifier"]["value"], "req-read-1");
    assert_eq!(
        tx["type"]["system"],
        "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType"
    );

    get(&format!("{base}/Patient/{id}/_history/1"), None).await;
    let vread = only_event(base, "subtype=vread").await;
    assert_eq!(vread["action"], "R");
    assert!(entity(&vread, "XrequestId").is_none());

    // A failed read: outcome 4, no profile claimed (BALP fixes outcome 0).
    let (status, _) = get(&format!("{base}/Patient/nobody"), None).await;
    assert_eq!(status, 404);
    let failed = only_event(base, "subtype=read&outcome=4").await;
    assert!(failed.get("meta").and_then(|m| m.get("profile")).is_none());
    // A read of a non-patient resource is a plain Read.
    let org = create_id(
        &client(),
        base,
        &json!({"resourceType": "Organization", "name": "X"}),
    )
    .await;
    get(&format!("{base}/Organization/{org}"), None).await;
    let plain = only_event(base, &format!("entity=Organization/{org}&subtype=read")).await;
    assert_eq!(plain["meta"]["profile"][0], format!("{BALP}Read"));
    assert!(entity(&plain, "1").is_none());
}

#[tokio::test]
async fn search_records_one_patient_query_per_patient() {
    let sim = start(&[]).await;
    let base = sim.base_url();
    let c = client();
    let a = create_id(&c, base, &patient("Alpha")).await;
    let b = create_id(&c, base, &patient("Beta")).await;
    for p in [&a, &a, &b] {
        create_id(&c, base, &observation(p)).await;
    }
    let (status, found) = get(&format!("{base}/Observation?status=final"), Some("q-1")).await;
    assert_eq!((status, found["total"].as_u64()), (200, Some(3)));
    let queries = events(base, "subtype=search-type").await;
    assert_eq!(queries.len(), 2, "one per distinct patient: {queries:#?}");
    let mut patients: Vec<String> = queries
        .iter()
        .map(|e| {
            assert_eq!(e["meta"]["profile"][0], format!("{BALP}PatientQuery"));
            assert_eq!(e["action"], "E");
            assert_eq!(agent_code(e, 0), "110153");
            assert_eq!(agent_code(e, 1), "110152");
            let q = entity(e, "2").unwrap();
            assert_eq!(q["role"]["code"], "24");
            assert!(q.get("what").is_none());
            let raw = base64::engine::general_purpose::STANDARD
                .decode(q["query"].as_str().unwrap())
                .unwrap();
            assert_eq!(raw, b"status=final");
            assert_eq!(
                entity(e, "XrequestId").unwrap()["what"]["identifier"]["value"],
                "q-1"
            );
            entity(e, "1").unwrap()["what"]["reference"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    patients.sort();
    let mut want = vec![format!("Patient/{a}"), format!("Patient/{b}")];
    want.sort();
    assert_eq!(patients, want);

    // No patient-related results: one plain Query; POST _search records the form body.
    let r = c
        .post(format!("{base}/Organization/_search"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=Nobody")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let q = only_event(base, &format!("_profile={BALP}Query")).await;
    assert!(entity(&q, "1").is_none());
    let raw = entity(&q, "2").unwrap()["query"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(raw)
            .unwrap(),
        b"name=Nobody"
    );
}

#[tokio::test]
async fn create_update_delete_record_their_patterns() {
    let sim = start(&[]).await;
    let base = sim.base_url();
    let c = client();
    let id = create_id(&c, base, &patient("Crud")).await;
    let created = only_event(base, "action=C").await;
    assert_pattern(&created, "PatientCreate", "create");
    assert_eq!(
        (agent_code(&created, 0), agent_code(&created, 1)),
        ("110153", "110152")
    );
    assert_eq!(
        entity(&created, "2").unwrap()["what"]["reference"],
        format!("Patient/{id}/_history/1")
    );

    let mut body = patient("Crud");
    body["id"] = json!(id);
    let r = put(&c, &format!("{base}/Patient/{id}"), &body)
        .header("prefer", "return=minimal")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let updated = only_event(base, "action=U").await;
    assert_pattern(&updated, "PatientUpdate", "update");
    assert_eq!(
        entity(&updated, "2").unwrap()["what"]["reference"],
        format!("Patient/{id}/_history/2")
    );

    let obs = create_id(&c, base, &observation(&id)).await;
    let r = c
        .delete(format!("{base}/Observation/{obs}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let deleted = only_event(base, "action=D").await;
    assert_pattern(&deleted, "PatientDelete", "delete");
    assert_eq!(agent_code(&deleted, 0), "110150");
    assert_eq!(agent_code(&deleted, 1), "custodian");
    assert_eq!(
        entity(&deleted, "2").unwrap()["what"]["reference"],
        format!("Observation/{obs}")
    );
    assert_eq!(
        entity(&deleted, "1").unwrap()["what"]["reference"],
        format!("Patient/{id}")
    );
}

#[tokio::test]
async fn transaction_entries_are_audited_one_by_one() {
    let sim = start(&[]).await;
    let base = sim.base_url();
    let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:11111111-1111-1111-1111-111111111111",
         "resource": {"resourceType": "Patient", "name": [{"family": "Tx"}]},
         "request": {"method": "POST", "url": "Patient"}},
        {"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                      "subject": {"reference": "urn:uuid:11111111-1111-1111-1111-111111111111"}},
         "request": {"method": "POST", "url": "Observation"}}
    ]});
    let r = client()
        .post(base)
        .header("content-type", FHIR_JSON)
        .body(bundle.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let creates = events(base, "action=C").await;
    assert_eq!(creates.len(), 2, "{creates:#?}");
    assert!(
        creates
            .iter()
            .all(|e| e["meta"]["profile"][0] == format!("{BALP}PatientCreate"))
    );
}

#[tokio::test]
async fn audit_search_parameters_filter() {
    let sim = start(&[]).await;
    let base = sim.base_url();
    let c = client();
    let a = create_id(&c, base, &patient("Fa")).await;
    let b = create_id(&c, base, &patient("Fb")).await;
    get(&format!("{base}/Patient/{a}"), Some("tx-a")).await;
    get(&format!("{base}/Patient/{b}"), None).await;
    assert_eq!(events(base, "").await.len(), 4);
    assert_eq!(events(base, &format!("patient={a}")).await.len(), 2);
    assert_eq!(
        events(base, &format!("patient=Patient/{b}&action=R"))
            .await
            .len(),
        1
    );
    assert_eq!(
        events(base, &format!("entity=Patient/{a}/_history/1"))
            .await
            .len(),
        2
    );
    assert_eq!(events(base, "action=C").await.len(), 2);
    assert_eq!(events(base, "action=R,C").await.len(), 4);
    assert_eq!(
        events(base, "subtype=http://hl7.org/fhir/restful-interaction|read")
            .await
            .len(),
        2
    );
    assert_eq!(events(base, "subtype=vread").await.len(), 0);
    assert_eq!(events(base, "agent=Device/samsvar-sim").await.len(), 4);
    assert_eq!(events(base, "agent=Device/other").await.len(), 0);
    assert_eq!(events(base, "type=rest&outcome=0").await.len(), 4);
    assert_eq!(events(base, "entity-type=XrequestId").await.len(), 1);
    assert_eq!(events(base, "entity-identifier=tx-a").await.len(), 1);
    assert_eq!(events(base, "entity-role=1").await.len(), 4);
    assert_eq!(events(base, "date=ge2000-01-01").await.len(), 4);
    assert_eq!(events(base, "date=lt2000-01-01").await.len(), 0);
    assert_eq!(events(base, "date=gt2000&date=le2999").await.len(), 4);
    let (_, page) = get(&format!("{base}/AuditEvent?_count=1"), None).await;
    assert_eq!(
        (
            page["total"].as_u64(),
            page["entry"].as_array().unwrap().len()
        ),
        (Some(4), 1)
    );
}

#[tokio::test]
async fn the_audit_trail_and_metadata_are_not_audited() {
    let sim = start(&[]).await;
    let base = sim.base_url();
    get(&format!("{base}/metadata"), None).await;
    for _ in 0..3 {
        assert!(events(base, "").await.is_empty());
    }
    let id = create_id(&client(), base, &patient("Meta")).await;
    let event = only_event(base, "").await;
    let (status, read) = get(
        &format!("{base}/AuditEvent/{}", event["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(read["id"], event["id"]);
    assert_eq!(events(base, "").await.len(), 1, "{id}");
    // The CapabilityStatement offers read and search on AuditEvent.
    let (_, cs) = get(&format!("{base}/metadata"), None).await;
    let audit = cs["rest"][0]["resource"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "AuditEvent")
        .unwrap()
        .clone();
    let codes: Vec<&str> = audit["interaction"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["read", "search-type"]);
    let params: Vec<&str> = audit["searchParam"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for p in [
        "date",
        "entity",
        "patient",
        "agent",
        "type",
        "subtype",
        "action",
        "outcome",
        "entity-type",
        "entity-role",
    ] {
        assert!(params.contains(&p), "{p}");
    }
}

#[tokio::test]
async fn audit_none_records_nothing() {
    let sim = start(&[Defect::AuditNone]).await;
    let base = sim.base_url();
    let id = create_id(&client(), base, &patient("None")).await;
    get(&format!("{base}/Patient/{id}"), None).await;
    let (status, bundle) = get(&format!("{base}/AuditEvent"), None).await;
    assert_eq!((status, bundle["total"].as_u64()), (200, Some(0)));
}

#[tokio::test]
async fn audit_agent_roles_swapped_exchanges_the_dcm_codes() {
    let sim = start(&[Defect::AuditAgentRolesSwapped]).await;
    let base = sim.base_url();
    let id = create_id(&client(), base, &patient("Swap")).await;
    get(&format!("{base}/Patient/{id}"), None).await;
    let read = only_event(base, "action=R").await;
    assert_eq!(
        (agent_code(&read, 0), agent_code(&read, 1)),
        ("110153", "110152")
    );
    let created = only_event(base, "action=C").await;
    assert_eq!(
        (agent_code(&created, 0), agent_code(&created, 1)),
        ("110152", "110153")
    );
}

#[tokio::test]
async fn audit_no_patient_drops_the_patient_entity() {
    let sim = start(&[Defect::AuditNoPatient]).await;
    let base = sim.base_url();
    let c = client();
    let a = create_id(&c, base, &patient("Np1")).await;
    let b = create_id(&c, base, &patient("Np2")).await;
    create_id(&c, base, &observation(&b)).await;
    get(&format!("{base}/Patient/{a}"), None).await;
    get(&format!("{base}/Patient?gender=female"), None).await;
    let all = events(base, "").await;
    assert_eq!(all.len(), 5, "three creates, a read, one query: {all:#?}");
    assert!(all.iter().all(|e| entity(e, "1").is_none()));
    // Only the Patient's own create names it (as its data entity); the Observation's not.
    assert_eq!(events(base, &format!("patient={b}")).await.len(), 1);
    let read = only_event(base, "action=R").await;
    assert_eq!(read["meta"]["profile"][0], format!("{BALP}Read"));
}

#[tokio::test]
async fn audit_delayed_holds_events_back() {
    let sim = FhirSim::builder()
        .defects(&[Defect::AuditDelayed])
        .audit_delay(Duration::from_millis(700))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let base = sim.base_url();
    create_id(&client(), base, &patient("Late")).await;
    assert!(events(base, "").await.is_empty(), "not yet");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(events(base, "").await.len(), 1, "recorded after the delay");
}

#[tokio::test]
async fn audit_search_ignores_params_returns_everything() {
    let sim = start(&[Defect::AuditSearchIgnoresParams]).await;
    let base = sim.base_url();
    let id = create_id(&client(), base, &patient("Ign")).await;
    get(&format!("{base}/Patient/{id}"), None).await;
    assert_eq!(events(base, "action=D").await.len(), 2);
    // Other types still search properly.
    let (_, found) = get(&format!("{base}/Patient?family=Nobody"), None).await;
    assert_eq!(found["total"], 0);
}

/// A minimal audit record repository: remembers every body POSTed to /arr/AuditEvent.
async fn receiver() -> (SimHandle, Arc<Mutex<Vec<(String, Value)>>>) {
    use axum::routing::post;
    let got: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let keep = got.clone();
    let router = axum::Router::new().route(
        "/arr/AuditEvent",
        post(move |headers: axum::http::HeaderMap, body: String| {
            let keep = keep.clone();
            async move {
                let ct = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                keep.lock()
                    .unwrap()
                    .push((ct, serde_json::from_str(&body).unwrap()));
                axum::http::StatusCode::CREATED
            }
        }),
    );
    let handle = samsvar_sim::serve("127.0.0.1:0", router, &[("arr", "/arr")])
        .await
        .unwrap();
    (handle, got)
}

#[tokio::test]
async fn push_delivers_events_in_order() {
    let (arr, got) = receiver().await;
    let sim = FhirSim::builder()
        .audit_push(arr.base_url())
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let base = sim.base_url();
    let id = create_id(&client(), base, &patient("Push")).await;
    get(&format!("{base}/Patient/{id}"), None).await;
    get(&format!("{base}/Patient/{id}/_history/1"), None).await;
    let stored = events(base, "").await;
    for _ in 0..100 {
        if got.lock().unwrap().len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|(ct, _)| ct == "application/fhir+json"));
    let actions: Vec<&str> = got
        .iter()
        .map(|(_, e)| e["subtype"][0]["code"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "read", "vread"]);
    let ids: Vec<&Value> = got.iter().map(|(_, e)| &e["id"]).collect();
    let stored_ids: Vec<&Value> = stored.iter().map(|e| &e["id"]).collect();
    assert_eq!(ids, stored_ids, "the stored events, as stored");
}

#[tokio::test]
async fn push_to_a_dead_repository_does_not_hurt_the_client() {
    let sim = FhirSim::builder()
        .audit_push("http://127.0.0.1:9")
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let base = sim.base_url();
    let id = create_id(&client(), base, &patient("Dead")).await;
    let (status, _) = get(&format!("{base}/Patient/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(events(base, "").await.len(), 2);
}

#[tokio::test]
async fn a_token_names_the_client_and_adds_the_oauth_agent() {
    let auth = AuthServer::new(AuthSettings {
        clients: vec![RegisteredClient {
            client_id: "ehr-1".into(),
            secret: Some("pw".into()),
            jwks: None,
            allowed_scopes: vec!["system/*.cruds".into()],
            patient: None,
        }],
        ..Default::default()
    });
    let router = guarded(FhirSim::builder().router(), &auth, "/fhir");
    let sim = samsvar_sim::serve("127.0.0.1:0", router, &[("fhir", "/fhir")])
        .await
        .unwrap();
    let c = client();
    let token: Value = c
        .post(format!("{}/auth/token", sim.origin()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "ehr-1"),
            ("client_secret", "pw"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let base = sim.base_url();
    let r = c
        .post(format!("{base}/Patient"))
        .header("authorization", &bearer)
        .header("content-type", FHIR_JSON)
        .body(patient("Tok").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let bundle: Value = c
        .get(format!("{base}/AuditEvent"))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let event = &bundle["entry"][0]["resource"];
    assert_eq!(bundle["total"], 1, "{bundle}");
    assert_eq!(event["agent"][0]["who"]["identifier"]["value"], "ehr-1");
    let oauth = &event["agent"][2];
    assert_eq!(oauth["type"]["coding"][0]["code"], "UserOauthAgent");
    assert_eq!(oauth["requestor"], true);
    assert_eq!(oauth["who"]["identifier"]["value"], "ehr-1");
    assert_eq!(oauth["policy"].as_array().unwrap().len(), 1);
    let profiles = event["meta"]["profile"].as_array().unwrap();
    assert!(profiles.contains(&json!(format!("{BALP}PatientCreate"))));
    assert!(profiles.contains(&json!(format!("{BALP}OAUTHaccessTokenUse.Minimal"))));
}
