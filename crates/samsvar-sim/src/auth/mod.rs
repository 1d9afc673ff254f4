//! An OAuth2 / SMART Backend Services authorization server and resource guard for the
//! simulators (`--require-auth`), so every client flow samsvar supports is exercised on
//! real sockets: client secrets (basic and post), `private_key_jwt` assertions verified
//! against registered JWKS, DPoP proofs with server nonces, token expiry and scopes.
//!
//! Routes (next to the simulator they guard, e.g. `/fhir`):
//! - `GET  {mount}/.well-known/smart-configuration`
//! - `POST /auth/token`
//! - `GET  /auth/jwks` (empty: tokens are opaque)

mod guard;
mod proof;
mod scopes;
pub mod tls;
mod token_endpoint;

pub use guard::require_auth;

use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Path of the token endpoint on the simulator's origin.
pub const TOKEN_PATH: &str = "/auth/token";
pub const JWKS_PATH: &str = "/auth/jwks";

/// A client the authorization server knows.
#[derive(Debug, Clone)]
pub struct RegisteredClient {
    pub client_id: String,
    /// For `client_secret_basic` / `client_secret_post`.
    pub secret: Option<String>,
    /// Public keys for `private_key_jwt` (`{"keys": [...]}`).
    pub jwks: Option<Value>,
    /// Scopes the client may get, e.g. `system/*.rs`, `system/Patient.cruds`; for a
    /// patient-context client `patient/*.rs`, `patient/AuditEvent.rs`.
    pub allowed_scopes: Vec<String>,
    /// A patient-context client (SMART App Launch, the person's own app): its tokens act for
    /// this patient (`Patient/{id}` is the compartment), the token response carries
    /// `"patient": id`, and only `patient/…` read and search scopes are honoured.
    pub patient: Option<String>,
}

/// Settings of the authorization server.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub clients: Vec<RegisteredClient>,
    pub token_lifetime: Duration,
    /// Demand a server nonce in DPoP proofs (RFC 9449 §8 and §9).
    pub require_dpop_nonce: bool,
    /// Issue only DPoP-bound tokens (reject token requests without a proof).
    pub require_dpop: bool,
    /// Served over HTTPS (the scheme of `htu` and `aud` values the server expects).
    pub tls: bool,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            clients: Vec::new(),
            token_lifetime: Duration::from_secs(300),
            require_dpop_nonce: false,
            require_dpop: false,
            tls: false,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct IssuedToken {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub expires_at: Instant,
    /// RFC 7638 thumbprint of the DPoP key the token is bound to.
    pub jkt: Option<String>,
    /// The token's own id (tokens are opaque; this is what an introspection `jti` would be).
    pub jti: String,
    /// The patient context of a patient-context client's token.
    pub patient: Option<String>,
}

/// What the guard learnt from a valid access token, put into the request's extensions so
/// the simulator behind it can say who called (the FHIR audit trail records it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    pub client_id: String,
    /// The client credentials grant acts for the client itself: `sub` is the client id.
    pub sub: String,
    pub jti: String,
    /// The patient id a patient-context token acts for (SMART launch context `patient`):
    /// the FHIR simulator then answers reads and searches of that patient's compartment
    /// only, and AuditEvent searches with that patient's events only (EHDS Art. 9).
    pub patient: Option<String>,
}

/// Put into a response's extensions by the guard (a valid access token) and the token
/// endpoint (an authenticated client): the client the exchange belongs to, for layers
/// outside the simulator that record who called (`samsvar serve --record`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedClient(pub String);

/// Shared state of one authorization server.
#[derive(Debug, Clone)]
pub struct AuthServer {
    pub(crate) settings: Arc<AuthSettings>,
    pub(crate) state: Arc<Mutex<AuthState>>,
}

#[derive(Debug, Default)]
pub(crate) struct AuthState {
    pub tokens: HashMap<String, IssuedToken>,
    /// `jti`s of assertions and proofs already seen (replay protection).
    pub seen_jti: HashSet<String>,
    pub nonce: String,
}

impl AuthServer {
    pub fn new(settings: AuthSettings) -> Self {
        let state = AuthState {
            nonce: fresh_nonce(),
            ..AuthState::default()
        };
        Self {
            settings: Arc::new(settings),
            state: Arc::new(Mutex::new(state)),
        }
    }

    /// The routes of the authorization server, for merging into a simulator's router.
    /// `fhir_mount` is where the guarded FHIR server lives (for the discovery document).
    pub fn router(&self, fhir_mount: &str) -> axum::Router {
        use axum::routing::{get, post};
        axum::Router::new()
            .route(
                &format!("{fhir_mount}/.well-known/smart-configuration"),
                get(token_endpoint::smart_configuration),
            )
            .route(TOKEN_PATH, post(token_endpoint::token))
            .route(
                JWKS_PATH,
                get(|| async { axum::Json(serde_json::json!({"keys": []})) }),
            )
            .with_state(self.clone())
    }

    /// Expire every issued token now (tests of refresh after expiry).
    pub fn expire_all_tokens(&self) {
        if let Ok(mut state) = self.state.lock() {
            let past = Instant::now()
                .checked_sub(Duration::from_secs(1))
                .unwrap_or_else(Instant::now);
            for t in state.tokens.values_mut() {
                t.expires_at = past;
            }
        }
    }

    /// Number of tokens issued so far (tests observe caching and refresh).
    pub fn tokens_issued(&self) -> usize {
        self.state.lock().map_or(0, |s| s.tokens.len())
    }

    pub(crate) fn current_nonce(&self) -> String {
        self.state
            .lock()
            .map(|s| s.nonce.clone())
            .unwrap_or_default()
    }

    pub(crate) fn remember_jti(&self, jti: &str) -> bool {
        self.state
            .lock()
            .is_ok_and(|mut s| s.seen_jti.insert(jti.to_string()))
    }
}

pub(crate) fn fresh_nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// `scheme://host` of a request as the client addressed it (Host header).
pub(crate) fn request_origin(
    uri: &axum::http::Uri,
    headers: &axum::http::HeaderMap,
    tls: bool,
) -> String {
    // HTTP/2 carries the host in the `:authority` pseudo-header (the URI), HTTP/1.1 in `Host`.
    let host = uri
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| {
            headers
                .get("host")
                .and_then(|h| h.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "localhost".to_string());
    format!("{}://{host}", if tls { "https" } else { "http" })
}

/// A FHIR (or any) simulator router behind this authorization server: the simulator's
/// routes demand tokens; discovery and the token endpoint stay open.
pub fn guarded(router: axum::Router, server: &AuthServer, mount: &str) -> axum::Router {
    require_auth(router, server.clone()).merge(server.router(mount))
}
