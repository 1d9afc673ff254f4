//! Who called and how: what the AuditEvent's agents and transaction entity are made of,
//! taken from the request before the handler consumes it.

use axum::extract::{ConnectInfo, Request};
use axum::http::header;
use std::net::SocketAddr;

use crate::auth::TokenClaims;

/// The caller as the audit trail records it.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// The client's IP address (the TCP peer).
    pub peer_ip: Option<String>,
    /// The host name the client addressed (Host / `:authority`, without the port).
    pub host: String,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    /// Set when the request passed `--require-auth` (see `auth::guard`).
    pub token: Option<TokenClaims>,
    /// `GET /fhir/Patient?family=x`, for the query entity's description.
    pub request_line: String,
}

impl CallContext {
    pub fn of(req: &Request) -> Self {
        let headers = req.headers();
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let authority = req
            .uri()
            .authority()
            .map(|a| a.host().to_string())
            .or_else(|| {
                text(header::HOST.as_str()).map(|h| {
                    h.rsplit_once(':')
                        .map_or(h.clone(), |(host, _)| host.into())
                })
            })
            .unwrap_or_else(|| "localhost".to_string());
        let original = req
            .extensions()
            .get::<axum::extract::OriginalUri>()
            .map(|u| u.0.clone())
            .unwrap_or_else(|| req.uri().clone());
        Self {
            peer_ip: req
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string()),
            host: authority,
            user_agent: text(header::USER_AGENT.as_str()),
            request_id: text("x-request-id").filter(|v| !v.is_empty()),
            token: req.extensions().get::<TokenClaims>().cloned(),
            request_line: format!(
                "{} {}",
                req.method(),
                original.path_and_query().map_or("/", |p| p.as_str())
            ),
        }
    }
}
