//! Records every FHIR request that feeds the repository (anything but a read or a
//! search) with the answer it got, as run evidence. Reads and searches are the suite's
//! own requests, which the run already records as the exchanges of its steps.

use super::findings;
use super::intake::Intake;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use samsvar_record::{Direction, Exchange, WireMessage};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

/// Far above any audit feed (a batch of a few hundred events); a larger body is refused
/// rather than held in memory.
const MAX_BODY: usize = 32 * 1024 * 1024;

pub(crate) async fn capture(
    State(intake): State<Arc<Intake>>,
    request: Request,
    next: Next,
) -> Response {
    let search = request.uri().path().ends_with("/_search");
    if matches!(*request.method(), Method::GET | Method::HEAD) || search {
        return next.run(request).await;
    }
    let started = Instant::now();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the audit record repository takes bodies up to {MAX_BODY} bytes"),
        )
            .into_response();
    };
    let method = parts.method.to_string();
    let url = parts.uri.to_string();
    let request_headers = crate::wire::header_pairs(&parts.headers);
    let mut found = Vec::new();
    findings::check_fhir_body(&bytes, &mut found);
    let request_record = intake.redactor.record_message(WireMessage {
        method: Some(&method),
        url: Some(&url),
        headers: &request_headers,
        body: Some(&bytes),
        truncated: false,
    });

    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (parts, answer, response_record) =
        crate::wire::record_response(response, MAX_BODY, &intake.redactor).await;
    let exchange = Exchange {
        direction: Direction::Received,
        request: request_record,
        response: Some(response_record),
        status: Some(parts.status.as_u16()),
        elapsed_ms: Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)),
    };
    intake.record("http", peer, exchange, found);
    Response::from_parts(parts, Body::from(answer))
}
