//! The reference FHIR R4 server: a generic versioned in-memory store for any resource type,
//! served as JSON under `/fhir`, with switchable defects.
//!
//! ```no_run
//! # async fn demo() -> Result<(), samsvar_sim::SimError> {
//! use samsvar_sim::fhir::{Defect, FhirSim};
//! let sim = FhirSim::builder().defects(&[Defect::NoEtag]).start("127.0.0.1:0").await?;
//! println!("{}", sim.base_url()); // http://127.0.0.1:PORT/fhir
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

// Handlers return `Result<Response, Response>`: the error is the HTTP answer itself (an
// OperationOutcome), built once per request, so boxing it would buy nothing.
#![allow(clippy::result_large_err)]

mod audit;
mod capability;
mod compartment;
mod defect;
mod handlers;
mod misbehave;
mod operations;
mod request;
mod response;
mod search;
mod search_params;
pub mod seed;
pub(crate) mod state;
pub(crate) mod store;
mod time_format;

pub use audit::AuditPush;
pub use defect::{Defect, DefectSet, UnknownDefect};

use axum::Router;
use axum::routing::{get, post};
use std::sync::Arc;
use std::time::Duration;

use crate::server::{SimError, SimHandle, serve};

/// Where the FHIR simulator is mounted: its base URL is `http://HOST:PORT/fhir`.
pub const MOUNT: &str = "/fhir";
/// The target name suites use for a FHIR server.
pub const TARGET: &str = "fhir";

/// Entry point: `FhirSim::builder()…start(addr)`.
#[derive(Debug)]
pub struct FhirSim;

impl FhirSim {
    pub fn builder() -> FhirSimBuilder {
        FhirSimBuilder::default()
    }
}

/// Settings of one FHIR simulator.
#[derive(Debug, Clone)]
pub struct FhirSimBuilder {
    defects: Vec<Defect>,
    config: FhirConfig,
}

#[derive(Debug, Clone)]
pub(crate) struct FhirConfig {
    pub slow_delay: Duration,
    pub slow_trickle: Duration,
    pub huge_body_bytes: u64,
    pub max_request_body: usize,
    pub offsite_origin: String,
    /// Load `fixtures/` into the store on the first request ([`seed`]).
    pub seed_fixtures: bool,
    /// Also send every AuditEvent to an audit record repository (ATNA Record Audit Event).
    pub audit_push: Option<audit::AuditPush>,
    /// How long the `audit-delayed` defect holds an AuditEvent back.
    pub audit_delay: Duration,
    /// Record a BALP AuditEvent for every access (off for the audit record repository,
    /// whose own store is the trail of others).
    pub audit_trail: bool,
}

/// The `slow` defect's wait before the status line: twice a client's usual 30 s
/// timeout, so a client with default settings always times out instead of by chance.
pub const SLOW_DELAY: Duration = Duration::from_secs(60);

/// The `slow` defect's pause between body bytes: a patient client still waits minutes
/// for a small resource.
pub const SLOW_TRICKLE: Duration = Duration::from_millis(100);

/// The `audit-delayed` defect's hold-back: longer than a suite waits for an audit record.
pub const AUDIT_DELAY: Duration = Duration::from_secs(60);

impl Default for FhirSimBuilder {
    fn default() -> Self {
        Self {
            defects: Vec::new(),
            config: FhirConfig {
                slow_delay: SLOW_DELAY,
                slow_trickle: SLOW_TRICKLE,
                huge_body_bytes: 200 * 1024 * 1024,
                max_request_body: 16 * 1024 * 1024,
                offsite_origin: "http://offsite.invalid".to_string(),
                seed_fixtures: false,
                audit_push: None,
                audit_delay: AUDIT_DELAY,
                audit_trail: true,
            },
        }
    }
}

impl FhirSimBuilder {
    /// Switch on these defects (in addition to any already set).
    pub fn defects(mut self, defects: &[Defect]) -> Self {
        self.defects.extend_from_slice(defects);
        self
    }

    /// How long the `slow` defect waits before the status line (default 60 s).
    pub fn slow_delay(mut self, delay: Duration) -> Self {
        self.config.slow_delay = delay;
        self
    }

