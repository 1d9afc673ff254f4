//! Evidence signing keys: `samsvar-keys`' keys (the same as authentication uses),
//! restricted to the algorithms evidence is signed with, EdDSA and ES256.

use crate::error::{EvidenceError, Result};
use std::path::Path;

pub use samsvar_keys::{Algorithm, KeyError, SigningKey, VerifyingKey};

/// The algorithms an evidence signature may use; verifiers accept no other.
pub const EVIDENCE_ALGORITHMS: [Algorithm; 2] = [Algorithm::EdDSA, Algorithm::ES256];

/// Loads a key that can sign evidence (Ed25519 or P-256, PEM or JWK).
pub fn load_signing_key(path: &Path) -> Result<SigningKey> {
    let key = SigningKey::load(path).map_err(key_error)?;
    if !EVIDENCE_ALGORITHMS.contains(&key.algorithm()) {
        return Err(EvidenceError::Key {
            path: path.to_path_buf(),
            message: format!(
                "a {} key cannot sign evidence: use an Ed25519 or P-256 key (`samsvar keygen`)",
                key.algorithm().jws_name()
            ),
        });
    }
    Ok(key)
}

/// Loads a public key from an SPKI PEM (`PUBLIC KEY`) or takes the key of a PEM
/// certificate.
pub fn load_verifying_key(path: &Path) -> Result<VerifyingKey> {
    let text = std::fs::read_to_string(path).map_err(|e| EvidenceError::io("read key", path, e))?;
    let key = if text.contains("BEGIN CERTIFICATE") {
        crate::certs::parse_pem_certs(&text).and_then(|certs| match certs.first() {
            Some(first) => crate::certs::cert_public_key(first),
            None => Err("the PEM file holds no certificate".to_string()),
        })
    } else {
        VerifyingKey::from_pem(&text)
    };
    key.map_err(|message| EvidenceError::Key {
        path: path.to_path_buf(),
        message,
    })
}

fn key_error(e: KeyError) -> EvidenceError {
    match e {
        KeyError::Read { path, source } => EvidenceError::io("read key", path, source),
        KeyError::Invalid { path, reason } => EvidenceError::Key {
            path,
            message: reason,
        },
    }
}
