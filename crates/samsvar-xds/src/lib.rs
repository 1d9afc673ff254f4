//! IHE XDS.b: SOAP 1.2, MTOM/XOP, ITI-41/18/43, ebRIM metadata validation.
//!
//! - [`xml`]: safe parsing (no DTDs, limits) into a small element tree, and writing.
//! - [`soap`] and [`mtom`]: envelopes with WS-Addressing, faults, multipart/related.
//! - [`ebrim`]: the registry object model; [`submission`]: declarative ITI-41 input.
//! - [`iti41`], [`iti18`], [`iti43`]: transaction bodies; [`client`]: sending them.
//! - [`validate`]: metadata rules with stable ids (`validate_submission`).

pub mod client;
pub mod document;
pub mod ebrim;
pub mod error;
pub mod iti18;
pub mod iti41;
pub mod iti43;
pub mod mtom;
pub mod ns;
pub mod soap;
pub mod submission;
pub mod validate;
pub mod vocab;
pub mod xml;

pub use error::{XdsError, XmlError};
pub use validate::{Diagnostic, Mode, Severity, render_json, render_text, validate_submission};
pub use xml::XmlLimits;

/// Limits for talking to an untrusted SUT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XdsLimits {
    pub timeout_ms: u64,
    /// Maximum HTTP response body (all MIME parts) in bytes.
    pub max_response_bytes: usize,
    pub xml: XmlLimits,
}

impl Default for XdsLimits {
    fn default() -> Self {
        XdsLimits {
            timeout_ms: 30_000,
            max_response_bytes: 64 * 1024 * 1024,
            xml: XmlLimits::default(),
        }
    }
}
