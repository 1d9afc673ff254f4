//! The simulator seeded from `fixtures/`: the IPS `$summary` operation, MHD transactions,
//! Binary retrieval, chained DocumentReference search, PDQm identifier domains, and the
//! three EHDS defects, over real loopback HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine as _;
use common::{FHIR_JSON, client};
use samsvar_sim::SimHandle;
use samsvar_sim::fhir::{Defect, FhirSim};
use serde_json::{Value, json};
use sha1::Digest as _;

async fn seeded(defects: &[Defect]) -> SimHandle {
    FhirSim::builder()
        .defects(defects)
        .seed_fixtures(true)
        .start("127.0.0.1:0")
        .await
        .expect("simulator starts")
}

async fn get_json(url: &str) -> (u16, Value) {
    let response = client()
        .get(url)
        .header("accept", FHIR_JSON)
        .send()
        .await
        .expect("request completes");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn section_codes(bundle: &Value) -> Vec<String> {
    bundle["entry"][0]["resource"]["section"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"]["coding"][0]["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn seeded_population_is_served() {
    let sim = seeded(&[]).await;
    let base = sim.base_url();
    let (status, patient) = get_json(&format!("{base}/Patient/ingrid-hansen")).await;
    assert_eq!(status, 200);
    assert_eq!(patient["birthDate"], "1958-03-14");
    let (_, found) = get_json(&format!(
        "{base}/Patient?identifier=urn:oid:2.16.578.1.12.4.1.4.2|61878710176"
    ))
    .await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["entry"][0]["resource"]["id"], "tomasz-kowalski");
    // An unseeded simulator holds nothing.
    let plain = FhirSim::builder().start("127.0.0.1:0").await.unwrap();
    let (status, _) = get_json(&format!("{}/Patient/ingrid-hansen", plain.base_url())).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn summary_returns_the_patients_ips() {
    let sim = seeded(&[]).await;
    let (status, bundle) = get_json(&format!(
        "{}/Patient/ingrid-hansen/$summary",
        sim.base_url()
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(bundle["type"], "document");
    assert_eq!(
        bundle["entry"][0]["resource"]["subject"]["reference"],
        "Patient/ingrid-hansen"
    );
    assert!(section_codes(&bundle).contains(&"48765-2".to_string()));
    let (status, outcome) =
        get_json(&format!("{}/Patient/nobody-here/$summary", sim.base_url())).await;
    assert_eq!(status, 404);
    assert_eq!(outcome["resourceType"], "OperationOutcome");
}

#[tokio::test]
async fn summary_missing_section_drops_allergies() {
    let broken = seeded(&[Defect::SummaryMissingSection]).await;
    let (_, bundle) = get_json(&format!(
        "{}/Patient/ingrid-hansen/$summary",
        broken.base_url()
    ))
    .await;
    assert!(!section_codes(&bundle).contains(&"48765-2".to_string()));
    assert!(section_codes(&bundle).contains(&"11450-4".to_string()));
}

#[tokio::test]
async fn seeded_document_reference_matches_its_binary() {
    let sim = seeded(&[]).await;
    let base = sim.base_url();
    let (_, found) = get_json(&format!(
        "{base}/DocumentReference?patient.identifier=urn:oid:2.16.578.1.12.4.1.4.1|14835810004&status=current&type=http://loinc.org|11502-2"
    ))
    .await;
    assert_eq!(found["total"], 1, "{found}");
    let attachment = &found["entry"][0]["resource"]["content"][0]["attachment"];
    let url = attachment["url"].as_str().unwrap();
    assert_eq!(url, format!("{base}/Binary/lab-ingrid-hansen-2025-02-03"));
    let response = client()
        .get(url)
        .header("accept", "*/*")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        attachment["contentType"].as_str().unwrap()
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(bytes.len() as u64, attachment["size"].as_u64().unwrap());
    let hash = base64::engine::general_purpose::STANDARD.encode(sha1::Sha1::digest(&bytes));
    assert_eq!(hash, attachment["hash"].as_str().unwrap());
    // Asking for FHIR gives the Binary resource.
    let (_, binary) = get_json(url).await;
    assert_eq!(binary["resourceType"], "Binary");
    // An identifier nobody has matches nothing (not everything).
    let (status, none) = get_json(&format!(
        "{base}/DocumentReference?patient.identifier=urn:oid:2.16.578.1.12.4.1.4.1|00000000000&status=current"
    ))
    .await;
    assert_eq!((status, none["total"].clone()), (200, json!(0)));
}

fn provide_bundle() -> Value {
    json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000001",
             "resource": {"resourceType": "List", "status": "current", "mode": "working",
                          "subject": {"reference": "Patient/ingrid-hansen"},
                          "entry": [{"item": {"reference": "urn:uuid:00000000-0000-4000-8000-000000000002"}}]},
             "request": {"method": "POST", "url": "List"}},
            {"fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000002",
             "resource": {"resourceType": "DocumentReference", "status": "current",
                          "subject": {"reference": "Patient/ingrid-hansen"},
                          "content": [{"attachment": {"contentType": "text/plain",
                                       "url": "urn:uuid:00000000-0000-4000-8000-000000000003"}}]},
             "request": {"method": "POST", "url": "DocumentReference"}},
            {"fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000003",
             "resource": {"resourceType": "Binary", "contentType": "text/plain", "data": "aGVsbG8="},
             "request": {"method": "POST", "url": "Binary"}}
        ]
    })
}

async fn post_transaction(base: &str, bundle: &Value) -> (u16, Value) {
    let response = client()
        .post(base.to_string())
        .header("content-type", FHIR_JSON)
        .body(bundle.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn transaction_stores_entries_and_resolves_references() {
    let sim = seeded(&[]).await;
    let base = sim.base_url();
    let (status, reply) = post_transaction(base, &provide_bundle()).await;
    assert_eq!(status, 200);
    assert_eq!(reply["type"], "transaction-response");
    let locations: Vec<&str> = reply["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["response"]["status"], "201 Created");
            e["response"]["location"].as_str().unwrap()
        })
        .collect();
    assert!(locations[0].starts_with("List/"));
    assert!(locations[1].starts_with("DocumentReference/"));
    assert!(locations[2].starts_with("Binary/"));
    let reference_id = locations[1].split('/').nth(1).unwrap();
    let binary_id = locations[2].split('/').nth(1).unwrap();
    let (_, reference) = get_json(&format!("{base}/DocumentReference/{reference_id}")).await;
    assert_eq!(
        reference["content"][0]["attachment"]["url"],
        format!("{base}/Binary/{binary_id}")
    );
    let list_id = locations[0].split('/').nth(1).unwrap();
    let (_, list) = get_json(&format!("{base}/List/{list_id}")).await;
    assert_eq!(
        list["entry"][0]["item"]["reference"],
        format!("DocumentReference/{reference_id}")
    );
    let raw = client()
        .get(format!("{base}/Binary/{binary_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers()["content-type"], "text/plain");
    assert_eq!(raw.text().await.unwrap(), "hello");

    // A bad entry refuses the whole transaction and stores nothing.
    let (_, before) = get_json(&format!("{base}/List?patient=Patient/ingrid-hansen")).await;
    let mut bad = provide_bundle();
    bad["entry"][2]["request"]["url"] = json!("Patient");
    let (status, _) = post_transaction(base, &bad).await;
    assert_eq!(status, 400);
    let (_, after) = get_json(&format!("{base}/List?patient=Patient/ingrid-hansen")).await;
    assert_eq!(before["total"], after["total"]);
}

#[tokio::test]
async fn transaction_reordered_reverses_the_response() {
    let broken = seeded(&[Defect::TransactionReordered]).await;
    let (_, reply) = post_transaction(broken.base_url(), &provide_bundle()).await;
    let first = reply["entry"][0]["response"]["location"].as_str().unwrap();
    assert!(first.starts_with("Binary/"), "{first}");
}

#[tokio::test]
async fn unknown_identifier_domain_is_404_with_a_warning() {
    let sim = seeded(&[]).await;
    let (status, outcome) = get_json(&format!(
        "{}/Patient?identifier=urn:oid:1.3.6.1.4.1.21367.13.20.9999|",
        sim.base_url()
    ))
    .await;
    assert_eq!(status, 404);
    assert_eq!(outcome["issue"][0]["severity"], "warning");
    assert_eq!(outcome["issue"][0]["code"], "not-found");
    let (status, found) = get_json(&format!(
        "{}/Patient?identifier=urn:oid:2.16.578.1.12.4.1.4.2|",
        sim.base_url()
    ))
    .await;
    assert_eq!((status, found["total"].clone()), (200, json!(1)));
}

#[tokio::test]
async fn document_altered_changes_the_bytes_not_the_content() {
    let url = |base: &str| format!("{base}/Binary/lab-ingrid-hansen-2025-02-03");
    let get = |url: String| async move {
        let r = client()
            .get(url)
            .header("accept", "*/*")
            .send()
            .await
            .unwrap();
        r.bytes().await.unwrap()
    };
    let sim = seeded(&[]).await;
    let original = get(url(sim.base_url())).await;
    let broken = seeded(&[Defect::DocumentAltered]).await;
    let altered = get(url(broken.base_url())).await;
    assert_ne!(original, altered, "the bytes differ");
    let parse = |b: &[u8]| serde_json::from_slice::<Value>(b).unwrap();
    assert_eq!(
        parse(&original),
        parse(&altered),
        "the document is the same"
    );
}

#[tokio::test]
async fn exact_ignored_matches_prefixes() {
    // `Hans` starts Hansen and Hanssen, but is nobody's whole family name.
    let url = |base: &str| format!("{base}/Patient?family:exact=Hans");
    let sim = seeded(&[]).await;
    let (_, exact) = get_json(&url(sim.base_url())).await;
    assert_eq!(exact["total"], 0);
    let broken = seeded(&[Defect::ExactIgnored]).await;
    let (_, loose) = get_json(&url(broken.base_url())).await;
    assert_eq!(loose["total"], 3);
}