    /// The pause between two body bytes under the `slow` defect (default 100 ms).
    pub fn slow_trickle(mut self, pause: Duration) -> Self {
        self.config.slow_trickle = pause;
        self
    }

    /// How many bytes of padding the `huge-body` defect streams (default 200 MiB).
    pub fn huge_body_bytes(mut self, bytes: u64) -> Self {
        self.config.huge_body_bytes = bytes;
        self
    }

    /// Largest request body accepted (default 16 MiB); larger bodies get 413.
    pub fn max_request_body(mut self, bytes: usize) -> Self {
        self.config.max_request_body = bytes;
        self
    }

    /// Serve the synthetic test population of `fixtures/` (patients, practitioners,
    /// organisations, their documents and the DocumentReferences, Binaries and SubmissionSets
    /// that publish them); off by default, on for `samsvar serve` and `run --target sim`.
    pub fn seed_fixtures(mut self, on: bool) -> Self {
        self.config.seed_fixtures = on;
        self
    }

    /// Also send every recorded AuditEvent to the audit record repository at `url` (its FHIR
    /// base): `POST {url}/AuditEvent`, in order, from a background task.
    pub fn audit_push(mut self, url: impl Into<String>) -> Self {
        self.config.audit_push = Some(AuditPush::Fhir(url.into()));
        self
    }

    /// Send them as ATNA does ([`AuditPush`]): over FHIR, or as DICOM audit messages in
    /// syslog over TLS.
    pub fn audit_push_to(mut self, push: AuditPush) -> Self {
        self.config.audit_push = Some(push);
        self
    }

    /// How long the `audit-delayed` defect holds AuditEvents back (default 60 s).
    pub fn audit_delay(mut self, delay: Duration) -> Self {
        self.config.audit_delay = delay;
        self
    }

    /// Whether to record an AuditEvent for every access (default on). Off, the simulator
    /// is a plain store of what clients send: the Audit Record Repository of [`crate::arr`].
    pub fn audit_trail(mut self, on: bool) -> Self {
        self.config.audit_trail = on;
        self
    }

    /// The active defects.
    pub fn active_defects(&self) -> DefectSet {
        DefectSet::new(&self.defects)
    }

    /// The routes of this simulator, already under [`MOUNT`], to merge with other simulators
    /// on one listener.
    pub fn router(&self) -> Router {
        self.router_and_state().0
    }

    /// The router and the state its handlers share, for a server that also writes into
    /// the store itself (the audit record repository stores what arrives over syslog).
    pub(crate) fn router_and_state(&self) -> (Router, Arc<state::FhirState>) {
        let state = Arc::new(state::FhirState::new(
            self.active_defects(),
            self.config.clone(),
        ));
        let fhir = Router::new()
            .route("/", post(operations::transaction))
            .route("/metadata", get(handlers::capability))
            .route(
                "/Patient/{id}/$summary",
                get(operations::summary).post(operations::summary),
            )
            .route("/{type}", get(handlers::search_get).post(handlers::create))
            .route("/{type}/_search", post(handlers::search_post))
            .route(
                "/{type}/{id}",
                get(handlers::read)
                    .put(handlers::update)
                    .delete(handlers::delete),
            )
            .route("/{type}/{id}/_history", get(handlers::history))
            .route("/{type}/{id}/_history/{vid}", get(handlers::vread))
            .fallback(handlers::no_route)
            .method_not_allowed_fallback(handlers::method_not_allowed);
        // Innermost: it sees the handlers' own answers, before any response defect.
        let fhir = if self.config.audit_trail {
            fhir.layer(axum::middleware::from_fn_with_state(
                state.clone(),
                audit::audit,
            ))
        } else {
            fhir
        };
        let fhir = fhir
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                operations::seed_on_first_request,
            ))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                misbehave::misbehave,
            ))
            .with_state(state.clone());
        (Router::new().nest(MOUNT, fhir), state)
    }

    /// Bind `addr` (e.g. `127.0.0.1:0`) and serve. The handle's `base_url()` is
    /// `http://HOST:PORT/fhir`.
    pub async fn start(self, addr: &str) -> Result<SimHandle, SimError> {
        serve(addr, self.router(), &[(TARGET, MOUNT)]).await
    }
}
