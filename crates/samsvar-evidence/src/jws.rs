//! Detached JWS (RFC 7515 compact serialization with the payload left out:
//! `BASE64URL(header)..BASE64URL(signature)`), over the canonical `evidence.json` bytes.

use crate::keys::{Algorithm, EVIDENCE_ALGORITHMS, SigningKey, VerifyingKey};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The protected header samsvar writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JwsHeader {
    pub alg: String,
    /// RFC 7638 thumbprint of the signer's public key.
    pub kid: String,
    /// The signer's public key, so a bundle's integrity can be checked without a key;
    /// authenticity still needs `--key` or `--trust`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwk: Option<Value>,
    /// Certificate chain, signer first, standard base64 DER (RFC 7515 §4.1.6).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub x5c: Vec<String>,
    /// Media type of the signed payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cty: Option<String>,
}

pub const EVIDENCE_CTY: &str = "samsvar-evidence+json";

/// Signs `payload` and returns the detached compact JWS. `x5c` is the DER chain, signer first;
/// its first certificate must hold the signing key.
pub fn sign_detached(payload: &[u8], key: &SigningKey, x5c: &[Vec<u8>]) -> Result<String, String> {
    if !EVIDENCE_ALGORITHMS.contains(&key.algorithm()) {
        return Err(format!(
            "a {} key cannot sign evidence: use an Ed25519 or P-256 key",
            key.algorithm().jws_name()
        ));
    }
    let public = key.verifying_key();
    if let Some(leaf) = x5c.first() {
        let cert_key = crate::certs::cert_public_key(leaf)?;
        if cert_key != public {
            return Err("the first certificate of the chain does not hold the signing key".into());
        }
    }
    let header = JwsHeader {
        alg: key.algorithm().jws_name().to_string(),
        kid: public.thumbprint(),
        jwk: Some(public.jwk()),
        x5c: x5c.iter().map(|c| STANDARD.encode(c)).collect(),
        cty: Some(EVIDENCE_CTY.to_string()),
    };
    let header_json = crate::jcs::to_canonical_vec(&header).map_err(|e| e.to_string())?;
    let header_b64 = URL_SAFE_NO_PAD.encode(header_json);
    let signature = key.sign(&signing_input(&header_b64, payload))?;
    Ok(format!(
        "{header_b64}..{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

fn signing_input(header_b64: &str, payload: &[u8]) -> Vec<u8> {
    let mut input = Vec::with_capacity(header_b64.len() + 1 + payload.len() * 4 / 3 + 4);
    input.extend_from_slice(header_b64.as_bytes());
    input.push(b'.');
    input.extend_from_slice(URL_SAFE_NO_PAD.encode(payload).as_bytes());
    input
}

/// A parsed detached JWS.
#[derive(Debug, Clone)]
pub struct DetachedJws {
    pub header: JwsHeader,
    pub algorithm: Algorithm,
    header_b64: String,
    signature: Vec<u8>,
}

impl DetachedJws {
    /// Parses strictly: exactly `header..signature`, canonical base64url, no whitespace.
    pub fn parse(text: &[u8]) -> Result<Self, String> {
        let text = std::str::from_utf8(text).map_err(|_| "not text".to_string())?;
        let parts: Vec<&str> = text.split('.').collect();
        let [header_b64, payload, signature_b64] = parts.as_slice() else {
            return Err(format!(
                "expected `header..signature`, found {} parts",
                parts.len()
            ));
        };
        if !payload.is_empty() {
            return Err("the payload part is not empty: not a detached JWS".into());
        }
        let header_json = URL_SAFE_NO_PAD
            .decode(header_b64)
            .map_err(|e| format!("header is not base64url: {e}"))?;
        let header: JwsHeader = serde_json::from_slice(&header_json)
            .map_err(|e| format!("header is not a JWS header: {e}"))?;
        let algorithm = Algorithm::from_jws_name(&header.alg)
            .filter(|a| EVIDENCE_ALGORITHMS.contains(a))
            .ok_or_else(|| {
                format!(
                    "algorithm `{}` is not accepted (EdDSA or ES256)",
                    header.alg
                )
            })?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature_b64)
            .map_err(|e| format!("signature is not base64url: {e}"))?;
        Ok(DetachedJws {
            header,
            algorithm,
            header_b64: header_b64.to_string(),
            signature,
        })
    }

    /// The embedded public key, checked against the `kid`.
    pub fn embedded_key(&self) -> Result<VerifyingKey, String> {
        let jwk = self
            .header
            .jwk
            .as_ref()
            .ok_or("the header carries no jwk")?;
        let key = VerifyingKey::from_jwk(jwk)?;
        if key.thumbprint() != self.header.kid {
            return Err("the header's jwk does not match its kid".into());
        }
        Ok(key)
    }

    /// The x5c chain as DER.
    pub fn chain(&self) -> Result<Vec<Vec<u8>>, String> {
        self.header
            .x5c
            .iter()
            .map(|c| {
                STANDARD
                    .decode(c)
                    .map_err(|e| format!("x5c certificate is not base64: {e}"))
            })
            .collect()
    }

    /// Checks the signature over `payload` with `key`.
    pub fn verify(&self, payload: &[u8], key: &VerifyingKey) -> Result<(), String> {
        if key.algorithm() != self.algorithm {
            return Err(format!(
                "signed with {} but the key is for {}",
                self.algorithm.jws_name(),
                key.algorithm().jws_name()
            ));
        }
        key.verify(&signing_input(&self.header_b64, payload), &self.signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detached_round_trip_and_tamper() {
        for alg in EVIDENCE_ALGORITHMS {
            let key = SigningKey::generate(alg).unwrap();
            let jws = sign_detached(b"{\"a\":1}", &key, &[]).unwrap();
            assert!(jws.contains(".."));
            let parsed = DetachedJws::parse(jws.as_bytes()).unwrap();
            assert_eq!(parsed.header.alg, alg.jws_name());
            assert_eq!(parsed.header.kid, key.verifying_key().thumbprint());
            parsed.verify(b"{\"a\":1}", &key.verifying_key()).unwrap();
            parsed
                .verify(b"{\"a\":1}", &parsed.embedded_key().unwrap())
                .unwrap();
            assert!(parsed.verify(b"{\"a\":2}", &key.verifying_key()).is_err());
            let other = SigningKey::generate(alg).unwrap();
            assert!(parsed.verify(b"{\"a\":1}", &other.verifying_key()).is_err());
        }
    }

    #[test]
    fn rejects_attached_payload_and_none_algorithm() {
        let none = format!(
            "{}..",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"x"}"#)
        );
        assert!(
            DetachedJws::parse(none.as_bytes())
                .unwrap_err()
                .contains("not accepted")
        );
        assert!(
            DetachedJws::parse(b"a.b.c")
                .unwrap_err()
                .contains("not a detached JWS")
        );
        assert!(DetachedJws::parse(b"abc").is_err());
    }
}
