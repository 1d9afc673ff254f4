//! What the recording layers of the simulators (the audit record repository's capture,
//! `serve --record`) share: headers as recorded pairs, and an answer read whole and
//! recorded through the run's redactor.

use axum::http::HeaderMap;
use axum::http::response::Parts;
use axum::response::Response;
use bytes::Bytes;
use samsvar_record::{HttpMessage, Redactor, WireMessage};

/// Headers as the record keeps them: name and value, the value read as UTF-8 lossily.
pub(crate) fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// Reads `response` whole (up to `limit` bytes; a longer or broken body is recorded as
/// empty) and records it; the caller answers with `Response::from_parts(parts, answer)`.
pub(crate) async fn record_response(
    response: Response,
    limit: usize,
    redactor: &Redactor,
) -> (Parts, Bytes, HttpMessage) {
    let (parts, body) = response.into_parts();
    let answer = axum::body::to_bytes(body, limit).await.unwrap_or_default();
    let headers = header_pairs(&parts.headers);
    let message = redactor.record_message(WireMessage {
        headers: &headers,
        body: (!answer.is_empty()).then_some(&answer),
        ..WireMessage::default()
    });
    (parts, answer, message)
}
