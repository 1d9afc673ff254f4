//! The reference XDS.b registry and repository: ITI-41 (Provide and Register), ITI-18
//! (Registry Stored Query) and ITI-43 (Retrieve Document Set) over SOAP 1.2 / MTOM,
//! validating submissions with the same rules as `samsvar validate`, with switchable defects.
//!
//! Endpoints under one listener: `/xds/repository` (ITI-41, ITI-43) and `/xds/registry`
//! (ITI-18). Target names: `xds-repository`, `xds-registry`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), samsvar_sim::SimError> {
//! use samsvar_sim::xds::{Defect, XdsSim};
//! let sim = XdsSim::builder().defects(&[Defect::WrongHash]).start("127.0.0.1:0").await?;
//! println!("{}", sim.endpoint("xds-repository").unwrap_or_default());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod defect;
mod handlers;
mod query;
mod store;

pub use defect::{Defect, UnknownDefect};

use crate::server::{SimError, SimHandle, serve};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::post;
use std::sync::Arc;

pub const REPOSITORY_PATH: &str = "/xds/repository";
pub const REGISTRY_PATH: &str = "/xds/registry";
pub const REPOSITORY_TARGET: &str = "xds-repository";
pub const REGISTRY_TARGET: &str = "xds-registry";

/// (target, path) of every XDS endpoint, for the shared listener.
pub const MOUNTS: [(&str, &str); 2] = [
    (REPOSITORY_TARGET, REPOSITORY_PATH),
    (REGISTRY_TARGET, REGISTRY_PATH),
];

/// Patient ids the simulator's registry knows by default: Norwegian fødselsnummer
/// (OID 2.16.578.1.12.4.1.4.1) and generic test ids.
pub const DEFAULT_KNOWN_PATIENTS: &[&str] = &[
    "12345678901^^^&2.16.578.1.12.4.1.4.1&ISO",
    "01017012345^^^&2.16.578.1.12.4.1.4.1&ISO",
    "IHEBLUE-2599^^^&1.3.6.1.4.1.21367.13.20.3000&ISO",
    "PAT-0001^^^&1.2.3.4.5.6&ISO",
];

/// The repositoryUniqueId of the simulated repository.
pub const DEFAULT_REPOSITORY_UNIQUE_ID: &str = "1.3.6.1.4.1.21367.2017.2.3.1";

pub struct XdsSim;

impl XdsSim {
    pub fn builder() -> XdsSimBuilder {
        XdsSimBuilder::default()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct XdsConfig {
    pub known_patients: Vec<String>,
    pub repository_unique_id: String,
    pub max_request_body: usize,
}

#[derive(Debug)]
pub(crate) struct XdsState {
    pub defects: Vec<Defect>,
    pub config: XdsConfig,
    pub store: store::Store,
}

#[derive(Debug, Clone)]
pub struct XdsSimBuilder {
    defects: Vec<Defect>,
    config: XdsConfig,
}

impl Default for XdsSimBuilder {
    fn default() -> Self {
        XdsSimBuilder {
            defects: Vec::new(),
            config: XdsConfig {
                known_patients: DEFAULT_KNOWN_PATIENTS
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                repository_unique_id: DEFAULT_REPOSITORY_UNIQUE_ID.to_string(),
                max_request_body: 64 * 1024 * 1024,
            },
        }
    }
}

impl XdsSimBuilder {
    pub fn defects(mut self, defects: &[Defect]) -> Self {
        self.defects.extend_from_slice(defects);
        self
    }

    /// Replace the set of known patient ids (CX, `id^^^&OID&ISO`).
    pub fn known_patients(mut self, ids: &[&str]) -> Self {
        self.config.known_patients = ids.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn repository_unique_id(mut self, id: &str) -> Self {
        self.config.repository_unique_id = id.to_string();
        self
    }

    /// The routes of this simulator (already under `/xds/…`), to merge with other simulators.
    pub fn router(&self) -> Router {
        let state = Arc::new(XdsState {
            defects: self.defects.clone(),
            config: self.config.clone(),
            store: store::Store::default(),
        });
        Router::new()
            .route(REPOSITORY_PATH, post(handlers::repository))
            .route(REGISTRY_PATH, post(handlers::registry))
            .layer(DefaultBodyLimit::max(self.config.max_request_body))
            .with_state(state)
    }

    /// Bind `addr` and serve; `endpoint("xds-repository")` / `endpoint("xds-registry")` on
    /// the handle give the URLs.
    pub async fn start(self, addr: &str) -> Result<SimHandle, SimError> {
        serve(addr, self.router(), &MOUNTS).await
    }
}
