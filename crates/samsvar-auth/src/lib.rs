//! Authentication for targets: what a real EHR endpoint demands before it answers.
//!
//! - static bearer tokens from the environment or a file,
//! - OAuth2 client credentials with `client_secret_basic` / `client_secret_post`,
//! - `private_key_jwt` client assertions (RFC 7523; RS256, ES256, EdDSA),
//! - SMART Backend Services discovery (`.well-known/smart-configuration`),
//! - DPoP-bound tokens (RFC 9449) with server nonces,
//! - TLS settings: custom CA bundles, client certificates (mutual TLS), TLS 1.2 minimum.
//!
//! Secrets come from the environment or files only (never from suite files), are held in
//! [`Secret`], which never prints its value, and every secret read and every credential
//! obtained (access tokens, client assertions, DPoP proofs, Basic credentials) is
//! registered with the run's [`Redactor`] the moment it exists, so no output shows it.
//! Keys are `samsvar-keys`' [`SigningKey`]s, the same as evidence signing uses.

mod assertion;
mod authorizer;
mod config;
mod discovery;
mod dpop;
mod error;
mod jwt;
mod secret;
mod tls;
mod tls_probe;
mod token;

pub use assertion::client_assertion;
pub use authorizer::{AuthHeaders, Authorizer, Retry, SendError};
pub use config::{AuthConfig, ClientAuthMethod, DpopConfig, SecretRef, TlsConfig, TokenEndpoint};
pub use discovery::{SmartConfiguration, discover};
pub use dpop::{DpopProof, access_token_hash, htu_of};
pub use error::AuthError;
pub use samsvar_keys::{Algorithm as KeyAlgorithm, SigningKey, jwk_thumbprint};
pub use samsvar_record::Redactor;
pub use secret::Secret;
pub use tls::apply_tls;
pub use tls_probe::{LegacyVersion, ProbeOutcome, probe_legacy_tls};
pub use token::{AccessToken, TokenClient, TokenType};

/// Current Unix time in seconds.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
