//! The state every FHIR simulator handler shares: the store, the switched-on defects, the
//! configuration and when the simulator started. Its own file, so that handlers and
//! operations both depend on it rather than on each other.

use super::FhirConfig;
use super::defect::{Defect, DefectSet};
use super::store::Store;
use time::OffsetDateTime;

/// Everything a handler needs, shared by all requests.
#[derive(Debug)]
pub struct FhirState {
    pub store: Store,
    pub defects: DefectSet,
    pub config: FhirConfig,
    pub started: OffsetDateTime,
    /// Set once the fixtures are loaded (see `seed_fixtures`).
    pub seeded: std::sync::Once,
    /// Where AuditEvents go besides the store (the push queue), see `audit`.
    pub audit: super::audit::Recorder,
}

impl FhirState {
    pub fn new(defects: DefectSet, config: FhirConfig) -> Self {
        Self {
            store: Store::new(),
            defects,
            started: OffsetDateTime::now_utc(),
            seeded: std::sync::Once::new(),
            audit: super::audit::Recorder::new(config.audit_push.clone()),
            config,
        }
    }

    pub(crate) fn has(&self, d: Defect) -> bool {
        self.defects.has(d)
    }
}
