//! Content negotiation and the defects that act on every request or response, wrapped
//! around the handlers as one middleware.

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use std::sync::Arc;

use super::defect::Defect;
use super::request::is_json_media_type;
use super::response::outcome;
use super::state::FhirState;
use crate::server::ResetConnection;

/// Bodies are buffered only to truncate them (`invalid-json`); ours are far smaller.
const TRUNCATE_BUFFER_LIMIT: usize = 64 * 1024 * 1024;

pub async fn misbehave(State(st): State<Arc<FhirState>>, req: Request, next: Next) -> Response {
    let d = st.defects;
    if d.has(Defect::Reset) {
        let mut response = Response::new(Body::empty());
        response.extensions_mut().insert(ResetConnection);
        return response;
    }
    if d.has(Defect::RedirectOffsite) {
        let path = req
            .extensions()
            .get::<axum::extract::OriginalUri>()
            .map(|u| u.0.clone())
            .unwrap_or_else(|| req.uri().clone());
        let target = format!(
            "{}{}",
            st.config.offsite_origin,
            path.path_and_query().map(|p| p.as_str()).unwrap_or("/")
        );
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::FOUND;
        if let Ok(v) = HeaderValue::from_str(&target) {
            response.headers_mut().insert(header::LOCATION, v);
        }
        return response;
    }
    if d.has(Defect::Slow) {
        // An async sleep: other requests keep being served, and shutdown aborts it.
        tokio::time::sleep(st.config.slow_delay).await;
    }
    let response = match negotiate(req.headers(), req.uri().query()) {
        Ok(()) => next.run(req).await,
        Err(refusal) => refusal,
    };
    if d.is_empty() {
        return response;
    }
    apply_response_defects(&st, response).await
}

/// 406 unless the client accepts JSON (`_format` wins over `Accept`).
fn negotiate(headers: &HeaderMap, query: Option<&str>) -> Result<(), Response> {
    let format = query.and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "_format")
            .map(|(_, v)| v.into_owned())
    });
    if let Some(format) = format {
        let ok = matches!(format.as_str(), "json" | "text/json") || is_json_media_type(&format);
        if ok {
            return Ok(());
        }
        return Err(not_acceptable(&format!("_format={format}")));
    }
    let accepts: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    if accepts.is_empty() {
        return Ok(());
    }
    let ok = accepts.iter().any(|a| {
        let essence = a.split(';').next().unwrap_or_default().trim();
        matches!(essence, "*/*" | "application/*") || is_json_media_type(essence)
    });
    if ok {
        Ok(())
    } else {
        Err(not_acceptable(&format!("Accept: {}", accepts.join(","))))
    }
}

fn not_acceptable(asked: &str) -> Response {
    outcome(
        StatusCode::NOT_ACCEPTABLE,
        "not-supported",
        format!(
            "failed to answer in the requested format ({asked}): this server speaks application/fhir+json only"
        ),
    )
}

async fn apply_response_defects(st: &FhirState, mut response: Response) -> Response {
    let d = st.defects;
    let headers = response.headers_mut();
    if d.has(Defect::NoEtag) {
        headers.remove(header::ETAG);
    }
    if d.has(Defect::MissingLocation) {
        headers.remove(header::LOCATION);
    }
    if d.has(Defect::WrongContentType) && headers.contains_key(header::CONTENT_TYPE) {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
    }
    if d.has(Defect::JsonContentType) && headers.contains_key(header::CONTENT_TYPE) {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    if d.has(Defect::Create200) && response.status() == StatusCode::CREATED {
        *response.status_mut() = StatusCode::OK;
    }
    if d.has(Defect::Read404WithoutOutcome) && response.status() == StatusCode::NOT_FOUND {
        response.headers_mut().remove(header::CONTENT_TYPE);
        response.headers_mut().remove(header::CONTENT_LENGTH);
        *response.body_mut() = Body::empty();
    }
    let has_body = response.body().size_hint().exact() != Some(0);
    if d.has(Defect::InvalidJson) && has_body {
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, TRUNCATE_BUFFER_LIMIT)
            .await
            .unwrap_or_default();
        // Cut inside the JSON so it can never parse, whatever its shape.
        let cut = (bytes.len() / 2).max(1).min(bytes.len());
        response = Response::from_parts(parts, Body::from(bytes.slice(..cut)));
        response.headers_mut().remove(header::CONTENT_LENGTH);
    }
    if d.has(Defect::HugeBody) && has_body {
        response.headers_mut().remove(header::CONTENT_LENGTH);
        *response.body_mut() = huge_body(st.config.huge_body_bytes);
    }
    if d.has(Defect::Slow) && has_body {
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, TRUNCATE_BUFFER_LIMIT)
            .await
            .unwrap_or_default();
        response = Response::from_parts(parts, trickle(bytes, st.config.slow_trickle));
    }
    response
}

/// `bytes` sent one byte per `pause` (the status line and headers go at once).
fn trickle(bytes: Bytes, pause: std::time::Duration) -> Body {
    let stream = futures::stream::unfold(0usize, move |sent| {
        let bytes = bytes.clone();
        async move {
            if sent >= bytes.len() {
                return None;
            }
            tokio::time::sleep(pause).await;
            let one = bytes.slice(sent..sent + 1);
            Some((Ok::<Bytes, std::convert::Infallible>(one), sent + 1))
        }
    });
    Body::from_stream(stream)
}

/// A valid but enormous FHIR resource, streamed from one shared chunk: memory stays flat
/// however large `padding` is.
fn huge_body(padding: u64) -> Body {
    const CHUNK: usize = 64 * 1024;
    static PAD: [u8; CHUNK] = [b'x'; CHUNK];
    let head = Bytes::from_static(
        b"{\"resourceType\":\"Basic\",\"id\":\"huge\",\"text\":{\"status\":\"generated\",\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">",
    );
    let tail = Bytes::from_static(b"</div>\"}}");
    let full_chunks = padding / CHUNK as u64;
    let rest = (padding % CHUNK as u64) as usize;
    let pad = Bytes::from_static(&PAD);
    let middle = (0..full_chunks)
        .map(move |_| pad.clone())
        .chain(std::iter::once(Bytes::from_static(&PAD[..rest])));
    let parts = std::iter::once(head)
        .chain(middle)
        .chain(std::iter::once(tail))
        .map(Ok::<Bytes, std::convert::Infallible>);
    Body::from_stream(futures::stream::iter(parts))
}
