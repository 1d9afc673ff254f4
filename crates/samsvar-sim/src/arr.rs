//! An ATNA Audit Record Repository for one run: the FHIR side of Record Audit Event
//! [ITI-20] (`POST [base]/AuditEvent`, or a `batch`/`transaction` Bundle of them to
//! `[base]`) and its search (`GET [base]/AuditEvent?…`, as ITI-81 does it).
//!
//! It is the FHIR simulator without an audit trail of its own and without seed data: a
//! store of what the system under test sends. It accepts every AuditEvent as received,
//! compliant or not (BALP and ATNA: a repository does not reject an event for its content);
//! judging them is the suite's work, over a search of what arrived.

use crate::fhir::FhirSim;
use crate::server::{SimError, SimHandle, serve};

/// The handle's endpoint name, and the target kind it serves (`audit-repository`).
pub const TARGET: &str = "audit-repository";

/// Bind `addr` (e.g. `127.0.0.1:0`, or `0.0.0.0:4040` for a system on another host) and
/// serve the repository; its FHIR base is `handle.endpoint(TARGET)` (`http://HOST:PORT/fhir`).
pub async fn start(addr: &str) -> Result<SimHandle, SimError> {
    let router = FhirSim::builder().audit_trail(false).router();
    serve(addr, router, &[(TARGET, crate::fhir::MOUNT)]).await
}
