//! Run records → evidence bundles: canonical JSON (RFC 8785) with a file manifest,
//! exchange bodies by digest, detached JWS signing and offline verification, the
//! append-only journal of events, the EHDS roll-up and declaration, and the bundle's
//! own renderers (report.html, FHIR TestReport). The format is specified in
//! docs/evidence-format.md.
//!
//! It depends on `samsvar-record` for the record, the fold and the redactor, and on
//! `samsvar-keys` for signing keys: never on the runner or the HTTP stack, so that
//! `samsvar verify` stays small. Renderers of the run record alone (terminal, run.json,
//! JUnit) live in `samsvar-report`.

pub mod bundle;
pub mod certs;
pub mod declaration;
pub mod digest;
pub mod ehds;
mod error;
pub mod html;
pub mod jcs;
pub mod journal;
pub mod jws;
pub mod keys;
pub mod manifest;
pub mod model;
pub mod packages;
pub mod testreport;
pub mod verify;

pub use bundle::{BundleOptions, BundleSummary, Signer, write_bundle};
pub use error::{EvidenceError, Result};
pub use journal::{Journal, JournalHeader, JournalSink, finalize_from_journal};
pub use keys::{Algorithm, SigningKey, VerifyingKey, load_signing_key, load_verifying_key};
pub use model::{Evidence, SutIdentity};
pub use verify::{Trust, Verification, verify_bundle};
