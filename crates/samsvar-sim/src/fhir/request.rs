//! Reading what the client sent: base URL, resource type and id syntax, body, preferences.

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Map, Value};

use super::response::{Return, outcome};

/// The base URL as the client addressed us (`Host` or the HTTP/2 authority) plus the mount.
pub fn base_url(headers: &HeaderMap, uri: &Uri, mount: &str) -> String {
    let host = uri
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| {
            headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "localhost".to_string());
    format!("http://{host}{mount}")
}

/// FHIR resource type names: an uppercase letter, then letters.
pub fn valid_type(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphabetic())
        && name.len() <= 64
}

/// FHIR ids: 1–64 of `A-Z a-z 0-9 - .`.
pub fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

pub fn check_type(resource_type: &str) -> Result<(), Response> {
    if valid_type(resource_type) {
        Ok(())
    } else {
        Err(outcome(
            StatusCode::NOT_FOUND,
            "not-found",
            format!(
                "failed to find resource type `{resource_type}`: not a FHIR resource type name"
            ),
        ))
    }
}

/// `Prefer: return=minimal|representation|OperationOutcome`.
pub fn prefer_return(headers: &HeaderMap) -> Return {
    let prefer = prefer(headers);
    if prefer.contains("return=minimal") {
        Return::Minimal
    } else if prefer.contains("return=operationoutcome") {
        Return::OperationOutcome
    } else {
        Return::Representation
    }
}

/// `Prefer: handling=strict`.
pub fn prefer_strict(headers: &HeaderMap) -> bool {
    prefer(headers).contains("handling=strict")
}

fn prefer(headers: &HeaderMap) -> String {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",")
        .to_ascii_lowercase()
        .replace(' ', "")
}

/// `If-Match: W/"3"` (or `"3"`, or `3`) → 3.
pub fn if_match(headers: &HeaderMap) -> Result<Option<u64>, Response> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    let bare = text.trim_start_matches("W/").trim_matches('"');
    bare.parse::<u64>().map(Some).map_err(|_| {
        outcome(
            StatusCode::PRECONDITION_FAILED,
            "conflict",
            format!("failed to read If-Match `{text}`: expected a version like W/\"1\""),
        )
    })
}

/// Is this media type one of the JSON forms FHIR accepts?
pub fn is_json_media_type(value: &str) -> bool {
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    matches!(
        essence.as_str(),
        "application/fhir+json" | "application/json" | "application/json+fhir"
    )
}

/// Read a bounded body.
pub async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<bytes::Bytes, Response> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit));
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let length_limit = std::error::Error::source(&e)
            .map(|s| s.to_string().contains("length limit"))
            .unwrap_or(false);
        if length_limit {
            too_large(limit)
        } else {
            outcome(
                StatusCode::BAD_REQUEST,
                "invalid",
                format!("failed to read the request body: {e}"),
            )
        }
    })
}

fn too_large(limit: usize) -> Response {
    outcome(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too-costly",
        format!("failed to accept the request body: larger than the limit of {limit} bytes"),
    )
}

/// Read and check a resource body for `resource_type`: JSON content type, valid JSON,
/// an object whose `resourceType` matches.
pub async fn resource_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    resource_type: &str,
) -> Result<Map<String, Value>, Response> {
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or_default();
        if !is_json_media_type(ct) {
            return Err(outcome(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "not-supported",
                format!(
                    "failed to accept Content-Type `{ct}`: this server reads application/fhir+json"
                ),
            ));
        }
    }
    let bytes = read_body(headers, body, limit).await?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        outcome(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!("failed to parse the request body as JSON: {e}"),
        )
    })?;
    let Value::Object(map) = value else {
        return Err(outcome(
            StatusCode::BAD_REQUEST,
            "invalid",
            "failed to read the resource: the body is not a JSON object",
        ));
    };
    match map.get("resourceType").and_then(Value::as_str) {
        Some(rt) if rt == resource_type => Ok(map),
        Some(rt) => Err(outcome(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!(
                "failed to accept the resource: the body is a `{rt}` but the URL names `{resource_type}`"
            ),
        )),
        None => Err(outcome(
            StatusCode::BAD_REQUEST,
            "invalid",
            "failed to read the resource: the body has no `resourceType`",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids() {
        assert!(valid_type("Patient") && valid_type("AllergyIntolerance"));
        assert!(!valid_type("patient") && !valid_type("Pat1ent") && !valid_type(""));
        assert!(valid_id("a-b.C9") && !valid_id("a b") && !valid_id(&"x".repeat(65)));
        assert!(is_json_media_type("application/fhir+json; charset=utf-8"));
        assert!(!is_json_media_type("application/fhir+xml"));
    }
}
