//! Private keys: loading, generating, exporting and signing.

use crate::jwk::member;
use crate::{Algorithm, KeyError, VerifyingKey};
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use pkcs8::LineEnding;
use rsa::pkcs1::{DecodeRsaPrivateKey as _, EncodeRsaPrivateKey as _};
use serde_json::{Value, json};
use std::path::Path;

/// A private key that signs JWS: client assertions, DPoP proofs, evidence.
#[derive(Clone)]
pub struct SigningKey {
    key: Private,
    /// The configured key id, or the RFC 7638 thumbprint of the public key.
    kid: String,
}

#[derive(Clone)]
enum Private {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
    Rsa(Box<rsa::RsaPrivateKey>),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("SigningKey")
            .field("alg", &self.algorithm())
            .field("kid", &self.kid)
            .finish()
    }
}

impl SigningKey {
    fn from_private(key: Private) -> Self {
        let mut k = SigningKey {
            key,
            kid: String::new(),
        };
        k.kid = k.verifying_key().thumbprint();
        k
    }

    /// Uses `kid` as the key id instead of the thumbprint (`None` keeps it).
    pub fn with_kid(mut self, kid: Option<&str>) -> Self {
        if let Some(kid) = kid {
            self.kid = kid.to_string();
        }
        self
    }

    /// A fresh key.
    pub fn generate(alg: Algorithm) -> Result<Self, String> {
        let mut rng = rand_core::OsRng;
        let key = match alg {
            Algorithm::EdDSA => Private::Ed25519(ed25519_dalek::SigningKey::generate(&mut rng)),
            Algorithm::ES256 => Private::P256(p256::ecdsa::SigningKey::random(&mut rng)),
            Algorithm::RS256 => Private::Rsa(Box::new(
                rsa::RsaPrivateKey::new(&mut rng, 2048).map_err(|e| e.to_string())?,
            )),
        };
        Ok(Self::from_private(key))
    }

