//! How a target authenticates, as written in `samsvar.toml`:
//!
//! ```toml
//! [targets.fhir.auth]
//! type = "private_key_jwt"
//! client_id = "8a1f…"
//! key_file = "keys/helseid-client.jwk"
//! token_url = "https://helseid-sts.test.nhn.no/connect/token"
//! scope = "nhn:kjernejournal/api"
//! dpop = { alg = "ES256" }
//! ```
//!
//! Secret values are never written in the file itself: only the name of an environment
//! variable or the path of a file that holds them.

use crate::{AuthError, KeyAlgorithm, Secret};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Where a secret comes from: `{ env = "VAR" }` or `{ file = "path" }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    pub env: Option<String>,
    pub file: Option<PathBuf>,
}

impl SecretRef {
    pub fn resolve(&self) -> Result<Secret, AuthError> {
        match (&self.env, &self.file) {
            (Some(var), None) => Secret::from_env(var),
            (None, Some(path)) => Secret::from_file(path),
            _ => Err(AuthError::Config(
                "a secret needs exactly one of `env` or `file`".into(),
            )),
        }
    }

    /// Where the secret comes from, for messages (never the value).
    pub fn describe(&self) -> String {
        match (&self.env, &self.file) {
            (Some(var), _) => format!("environment variable `{var}`"),
            (_, Some(path)) => format!("file `{}`", path.display()),
            _ => "nowhere".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthMethod {
    /// HTTP Basic with client id and secret (RFC 6749 §2.3.1).
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
}

/// Where the token endpoint is: configured, or discovered from the FHIR base URL's
/// `.well-known/smart-configuration`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenEndpoint {
    Url(String),
    Discover,
}

/// DPoP settings: a key file, or a key generated for the run.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DpopConfig {
    /// Algorithm of the generated key (default ES256).
    #[serde(default)]
    pub alg: Option<KeyAlgorithm>,
    /// Use this key instead of a generated one.
    pub key_file: Option<PathBuf>,
}

/// Authentication of one target.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AuthConfig {
    #[default]
    None,
    /// A static bearer token.
    Bearer { token: SecretRef },
    /// OAuth2 client credentials grant with a client secret.
    ClientCredentials {
        client_id: String,
        client_secret: SecretRef,
        #[serde(default)]
        method: ClientAuthMethod,
        token_url: Option<String>,
        #[serde(default)]
        discover: bool,
        scope: Option<String>,
        /// Extra form parameters for the token request (some servers need `resource`, `audience`, …).
        #[serde(default)]
        extra: BTreeMap<String, String>,
        dpop: Option<DpopConfig>,
    },
    /// OAuth2 client credentials grant with an RFC 7523 client assertion.
    PrivateKeyJwt {
        client_id: String,
        key_file: PathBuf,
        /// Overrides the key id (default: the configured JWK `kid` or the RFC 7638 thumbprint).
        kid: Option<String>,
        token_url: Option<String>,
        #[serde(default)]
        discover: bool,
        /// `aud` of the assertion (default: the token endpoint URL).
        audience: Option<String>,
        scope: Option<String>,
        #[serde(default)]
        extra: BTreeMap<String, String>,
        dpop: Option<DpopConfig>,
    },
}

impl AuthConfig {
    /// The token endpoint, for the flows that have one.
    pub fn token_endpoint(&self) -> Result<Option<TokenEndpoint>, AuthError> {
        let (url, discover) = match self {
            AuthConfig::None | AuthConfig::Bearer { .. } => return Ok(None),
            AuthConfig::ClientCredentials {
                token_url,
                discover,
                ..
            }
            | AuthConfig::PrivateKeyJwt {
                token_url,
                discover,
                ..
            } => (token_url, *discover),
        };
        match (url, discover) {
            (Some(u), false) => Ok(Some(TokenEndpoint::Url(u.clone()))),
            (None, true) => Ok(Some(TokenEndpoint::Discover)),
            (Some(_), true) => Err(AuthError::Config("set either `token_url` or `discover = true`, not both".into())),
            (None, false) => Err(AuthError::Config(
                "the token endpoint is unknown: set `token_url`, or `discover = true` to read it from .well-known/smart-configuration".into(),
            )),
        }
    }

    /// The same flow asking for `scope` instead of the configured scope; only OAuth2 flows
    /// request tokens with a scope.
    pub fn with_scope(&self, scope: &str) -> Result<AuthConfig, AuthError> {
        let mut cfg = self.clone();
        match &mut cfg {
            AuthConfig::ClientCredentials { scope: s, .. }
            | AuthConfig::PrivateKeyJwt { scope: s, .. } => {
                *s = Some(scope.to_string());
                Ok(cfg)
            }
            AuthConfig::None | AuthConfig::Bearer { .. } => Err(AuthError::Config(
                "a scope can be chosen only for `client_credentials` and `private_key_jwt` targets"
                    .into(),
            )),
        }
    }

    pub fn dpop(&self) -> Option<&DpopConfig> {
        match self {
            AuthConfig::ClientCredentials { dpop, .. } | AuthConfig::PrivateKeyJwt { dpop, .. } => {
                dpop.as_ref()
            }
            _ => None,
        }
    }
}

/// TLS settings of one target.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM bundle of CA certificates to trust (in addition to the system roots unless
    /// `only_custom_ca`).
    pub ca_file: Option<PathBuf>,
    #[serde(default)]
    pub only_custom_ca: bool,
    /// Client certificate chain (PEM) for mutual TLS.
    pub client_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    pub client_key: Option<PathBuf>,
    /// Minimum TLS version: "1.2" (default) or "1.3".
    pub min_version: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_helseid_style_profile() {
        let cfg: AuthConfig = serde_json::from_value(serde_json::json!({
            "type": "private_key_jwt",
            "client_id": "c1",
            "key_file": "k.jwk",
            "token_url": "https://sts.example/connect/token",
            "scope": "nhn:kjernejournal/api",
            "dpop": {"alg": "ES256"}
        }))
        .unwrap();
        assert_eq!(
            cfg.token_endpoint().unwrap(),
            Some(TokenEndpoint::Url(
                "https://sts.example/connect/token".into()
            ))
        );
        assert!(cfg.dpop().is_some());
    }

    #[test]
    fn unknown_keys_and_missing_endpoints_are_errors() {
        let err = serde_json::from_value::<AuthConfig>(
            serde_json::json!({"type": "bearer", "token": {"env": "T"}, "tokne": 1}),
        );
        assert!(
            err.unwrap_err()
                .to_string()
                .contains("unknown field `tokne`")
        );
        let cfg: AuthConfig = serde_json::from_value(serde_json::json!({
            "type": "client_credentials", "client_id": "c", "client_secret": {"env": "S"}
        }))
        .unwrap();
        assert!(
            cfg.token_endpoint()
                .unwrap_err()
                .to_string()
                .contains("token endpoint is unknown")
        );
    }
}
