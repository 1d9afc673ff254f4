//! Signing keys (Ed25519, P-256) in PEM: generation, loading, JWK thumbprints (RFC 7638).

use crate::error::{EvidenceError, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use pkcs8::LineEnding;
use serde_json::{Value, json};
use std::path::Path;

/// JWS algorithms samsvar signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// Ed25519 (RFC 8037).
    EdDsa,
    /// ECDSA P-256 with SHA-256.
    Es256,
}

impl Algorithm {
    pub fn jws_name(self) -> &'static str {
        match self {
            Algorithm::EdDsa => "EdDSA",
            Algorithm::Es256 => "ES256",
        }
    }

    /// Parses a CLI spelling: `ed25519`/`eddsa` or `es256`/`p256`.
    pub fn from_cli(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "ed25519" | "eddsa" => Some(Algorithm::EdDsa),
            "es256" | "p256" | "p-256" => Some(Algorithm::Es256),
            _ => None,
        }
    }

    pub fn from_jws_name(s: &str) -> Option<Self> {
        match s {
            "EdDSA" => Some(Algorithm::EdDsa),
            "ES256" => Some(Algorithm::Es256),
            _ => None,
        }
    }
}

/// A private key that signs evidence.
#[derive(Clone)]
pub enum SigningKey {
    Ed25519(ed25519_dalek::SigningKey),
    Es256(p256::ecdsa::SigningKey),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        write!(f, "SigningKey({})", self.algorithm().jws_name())
    }
}

/// A public key that checks evidence signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyingKey {
    Ed25519(ed25519_dalek::VerifyingKey),
    Es256(p256::ecdsa::VerifyingKey),
}

impl SigningKey {
    pub fn generate(alg: Algorithm) -> Self {
        let mut rng = rand_core::OsRng;
        match alg {
            Algorithm::EdDsa => SigningKey::Ed25519(ed25519_dalek::SigningKey::generate(&mut rng)),
            Algorithm::Es256 => SigningKey::Es256(p256::ecdsa::SigningKey::random(&mut rng)),
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        match self {
            SigningKey::Ed25519(_) => Algorithm::EdDsa,
            SigningKey::Es256(_) => Algorithm::Es256,
        }
    }

    /// Reads a PKCS#8 PEM private key (`PRIVATE KEY`), or a SEC1 `EC PRIVATE KEY` for P-256.
    pub fn from_pem(pem: &str) -> std::result::Result<Self, String> {
        if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_pem(pem) {
            return Ok(SigningKey::Ed25519(k));
        }
        if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_pem(pem) {
            return Ok(SigningKey::Es256(k));
        }
        if let Ok(k) = p256::SecretKey::from_sec1_pem(pem) {
            return Ok(SigningKey::Es256(p256::ecdsa::SigningKey::from(k)));
        }
        Err("not a PKCS#8 Ed25519 or P-256 private key in PEM (expected `-----BEGIN PRIVATE KEY-----`)".into())
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).map_err(|e| EvidenceError::io("read key", path, e))?;
        SigningKey::from_pem(&text).map_err(|message| EvidenceError::Key {
            path: path.to_path_buf(),
            message,
        })
    }

    pub fn to_pkcs8_pem(&self) -> std::result::Result<String, String> {
        let pem = match self {
            SigningKey::Ed25519(k) => k.to_pkcs8_pem(LineEnding::LF),
            SigningKey::Es256(k) => k.to_pkcs8_pem(LineEnding::LF),
        };
        pem.map(|z| z.to_string()).map_err(|e| e.to_string())
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        match self {
            SigningKey::Ed25519(k) => VerifyingKey::Ed25519(k.verifying_key()),
            SigningKey::Es256(k) => VerifyingKey::Es256(*k.verifying_key()),
        }
    }

    /// Raw JWS signature bytes (64 bytes for both algorithms; ES256 as r‖s).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        use ed25519_dalek::Signer;
        match self {
            SigningKey::Ed25519(k) => k.sign(message).to_bytes().to_vec(),
            SigningKey::Es256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(message);
                sig.to_bytes().to_vec()
            }
        }
    }
}

impl VerifyingKey {
    pub fn algorithm(&self) -> Algorithm {
        match self {
            VerifyingKey::Ed25519(_) => Algorithm::EdDsa,
            VerifyingKey::Es256(_) => Algorithm::Es256,
        }
    }

    /// Reads an SPKI PEM public key (`PUBLIC KEY`) or takes the key of a PEM certificate.
    pub fn from_pem(pem: &str) -> std::result::Result<Self, String> {
        if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_pem(pem) {
            return Ok(VerifyingKey::Ed25519(k));
        }
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_pem(pem) {
            return Ok(VerifyingKey::Es256(k));
        }
        if pem.contains("BEGIN CERTIFICATE") {
            let certs = crate::certs::parse_pem_certs(pem)?;
            if let Some(first) = certs.first() {
                return crate::certs::cert_public_key(first);
            }
        }
        Err(
            "not an Ed25519 or P-256 public key in PEM (expected `-----BEGIN PUBLIC KEY-----`)"
                .into(),
        )
    }

