//! Signing keys for client assertions and DPoP proofs, loaded from PEM or JWK files
//! or generated for a run.

use crate::AuthError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey};
use rsa::pkcs1::{DecodeRsaPrivateKey as _, EncodeRsaPrivateKey as _};
use rsa::traits::PublicKeyParts as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::Path;

/// JWS algorithms samsvar signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub enum KeyAlgorithm {
    RS256,
    ES256,
    EdDSA,
}

impl KeyAlgorithm {
    pub fn jws(self) -> Algorithm {
        match self {
            KeyAlgorithm::RS256 => Algorithm::RS256,
            KeyAlgorithm::ES256 => Algorithm::ES256,
            KeyAlgorithm::EdDSA => Algorithm::EdDSA,
        }
    }
}

/// A private key ready to sign JWTs, with its public JWK and key id.
#[derive(Clone)]
pub struct SigningKey {
    pub alg: KeyAlgorithm,
    encoding: EncodingKey,
    /// The public key as a JWK (no private members).
    pub public_jwk: Value,
    /// `kid`: the configured one, or the RFC 7638 thumbprint of the public key.
    pub kid: String,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish()
    }
}

impl SigningKey {
    /// Loads a private key from a PEM (PKCS#8, SEC1 or PKCS#1) or JWK file.
    pub fn load(path: &Path, kid: Option<&str>) -> Result<Self, AuthError> {
        let text = std::fs::read_to_string(path).map_err(|source| AuthError::KeyFile {
            path: path.to_path_buf(),
            source,
        })?;
        let bad = |reason: String| AuthError::BadKey {
            path: path.to_path_buf(),
            reason,
        };
        let key = if text.trim_start().starts_with('{') {
            let jwk: Value =
                serde_json::from_str(&text).map_err(|e| bad(format!("not a JWK: {e}")))?;
            let kid = kid.or_else(|| jwk.get("kid").and_then(Value::as_str));
            Self::from_private_jwk(&jwk, kid).map_err(bad)?
        } else {
            Self::from_pem(&text, kid).map_err(bad)?
        };
        Ok(key)
    }

    /// Parses a PEM private key, detecting its type.
    pub fn from_pem(pem: &str, kid: Option<&str>) -> Result<Self, String> {
        if pem.contains("BEGIN RSA PRIVATE KEY") {
            let key = rsa::RsaPrivateKey::from_pkcs1_pem(pem).map_err(|e| e.to_string())?;
            return Self::from_rsa(key, kid);
        }
        if pem.contains("BEGIN EC PRIVATE KEY") {
            let key = p256::SecretKey::from_sec1_pem(pem)
                .map_err(|e| format!("{e} (only P-256 is supported)"))?;
            return Self::from_p256(key, kid);
        }
        if !pem.contains("BEGIN PRIVATE KEY") {
            return Err("expected a PEM private key (PKCS#8 `PRIVATE KEY`, `EC PRIVATE KEY` or `RSA PRIVATE KEY`)".into());
        }
        if let Ok(key) = p256::SecretKey::from_pkcs8_pem(pem) {
            return Self::from_p256(key, kid);
        }
        if let Ok(key) = ed25519_dalek::SigningKey::from_pkcs8_pem(pem) {
            return Self::from_ed25519(key, kid);
        }
        if let Ok(key) = <rsa::RsaPrivateKey as rsa::pkcs8::DecodePrivateKey>::from_pkcs8_pem(pem) {
            return Self::from_rsa(key, kid);
        }
        Err("unsupported PKCS#8 key: expected RSA, EC P-256 or Ed25519".into())
    }

