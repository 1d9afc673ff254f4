//! Keeps evidence of what clients send to the simulators (`samsvar serve --record`):
//! every request with the answer it got, redacted, as a [`ReceivedRecord`] with the
//! findings of the checks below, and the client it came from.
//!
//! The client of an exchange is, in this order: the client id of a valid access token
//! (or of a successful token request) when the simulators demand tokens; the `NAME` of a
//! path prefix `/clients/NAME/…` (which is removed before the simulators see the
//! request, so `http://HOST:PORT/clients/vendor-a/fhir` is a FHIR base of its own); the
//! peer's IP address.
//!
//! Findings (never a refusal: the simulator answers as it always does):
//!
//! - XDS (`/xds/repository`, `/xds/registry`): an ITI-41 request gets the ebRIM
//!   metadata rules of `samsvar validate` (`xds-*` rule ids); an ITI-18 or ITI-43
//!   request that cannot be read, a message that is not SOAP and an action the endpoint
//!   does not serve get the `serve-*` rules of [`RULES`].
//! - FHIR (`/fhir`): a body of a create, update or transaction that is not JSON, not a
//!   resource, or a resource of another type than the URL names, and a body the
//!   simulator refused (400/422 with an OperationOutcome, whose diagnostics the finding
//!   quotes).

use crate::Mounts;
use crate::arr::findings::Rule;
use crate::auth::{AuthenticatedClient, TOKEN_PATH};
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use samsvar_record::{
    Diagnostic, Direction, Exchange, PayloadLocation, ReceivedRecord, Redactor, Severity,
    WireMessage,
};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;
use tower::Layer;

/// The path prefix that names a client: `/clients/NAME/…`.
pub const CLIENTS_PREFIX: &str = "/clients/";

/// The largest request or response body recorded (the XDS simulator's own limit); a
/// larger request is refused with 413 and recorded without its body.
pub const MAX_BODY: usize = 64 * 1024 * 1024;

/// How the client of an exchange was told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientBy {
    /// The client id of its access token (or of its token request).
    Token,
    /// The `/clients/NAME/` path prefix.
    Path,
    /// The peer's IP address.
    Peer,
}

impl ClientBy {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientBy::Token => "token client id",
            ClientBy::Path => "path prefix",
            ClientBy::Peer => "peer address",
        }
    }
}

/// One exchange a client had with the simulators.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The client: a token client id, a path prefix name or an IP address.
    pub client: String,
    pub by: ClientBy,
    /// The exchange (direction `received`) and its findings, redacted.
    pub message: ReceivedRecord,
}

/// Where recorded exchanges go.
pub type RecordFeed = mpsc::UnboundedSender<Recorded>;

/// What the recording layer needs.
#[derive(Debug, Clone)]
pub struct Recording {
    pub feed: RecordFeed,
    /// The redactor every exchange is recorded through (credential headers and fields by
    /// name; the caller registers known secrets such as client secrets). Bearer tokens a
    /// client sends and access tokens the token endpoint issues are registered as they
    /// pass.
    pub redactor: Redactor,
    /// The simulators' mounts (target, path prefix), to name each exchange's target.
    pub mounts: Mounts,
    /// `http` or `https`: the transport recorded with every exchange.
    pub transport: &'static str,
}

pub const UNREADABLE: Rule = Rule {
    id: "serve-unreadable",
    severity: Severity::Error,
    summary: "the request body cannot be read: not MTOM/SOAP 1.2 (XDS), not JSON (FHIR)",
    source: "IHE-ITI-41:TF-2b:3.41.4.1.2, FHIR-R4:http#create",
};
pub const XDS_ACTION: Rule = Rule {
    id: "serve-xds-action",
    severity: Severity::Error,
    summary: "the WS-Addressing action is not one this endpoint serves (ITI-41 and ITI-43 at the repository, ITI-18 at the registry)",
    source: "IHE-ITI-41:TF-2b:3.41.4.1.2, IHE-ITI-18:TF-2a:3.18.4.1.2.1",
};
pub const XDS_REQUEST: Rule = Rule {
    id: "serve-xds-request",
    severity: Severity::Error,
    summary: "an ITI-18 AdhocQueryRequest or ITI-43 RetrieveDocumentSetRequest that cannot be read",
    source: "IHE-ITI-18:TF-2a:3.18.4.1.2.1, IHE-ITI-43:TF-2b:3.43.4.1.3",
};
pub const FHIR_NOT_RESOURCE: Rule = Rule {
    id: "serve-fhir-not-resource",
    severity: Severity::Error,
    summary: "the body is JSON but not a FHIR resource (an object with a resourceType)",
    source: "FHIR-R4:http#create",
};
pub const FHIR_TYPE: Rule = Rule {
    id: "serve-fhir-type",
    severity: Severity::Error,
    summary: "the resource is not of the type the URL names (or, on update, has another id)",
    source: "FHIR-R4:http#create, FHIR-R4:http#update/id-mismatch",
};
pub const FHIR_REFUSED: Rule = Rule {
    id: "serve-fhir-refused",
    severity: Severity::Error,
    summary: "the simulator refused the resource (400 or 422 with an OperationOutcome)",
    source: "FHIR-R4:http#create/invalid-content",
};
pub const CLIENT_NAME: Rule = Rule {
    id: "serve-client-name",
    severity: Severity::Error,
    summary: "a `/clients/NAME/` prefix whose NAME is not 1-64 of A-Z a-z 0-9 - _ .",
    source: "samsvar serve --record (docs/user-guide.md)",
};

