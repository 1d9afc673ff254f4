//! DPoP proofs (RFC 9449): one signed JWT per request, bound to the method and URL,
//! and to the access token through `ath`.

use crate::{AuthError, SigningKey, jwt, unix_now};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Header;
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Serialize)]
struct ProofClaims<'a> {
    jti: String,
    htm: &'a str,
    htu: &'a str,
    iat: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    ath: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
}

/// Builds DPoP proofs with one key (the key the token gets bound to).
#[derive(Clone)]
pub struct DpopProof {
    key: SigningKey,
    /// Prepared once: a proof is signed for every request.
    encoding: jsonwebtoken::EncodingKey,
    jwk: jsonwebtoken::jwk::Jwk,
}

impl std::fmt::Debug for DpopProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpopProof").field("key", &self.key).finish()
    }
}

impl DpopProof {
    pub fn new(key: SigningKey) -> Result<Self, AuthError> {
        Ok(Self {
            encoding: jwt::encoding_key(&key)?,
            jwk: jwt::header_jwk(&key)?,
            key,
        })
    }

    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// A proof for `method url`; `access_token` adds `ath`, `nonce` echoes a server nonce.
    pub fn proof(
        &self,
        method: &str,
        url: &str,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<String, AuthError> {
        let htu = htu_of(url);
        let claims = ProofClaims {
            jti: uuid::Uuid::new_v4().to_string(),
            htm: method,
            htu: &htu,
            iat: unix_now(),
            ath: access_token.map(access_token_hash),
            nonce,
        };
        let mut header = Header::new(jwt::algorithm(&self.key));
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(self.jwk.clone());
        jsonwebtoken::encode(&header, &claims, &self.encoding)
            .map_err(|e| AuthError::Sign(e.to_string()))
    }
}

/// `htu`: the request URL without query and fragment (RFC 9449 §4.2).
pub fn htu_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => url.split(['?', '#']).next().unwrap_or(url).to_string(),
    }
}

/// `ath`: base64url(SHA-256(access token)).
pub fn access_token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeyAlgorithm;

    #[test]
    fn proof_has_dpop_header_and_binding_claims() {
        let proof = DpopProof::new(SigningKey::generate(KeyAlgorithm::ES256).unwrap()).unwrap();
        let jwt = proof
            .proof(
                "POST",
                "https://fhir.example/Patient?x=1#f",
                Some("tok"),
                Some("n-1"),
            )
            .unwrap();
        let header = jsonwebtoken::decode_header(&jwt).unwrap();
        assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
        assert!(header.jwk.is_some());
        let payload = jwt.split('.').nth(1).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(claims["htm"], "POST");
        assert_eq!(claims["htu"], "https://fhir.example/Patient");
        assert_eq!(claims["ath"], access_token_hash("tok"));
        assert_eq!(claims["nonce"], "n-1");
    }

    #[test]
    fn ath_matches_rfc9449_example() {
        // RFC 9449 §7.1: the example access token and its `ath`.
        assert_eq!(
            access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
    }
}
