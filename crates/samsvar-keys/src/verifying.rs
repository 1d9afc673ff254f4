//! Public keys: loading, JWK form, thumbprints and checking signatures.

use crate::Algorithm;
use crate::jwk::{b64, jwk_thumbprint, member};
use ed25519_dalek::pkcs8::{DecodePublicKey as _, EncodePublicKey as _};
use pkcs8::LineEnding;
use serde_json::{Value, json};

/// A public key that checks JWS signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyingKey {
    Ed25519(ed25519_dalek::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
    Rsa(Box<rsa::RsaPublicKey>),
}

impl VerifyingKey {
    pub fn algorithm(&self) -> Algorithm {
        match self {
            VerifyingKey::Ed25519(_) => Algorithm::EdDSA,
            VerifyingKey::P256(_) => Algorithm::ES256,
            VerifyingKey::Rsa(_) => Algorithm::RS256,
        }
    }

    /// Reads an SPKI PEM public key (`-----BEGIN PUBLIC KEY-----`).
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_pem(pem) {
            return Ok(VerifyingKey::Ed25519(k));
        }
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_pem(pem) {
            return Ok(VerifyingKey::P256(k));
        }
        if let Ok(k) = rsa::RsaPublicKey::from_public_key_pem(pem) {
            return Ok(VerifyingKey::Rsa(Box::new(k)));
        }
        Err("not an Ed25519, P-256 or RSA public key in PEM (expected `-----BEGIN PUBLIC KEY-----`)".into())
    }

    /// Reads a DER SubjectPublicKeyInfo (as a certificate holds it).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, String> {
        if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_der(der) {
            return Ok(VerifyingKey::Ed25519(k));
        }
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_der(der) {
            return Ok(VerifyingKey::P256(k));
        }
        rsa::RsaPublicKey::from_public_key_der(der)
            .map(|k| VerifyingKey::Rsa(Box::new(k)))
            .map_err(|_| "the key is neither Ed25519, P-256 nor RSA".to_string())
    }

    pub fn to_spki_pem(&self) -> Result<String, String> {
        let pem = match self {
            VerifyingKey::Ed25519(k) => k.to_public_key_pem(LineEnding::LF),
            VerifyingKey::P256(k) => k.to_public_key_pem(LineEnding::LF),
            VerifyingKey::Rsa(k) => k.to_public_key_pem(LineEnding::LF),
        };
        pem.map_err(|e| e.to_string())
    }

    /// The public JWK with exactly the RFC 7638 required members, in lexicographic order.
    pub fn jwk(&self) -> Value {
        match self {
            VerifyingKey::Ed25519(k) => json!({
                "crv": "Ed25519",
                "kty": "OKP",
                "x": b64(k.as_bytes()),
            }),
            VerifyingKey::P256(k) => {
                let point = k.to_encoded_point(false);
                let coord = |c: Option<&p256::FieldBytes>| c.map(|b| b64(b)).unwrap_or_default();
                json!({
                    "crv": "P-256",
                    "kty": "EC",
                    "x": coord(point.x()),
                    "y": coord(point.y()),
                })
            }
            VerifyingKey::Rsa(k) => {
                use rsa::traits::PublicKeyParts as _;
                json!({
                    "e": b64(&k.e().to_bytes_be()),
                    "kty": "RSA",
                    "n": b64(&k.n().to_bytes_be()),
                })
            }
        }
    }

    /// Reads a public JWK (as embedded in a JWS header or a JWKS).
    pub fn from_jwk(jwk: &Value) -> Result<Self, String> {
        match (
            jwk.get("kty").and_then(Value::as_str),
            jwk.get("crv").and_then(Value::as_str),
        ) {
            (Some("OKP"), Some("Ed25519")) => {
                let x: [u8; 32] = member(jwk, "x")?
                    .try_into()
                    .map_err(|_| "jwk `x` is not 32 bytes".to_string())?;
                ed25519_dalek::VerifyingKey::from_bytes(&x)
                    .map(VerifyingKey::Ed25519)
                    .map_err(|e| format!("jwk is not a valid Ed25519 key: {e}"))
            }
            (Some("EC"), Some("P-256")) => {
                let mut sec1 = vec![4u8];
                sec1.extend(member(jwk, "x")?);
                sec1.extend(member(jwk, "y")?);
                p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                    .map(VerifyingKey::P256)
                    .map_err(|e| format!("jwk is not a valid P-256 key: {e}"))
            }
            (Some("RSA"), _) => {
                let big = |name: &str| member(jwk, name).map(|b| rsa::BigUint::from_bytes_be(&b));
                rsa::RsaPublicKey::new(big("n")?, big("e")?)
                    .map(|k| VerifyingKey::Rsa(Box::new(k)))
                    .map_err(|e| format!("jwk is not a valid RSA key: {e}"))
            }
            _ => Err("jwk is neither an OKP/Ed25519, an EC/P-256 nor an RSA key".into()),
        }
    }

    /// RFC 7638 JWK thumbprint (SHA-256, base64url): the default `kid`.
    pub fn thumbprint(&self) -> String {
        jwk_thumbprint(&self.jwk()).unwrap_or_default()
    }

    /// Checks a raw JWS signature over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), String> {
        use rsa::signature::Verifier as _;
        let mismatch = |_| "signature does not match".to_string();
        match self {
            VerifyingKey::Ed25519(k) => {
                let sig = ed25519_dalek::Signature::from_slice(signature)
                    .map_err(|_| "signature is not 64 bytes".to_string())?;
                k.verify_strict(message, &sig).map_err(mismatch)
            }
            VerifyingKey::P256(k) => {
                let sig = p256::ecdsa::Signature::from_slice(signature)
                    .map_err(|_| "signature is not a 64-byte ES256 signature".to_string())?;
                k.verify(message, &sig).map_err(mismatch)
            }
            VerifyingKey::Rsa(k) => {
                let sig = rsa::pkcs1v15::Signature::try_from(signature)
                    .map_err(|_| "signature is not an RS256 signature".to_string())?;
                rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(k.as_ref().clone())
                    .verify(message, &sig)
                    .map_err(mismatch)
            }
        }
    }
}