/// Every rule of the recording layer (the `xds-*` rules are samsvar-xds's).
pub const RULES: &[Rule] = &[
    UNREADABLE,
    XDS_ACTION,
    XDS_REQUEST,
    FHIR_NOT_RESOURCE,
    FHIR_TYPE,
    FHIR_REFUSED,
    CLIENT_NAME,
];

/// `router` with every exchange recorded. The layer wraps the whole router (not its
/// routes), so that it can remove a `/clients/NAME` prefix before routing.
pub fn record(router: Router, recording: Recording) -> Router {
    let service = axum::middleware::from_fn_with_state(Arc::new(recording), capture).layer(router);
    Router::new().fallback_service(service)
}

/// A client name of a path prefix: what a folder name may safely be.
pub fn valid_client_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

async fn capture(State(rec): State<Arc<Recording>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let (mut parts, body) = request.into_parts();
    let sent_url = parts.uri.to_string();
    let method = parts.method.to_string();
    let request_headers = crate::wire::header_pairs(&parts.headers);
    let mut found = Vec::new();

    // The client's own prefix goes before the simulators see the path.
    let mut path_client = None;
    let mut refusal = None;
    let original_path = parts.uri.path().to_string();
    if let Some(rest) = original_path.strip_prefix(CLIENTS_PREFIX) {
        let (name, tail) = rest.split_once('/').unwrap_or((rest, ""));
        if valid_client_name(name) {
            let tail = format!("/{tail}");
            path_client = Some(name.to_string());
            match rewrite(&parts.uri, &tail) {
                Some(uri) => parts.uri = uri,
                None => refusal = Some((StatusCode::BAD_REQUEST, "the URL cannot be read")),
            }
        } else {
            found.push(CLIENT_NAME.whole(format!(
                "`{name}` is not a client name: 1-64 of A-Z a-z 0-9 - _ . (not starting with `.`)"
            )));
            refusal = Some((
                StatusCode::BAD_REQUEST,
                "a client name under /clients/ is 1-64 of A-Z a-z 0-9 - _ .",
            ));
        }
    }

    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => Some(b),
        Err(_) => {
            refusal = Some((
                StatusCode::PAYLOAD_TOO_LARGE,
                "the recording simulator takes bodies up to 64 MiB",
            ));
            None
        }
    };
    if let Some(credential) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .map(|(_, c)| c.trim())
    {
        rec.redactor.register(credential);
    }
    let path = parts.uri.path().to_string();
    let target = target_of(&rec.mounts, &path);
    let body_bytes = bytes.clone().unwrap_or_default();
    if refusal.is_none() {
        check_request(
            target,
            &parts.method,
            &path,
            &parts.headers,
            &body_bytes,
            &mut found,
        );
    }
    let request_record = rec.redactor.record_message(WireMessage {
        method: Some(&method),
        url: Some(&sent_url),
        headers: &request_headers,
        body: bytes.as_ref().filter(|b| !b.is_empty()),
        truncated: bytes.is_none(),
    });

    let response = match refusal {
        Some((status, text)) => (status, text).into_response(),
        None => {
            let fhir_body = target == crate::fhir::TARGET && !body_bytes.is_empty();
            let request_method = parts.method.clone();
            let response = next
                .run(Request::from_parts(parts, Body::from(body_bytes)))
                .await;
            let (parts, body) = response.into_parts();
            let answer = axum::body::to_bytes(body, MAX_BODY)
                .await
                .unwrap_or_default();
            if fhir_body
                && matches!(request_method, Method::POST | Method::PUT)
                && matches!(parts.status.as_u16(), 400 | 422)
            {
                refused(&answer, &mut found);
            }
            if path == TOKEN_PATH
                && let Ok(v) = serde_json::from_slice::<Value>(&answer)
                && let Some(token) = v.get("access_token").and_then(Value::as_str)
            {
                rec.redactor.register(token);
            }
            Response::from_parts(parts, Body::from(answer))
        }
    };
    let (parts, answer, response_record) =
        crate::wire::record_response(response, MAX_BODY, &rec.redactor).await;
    let (client, by) = match (parts.extensions.get::<AuthenticatedClient>(), path_client) {
        (Some(c), _) => (c.0.clone(), ClientBy::Token),
        (None, Some(name)) => (name, ClientBy::Path),
        (None, None) => (
            peer.map_or_else(|| "unknown".to_string(), |p| p.ip().to_string()),
            ClientBy::Peer,
        ),
    };
    let message = ReceivedRecord {
        target: target.to_string(),
        transport: rec.transport.to_string(),
        received_at: now(),
        peer: peer.map(|p| p.to_string()),
        exchange: Exchange {
            direction: Direction::Received,
            request: request_record,
            response: Some(response_record),
            status: Some(parts.status.as_u16()),
            elapsed_ms: Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)),
        },
        findings: found,
    };
    // A serve that stopped recording no longer listens: nothing to hand over to.
    let _ = rec.feed.send(Recorded {
        client,
        by,
        message,
    });
    Response::from_parts(parts, Body::from(answer))
}

