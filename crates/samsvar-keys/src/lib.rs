//! Signing keys, in one place for everything that signs: client assertions and DPoP
//! proofs (`samsvar-auth`) and evidence signatures (`samsvar-evidence`).
//!
//! - [`SigningKey`]: Ed25519, P-256 or RSA, from PEM (PKCS#8, SEC1, PKCS#1) or a JWK
//!   file, or generated; its `kid` is the configured one or the RFC 7638 thumbprint.
//! - [`VerifyingKey`]: the public half, from SPKI PEM/DER or a JWK.
//! - [`jwk_thumbprint`]: RFC 7638 over any public JWK.
//!
//! Raw JWS signatures (RFC 7518): Ed25519 and ES256 as 64 bytes (`r‖s`), RS256 as
//! PKCS#1 v1.5 with SHA-256.

mod algorithm;
mod jwk;
mod signing;
mod verifying;

pub use algorithm::Algorithm;
pub use jwk::jwk_thumbprint;
pub use signing::SigningKey;
pub use verifying::VerifyingKey;

use std::path::PathBuf;

/// A key file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("failed to read key file `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("failed to load key `{}`: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
}