    pub fn from_spki_der(der: &[u8]) -> std::result::Result<Self, String> {
        if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_der(der) {
            return Ok(VerifyingKey::Ed25519(k));
        }
        p256::ecdsa::VerifyingKey::from_public_key_der(der)
            .map(VerifyingKey::Es256)
            .map_err(|_| "the certificate's key is neither Ed25519 nor P-256".to_string())
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).map_err(|e| EvidenceError::io("read key", path, e))?;
        VerifyingKey::from_pem(&text).map_err(|message| EvidenceError::Key {
            path: path.to_path_buf(),
            message,
        })
    }

    pub fn to_spki_pem(&self) -> std::result::Result<String, String> {
        let pem = match self {
            VerifyingKey::Ed25519(k) => k.to_public_key_pem(LineEnding::LF),
            VerifyingKey::Es256(k) => k.to_public_key_pem(LineEnding::LF),
        };
        pem.map_err(|e| e.to_string())
    }

    /// The public JWK with exactly the RFC 7638 required members.
    pub fn jwk(&self) -> Value {
        match self {
            VerifyingKey::Ed25519(k) => json!({
                "crv": "Ed25519",
                "kty": "OKP",
                "x": URL_SAFE_NO_PAD.encode(k.as_bytes()),
            }),
            VerifyingKey::Es256(k) => {
                let point = k.to_encoded_point(false);
                let coord = |c: Option<&p256::FieldBytes>| {
                    c.map(|b| URL_SAFE_NO_PAD.encode(b)).unwrap_or_default()
                };
                json!({
                    "crv": "P-256",
                    "kty": "EC",
                    "x": coord(point.x()),
                    "y": coord(point.y()),
                })
            }
        }
    }

    /// Reads a public JWK (as embedded in a JWS header).
    pub fn from_jwk(jwk: &Value) -> std::result::Result<Self, String> {
        let member = |name: &str| -> std::result::Result<Vec<u8>, String> {
            let text = jwk
                .get(name)
                .and_then(Value::as_str)
                .ok_or(format!("jwk has no `{name}`"))?;
            URL_SAFE_NO_PAD
                .decode(text)
                .map_err(|e| format!("jwk `{name}` is not base64url: {e}"))
        };
        match (
            jwk.get("kty").and_then(Value::as_str),
            jwk.get("crv").and_then(Value::as_str),
        ) {
            (Some("OKP"), Some("Ed25519")) => {
                let x: [u8; 32] = member("x")?
                    .try_into()
                    .map_err(|_| "jwk `x` is not 32 bytes".to_string())?;
                ed25519_dalek::VerifyingKey::from_bytes(&x)
                    .map(VerifyingKey::Ed25519)
                    .map_err(|e| format!("jwk is not a valid Ed25519 key: {e}"))
            }
            (Some("EC"), Some("P-256")) => {
                let mut sec1 = vec![4u8];
                sec1.extend(member("x")?);
                sec1.extend(member("y")?);
                p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                    .map(VerifyingKey::Es256)
                    .map_err(|e| format!("jwk is not a valid P-256 key: {e}"))
            }
            _ => Err("jwk is neither an OKP/Ed25519 nor an EC/P-256 key".into()),
        }
    }

    /// RFC 7638 JWK thumbprint (SHA-256, base64url): the `kid`.
    pub fn thumbprint(&self) -> String {
        use sha2::{Digest, Sha256};
        // serde_json's preserve_order keeps the lexicographic order written in `jwk()`,
        // but canonicalize anyway so the thumbprint never depends on that detail.
        let canonical = crate::jcs::to_canonical_vec(&self.jwk()).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical))
    }

    /// Checks a raw JWS signature over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> std::result::Result<(), String> {
        match self {
            VerifyingKey::Ed25519(k) => {
                let sig = ed25519_dalek::Signature::from_slice(signature)
                    .map_err(|_| "signature is not 64 bytes".to_string())?;
                k.verify_strict(message, &sig)
                    .map_err(|_| "signature does not match".to_string())
            }
            VerifyingKey::Es256(k) => {
                use p256::ecdsa::signature::Verifier;
                let sig = p256::ecdsa::Signature::from_slice(signature)
                    .map_err(|_| "signature is not a 64-byte ES256 signature".to_string())?;
                k.verify(message, &sig)
                    .map_err(|_| "signature does not match".to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8037 appendix A.3: thumbprint of the example Ed25519 key.
    #[test]
    fn rfc8037_ed25519_thumbprint() {
        let x = URL_SAFE_NO_PAD
            .decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
            .unwrap();
        let key = VerifyingKey::Ed25519(
            ed25519_dalek::VerifyingKey::from_bytes(&x.try_into().unwrap()).unwrap(),
        );
        assert_eq!(
            key.thumbprint(),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn pem_round_trip_and_sign_verify_both_algorithms() {
        for alg in [Algorithm::EdDsa, Algorithm::Es256] {
            let key = SigningKey::generate(alg);
            let pem = key.to_pkcs8_pem().unwrap();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
            let again = SigningKey::from_pem(&pem).unwrap();
            assert_eq!(again.algorithm(), alg);
            let public =
                VerifyingKey::from_pem(&key.verifying_key().to_spki_pem().unwrap()).unwrap();
            assert_eq!(public, key.verifying_key());
            let sig = again.sign(b"payload");
            assert_eq!(sig.len(), 64);
            public.verify(b"payload", &sig).unwrap();
            assert!(public.verify(b"payloaD", &sig).is_err());
            assert_eq!(VerifyingKey::from_jwk(&public.jwk()).unwrap(), public);
        }
        assert!(SigningKey::from_pem("garbage").is_err());
    }
}
