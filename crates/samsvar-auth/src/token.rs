//! Obtaining access tokens with the client credentials grant, caching them and
//! refreshing them before they expire.

use crate::config::{AuthConfig, ClientAuthMethod, TokenEndpoint};
use crate::discovery::{discover, error_chain};
use crate::{AuthError, DpopProof, KeyAlgorithm, Redactor, Secret, SigningKey, client_assertion};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    Bearer,
    DPoP,
}

#[derive(Debug, Clone)]
pub struct AccessToken {
    pub value: Secret,
    pub token_type: TokenType,
    pub expires_at: Option<Instant>,
    pub scope: Option<String>,
}

impl AccessToken {
    /// Fresh enough to use: more than 30 s (or a tenth of a short lifetime) left.
    fn is_fresh(&self, lifetime: Option<Duration>) -> bool {
        let Some(expires_at) = self.expires_at else {
            return true;
        };
        let margin = lifetime.map_or(Duration::from_secs(30), |l| {
            (l / 10).min(Duration::from_secs(30))
        });
        Instant::now() + margin < expires_at
    }
}

enum Credential {
    Secret {
        secret: Secret,
        method: ClientAuthMethod,
    },
    Assertion {
        key: Box<SigningKey>,
        audience: Option<String>,
    },
}

/// Gets tokens for one target and caches the current one.
pub struct TokenClient {
    http: reqwest::Client,
    client_id: String,
    credential: Credential,
    endpoint: TokenEndpoint,
    fhir_base: String,
    scope: Option<String>,
    extra: BTreeMap<String, String>,
    dpop: Option<DpopProof>,
    redactor: Redactor,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    token_url: Option<String>,
    token: Option<AccessToken>,
    lifetime: Option<Duration>,
    /// The authorization server's latest DPoP nonce.
    as_nonce: Option<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    scope: Option<String>,
}

#[derive(Deserialize)]
struct TokenErrorResponse {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

impl std::fmt::Debug for TokenClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenClient")
            .field("client_id", &self.client_id)
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

impl TokenClient {
    /// Builds the client for flows with a token endpoint; `None` for `none` and `bearer`.
    /// Secrets and keys are read here, so a missing variable or file fails before any request.
    pub fn from_config(
        cfg: &AuthConfig,
        fhir_base: &str,
        http: reqwest::Client,
        redactor: Redactor,
    ) -> Result<Option<Self>, AuthError> {
        let Some(endpoint) = cfg.token_endpoint()? else {
            return Ok(None);
        };
        let (client_id, credential, scope, extra) = match cfg {
            AuthConfig::ClientCredentials {
                client_id,
                client_secret,
                method,
                scope,
                extra,
                ..
            } => {
                let secret = client_secret.resolve()?;
                redactor.register(secret.expose());
                (
                    client_id,
                    Credential::Secret {
                        secret,
                        method: *method,
                    },
                    scope,
                    extra,
                )
            }
            AuthConfig::PrivateKeyJwt {
                client_id,
                key_file,
                kid,
                audience,
                scope,
                extra,
                ..
            } => {
                let key = SigningKey::load(key_file)?.with_kid(kid.as_deref());
                (
                    client_id,
                    Credential::Assertion {
                        key: Box::new(key),
                        audience: audience.clone(),
                    },
                    scope,
                    extra,
                )
            }
            AuthConfig::None | AuthConfig::Bearer { .. } => return Ok(None),
        };
        let dpop = match cfg.dpop() {
            None => None,
            Some(d) => {
                let key = match &d.key_file {
                    Some(path) => SigningKey::load(path)?,
                    None => SigningKey::generate(d.alg.unwrap_or(KeyAlgorithm::ES256))
                        .map_err(AuthError::Sign)?,
                };
                Some(DpopProof::new(key)?)
            }
        };
        Ok(Some(Self {
            http,
            client_id: client_id.clone(),
            credential,
            endpoint,
            fhir_base: fhir_base.to_string(),
            scope: scope.clone(),
            extra: extra.clone(),
            dpop,
            redactor,
            state: Mutex::new(State::default()),
        }))
    }

    pub fn dpop(&self) -> Option<&DpopProof> {
        self.dpop.as_ref()
    }

    /// The cached token when still fresh, otherwise a new one.
    pub async fn token(&self) -> Result<AccessToken, AuthError> {
        if let Ok(state) = self.state.lock()
            && let Some(t) = &state.token
            && t.is_fresh(state.lifetime)
        {
            return Ok(t.clone());
        }
        self.fetch().await
    }

    /// Forgets the cached token (after the resource server rejected it).
    pub fn invalidate(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.token = None;
        }
    }

