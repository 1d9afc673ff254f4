//! The resource-server side: every request to a guarded simulator needs a valid access
//! token (bearer or DPoP-bound) with a scope that allows the interaction.

use super::proof::verify_dpop;
use super::{AuthServer, request_origin, scopes};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::time::Instant;

/// Wraps a simulator's router so that it demands tokens from `server`.
pub fn require_auth(router: axum::Router, server: AuthServer) -> axum::Router {
    router.layer(axum::middleware::from_fn_with_state(server, guard))
}

fn outcome(
    status: StatusCode,
    code: &str,
    text: &str,
    challenge: Option<String>,
    nonce: Option<String>,
) -> Response {
    let body = json!({
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": text}]
    });
    let mut resp = (
        status,
        [("content-type", "application/fhir+json")],
        body.to_string(),
    )
        .into_response();
    if let Some(c) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
        resp.headers_mut().insert("www-authenticate", c);
    }
    if let Some(n) = nonce.and_then(|n| HeaderValue::from_str(&n).ok()) {
        resp.headers_mut().insert("dpop-nonce", n);
    }
    resp
}

async fn guard(State(server): State<AuthServer>, mut req: Request<Body>, next: Next) -> Response {
    let path = req.uri().path().to_string();
    // Discovery is public, as SMART requires.
    if path.ends_with("/.well-known/smart-configuration") {
        return next.run(req).await;
    }
    let unauthorized = |error: &str, text: &str| {
        outcome(
            StatusCode::UNAUTHORIZED,
            "login",
            text,
            Some(format!("Bearer realm=\"samsvar-sim\", error=\"{error}\"")),
            None,
        )
    };
    let Some(auth) = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    else {
        return outcome(
            StatusCode::UNAUTHORIZED,
            "login",
            "an access token is required",
            Some("Bearer realm=\"samsvar-sim\"".into()),
            None,
        );
    };
    let (scheme, token) = auth.split_once(' ').unwrap_or((auth.as_str(), ""));
    let issued = server
        .state
        .lock()
        .ok()
        .and_then(|s| s.tokens.get(token).cloned());
    let Some(issued) = issued else {
        return unauthorized("invalid_token", "unknown access token");
    };
    if issued.expires_at <= Instant::now() {
        return unauthorized("invalid_token", "the access token has expired");
    }
    match (scheme.to_ascii_lowercase().as_str(), &issued.jkt) {
        ("bearer", None) => {}
        ("bearer", Some(_)) => {
            return unauthorized(
                "invalid_token",
                "a DPoP-bound token must be sent with the DPoP scheme",
            );
        }
        ("dpop", Some(jkt)) => {
            let Some(proof) = req.headers().get("dpop").and_then(|v| v.to_str().ok()) else {
                return unauthorized("invalid_dpop_proof", "a DPoP proof is required");
            };
            let url = format!(
                "{}{}",
                request_origin(req.uri(), req.headers(), server.settings.tls),
                path
            );
            let verified = match verify_dpop(proof, req.method().as_str(), &url, Some(token)) {
                Ok(v) => v,
                Err(reason) => return unauthorized("invalid_dpop_proof", &reason),
            };
            if &verified.jkt != jkt {
                return unauthorized(
                    "invalid_dpop_proof",
                    "the DPoP key is not the one the token is bound to",
                );
            }
            let nonce = server.current_nonce();
            if server.settings.require_dpop_nonce
                && verified.nonce.as_deref() != Some(nonce.as_str())
            {
                return outcome(
                    StatusCode::UNAUTHORIZED,
                    "login",
                    "a DPoP nonce is required",
                    Some("DPoP error=\"use_dpop_nonce\", error_description=\"Resource server requires nonce in DPoP proof\"".into()),
                    Some(nonce),
                );
            }
            if !server.remember_jti(&verified.jti) {
                return unauthorized("invalid_dpop_proof", "DPoP proof `jti` was used before");
            }
        }
        _ => return unauthorized("invalid_token", "unsupported authorization scheme"),
    }
    let resource_type = path.trim_start_matches('/').split('/').nth(1).unwrap_or("");
    let method = req.method().as_str().to_string();
    let is_metadata = resource_type == "metadata";
    let patient_context = issued.patient.is_some();
    if !is_metadata
        && (!scopes::allows(
            &issued.scopes,
            resource_type,
            &method,
            path.ends_with("/_search"),
            patient_context,
        ) || (patient_context && !compartment_interaction(&path)))
    {
        return outcome(
            StatusCode::FORBIDDEN,
            "forbidden",
            &format!(
                "the scopes granted to client `{}` do not allow {method} on {resource_type}",
                issued.client_id
            ),
            None,
            None,
        );
    }
    req.extensions_mut().insert(super::TokenClaims {
        client_id: issued.client_id.clone(),
        sub: issued.client_id.clone(),
        jti: issued.jti.clone(),
        patient: issued.patient.clone(),
    });
    let mut response = next.run(req).await;
    response
        .extensions_mut()
        .insert(super::AuthenticatedClient(issued.client_id));
    response
}

/// The interactions a patient-context token may make, whose answers the FHIR simulator
/// limits to the patient's compartment: read (`/{mount}/{type}/{id}`), vread
/// (`…/_history/{vid}`) and search (`/{mount}/{type}`, `…/_search`). Everything else
/// (history, operations, the system-level transaction) is refused.
fn compartment_interaction(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').skip(1).collect();
    match segments.as_slice() {
        [ty] | [ty, "_search"] => !ty.is_empty() && !ty.starts_with('$'),
        [ty, id] => !ty.is_empty() && !id.starts_with('$') && !id.starts_with('_'),
        [ty, id, "_history", vid] => !ty.is_empty() && !id.is_empty() && !vid.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::compartment_interaction;

    #[test]
    fn a_patient_token_reads_vreads_and_searches_only() {
        for ok in [
            "/fhir/AuditEvent",
            "/fhir/AuditEvent/_search",
            "/fhir/Patient/p1",
            "/fhir/Patient/p1/_history/2",
        ] {
            assert!(compartment_interaction(ok), "{ok}");
        }
        for refused in [
            "/fhir",
            "/fhir/",
            "/fhir/Patient/p1/_history",
            "/fhir/Patient/p1/$summary",
            "/fhir/$export",
            "/fhir/Patient/_history",
        ] {
            assert!(!compartment_interaction(refused), "{refused}");
        }
    }
}