/// `uri` with its path replaced by `path` (the query kept).
fn rewrite(uri: &Uri, path: &str) -> Option<Uri> {
    let path_and_query = match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(path_and_query.parse().ok()?);
    Uri::from_parts(parts).ok()
}

/// The target a path belongs to: a simulator's, `auth` for the authorization server,
/// `sim` for anything else.
fn target_of(mounts: &Mounts, path: &str) -> &'static str {
    for (target, prefix) in mounts {
        if path == *prefix
            || path
                .strip_prefix(prefix)
                .is_some_and(|r| r.starts_with('/'))
        {
            return target;
        }
    }
    if path.starts_with("/auth/") {
        return "auth";
    }
    "sim"
}

/// The checks on a request before the simulator answers it.
fn check_request(
    target: &str,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &Bytes,
    out: &mut Vec<Diagnostic>,
) {
    if target == crate::xds::REPOSITORY_TARGET || target == crate::xds::REGISTRY_TARGET {
        if method == Method::POST {
            check_xds(target, headers, body, out);
        }
    } else if target == crate::fhir::TARGET
        && matches!(*method, Method::POST | Method::PUT)
        && !body.is_empty()
    {
        check_fhir(path, method, headers, body, out);
    }
}

fn check_xds(target: &str, headers: &HeaderMap, body: &Bytes, out: &mut Vec<Diagnostic>) {
    use samsvar_xds::vocab::action;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let decoded = match samsvar_xds::mtom::decode(content_type, body.clone(), MAX_BODY) {
        Ok(d) => d,
        Err(e) => {
            out.push(UNREADABLE.whole(format!("not an MTOM or SOAP 1.2 message: {e}")));
            return;
        }
    };
    let message =
        match samsvar_xds::soap::read_envelope(&decoded.root, &samsvar_xds::XmlLimits::default()) {
            Ok(m) => m,
            Err(e) => {
                out.push(UNREADABLE.whole(format!("not a SOAP 1.2 envelope: {e}")));
                return;
            }
        };
    let action = message.addressing.action.as_str();
    let repository = target == crate::xds::REPOSITORY_TARGET;
    match (repository, action) {
        (true, action::ITI41) => {
            out.extend(samsvar_xds::validate_submission(
                &decoded.root,
                &decoded.attachments,
            ));
        }
        (true, action::ITI43) => {
            if let Err(e) = samsvar_xds::iti43::read_request(&message.body) {
                out.push(XDS_REQUEST.at(
                    PayloadLocation::xpath("/Envelope/Body"),
                    format!("the RetrieveDocumentSetRequest (ITI-43) cannot be read: {e}"),
                ));
            }
        }
        (false, action::ITI18) => {
            if let Err(e) = samsvar_xds::iti18::read_request(&message.body) {
                out.push(XDS_REQUEST.at(
                    PayloadLocation::xpath("/Envelope/Body"),
                    format!("the AdhocQueryRequest (ITI-18) cannot be read: {e}"),
                ));
            }
        }
        _ => out.push(XDS_ACTION.at(
            PayloadLocation::xpath("/Envelope/Header/Action"),
            format!(
                "the action `{action}` is not served at the {}",
                if repository {
                    "repository (ITI-41, ITI-43)"
                } else {
                    "registry (ITI-18)"
                }
            ),
        )),
    }
}

