//! Patient-context clients (SMART `patient/…` scopes with a `patient` launch context): the
//! token response names the patient, the guard lets the token only read and search, and
//! the FHIR simulator answers with that patient's compartment only; an AuditEvent search
//! is the person's own access log (EHDS Art. 9). Over real loopback sockets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use samsvar_sim::auth::{AuthServer, AuthSettings, RegisteredClient, guarded};
use samsvar_sim::fhir::{Defect, FhirSim};
use samsvar_sim::{SimHandle, serve};
use serde_json::{Value, json};

const SECRET: &str = "patient-context-secret";

async fn start(defects: &[Defect]) -> SimHandle {
    let client = |id: &str, scope: &str, patient: Option<&str>| RegisteredClient {
        client_id: id.into(),
        secret: Some(SECRET.into()),
        jwks: None,
        allowed_scopes: vec![scope.into()],
        patient: patient.map(str::to_string),
    };
    let auth = AuthServer::new(AuthSettings {
        clients: vec![
            client("pro", "system/*.cruds", None),
            client("person", "patient/*.rs", Some("p1")),
        ],
        ..AuthSettings::default()
    });
    let router = guarded(FhirSim::builder().defects(defects).router(), &auth, "/fhir");
    serve("127.0.0.1:0", router, &[("fhir", "/fhir")])
        .await
        .unwrap()
}

async fn token(sim: &SimHandle, client: &str, scope: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/auth/token", sim.origin()))
        .basic_auth(client, Some(SECRET))
        .form(&[("grant_type", "client_credentials"), ("scope", scope)])
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn call(
    sim: &SimHandle,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let http = reqwest::Client::new();
    let url = format!("{}{path}", sim.base_url());
    let mut req = http
        .request(method.parse().unwrap(), url)
        .bearer_auth(token)
        .header("accept", "application/fhir+json");
    if let Some(b) = body {
        req = req
            .header("content-type", "application/fhir+json")
            .body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The professional writes and reads two patients (and an Observation of the second), so
/// the trail holds events about both.
async fn professional_accesses(sim: &SimHandle) {
    let (_, t) = token(sim, "pro", "system/*.cruds").await;
    let pro = t["access_token"].as_str().unwrap().to_string();
    for id in ["p1", "p2"] {
        let patient = json!({"resourceType": "Patient", "id": id, "active": true});
        let (status, _) = call(sim, &pro, "PUT", &format!("/Patient/{id}"), Some(patient)).await;
        assert_eq!(status, 201);
        let (status, _) = call(sim, &pro, "GET", &format!("/Patient/{id}"), None).await;
        assert_eq!(status, 200);
    }
    let obs = json!({"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "subject": {"reference": "Patient/p2"}});
    let (status, _) = call(sim, &pro, "POST", "/Observation", Some(obs)).await;
    assert_eq!(status, 201);
}

/// Every patient reference in the AuditEvents of `bundle`.
fn patients_named(bundle: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for entry in bundle["entry"].as_array().into_iter().flatten() {
        for entity in entry["resource"]["entity"].as_array().into_iter().flatten() {
            if let Some(r) = entity["what"]["reference"].as_str()
                && r.starts_with("Patient/")
            {
                out.push(r.split("/_history/").next().unwrap().to_string());
            }
        }
    }
    out
}

#[tokio::test]
async fn the_token_response_names_the_patient_and_only_patient_scopes_are_granted() {
    let sim = start(&[]).await;
    let (status, body) = token(&sim, "person", "patient/AuditEvent.rs patient/Patient.rs").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["patient"], "p1");
    assert_eq!(body["scope"], "patient/AuditEvent.rs patient/Patient.rs");
    let (status, body) = token(&sim, "person", "system/*.rs").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_scope");
    // A backend client's token has no patient context.
    let (_, body) = token(&sim, "pro", "system/*.rs").await;
    assert!(body.get("patient").is_none(), "{body}");
}

#[tokio::test]
async fn the_person_sees_their_own_compartment_and_access_log_only() {
    let sim = start(&[]).await;
    professional_accesses(&sim).await;
    let (_, t) = token(&sim, "person", "patient/*.rs").await;
    let person = t["access_token"].as_str().unwrap().to_string();

    // Whatever the query asks, the log is the person's.
    for query in [
        "/AuditEvent",
        "/AuditEvent?patient=Patient/p2",
        "/AuditEvent?_count=1000",
    ] {
        let (status, bundle) = call(&sim, &person, "GET", query, None).await;
        assert_eq!(status, 200, "{query}: {bundle}");
        let named = patients_named(&bundle);
        assert!(
            named.iter().all(|p| p == "Patient/p1"),
            "{query}: {named:?}"
        );
        if query != "/AuditEvent?patient=Patient/p2" {
            assert!(
                !named.is_empty(),
                "{query}: the professional's accesses are there"
            );
        }
    }
    let (status, _) = call(&sim, &person, "GET", "/Patient/p1", None).await;
    assert_eq!(status, 200);
    let (status, _) = call(&sim, &person, "GET", "/Patient/p2", None).await;
    assert_eq!(
        status, 404,
        "another patient's record is not there for the person"
    );
    let (status, bundle) = call(&sim, &person, "GET", "/Patient", None).await;
    assert_eq!(status, 200);
    assert_eq!(bundle["total"], 1, "{bundle}");
    let (status, bundle) = call(&sim, &person, "GET", "/Observation", None).await;
    assert_eq!(
        (status, bundle["total"].clone()),
        (200, json!(0)),
        "{bundle}"
    );

    // Never a write, history or operation.
    let patient = json!({"resourceType": "Patient", "id": "p1", "active": false});
    let (status, _) = call(&sim, &person, "PUT", "/Patient/p1", Some(patient)).await;
    assert_eq!(status, 403);
    let (status, _) = call(&sim, &person, "DELETE", "/Patient/p1", None).await;
    assert_eq!(status, 403);
    let event = json!({"resourceType": "AuditEvent"});
    let (status, _) = call(&sim, &person, "POST", "/AuditEvent", Some(event)).await;
    assert_eq!(status, 403);
    let (status, _) = call(&sim, &person, "GET", "/Patient/p1/_history", None).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn audit_log_not_patient_scoped_shows_the_person_other_patients_events() {
    let sim = start(&[Defect::AuditLogNotPatientScoped]).await;
    professional_accesses(&sim).await;
    let (_, t) = token(&sim, "person", "patient/*.rs").await;
    let person = t["access_token"].as_str().unwrap().to_string();
    let (status, bundle) = call(&sim, &person, "GET", "/AuditEvent", None).await;
    assert_eq!(status, 200);
    let named = patients_named(&bundle);
    assert!(named.iter().any(|p| p == "Patient/p2"), "{named:?}");
    // Only AuditEvent is affected: the record of another patient stays hidden.
    let (status, _) = call(&sim, &person, "GET", "/Patient/p2", None).await;
    assert_eq!(status, 404);
}
