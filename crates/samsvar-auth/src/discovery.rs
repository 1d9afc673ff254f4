//! SMART App Launch / Backend Services discovery: `{base}/.well-known/smart-configuration`.

use crate::AuthError;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct SmartConfiguration {
    pub token_endpoint: String,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    #[serde(default)]
    pub token_endpoint_auth_signing_alg_values_supported: Vec<String>,
    #[serde(default)]
    pub scopes_supported: Vec<String>,
    #[serde(default)]
    pub grant_types_supported: Vec<String>,
    #[serde(default)]
    pub dpop_signing_alg_values_supported: Vec<String>,
    pub jwks_uri: Option<String>,
}

/// Fetches and parses the SMART configuration of a FHIR base URL.
pub async fn discover(
    client: &reqwest::Client,
    fhir_base: &str,
) -> Result<SmartConfiguration, AuthError> {
    let url = format!(
        "{}/.well-known/smart-configuration",
        fhir_base.trim_end_matches('/')
    );
    let fail = |reason: String| AuthError::Discovery {
        url: url.clone(),
        reason,
    };
    let resp = client
        .get(&url)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| fail(error_chain(&e)))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(fail(format!("HTTP {status}")));
    }
    let body = resp.bytes().await.map_err(|e| fail(error_chain(&e)))?;
    serde_json::from_slice(&body)
        .map_err(|e| fail(format!("not a SMART configuration document: {e}")))
}

/// An error with its causes, one line ("connection refused" hides in the source chain).
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}