    /// Requests a new token, answering one DPoP nonce challenge if the server sends it.
    pub async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let url = self.token_url().await?;
        let mut answered_nonce = false;
        loop {
            match self.request(&url).await? {
                Attempt::Token(t) => return Ok(t),
                Attempt::NonceChallenge(nonce) if !answered_nonce => {
                    answered_nonce = true;
                    if let Ok(mut state) = self.state.lock() {
                        state.as_nonce = Some(nonce);
                    }
                }
                Attempt::NonceChallenge(_) => {
                    return Err(AuthError::Token {
                        url,
                        reason: "the server asked for a new DPoP nonce twice".into(),
                    });
                }
            }
        }
    }

    async fn token_url(&self) -> Result<String, AuthError> {
        if let Some(url) = self.state.lock().ok().and_then(|s| s.token_url.clone()) {
            return Ok(url);
        }
        let url = match &self.endpoint {
            TokenEndpoint::Url(u) => u.clone(),
            TokenEndpoint::Discover => discover(&self.http, &self.fhir_base).await?.token_endpoint,
        };
        if let Ok(mut state) = self.state.lock() {
            state.token_url = Some(url.clone());
        }
        Ok(url)
    }

    async fn request(&self, url: &str) -> Result<Attempt, AuthError> {
        let fail = |reason: String| AuthError::Token {
            url: url.to_string(),
            reason,
        };
        let mut form: Vec<(String, String)> =
            vec![("grant_type".into(), "client_credentials".into())];
        if let Some(scope) = &self.scope {
            form.push(("scope".into(), scope.clone()));
        }
        form.extend(self.extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        let mut req = self.http.post(url).header("accept", "application/json");
        match &self.credential {
            Credential::Secret {
                secret,
                method: ClientAuthMethod::ClientSecretBasic,
            } => {
                let pair = format!(
                    "{}:{}",
                    form_encode(&self.client_id),
                    form_encode(secret.expose())
                );
                let basic = STANDARD.encode(pair);
                self.redactor.register(&basic);
                req = req.header("authorization", format!("Basic {basic}"));
            }
            Credential::Secret {
                secret,
                method: ClientAuthMethod::ClientSecretPost,
            } => {
                form.push(("client_id".into(), self.client_id.clone()));
                form.push(("client_secret".into(), secret.expose().to_string()));
            }
            Credential::Assertion { key, audience } => {
                let jwt =
                    client_assertion(key, &self.client_id, audience.as_deref().unwrap_or(url))?;
                self.redactor.register(&jwt);
                form.push((
                    "client_assertion_type".into(),
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
                ));
                form.push(("client_assertion".into(), jwt));
            }
        }
        if let Some(dpop) = &self.dpop {
            let nonce = self.state.lock().ok().and_then(|s| s.as_nonce.clone());
            let proof = dpop.proof("POST", url, None, nonce.as_deref())?;
            self.redactor.register(&proof);
            req = req.header("dpop", proof);
        }
        let resp = req
            .form(&form)
            .send()
            .await
            .map_err(|e| fail(error_chain(&e)))?;
        let status = resp.status();
        let nonce = resp
            .headers()
            .get("dpop-nonce")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = resp.bytes().await.map_err(|e| fail(error_chain(&e)))?;
        if !status.is_success() {
            let err: Option<TokenErrorResponse> = serde_json::from_slice(&body).ok();
            if let (Some(err), Some(nonce)) = (&err, nonce)
                && err.error == "use_dpop_nonce"
            {
                return Ok(Attempt::NonceChallenge(nonce));
            }
            let reason = match err {
                Some(e) => format!(
                    "HTTP {status}: {}{}",
                    e.error,
                    e.error_description
                        .map(|d| format!(" ({d})"))
                        .unwrap_or_default()
                ),
                None => format!("HTTP {status}"),
            };
            return Err(fail(self.redactor.text(&reason).into_owned()));
        }
        if let Some(nonce) = nonce
            && let Ok(mut state) = self.state.lock()
        {
            state.as_nonce = Some(nonce);
        }
        let parsed: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| fail(format!("not a token response: {e}")))?;
        self.redactor.register(&parsed.access_token);
        let token_type = match parsed
            .token_type
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("dpop") => TokenType::DPoP,
            Some("bearer") | None => TokenType::Bearer,
            Some(other) => return Err(fail(format!("unsupported token_type `{other}`"))),
        };
        if self.dpop.is_some() && token_type != TokenType::DPoP {
            return Err(fail(
                "asked for a DPoP-bound token but the server issued a bearer token".into(),
            ));
        }
        let lifetime = parsed.expires_in.map(Duration::from_secs);
        let token = AccessToken {
            value: Secret::new(parsed.access_token),
            token_type,
            expires_at: lifetime.map(|l| Instant::now() + l),
            scope: parsed.scope,
        };
        if let Ok(mut state) = self.state.lock() {
            state.token = Some(token.clone());
            state.lifetime = lifetime;
        }
        Ok(Attempt::Token(token))
    }
}

enum Attempt {
    Token(AccessToken),
    NonceChallenge(String),
}

/// `application/x-www-form-urlencoded` encoding of client id and secret for HTTP Basic
/// (RFC 6749 §2.3.1).
fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