fn check_fhir(
    path: &str,
    method: &Method,
    headers: &HeaderMap,
    body: &Bytes,
    out: &mut Vec<Diagnostic>,
) {
    let segments: Vec<&str> = path
        .strip_prefix(crate::fhir::MOUNT)
        .unwrap_or(path)
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    // Searches by POST carry a form, operations their own parameters.
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if form
        || segments.last().is_some_and(|s| *s == "_search")
        || segments.iter().any(|s| s.starts_with('$'))
    {
        return;
    }
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            out.push(UNREADABLE.whole(format!(
                "the body is not JSON (the simulator speaks FHIR JSON): {e}"
            )));
            return;
        }
    };
    let Some(resource_type) = value.get("resourceType").and_then(Value::as_str) else {
        out.push(FHIR_NOT_RESOURCE.at(
            PayloadLocation {
                pointer: Some(String::new()),
                ..PayloadLocation::default()
            },
            "the body is JSON but has no `resourceType`: not a FHIR resource",
        ));
        return;
    };
    let at_type = || PayloadLocation {
        expression: Some(format!("{resource_type}.resourceType")),
        pointer: Some("/resourceType".into()),
        ..PayloadLocation::default()
    };
    match (method, segments.as_slice()) {
        (&Method::POST, []) if resource_type != "Bundle" => {
            out.push(FHIR_TYPE.at(
                at_type(),
                format!(
                    "a POST to the base takes a batch or transaction Bundle, not a {resource_type}"
                ),
            ));
        }
        (&Method::POST, [ty]) | (&Method::PUT, [ty, _]) if *ty != resource_type => {
            out.push(FHIR_TYPE.at(
                at_type(),
                format!("the URL names {ty}, the body is a {resource_type}"),
            ));
        }
        (&Method::PUT, [_, id]) => {
            let body_id = value.get("id").and_then(Value::as_str);
            if body_id != Some(*id) {
                out.push(FHIR_TYPE.at(
                    PayloadLocation {
                        expression: Some(format!("{resource_type}.id")),
                        pointer: Some("/id".into()),
                        ..PayloadLocation::default()
                    },
                    format!(
                        "an update of {resource_type}/{id} must carry id `{id}`, the body has {}",
                        body_id.map_or_else(|| "none".to_string(), |b| format!("`{b}`"))
                    ),
                ));
            }
        }
        _ => {}
    }
}

/// The simulator's OperationOutcome on a refused body, as a finding.
fn refused(answer: &[u8], out: &mut Vec<Diagnostic>) {
    let Ok(outcome) = serde_json::from_slice::<Value>(answer) else {
        return;
    };
    if outcome.get("resourceType").and_then(Value::as_str) != Some("OperationOutcome") {
        return;
    }
    let texts: Vec<&str> = outcome
        .get("issue")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|i| {
            i.get("diagnostics")
                .or_else(|| i.pointer("/details/text"))
                .and_then(Value::as_str)
        })
        .collect();
    let text = if texts.is_empty() {
        "no diagnostics given".to_string()
    } else {
        texts.join("; ")
    };
    out.push(FHIR_REFUSED.whole(format!("the simulator refused the resource: {text}")));
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_names() {
        for ok in ["vendor-a", "A.b_c", "x"] {
            assert!(valid_client_name(ok), "{ok}");
        }
        for bad in ["", ".hidden", "..", "a/b", "a b", &"x".repeat(65)] {
            assert!(!valid_client_name(bad), "{bad}");
        }
    }

    #[test]
    fn targets_by_path() {
        let mounts: Mounts = vec![
            ("fhir", "/fhir"),
            ("xds-repository", "/xds/repository"),
            ("xds-registry", "/xds/registry"),
        ];
        assert_eq!(target_of(&mounts, "/fhir/Patient"), "fhir");
        assert_eq!(target_of(&mounts, "/fhirx"), "sim");
        assert_eq!(target_of(&mounts, "/xds/registry"), "xds-registry");
        assert_eq!(target_of(&mounts, "/auth/token"), "auth");
    }

    #[test]
    fn fhir_bodies() {
        let mut out = Vec::new();
        let headers = HeaderMap::new();
        check_fhir(
            "/fhir/Patient",
            &Method::POST,
            &headers,
            &Bytes::from_static(br#"{"resourceType":"Observation"}"#),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rule, FHIR_TYPE.id);
        out.clear();
        check_fhir(
            "/fhir/Patient",
            &Method::POST,
            &headers,
            &Bytes::from_static(br#"{"resourceType":"Patient"}"#),
            &mut out,
        );
        assert!(out.is_empty(), "{out:?}");
        check_fhir(
            "/fhir/Patient/p1",
            &Method::PUT,
            &headers,
            &Bytes::from_static(br#"{"resourceType":"Patient","id":"p2"}"#),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        out.clear();
        check_fhir(
            "/fhir/Patient",
            &Method::POST,
            &headers,
            &Bytes::from_static(b"not json"),
            &mut out,
        );
        assert_eq!(out[0].rule, UNREADABLE.id);
    }
}
