//! The bridge from `samsvar-keys` to jsonwebtoken, which signs the JWTs of client
//! assertions and DPoP proofs.

use crate::AuthError;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey};
use samsvar_keys::{Algorithm as KeyAlgorithm, SigningKey};

pub(crate) fn algorithm(key: &SigningKey) -> Algorithm {
    match key.algorithm() {
        KeyAlgorithm::RS256 => Algorithm::RS256,
        KeyAlgorithm::ES256 => Algorithm::ES256,
        KeyAlgorithm::EdDSA => Algorithm::EdDSA,
    }
}

/// jsonwebtoken's form of the key: PKCS#1 DER for RSA, PKCS#8 DER otherwise.
pub(crate) fn encoding_key(key: &SigningKey) -> Result<EncodingKey, AuthError> {
    if let Some(der) = key.to_rsa_pkcs1_der() {
        return der
            .map(|d| EncodingKey::from_rsa_der(&d))
            .map_err(AuthError::Sign);
    }
    let der = key.to_pkcs8_der().map_err(AuthError::Sign)?;
    Ok(match key.algorithm() {
        KeyAlgorithm::ES256 => EncodingKey::from_ec_der(&der),
        _ => EncodingKey::from_ed_der(&der),
    })
}

/// The public JWK for a JWS `jwk` header.
pub(crate) fn header_jwk(key: &SigningKey) -> Result<Jwk, AuthError> {
    serde_json::from_value(key.public_jwk()).map_err(|e| AuthError::Sign(e.to_string()))
}
