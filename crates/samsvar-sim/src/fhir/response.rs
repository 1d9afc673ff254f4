//! Building FHIR answers: content type, OperationOutcome, resource headers, Bundles.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Value, json};
use std::sync::Arc;

use super::store::Version;
use super::time_format::{fhir_instant, http_date};

pub const FHIR_JSON: &str = "application/fhir+json; charset=utf-8";

/// A response with a FHIR JSON body.
pub fn fhir_body(status: StatusCode, body: impl Into<Bytes>) -> Response {
    let mut response = Response::new(Body::from(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    response
}

/// An error (or information) answer: an OperationOutcome with one issue.
/// `code` is a FHIR IssueType code (not-found, invalid, processing, not-supported, …).
pub fn outcome(status: StatusCode, code: &str, diagnostics: impl Into<String>) -> Response {
    let severity = if status.is_success() {
        "information"
    } else {
        "error"
    };
    outcome_with_severity(status, severity, code, diagnostics)
}

pub fn outcome_with_severity(
    status: StatusCode,
    severity: &str,
    code: &str,
    diagnostics: impl Into<String>,
) -> Response {
    let body = json!({
        "resourceType": "OperationOutcome",
        "issue": [{
            "severity": severity,
            "code": code,
            "diagnostics": diagnostics.into(),
        }]
    });
    fhir_body(status, serde_json::to_vec(&body).unwrap_or_default())
}

/// How much of a resource to send back after a write (`Prefer: return=…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Return {
    Representation,
    Minimal,
    OperationOutcome,
}

/// A resource answer with `ETag`, `Last-Modified` and, for creates, `Location`.
pub fn resource_response(
    status: StatusCode,
    version: &Version,
    resource_type: &str,
    base: &str,
    with_location: bool,
    ret: Return,
) -> Response {
    let mut response = match (ret, &version.resource) {
        (Return::Representation, Some(stored)) => fhir_body(status, stored.bytes.clone()),
        (Return::OperationOutcome, _) => outcome(
            status,
            "informational",
            format!(
                "{resource_type}/{} stored as version {}",
                version.id, version.version_id
            ),
        ),
        _ => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = status;
            r
        }
    };
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&version.etag()) {
        headers.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&http_date(version.last_updated)) {
        headers.insert(header::LAST_MODIFIED, v);
    }
    if with_location {
        let location = format!(
            "{base}/{resource_type}/{}/_history/{}",
            version.id, version.version_id
        );
        if let Ok(v) = HeaderValue::from_str(&location) {
            headers.insert(header::LOCATION, v);
        }
    }
    response
}

/// One Bundle entry: the resource bytes are spliced in as stored, never re-serialized.
pub struct Entry<'a> {
    pub full_url: String,
    pub version: &'a Arc<Version>,
    /// Extra members after `resource`, e.g. `"search":{"mode":"match"}`.
    pub trailer: Value,
}

/// Write a Bundle. `head` holds every member except `entry`; entries are appended.
pub fn bundle_bytes(head: Value, entries: &[Entry<'_>]) -> Bytes {
    let mut out = serde_json::to_vec(&head).unwrap_or_default();
    if entries.is_empty() {
        return Bytes::from(out);
    }
    // Replace the closing brace of `head` with the entry array.
    out.pop();
    out.extend_from_slice(b",\"entry\":[");
    for (i, entry) in entries.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"fullUrl\":");
        out.extend(serde_json::to_vec(&entry.full_url).unwrap_or_default());
        if let Some(stored) = &entry.version.resource {
            out.extend_from_slice(b",\"resource\":");
            out.extend_from_slice(&stored.bytes);
        }
        if let Value::Object(trailer) = &entry.trailer {
            for (k, v) in trailer {
                out.push(b',');
                out.extend(serde_json::to_vec(k).unwrap_or_default());
                out.push(b':');
                out.extend(serde_json::to_vec(v).unwrap_or_default());
            }
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    Bytes::from(out)
}

/// The Bundle `meta` and `id` every generated Bundle carries.
pub fn bundle_head(bundle_type: &str) -> serde_json::Map<String, Value> {
    let mut head = serde_json::Map::new();
    head.insert("resourceType".into(), json!("Bundle"));
    head.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
    head.insert(
        "meta".into(),
        json!({"lastUpdated": fhir_instant(time::OffsetDateTime::now_utc())}),
    );
    head.insert("type".into(), json!(bundle_type));
    head
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_without_entries_has_no_empty_array() {
        let head = Value::Object(bundle_head("searchset"));
        let bytes = bundle_bytes(head, &[]);
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert!(v.get("entry").is_none());
    }
}
