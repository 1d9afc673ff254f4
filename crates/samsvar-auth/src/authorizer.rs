//! Puts credentials on each request to a target and reacts to the resource server's
//! challenges (expired token, DPoP nonce).

use crate::{AuthConfig, AuthError, Redactor, Secret, TokenClient, TokenType};
use reqwest::header::HeaderMap;
use std::sync::Mutex;

/// Headers to add to one request: `(name, value)`; values are secrets.
pub type AuthHeaders = Vec<(&'static str, String)>;

enum Kind {
    None,
    Static(Secret),
    Token(Box<TokenClient>),
}

/// Authentication for one target.
pub struct Authorizer {
    kind: Kind,
    redactor: Redactor,
    /// The resource server's latest DPoP nonce.
    rs_nonce: Mutex<Option<String>>,
}

impl std::fmt::Debug for Authorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.kind {
            Kind::None => "none",
            Kind::Static(_) => "bearer",
            Kind::Token(_) => "oauth2",
        };
        f.debug_struct("Authorizer").field("kind", &kind).finish()
    }
}

/// What to do after a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    No,
    /// Send the request once more with fresh credentials.
    Once,
}

impl Authorizer {
    /// Reads secrets and keys now, so a missing one fails before the run starts.
    pub fn from_config(
        cfg: &AuthConfig,
        fhir_base: &str,
        http: reqwest::Client,
        redactor: Redactor,
    ) -> Result<Self, AuthError> {
        let kind = match cfg {
            AuthConfig::None => Kind::None,
            AuthConfig::Bearer { token } => {
                let secret = token.resolve()?;
                redactor.register(secret.expose());
                Kind::Static(secret)
            }
            _ => match TokenClient::from_config(cfg, fhir_base, http, redactor.clone())? {
                Some(client) => Kind::Token(Box::new(client)),
                None => Kind::None,
            },
        };
        Ok(Self {
            kind,
            redactor,
            rs_nonce: Mutex::new(None),
        })
    }

    pub fn none() -> Self {
        Self {
            kind: Kind::None,
            redactor: Redactor::new(),
            rs_nonce: Mutex::new(None),
        }
    }

    pub fn is_none(&self) -> bool {
        matches!(self.kind, Kind::None)
    }

    /// The credentials for `method url`: `Authorization` and, for DPoP, a fresh proof.
    pub async fn headers(&self, method: &str, url: &str) -> Result<AuthHeaders, AuthError> {
        match &self.kind {
            Kind::None => Ok(Vec::new()),
            Kind::Static(secret) => Ok(vec![(
                "authorization",
                format!("Bearer {}", secret.expose()),
            )]),
            Kind::Token(client) => {
                let token = client.token().await?;
                let value = token.value.expose();
                match (token.token_type, client.dpop()) {
                    (TokenType::DPoP, Some(dpop)) => {
                        let nonce = self.rs_nonce.lock().ok().and_then(|n| n.clone());
                        let proof = dpop.proof(method, url, Some(value), nonce.as_deref())?;
                        self.redactor.register(&proof);
                        Ok(vec![
                            ("authorization", format!("DPoP {value}")),
                            ("dpop", proof),
                        ])
                    }
                    _ => Ok(vec![("authorization", format!("Bearer {value}"))]),
                }
            }
        }
    }

    /// Looks at a response: a DPoP nonce challenge or a rejected token asks for one retry.
    pub fn observe(&self, status: u16, headers: &HeaderMap) -> Retry {
        let Kind::Token(client) = &self.kind else {
            return Retry::No;
        };
        if let Some(nonce) = headers.get("dpop-nonce").and_then(|v| v.to_str().ok())
            && let Ok(mut n) = self.rs_nonce.lock()
        {
            *n = Some(nonce.to_string());
        }
        if status != 401 {
            return Retry::No;
        }
        let challenge = headers
            .get_all("www-authenticate")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(", ");
        if challenge.contains("use_dpop_nonce") {
            return Retry::Once;
        }
        if challenge.contains("invalid_token") {
            client.invalidate();
            return Retry::Once;
        }
        Retry::No
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }
}

impl Authorizer {
    /// Sends a request built by `build` with this target's credentials, answering one
    /// challenge (DPoP nonce, rejected token) by sending it again with fresh credentials.
    /// `build` is called once per attempt because a request body can be sent only once.
    pub async fn send(
        &self,
        method: &str,
        url: &str,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, SendError> {
        let mut retried = false;
        loop {
            let mut req = build();
            for (name, value) in self.headers(method, url).await.map_err(SendError::Auth)? {
                req = req.header(name, value);
            }
            let resp = req.send().await.map_err(SendError::Http)?;
            if !retried && self.observe(resp.status().as_u16(), resp.headers()) == Retry::Once {
                retried = true;
                continue;
            }
            return Ok(resp);
        }
    }
}

/// Why [`Authorizer::send`] failed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error(transparent)]
    Auth(AuthError),
    #[error("failed to send request: {0}")]
    Http(reqwest::Error),
}
