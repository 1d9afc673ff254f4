//! RFC 7523 client assertions (`private_key_jwt`), as SMART Backend Services and
//! HelseID require them.

use crate::{AuthError, SigningKey, jwt, unix_now};
use jsonwebtoken::Header;
use serde::Serialize;

#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    jti: String,
    iat: i64,
    nbf: i64,
    exp: i64,
}

/// Lifetime of an assertion: short, as SMART Backend Services asks (no more than 5 minutes).
const ASSERTION_LIFETIME_SECS: i64 = 120;

/// Signs a client assertion: `iss` = `sub` = client id, `aud` = the token endpoint
/// (or the audience the server wants), a fresh `jti`, and a short `exp`.
pub fn client_assertion(
    key: &SigningKey,
    client_id: &str,
    audience: &str,
) -> Result<String, AuthError> {
    let now = unix_now();
    let claims = AssertionClaims {
        iss: client_id,
        sub: client_id,
        aud: audience,
        jti: uuid::Uuid::new_v4().to_string(),
        iat: now,
        nbf: now,
        exp: now + ASSERTION_LIFETIME_SECS,
    };
    let mut header = Header::new(jwt::algorithm(key));
    header.typ = Some("JWT".into());
    header.kid = Some(key.kid().to_string());
    jsonwebtoken::encode(&header, &claims, &jwt::encoding_key(key)?)
        .map_err(|e| AuthError::Sign(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeyAlgorithm;
    use jsonwebtoken::{DecodingKey, Validation};

    #[test]
    fn assertion_verifies_with_the_public_jwk_and_carries_rfc7523_claims() {
        for alg in [KeyAlgorithm::ES256, KeyAlgorithm::EdDSA] {
            let key = SigningKey::generate(alg).unwrap();
            let jwt = client_assertion(&key, "my-client", "https://as.example/token").unwrap();
            let jwk = jwt::header_jwk(&key).unwrap();
            let mut v = Validation::new(jwt::algorithm(&key));
            v.set_audience(&["https://as.example/token"]);
            v.set_issuer(&["my-client"]);
            let data = jsonwebtoken::decode::<serde_json::Value>(
                &jwt,
                &DecodingKey::from_jwk(&jwk).unwrap(),
                &v,
            )
            .unwrap();
            assert_eq!(data.claims["sub"], "my-client");
            assert!(
                data.claims["exp"].as_i64().unwrap() - data.claims["iat"].as_i64().unwrap() <= 300
            );
            assert_eq!(data.header.kid.as_deref(), Some(key.kid()));
        }
    }
}
