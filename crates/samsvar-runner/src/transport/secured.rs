//! Targets with their own TLS settings (custom CA, client certificate) or credentials:
//! their client and authorizer, made before the run so a missing secret or key stops it
//! before any request.

use super::{Credentials, Transport, TransportError, error_chain};
use crate::options::Bindings;
use reqwest::Client;
use reqwest::redirect::Policy;
use samsvar_auth::{AuthConfig, Authorizer};
use samsvar_record::Redactor;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use url::Url;

/// A target's own client and credentials.
#[derive(Debug, Clone)]
pub struct Secured {
    pub origin: url::Origin,
    pub name: String,
    pub base_url: String,
    pub client: Client,
    pub config: AuthConfig,
    pub auth: Option<Arc<Authorizer>>,
    /// Authorizers asking for another scope (`auth: { scope: … }` in a step), by scope.
    pub scoped: Arc<Mutex<HashMap<String, Arc<Authorizer>>>>,
    /// The run's redactor, for the authorizers made per scope.
    pub redactor: Redactor,
}

impl Transport {
    /// Builds a client and an authorizer for every target with security settings. Secrets
    /// and keys are read here, so a missing one stops the run before any request.
    pub fn with_target_security(
        mut self,
        bindings: &Bindings,
        user_agent: &str,
    ) -> Result<Self, TransportError> {
        for (name, security) in &bindings.security {
            let Some(binding) = bindings.targets.get(name) else {
                continue;
            };
            let base = Url::parse(&binding.url).map_err(|e| {
                TransportError::Client(format!("target `{name}` has an invalid URL: {e}"))
            })?;
            let builder = Client::builder()
                .use_rustls_tls()
                .redirect(Policy::none())
                .user_agent(user_agent);
            let client = samsvar_auth::apply_tls(builder, &security.tls)
                .and_then(|b| {
                    b.build()
                        .map_err(|e| samsvar_auth::AuthError::Tls(error_chain(&e)))
                })
                .map_err(|e| TransportError::Client(format!("target `{name}`: {e}")))?;
            let auth = match security.auth {
                AuthConfig::None => None,
                ref cfg => Some(Arc::new(
                    Authorizer::from_config(
                        cfg,
                        &binding.url,
                        client.clone(),
                        self.redactor.clone(),
                    )
                    .map_err(|e| TransportError::Client(format!("target `{name}`: {e}")))?,
                )),
            };
            self.secured.push(Secured {
                origin: base.origin(),
                name: name.clone(),
                base_url: binding.url.clone(),
                client,
                config: security.auth.clone(),
                auth,
                scoped: Arc::default(),
                redactor: self.redactor.clone(),
            });
        }
        Ok(self)
    }

    /// The HTTP client for `url`: the target's own when it has TLS settings (custom CA,
    /// client certificate), else the shared one. Redirects are not followed by it.
    pub fn client_for(&self, url: &Url) -> Client {
        self.secured_for(url, None)
            .map_or_else(|| self.client.clone(), |s| s.client.clone())
    }

    /// The security settings for a request to `url`: those of `target` when the URL is on
    /// its origin, else those of the first target on that origin.
    fn secured_for(&self, url: &Url, target: Option<&str>) -> Option<&Secured> {
        let origin = url.origin();
        let on_origin = |s: &&Secured| s.origin == origin;
        target
            .and_then(|name| {
                self.secured
                    .iter()
                    .filter(on_origin)
                    .find(|s| s.name == name)
            })
            .or_else(|| self.secured.iter().find(on_origin))
    }

    /// The client and authorizer for a request to `url` with `credentials`.
    pub(super) fn access_for(
        &self,
        url: &Url,
        target: Option<&str>,
        credentials: &Credentials,
    ) -> Result<(&Client, Option<Arc<Authorizer>>), TransportError> {
        let Some(secured) = self.secured_for(url, target) else {
            return match credentials {
                Credentials::Scope(_) => Err(TransportError::Other {
                    url: url.to_string(),
                    reason: "failed to request a token with another scope: no credentials are \
                             configured for this target; `auth: { scope: … }` needs a \
                             `client_credentials` or `private_key_jwt` target in samsvar.toml"
                        .into(),
                }),
                _ => Ok((&self.client, None)),
            };
        };
        let auth =
            match credentials {
                Credentials::Target => secured.auth.clone(),
                Credentials::None => None,
                Credentials::Scope(scope) => Some(secured.scoped_authorizer(scope).map_err(
                    |e| TransportError::Other {
                        url: url.to_string(),
                        reason: format!("target `{}`: {e}", secured.name),
                    },
                )?),
            };
        Ok((&secured.client, auth))
    }
}

impl Secured {
    /// An authorizer like the target's own but asking for `scope`, made once per scope.
    fn scoped_authorizer(&self, scope: &str) -> Result<Arc<Authorizer>, samsvar_auth::AuthError> {
        let mut cache = self
            .scoped
            .lock()
            .map_err(|_| samsvar_auth::AuthError::Config("the token cache is unusable".into()))?;
        if let Some(a) = cache.get(scope) {
            return Ok(a.clone());
        }
        let cfg = self.config.with_scope(scope)?;
        let auth = Arc::new(Authorizer::from_config(
            &cfg,
            &self.base_url,
            self.client.clone(),
            self.redactor.clone(),
        )?);
        cache.insert(scope.to_string(), auth.clone());
        Ok(auth)
    }
}
