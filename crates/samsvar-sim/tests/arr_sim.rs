//! The Audit Record Repository a run serves (`samsvar_sim::arr`): it stores what a system
//! pushes (one AuditEvent, or a batch), compliant or not, keeps no trail of its own, and
//! finds the events by the AuditEvent search parameters; the FHIR simulator's push feeds it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{FHIR_JSON, client, create_id, entries, patient};
use samsvar_sim::fhir::FhirSim;
use serde_json::{Value, json};
use std::time::Duration;

async fn search(base: &str, query: &str) -> Vec<Value> {
    let bundle: Value = client()
        .get(format!("{base}/AuditEvent?{query}"))
        .header("accept", FHIR_JSON)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bundle["type"], "searchset", "{bundle}");
    entries(&bundle)
}

async fn post(url: &str, body: &Value) -> (u16, Value) {
    let r = client()
        .post(url)
        .header("content-type", FHIR_JSON)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_simulator_pushes_its_trail_and_the_repository_finds_it_by_patient() {
    let arr = samsvar_sim::arr::start("127.0.0.1:0").await.unwrap();
    let arr_base = arr.endpoint(samsvar_sim::arr::TARGET).unwrap().to_string();
    let sim = FhirSim::builder()
        .audit_push(&arr_base)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let base = sim.base_url();
    let id = create_id(&client(), base, &patient("Pushed")).await;
    let read = client()
        .get(format!("{base}/Patient/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);

    let query = format!("patient=Patient/{id}");
    let mut found = Vec::new();
    for _ in 0..100 {
        found = search(&arr_base, &query).await;
        if found.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut actions: Vec<&str> = found
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    actions.sort_unstable();
    assert_eq!(actions, ["C", "R"], "{found:#?}");
    // The repository's own searches are not audited: only the two pushed events are there.
    assert_eq!(search(&arr_base, "").await.len(), 2);
}

#[tokio::test]
async fn a_non_compliant_event_is_accepted_as_received() {
    let arr = samsvar_sim::arr::start("127.0.0.1:0").await.unwrap();
    let base = arr.endpoint(samsvar_sim::arr::TARGET).unwrap().to_string();
    // No agent, no source, no recorded: BALP would not have it, but a repository keeps it.
    let odd = json!({"resourceType": "AuditEvent", "action": "R", "outcome": "0",
                     "type": {"code": "rest"},
                     "entity": [{"what": {"reference": "Patient/odd-1"}}]});
    let (status, stored) = post(&format!("{base}/AuditEvent"), &odd).await;
    assert_eq!(status, 201, "{stored}");
    let found = search(&base, "entity=Patient/odd-1").await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["action"], "R");
    assert!(found[0].get("agent").is_none());
}

#[tokio::test]
async fn a_batch_of_events_is_stored_entry_by_entry() {
    let arr = samsvar_sim::arr::start("127.0.0.1:0").await.unwrap();
    let base = arr.endpoint(samsvar_sim::arr::TARGET).unwrap().to_string();
    let event = |action: &str| {
        json!({"resource": {"resourceType": "AuditEvent", "action": action,
                            "recorded": "2026-12-03T10:00:00Z",
                            "type": {"code": "rest"}},
               "request": {"method": "POST", "url": "AuditEvent"}})
    };
    let batch = json!({"resourceType": "Bundle", "type": "batch",
                       "entry": [event("C"), event("D")]});
    let (status, answer) = post(&base, &batch).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["type"], "batch-response");
    let statuses: Vec<&str> = answer["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["response"]["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.iter().all(|s| s.starts_with("201")),
        "{statuses:?}"
    );
    let mut actions: Vec<String> = search(&base, "date=ge2026-12-03")
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    actions.sort();
    assert_eq!(actions, ["C", "D"]);
}