    /// Loads a private key from a PEM or a JWK file (told apart by content).
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let invalid = |reason: String| KeyError::Invalid {
            path: path.to_path_buf(),
            reason,
        };
        if text.trim_start().starts_with('{') {
            let jwk: Value =
                serde_json::from_str(&text).map_err(|e| invalid(format!("not a JWK: {e}")))?;
            Self::from_jwk(&jwk).map_err(invalid)
        } else {
            Self::from_pem(&text).map_err(invalid)
        }
    }

    /// Parses a PEM private key: PKCS#8 (Ed25519, P-256, RSA), SEC1 P-256 or PKCS#1 RSA.
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        if pem.contains("BEGIN RSA PRIVATE KEY") {
            let key = rsa::RsaPrivateKey::from_pkcs1_pem(pem).map_err(|e| e.to_string())?;
            return Ok(Self::from_private(Private::Rsa(Box::new(key))));
        }
        if pem.contains("BEGIN EC PRIVATE KEY") {
            let key = p256::SecretKey::from_sec1_pem(pem)
                .map_err(|e| format!("{e} (only P-256 is supported)"))?;
            return Ok(Self::from_private(Private::P256(key.into())));
        }
        if !pem.contains("BEGIN PRIVATE KEY") {
            return Err("expected a PEM private key (PKCS#8 `PRIVATE KEY`, `EC PRIVATE KEY` or `RSA PRIVATE KEY`)".into());
        }
        if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_pem(pem) {
            return Ok(Self::from_private(Private::Ed25519(k)));
        }
        if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_pem(pem) {
            return Ok(Self::from_private(Private::P256(k)));
        }
        if let Ok(k) = <rsa::RsaPrivateKey as rsa::pkcs8::DecodePrivateKey>::from_pkcs8_pem(pem) {
            return Ok(Self::from_private(Private::Rsa(Box::new(k))));
        }
        Err("unsupported PKCS#8 key: expected RSA, EC P-256 or Ed25519".into())
    }

    /// Builds a key from a private JWK (`kty` RSA, EC with `crv` P-256, or OKP Ed25519);
    /// its `kid` member, when present, is the key id.
    pub fn from_jwk(jwk: &Value) -> Result<Self, String> {
        let key = match jwk.get("kty").and_then(Value::as_str) {
            Some("EC") => {
                if jwk.get("crv").and_then(Value::as_str) != Some("P-256") {
                    return Err("only EC keys on curve P-256 are supported".into());
                }
                let d =
                    p256::SecretKey::from_slice(&member(jwk, "d")?).map_err(|e| e.to_string())?;
                Private::P256(d.into())
            }
            Some("OKP") => {
                if jwk.get("crv").and_then(Value::as_str) != Some("Ed25519") {
                    return Err("only OKP keys on curve Ed25519 are supported".into());
                }
                let d: [u8; 32] = member(jwk, "d")?
                    .try_into()
                    .map_err(|_| "Ed25519 `d` must be 32 bytes".to_string())?;
                Private::Ed25519(ed25519_dalek::SigningKey::from_bytes(&d))
            }
            Some("RSA") => {
                let big = |name: &str| member(jwk, name).map(|b| rsa::BigUint::from_bytes_be(&b));
                let key = rsa::RsaPrivateKey::from_components(
                    big("n")?,
                    big("e")?,
                    big("d")?,
                    vec![big("p")?, big("q")?],
                )
                .map_err(|e| e.to_string())?;
                Private::Rsa(Box::new(key))
            }
            other => {
                return Err(format!(
                    "unsupported JWK kty {other:?}: expected RSA, EC or OKP"
                ));
            }
        };
        let kid = jwk.get("kid").and_then(Value::as_str);
        Ok(Self::from_private(key).with_kid(kid))
    }

    pub fn algorithm(&self) -> Algorithm {
        match self.key {
            Private::Ed25519(_) => Algorithm::EdDSA,
            Private::P256(_) => Algorithm::ES256,
            Private::Rsa(_) => Algorithm::RS256,
        }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        match &self.key {
            Private::Ed25519(k) => VerifyingKey::Ed25519(k.verifying_key()),
            Private::P256(k) => VerifyingKey::P256(*k.verifying_key()),
            Private::Rsa(k) => VerifyingKey::Rsa(Box::new(k.to_public_key())),
        }
    }

    /// The public key as a JWK with `kid`, `alg` and `use`, for JWKS documents and
    /// JWS `jwk` headers.
    pub fn public_jwk(&self) -> Value {
        let mut jwk = self.verifying_key().jwk();
        if let Some(obj) = jwk.as_object_mut() {
            obj.insert("kid".into(), json!(self.kid));
            obj.insert("alg".into(), json!(self.algorithm().jws_name()));
            obj.insert("use".into(), json!("sig"));
        }
        jwk
    }

    /// `{"keys": [public JWK]}`, for registering a client at an authorization server.
    pub fn jwks(&self) -> Value {
        json!({"keys": [self.public_jwk()]})
    }

    /// The key as PKCS#8 DER.
    pub fn to_pkcs8_der(&self) -> Result<Vec<u8>, String> {
        let der = match &self.key {
            Private::Ed25519(k) => k.to_pkcs8_der(),
            Private::P256(k) => k.to_pkcs8_der(),
            Private::Rsa(k) => rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(k.as_ref()),
        };
        der.map(|d| d.as_bytes().to_vec())
            .map_err(|e| e.to_string())
    }

    /// An RSA key as PKCS#1 DER (`None` for other keys).
    pub fn to_rsa_pkcs1_der(&self) -> Option<Result<Vec<u8>, String>> {
        match &self.key {
            Private::Rsa(k) => Some(
                k.to_pkcs1_der()
                    .map(|d| d.as_bytes().to_vec())
                    .map_err(|e| e.to_string()),
            ),
            _ => None,
        }
    }

    /// The key as a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn to_pkcs8_pem(&self) -> Result<String, String> {
        let pem = match &self.key {
            Private::Ed25519(k) => k.to_pkcs8_pem(LineEnding::LF),
            Private::P256(k) => k.to_pkcs8_pem(LineEnding::LF),
            Private::Rsa(k) => {
                rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(k.as_ref(), LineEnding::LF)
            }
        };
        pem.map(|z| z.to_string()).map_err(|e| e.to_string())
    }

    /// The raw JWS signature of `message` (RFC 7518): 64 bytes for EdDSA and ES256
    /// (`r‖s`), the modulus length for RS256.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        use rsa::signature::{SignatureEncoding as _, Signer as _};
        match &self.key {
            Private::Ed25519(k) => k
                .try_sign(message)
                .map(|s| s.to_bytes().to_vec())
                .map_err(|e| e.to_string()),
            Private::P256(k) => {
                let sig: Result<p256::ecdsa::Signature, _> = k.try_sign(message);
                sig.map(|s| s.to_bytes().to_vec())
                    .map_err(|e| e.to_string())
            }
            Private::Rsa(k) => {
                let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(k.as_ref().clone());
                signer
                    .try_sign(message)
                    .map(|s| s.to_vec())
                    .map_err(|e| e.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_round_trip_and_sign_for_every_algorithm() {
        for alg in [Algorithm::EdDSA, Algorithm::ES256, Algorithm::RS256] {
            let key = SigningKey::generate(alg).unwrap();
            assert_eq!(key.algorithm(), alg);
            assert_eq!(key.kid(), key.verifying_key().thumbprint());
            let pem = key.to_pkcs8_pem().unwrap();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
            let again = SigningKey::from_pem(&pem).unwrap();
            assert_eq!(again.verifying_key(), key.verifying_key());
            let public = key.verifying_key();
            let spki = VerifyingKey::from_pem(&public.to_spki_pem().unwrap()).unwrap();
            assert_eq!(spki, public);
            assert_eq!(VerifyingKey::from_jwk(&public.jwk()).unwrap(), public);
            let sig = again.sign(b"payload").unwrap();
            public.verify(b"payload", &sig).unwrap();
            assert!(public.verify(b"payloaD", &sig).is_err());
            assert_eq!(key.public_jwk()["kid"], key.kid());
        }
    }

    #[test]
    fn rejects_garbage_with_a_reason() {
        let err =
            SigningKey::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")
                .unwrap_err();
        assert!(err.contains("expected a PEM private key"), "{err}");
        let err = SigningKey::from_jwk(&json!({"kty": "oct", "k": "AA"})).unwrap_err();
        assert!(err.contains("unsupported JWK kty"), "{err}");
    }

    #[test]
    fn a_jwk_kid_is_kept() {
        let key = SigningKey::generate(Algorithm::ES256).unwrap();
        let p = match &key.key {
            Private::P256(k) => k.clone(),
            _ => unreachable!(),
        };
        let d = crate::jwk::b64(&p.to_bytes());
        let mut jwk = key.verifying_key().jwk();
        jwk["d"] = json!(d);
        jwk["kid"] = json!("helseid-1");
        let loaded = SigningKey::from_jwk(&jwk).unwrap();
        assert_eq!(loaded.kid(), "helseid-1");
        assert_eq!(loaded.verifying_key(), key.verifying_key());
    }
}
