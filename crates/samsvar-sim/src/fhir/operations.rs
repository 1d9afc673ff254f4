//! What the EHDS suites need beyond plain REST: the IPS `Patient/{id}/$summary` operation,
//! transaction/batch Bundles posted to the base (MHD ITI-65 Provide Document Bundle),
//! Binary read as raw content (MHD ITI-68 Retrieve Document), chained `patient.identifier`
//! search (MHD ITI-67) and PDQm's patient identity domain check (ITI-78 Case 4).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

use super::defect::Defect;
use super::request::{base_url, read_body, valid_id, valid_type};
use super::response::{fhir_body, outcome, outcome_with_severity};
use super::search::SearchRequest;
use super::state::FhirState;
use super::store::{Lookup, StoredResource, UpdateMode};
use super::time_format::fhir_instant;
use super::{MOUNT, seed};

type Answer = Result<Response, Response>;

/// LOINC "Patient summary Document", the `Composition.type` of `Composition-uv-ips`.
const IPS_TYPE: &str = "60591-5";
/// LOINC "Allergies and intolerances", the section the `summary-missing-section` defect drops.
const ALLERGIES_SECTION: &str = "48765-2";

/// `GET|POST [base]/Patient/{id}/$summary`: the newest IPS document stored for the patient.
pub async fn summary(State(st): State<Arc<FhirState>>, Path(id): Path<String>) -> Answer {
    if !valid_id(&id) || !matches!(st.store.read("Patient", &id), Lookup::Found(_)) {
        return Err(outcome(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("failed to summarise Patient/{id}: no such patient"),
        ));
    }
    let subject = format!("Patient/{id}");
    let documents = st.store.search("Bundle", |v| {
        v.resource
            .as_ref()
            .is_some_and(|r| is_patient_summary_of(&r.json, &subject))
    });
    let Some(newest) = documents.last().and_then(|v| v.resource.as_ref()) else {
        return Err(outcome(
            StatusCode::NOT_FOUND,
            "not-found",
            format!(
                "failed to summarise Patient/{id}: no patient summary is known for this patient"
            ),
        ));
    };
    if st.has(Defect::SummaryMissingSection) {
        return Ok(fhir_body(
            StatusCode::OK,
            serde_json::to_vec(&without_section(&newest.json, ALLERGIES_SECTION))
                .unwrap_or_default(),
        ));
    }
    Ok(fhir_body(StatusCode::OK, newest.bytes.clone()))
}

fn is_patient_summary_of(bundle: &Value, subject: &str) -> bool {
    let composition = &bundle["entry"][0]["resource"];
    bundle["type"] == "document"
        && composition["resourceType"] == "Composition"
        && composition["subject"]["reference"] == subject
        && composition["type"]["coding"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["code"] == IPS_TYPE)
}

fn without_section(bundle: &Value, code: &str) -> Value {
    let mut bundle = bundle.clone();
    if let Some(sections) = bundle["entry"][0]["resource"]["section"].as_array_mut() {
        sections.retain(|s| {
            !s["code"]["coding"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["code"] == code)
        });
    }
    bundle
}

/// `GET [base]/Binary/{id}` when the client does not ask for a FHIR format: the content
/// itself, typed with `Binary.contentType` (R4 binary.html, "Serving Binary Resources using
/// the RESTful API"). `None` when the normal FHIR read applies.
/// `alter` (the `document-altered` defect) re-encodes a JSON document compactly, as a
/// server that stores the parsed document instead of its bytes would.
pub fn raw_binary(
    stored: &StoredResource,
    headers: &HeaderMap,
    uri: &Uri,
    alter: bool,
) -> Option<Response> {
    let asks_fhir = uri.query().is_some_and(|q| q.contains("_format"))
        || headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains("application/fhir+") || v.contains("json+fhir"));
    if asks_fhir {
        return None;
    }
    let content_type = stored.json["contentType"].as_str()?;
    let mut bytes = BASE64
        .decode(stored.json["data"].as_str().unwrap_or_default())
        .ok()?;
    if alter {
        let compact = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|doc| serde_json::to_vec(&doc).ok());
        bytes = match compact {
            Some(c) if c != bytes => c,
            // Already compact, or not JSON: still not the bytes provided.
            _ => [bytes.as_slice(), b"\n"].concat(),
        };
    }
    let mut response = Response::new(Body::from(bytes));
    let value = HeaderValue::from_str(content_type).ok()?;
    response.headers_mut().insert(header::CONTENT_TYPE, value);
    Some(response)
}

