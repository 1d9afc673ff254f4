//! Verifying the JWTs clients send: RFC 7523 client assertions and RFC 9449 DPoP proofs.
//! Everything here treats its input as hostile: no panics, clear reasons.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Asymmetric algorithms only: an `HS256` proof would let anyone forge.
fn allowed_alg(alg: Algorithm) -> bool {
    matches!(
        alg,
        Algorithm::RS256
            | Algorithm::ES256
            | Algorithm::EdDSA
            | Algorithm::PS256
            | Algorithm::ES384
    )
}

fn key_matches_alg(jwk: &Jwk, alg: Algorithm) -> bool {
    matches!(
        (&jwk.algorithm, alg),
        (
            AlgorithmParameters::RSA(_),
            Algorithm::RS256 | Algorithm::PS256
        ) | (
            AlgorithmParameters::EllipticCurve(_),
            Algorithm::ES256 | Algorithm::ES384
        ) | (AlgorithmParameters::OctetKeyPair(_), Algorithm::EdDSA)
    )
}

/// Verifies a client assertion against the client's JWKS; returns its `jti`.
pub fn verify_assertion(
    jwt: &str,
    client_id: &str,
    jwks: &Value,
    audiences: &[String],
) -> Result<String, String> {
    let header = jsonwebtoken::decode_header(jwt)
        .map_err(|e| format!("client assertion is not a JWT: {e}"))?;
    if !allowed_alg(header.alg) {
        return Err(format!(
            "client assertion algorithm {:?} is not allowed",
            header.alg
        ));
    }
    let keys: Vec<Jwk> = jwks
        .get("keys")
        .and_then(Value::as_array)
        .map(|ks| {
            ks.iter()
                .filter_map(|k| serde_json::from_value(k.clone()).ok())
                .collect()
        })
        .unwrap_or_default();
    let candidates: Vec<&Jwk> = keys
        .iter()
        .filter(|k| header.kid.is_none() || k.common.key_id == header.kid)
        .filter(|k| key_matches_alg(k, header.alg))
        .collect();
    if candidates.is_empty() {
        return Err(format!(
            "no registered key of client `{client_id}` matches kid {:?}",
            header.kid
        ));
    }
    let mut validation = Validation::new(header.alg);
    validation.set_audience(audiences);
    validation.set_issuer(&[client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    validation.leeway = 5;
    let mut last_err = String::new();
    for key in candidates {
        let Ok(decoding) = DecodingKey::from_jwk(key) else {
            continue;
        };
        match jsonwebtoken::decode::<Value>(jwt, &decoding, &validation) {
            Ok(data) => {
                let claims = data.claims;
                if claims.get("sub").and_then(Value::as_str) != Some(client_id) {
                    return Err("client assertion `sub` is not the client id".into());
                }
                let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
                let now = unix_now();
                if exp - now > 300 {
                    return Err("client assertion `exp` is more than 5 minutes ahead".into());
                }
                return claims
                    .get("jti")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| "client assertion has no `jti`".into());
            }
            Err(e) => last_err = e.to_string(),
        }
    }
    Err(format!("client assertion does not verify: {last_err}"))
}

/// What a verified DPoP proof tells.
#[derive(Debug)]
pub struct VerifiedProof {
    pub jkt: String,
    pub jti: String,
    pub nonce: Option<String>,
}

/// Verifies a DPoP proof for `method url`; `access_token` requires a matching `ath`.
pub fn verify_dpop(
    proof: &str,
    method: &str,
    url: &str,
    access_token: Option<&str>,
) -> Result<VerifiedProof, String> {
    let header =
        jsonwebtoken::decode_header(proof).map_err(|e| format!("DPoP proof is not a JWT: {e}"))?;
    if header.typ.as_deref() != Some("dpop+jwt") {
        return Err("DPoP proof `typ` is not `dpop+jwt`".into());
    }
    if !allowed_alg(header.alg) {
        return Err(format!(
            "DPoP proof algorithm {:?} is not allowed",
            header.alg
        ));
    }
    let jwk = header.jwk.ok_or("DPoP proof has no `jwk` header")?;
    if !key_matches_alg(&jwk, header.alg) {
        return Err("DPoP proof `jwk` does not match its `alg`".into());
    }
    let jwk_value = serde_json::to_value(&jwk).map_err(|e| e.to_string())?;
    let jkt = samsvar_auth::jwk_thumbprint(&jwk_value)
        .ok_or("DPoP proof `jwk` lacks required members")?;
    let decoding =
        DecodingKey::from_jwk(&jwk).map_err(|e| format!("DPoP proof `jwk` is unusable: {e}"))?;
    let mut validation = Validation::new(header.alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    let claims = jsonwebtoken::decode::<Value>(proof, &decoding, &validation)
        .map_err(|e| format!("DPoP proof signature does not verify: {e}"))?
        .claims;
    let claim = |k: &str| claims.get(k).and_then(Value::as_str);
    if claim("htm") != Some(method) {
        return Err(format!(
            "DPoP proof `htm` {:?} is not {method}",
            claim("htm")
        ));
    }
    let expected_htu = url.split(['?', '#']).next().unwrap_or(url);
    if claim("htu").map(|h| h.trim_end_matches('/')) != Some(expected_htu.trim_end_matches('/')) {
        return Err(format!(
            "DPoP proof `htu` {:?} is not {expected_htu}",
            claim("htu")
        ));
    }
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or("DPoP proof has no `iat`")?;
    if (unix_now() - iat).abs() > 60 {
        return Err("DPoP proof `iat` is more than 60 s away from now".into());
    }
    if let Some(token) = access_token {
        let ath = URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()));
        if claim("ath") != Some(ath.as_str()) {
            return Err("DPoP proof `ath` does not match the access token".into());
        }
    }
    let jti = claim("jti").ok_or("DPoP proof has no `jti`")?.to_string();
    Ok(VerifiedProof {
        jkt,
        jti,
        nonce: claim("nonce").map(str::to_string),
    })
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
