//! Shared helpers for the simulator's integration tests: a real client over loopback.
#![allow(dead_code)]

use reqwest::{Client, Response, StatusCode};
use samsvar_sim::SimHandle;
use samsvar_sim::fhir::{Defect, FhirSim};
use serde_json::{Value, json};

pub const FHIR_JSON: &str = "application/fhir+json";

pub async fn start(defects: &[Defect]) -> SimHandle {
    FhirSim::builder()
        .defects(defects)
        .start("127.0.0.1:0")
        .await
        .expect("simulator starts on an ephemeral port")
}

/// A client that never follows redirects, so redirects can be observed.
pub fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds")
}

pub fn patient(family: &str) -> Value {
    json!({
        "resourceType": "Patient",
        "identifier": [{"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": format!("id-{family}")}],
        "name": [{"family": family, "given": ["Kari"]}],
        "gender": "female",
        "birthDate": "1969-11-13"
    })
}

pub async fn create(client: &Client, base: &str, resource: &Value) -> Response {
    let rt = resource["resourceType"].as_str().unwrap_or("Basic");
    client
        .post(format!("{base}/{rt}"))
        .header("content-type", FHIR_JSON)
        .body(resource.to_string())
        .send()
        .await
        .expect("create request completes")
}

/// A `PUT` of `resource` to `url` as FHIR JSON, for the caller to add headers and send.
pub fn put(client: &Client, url: &str, resource: &Value) -> reqwest::RequestBuilder {
    client
        .put(url)
        .header("content-type", FHIR_JSON)
        .body(resource.to_string())
}

/// The resources of a searchset Bundle's entries, in order.
pub fn entries(bundle: &Value) -> Vec<Value> {
    bundle["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["resource"].clone())
        .collect()
}

/// Create and return the server-assigned id.
pub async fn create_id(client: &Client, base: &str, resource: &Value) -> String {
    let response = create(client, base, resource).await;
    assert!(
        response.status().is_success(),
        "create failed: {}",
        response.status()
    );
    let body: Value = response.json().await.expect("create answers JSON");
    body["id"]
        .as_str()
        .expect("server assigned an id")
        .to_string()
}

pub fn content_type(response: &Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

pub fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Assert an OperationOutcome body with the given status and issue code; returns it.
pub async fn expect_outcome(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status);
    assert!(
        content_type(&response).starts_with(FHIR_JSON),
        "content type {}",
        content_type(&response)
    );
    let body: Value = response.json().await.expect("OperationOutcome is JSON");
    assert_eq!(body["resourceType"], "OperationOutcome", "{body}");
    assert_eq!(body["issue"][0]["code"], code, "{body}");
    assert_eq!(body["issue"][0]["severity"], "error", "{body}");
    body
}
