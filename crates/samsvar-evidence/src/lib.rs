//! Run records → evidence bundles: canonical JSON (RFC 8785) with a file manifest,
//! exchange bodies by digest, detached JWS signing and offline verification, the
//! append-only journal, secret scrubbing, the EHDS roll-up and declaration, and the
//! HTML and FHIR TestReport renderers. The format is specified in docs/evidence-format.md.

pub mod bundle;
pub mod certs;
pub mod declaration;
pub mod digest;
pub mod ehds;
mod error;
pub mod html;
pub mod jcs;
pub mod journal;
pub mod junit;
pub mod jws;
pub mod keys;
pub mod manifest;
pub mod model;
pub mod packages;
pub mod redact;
pub mod run_json;
pub mod testreport;
pub mod verify;

pub use bundle::{BundleOptions, BundleSummary, Signer, write_bundle};
pub use error::{EvidenceError, Result};
pub use journal::{Journal, JournalHeader, JournalSink, SuiteHeader, finalize_from_journal};
pub use keys::{Algorithm, SigningKey, VerifyingKey};
pub use model::{Evidence, SutIdentity};
pub use verify::{Trust, Verification, verify_bundle};
