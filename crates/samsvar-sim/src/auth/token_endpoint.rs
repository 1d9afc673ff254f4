//! The token endpoint (client credentials grant) and the SMART discovery document.

use super::proof::{verify_assertion, verify_dpop};
use super::{
    AuthServer, IssuedToken, RegisteredClient, TOKEN_PATH, fresh_nonce, request_origin, scopes,
};
use axum::Json;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use std::collections::HashMap;
use std::time::Instant;

pub(super) async fn smart_configuration(
    State(server): State<AuthServer>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let origin = request_origin(&uri, &headers, server.settings.tls);
    Json(json!({
        "issuer": origin,
        "token_endpoint": format!("{origin}{TOKEN_PATH}"),
        "jwks_uri": format!("{origin}{}", super::JWKS_PATH),
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic", "client_secret_post"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
        "dpop_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
        "scopes_supported": ["system/*.rs", "system/*.cruds", "system/*.read", "system/*.write", "patient/*.rs", "patient/*.read"],
        "capabilities": ["client-confidential-asymmetric", "client-confidential-symmetric", "context-standalone-patient", "permission-patient"],
    }))
    .into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn nonce_challenge(server: &AuthServer) -> Response {
    let mut resp = oauth_error(
        StatusCode::BAD_REQUEST,
        "use_dpop_nonce",
        "Authorization server requires nonce in DPoP proof",
    );
    if let Ok(v) = server.current_nonce().parse() {
        resp.headers_mut().insert("dpop-nonce", v);
    }
    resp
}

pub(super) async fn token(
    State(server): State<AuthServer>,
    uri: Uri,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only client_credentials is supported",
        );
    }
    let token_url = format!(
        "{}{TOKEN_PATH}",
        request_origin(&uri, &headers, server.settings.tls)
    );
    let client = match authenticate(&server, &headers, &form, &token_url) {
        Ok(c) => c,
        Err(reason) => return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", &reason),
    };
    let requested: Vec<String> = form
        .get("scope")
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    if !scopes::all_allowed(&requested, &client.allowed_scopes) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "a requested scope is not allowed for this client",
        );
    }
    let granted = if requested.is_empty() {
        client.allowed_scopes.clone()
    } else {
        requested
    };
    let jkt = match headers.get("dpop").and_then(|v| v.to_str().ok()) {
        None if server.settings.require_dpop => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_dpop_proof",
                "a DPoP proof is required",
            );
        }
        None => None,
        Some(proof) => match verify_dpop(proof, "POST", &token_url, None) {
            Err(reason) => {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_dpop_proof", &reason);
            }
            Ok(p) => {
                if server.settings.require_dpop_nonce
                    && p.nonce.as_deref() != Some(server.current_nonce().as_str())
                {
                    return nonce_challenge(&server);
                }
                if !server.remember_jti(&p.jti) {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_dpop_proof",
                        "DPoP proof `jti` was used before",
                    );
                }
                Some(p.jkt)
            }
        },
    };
    let access_token = fresh_nonce() + &fresh_nonce();
    let lifetime = server.settings.token_lifetime;
    let issued = IssuedToken {
        client_id: client.client_id.clone(),
        scopes: granted.clone(),
        expires_at: Instant::now() + lifetime,
        jkt: jkt.clone(),
        jti: fresh_nonce(),
        patient: client.patient.clone(),
    };
    if let Ok(mut state) = server.state.lock() {
        state.tokens.insert(access_token.clone(), issued);
    }
    let token_type = if jkt.is_some() { "DPoP" } else { "Bearer" };
    let mut body = json!({
        "access_token": access_token,
        "token_type": token_type,
        "expires_in": lifetime.as_secs(),
        "scope": granted.join(" "),
    });
    // SMART App Launch: the launch context of a patient-context client.
    if let Some(patient) = &client.patient {
        body["patient"] = json!(patient);
    }
    let mut resp = Json(body).into_response();
    resp.headers_mut().insert(
        "cache-control",
        axum::http::HeaderValue::from_static("no-store"),
    );
    resp.extensions_mut()
        .insert(super::AuthenticatedClient(client.client_id.clone()));
    resp
}

/// Authenticates the client by HTTP Basic, form secret or client assertion.
fn authenticate(
    server: &AuthServer,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
    token_url: &str,
) -> Result<RegisteredClient, String> {
    let find = |id: &str| {
        server
            .settings
            .clients
            .iter()
            .find(|c| c.client_id == id)
            .cloned()
            .ok_or_else(|| format!("unknown client `{id}`"))
    };
    if let Some(basic) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        let decoded = STANDARD
            .decode(basic.trim())
            .map_err(|_| "malformed Basic credentials".to_string())?;
        let text =
            String::from_utf8(decoded).map_err(|_| "malformed Basic credentials".to_string())?;
        let (id, secret) = text.split_once(':').ok_or("malformed Basic credentials")?;
        let id = url_decode(id);
        let client = find(&id)?;
        return check_secret(client, &url_decode(secret));
    }
    if let Some(assertion) = form.get("client_assertion") {
        if form.get("client_assertion_type").map(String::as_str)
            != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        {
            return Err("unsupported client_assertion_type".into());
        }
        let claims_iss = unverified_issuer(assertion).ok_or("client assertion has no `iss`")?;
        let client = find(&claims_iss)?;
        let jwks = client
            .jwks
            .as_ref()
            .ok_or("client has no registered keys")?;
        let audiences = vec![
            token_url.to_string(),
            token_url.trim_end_matches(TOKEN_PATH).to_string(),
        ];
        let jti = verify_assertion(assertion, &client.client_id, jwks, &audiences)?;
        if !server.remember_jti(&jti) {
            return Err("client assertion `jti` was used before".into());
        }
        return Ok(client);
    }
    if let (Some(id), Some(secret)) = (form.get("client_id"), form.get("client_secret")) {
        return check_secret(find(id)?, secret);
    }
    Err("no client authentication".into())
}

fn check_secret(client: RegisteredClient, secret: &str) -> Result<RegisteredClient, String> {
    match &client.secret {
        Some(s) if constant_time_eq(s.as_bytes(), secret.as_bytes()) => Ok(client),
        _ => Err("wrong client secret".into()),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn url_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The `iss` of a JWT before verification, to pick the client whose keys verify it.
fn unverified_issuer(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("iss")?.as_str().map(str::to_string)
}