    /// Builds a key from a private JWK (`kty` RSA, EC with `crv` P-256, or OKP Ed25519).
    pub fn from_private_jwk(jwk: &Value, kid: Option<&str>) -> Result<Self, String> {
        let member = |name: &str| -> Result<Vec<u8>, String> {
            let text = jwk
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("JWK has no `{name}`"))?;
            URL_SAFE_NO_PAD
                .decode(text)
                .map_err(|e| format!("JWK member `{name}` is not base64url: {e}"))
        };
        match jwk.get("kty").and_then(Value::as_str) {
            Some("EC") => {
                if jwk.get("crv").and_then(Value::as_str) != Some("P-256") {
                    return Err("only EC keys on curve P-256 are supported".into());
                }
                let key = p256::SecretKey::from_slice(&member("d")?).map_err(|e| e.to_string())?;
                Self::from_p256(key, kid)
            }
            Some("OKP") => {
                let d: [u8; 32] = member("d")?
                    .try_into()
                    .map_err(|_| "Ed25519 `d` must be 32 bytes".to_string())?;
                Self::from_ed25519(ed25519_dalek::SigningKey::from_bytes(&d), kid)
            }
            Some("RSA") => {
                let big = |name: &str| member(name).map(|b| rsa::BigUint::from_bytes_be(&b));
                let key = rsa::RsaPrivateKey::from_components(
                    big("n")?,
                    big("e")?,
                    big("d")?,
                    vec![big("p")?, big("q")?],
                )
                .map_err(|e| e.to_string())?;
                Self::from_rsa(key, kid)
            }
            other => Err(format!(
                "unsupported JWK kty {other:?}: expected RSA, EC or OKP"
            )),
        }
    }

    /// A fresh key for this run (DPoP proofs use one unless configured otherwise).
    pub fn generate(alg: KeyAlgorithm) -> Result<Self, String> {
        match alg {
            KeyAlgorithm::ES256 => {
                Self::from_p256(p256::SecretKey::random(&mut rand_core::OsRng), None)
            }
            KeyAlgorithm::EdDSA => Self::from_ed25519(
                ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng),
                None,
            ),
            KeyAlgorithm::RS256 => {
                let key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048)
                    .map_err(|e| e.to_string())?;
                Self::from_rsa(key, None)
            }
        }
    }

    fn from_p256(key: p256::SecretKey, kid: Option<&str>) -> Result<Self, String> {
        let der = key.to_pkcs8_der().map_err(|e| e.to_string())?;
        let point =
            p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&key.public_key(), false);
        let (Some(x), Some(y)) = (point.x(), point.y()) else {
            return Err("invalid P-256 public key".into());
        };
        let jwk = json!({"kty": "EC", "crv": "P-256", "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y)});
        Ok(Self::assemble(
            KeyAlgorithm::ES256,
            EncodingKey::from_ec_der(der.as_bytes()),
            jwk,
            kid,
        ))
    }

    fn from_ed25519(key: ed25519_dalek::SigningKey, kid: Option<&str>) -> Result<Self, String> {
        let der = key.to_pkcs8_der().map_err(|e| e.to_string())?;
        let x = URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes());
        let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": x});
        Ok(Self::assemble(
            KeyAlgorithm::EdDSA,
            EncodingKey::from_ed_der(der.as_bytes()),
            jwk,
            kid,
        ))
    }

    fn from_rsa(key: rsa::RsaPrivateKey, kid: Option<&str>) -> Result<Self, String> {
        let der = key.to_pkcs1_der().map_err(|e| e.to_string())?;
        let jwk = json!({
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
        });
        Ok(Self::assemble(
            KeyAlgorithm::RS256,
            EncodingKey::from_rsa_der(der.as_bytes()),
            jwk,
            kid,
        ))
    }

    fn assemble(
        alg: KeyAlgorithm,
        encoding: EncodingKey,
        mut jwk: Value,
        kid: Option<&str>,
    ) -> Self {
        let kid = kid.map_or_else(|| jwk_thumbprint(&jwk).unwrap_or_default(), str::to_string);
        if let Some(obj) = jwk.as_object_mut() {
            obj.insert("kid".into(), json!(kid));
            obj.insert("alg".into(), json!(format!("{alg:?}")));
            obj.insert("use".into(), json!("sig"));
        }
        Self {
            alg,
            encoding,
            public_jwk: jwk,
            kid,
        }
    }

    /// The public JWK as jsonwebtoken's type (for JWS `jwk` headers).
    pub fn public_jwk_typed(&self) -> Result<Jwk, AuthError> {
        serde_json::from_value(self.public_jwk.clone()).map_err(|e| AuthError::Sign(e.to_string()))
    }

    pub(crate) fn encoding_key(&self) -> &EncodingKey {
        &self.encoding
    }

    /// `{"keys": [public JWK]}`, for registering the client at an authorization server.
    pub fn jwks(&self) -> Value {
        json!({"keys": [self.public_jwk]})
    }
}

/// RFC 7638 JWK thumbprint (SHA-256, base64url) over the required public members.
/// Returns `None` for a JWK that lacks them, instead of panicking on hostile input.
pub fn jwk_thumbprint(jwk: &Value) -> Option<String> {
    let s = |k: &str| jwk.get(k).and_then(Value::as_str);
    // Members in lexicographic order, no whitespace, as RFC 7638 §3.2 requires.
    let canonical = match s("kty")? {
        "EC" => format!(
            r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
            s("crv")?,
            s("x")?,
            s("y")?
        ),
        "OKP" => format!(r#"{{"crv":"{}","kty":"OKP","x":"{}"}}"#, s("crv")?, s("x")?),
        "RSA" => format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, s("e")?, s("n")?),
        _ => return None,
    };
    Some(URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7638_example_thumbprint() {
        // The RSA key of RFC 7638 §3.1 and its published thumbprint.
        let jwk = json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        });
        assert_eq!(
            jwk_thumbprint(&jwk).as_deref(),
            Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        );
        assert_eq!(jwk_thumbprint(&json!({"kty": "EC", "crv": "P-256"})), None);
    }

    #[test]
    fn generated_keys_round_trip_through_pem_and_jwk() {
        for alg in [KeyAlgorithm::ES256, KeyAlgorithm::EdDSA] {
            let key = SigningKey::generate(alg).unwrap();
            assert_eq!(key.alg, alg);
            assert_eq!(key.kid, jwk_thumbprint(&key.public_jwk).unwrap());
            key.public_jwk_typed().unwrap();
        }
    }

    #[test]
    fn rejects_garbage_with_a_reason() {
        let err = SigningKey::from_pem(
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
            None,
        )
        .unwrap_err();
        assert!(err.contains("expected a PEM private key"), "{err}");
        let err =
            SigningKey::from_private_jwk(&json!({"kty": "oct", "k": "AA"}), None).unwrap_err();
        assert!(err.contains("unsupported JWK kty"), "{err}");
    }
}