/// Replace chained `patient.identifier` / `subject.identifier` parameters by the matching
/// patients' references, the way a server resolves a chain (R4 search.html#chaining).
pub fn resolve_chains(st: &FhirState, params: &[(String, String)]) -> Vec<(String, String)> {
    params
        .iter()
        .map(|(name, value)| {
            let Some(target) = name.strip_suffix(".identifier") else {
                return (name.clone(), value.clone());
            };
            let lookup = SearchRequest::parse("Patient", &[("identifier".into(), value.clone())]);
            let ids: Vec<String> = st
                .store
                .search("Patient", |v| {
                    v.resource.as_ref().is_some_and(|r| lookup.matches(&r.json))
                })
                .iter()
                .map(|v| format!("Patient/{}", v.id))
                .collect();
            // No patient with that identifier: a reference no resource can have.
            let refs = if ids.is_empty() {
                "Patient/-".to_string()
            } else {
                ids.join(",")
            };
            (target.to_string(), refs)
        })
        .collect()
}

/// PDQm ITI-78 Case 4: `identifier=system|` names a patient identity domain; when no patient
/// has an identifier in it, the domain is not recognised: 404 with a warning OperationOutcome
/// (the preferred of the two answers ITI TF-2 3.78.4.1.3 allows).
pub fn unknown_identifier_domain(st: &FhirState, params: &[(String, String)]) -> Option<Response> {
    for (name, value) in params.iter().filter(|(n, _)| n == "identifier") {
        for alternative in value.split(',') {
            let Some(system) = alternative.strip_suffix('|') else {
                continue;
            };
            if system.is_empty() {
                continue;
            }
            let known = !st
                .store
                .search("Patient", |v| {
                    v.resource.as_ref().is_some_and(|r| {
                        r.json["identifier"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .any(|i| i["system"] == system)
                    })
                })
                .is_empty();
            if !known {
                return Some(outcome_with_severity(
                    StatusCode::NOT_FOUND,
                    "warning",
                    "not-found",
                    format!("targetSystem not found: {name}={alternative}"),
                ));
            }
        }
    }
    None
}

/// One entry of a transaction, checked and with its id settled.
struct Planned {
    method: String,
    resource_type: String,
    id: String,
    resource: Map<String, Value>,
}

/// `POST [base]` with a `transaction` or `batch` Bundle. Every entry is checked before
/// anything is stored, so a refused transaction changes nothing (R4 http.html#transaction).
pub async fn transaction(
    State(st): State<Arc<FhirState>>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Answer {
    let bytes = read_body(&headers, body, st.config.max_request_body).await?;
    let bundle: Value = serde_json::from_slice(&bytes)
        .map_err(|e| invalid(format!("failed to read the Bundle: not JSON ({e})")))?;
    let kind = bundle["type"].as_str().unwrap_or_default();
    if bundle["resourceType"] != "Bundle" || !matches!(kind, "transaction" | "batch") {
        return Err(invalid(
            "failed to process the request: POST to the base takes a Bundle of type transaction or batch",
        ));
    }
    let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
    let mut plan = Vec::with_capacity(entries.len());
    let mut ids: HashMap<String, String> = HashMap::new();
    for (n, entry) in entries.iter().enumerate() {
        let planned = plan_entry(n, entry)?;
        if let Some(full_url) = entry["fullUrl"].as_str() {
            ids.insert(
                full_url.to_string(),
                format!("{}/{}", planned.resource_type, planned.id),
            );
        }
        plan.push(planned);
    }
    // A `urn:uuid:` reference names an entry of this Bundle (R4 bundle.html#references); one
    // that names none cannot be resolved, and MHD ITI-65 requires the Binary an
    // attachment.url points at to be in the Bundle.
    for (n, p) in plan.iter().enumerate() {
        if let Some(missing) = dangling(&p.resource, &ids) {
            return Err(invalid(format!(
                "failed to process entry {n}: `{missing}` names no entry of the Bundle"
            )));
        }
    }
    let base = base_url(&headers, &uri, MOUNT);
    let mut answers = Vec::with_capacity(plan.len());
    let mut written = super::audit::Targets::default();
    for mut p in plan {
        rewrite_references(&mut p.resource, &ids, &base);
        let (version, created) = st
            .store
            .update(&p.resource_type, &p.id, p.resource, UpdateMode::default())
            .map_err(|_| invalid("failed to store an entry of the transaction"))?;
        let status = if created { "201 Created" } else { "200 OK" };
        let mut response = json!({
            "status": status,
            "etag": version.etag(),
            "lastModified": fhir_instant(version.last_updated),
        });
        if created || p.method == "POST" {
            response["location"] = json!(format!(
                "{}/{}/_history/{}",
                p.resource_type, version.id, version.version_id
            ));
        }
        answers.push(json!({"response": response}));
        written.0.push(super::audit::Target {
            resource_type: p.resource_type.clone(),
            created,
            version,
        });
    }
    if st.has(Defect::TransactionReordered) {
        answers.reverse();
    }
    let response_type = format!("{kind}-response");
    let reply = json!({
        "resourceType": "Bundle",
        "id": uuid::Uuid::new_v4().to_string(),
        "type": response_type,
        "entry": answers,
    });
    let mut answer = fhir_body(
        StatusCode::OK,
        serde_json::to_vec(&reply).unwrap_or_default(),
    );
    // Each entry is audited as the create or update it was (see `audit`).
    answer.extensions_mut().insert(written);
    Ok(answer)
}

fn plan_entry(n: usize, entry: &Value) -> Result<Planned, Response> {
    let method = entry["request"]["method"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let url = entry["request"]["url"].as_str().unwrap_or_default();
    let Some(Value::Object(resource)) = entry.get("resource").cloned() else {
        return Err(invalid(format!(
            "failed to process entry {n}: it has no resource"
        )));
    };
    let body_type = resource
        .get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let (url_type, url_id) = match url.split_once('/') {
        Some((t, id)) => (t, Some(id)),
        None => (url.split('?').next().unwrap_or_default(), None),
    };
    if !valid_type(url_type) || url_type != body_type {
        return Err(invalid(format!(
            "failed to process entry {n}: request.url `{url}` does not name the entry's resource type `{body_type}`"
        )));
    }
    let id = match (method.as_str(), url_id) {
        ("POST", None) => uuid::Uuid::new_v4().to_string(),
        ("PUT", Some(id)) if valid_id(id) => id.to_string(),
        _ => {
            return Err(outcome(
                StatusCode::BAD_REQUEST,
                "not-supported",
                format!(
                    "failed to process entry {n}: this server takes POST [type] and PUT [type]/[id] in transactions, not {method} {url}"
                ),
            ));
        }
    };
    Ok(Planned {
        method,
        resource_type: body_type,
        id,
        resource,
    })
}

/// Point references to other entries (`fullUrl`s, typically `urn:uuid:`) at the stored
/// resources; an `Attachment.url` naming an entry (MHD: the Binary) becomes a full URL.
fn rewrite_references(
    resource: &mut Map<String, Value>,
    ids: &HashMap<String, String>,
    base: &str,
) {
    for (key, value) in resource.iter_mut() {
        match value {
            Value::String(s) if key == "reference" => {
                if let Some(target) = ids.get(s.as_str()) {
                    *s = target.clone();
                }
            }
            Value::String(s) if key == "url" => {
                if let Some(target) = ids.get(s.as_str()) {
                    *s = format!("{base}/{target}");
                }
            }
            Value::Object(inner) => rewrite_references(inner, ids, base),
            Value::Array(items) => {
                for item in items {
                    if let Value::Object(inner) = item {
                        rewrite_references(inner, ids, base);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The first `urn:uuid:` reference or attachment URL in `resource` that is not a `fullUrl`.
fn dangling(resource: &Map<String, Value>, ids: &HashMap<String, String>) -> Option<String> {
    resource.iter().find_map(|(key, value)| match value {
        Value::String(s)
            if (key == "reference" || key == "url")
                && s.starts_with("urn:uuid:")
                && !ids.contains_key(s.as_str()) =>
        {
            Some(s.clone())
        }
        Value::Object(inner) => dangling(inner, ids),
        Value::Array(items) => items.iter().find_map(|item| match item {
            Value::Object(inner) => dangling(inner, ids),
            _ => None,
        }),
        _ => None,
    })
}

fn invalid(message: impl Into<String>) -> Response {
    outcome(StatusCode::BAD_REQUEST, "invalid", message)
}

/// Fill the store from `fixtures/` once, on the first request (see [`seed`]).
pub async fn seed_on_first_request(
    State(st): State<Arc<FhirState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if st.config.seed_fixtures {
        let base = base_url(req.headers(), req.uri(), MOUNT);
        st.seeded.call_once(|| {
            seed::seed(&st.store, &base);
        });
    }
    next.run(req).await
}
