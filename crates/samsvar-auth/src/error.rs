use std::path::PathBuf;

/// Everything that can go wrong while authenticating. Messages name the variable,
/// file or endpoint involved, never a secret value.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("failed to read secret: environment variable `{0}` is not set")]
    MissingEnv(String),
    #[error("failed to read secret file `{path}`: {source}")]
    SecretFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("failed to read key file `{path}`: {source}")]
    KeyFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("failed to load key `{path}`: {reason}")]
    BadKey { path: PathBuf, reason: String },
    #[error("failed to configure authentication: {0}")]
    Config(String),
    #[error("failed to discover SMART configuration at {url}: {reason}")]
    Discovery { url: String, reason: String },
    #[error("failed to obtain an access token from {url}: {reason}")]
    Token { url: String, reason: String },
    #[error("failed to sign a JWT: {0}")]
    Sign(String),
    #[error("failed to set up TLS: {0}")]
    Tls(String),
}

impl From<samsvar_keys::KeyError> for AuthError {
    fn from(e: samsvar_keys::KeyError) -> Self {
        match e {
            samsvar_keys::KeyError::Read { path, source } => AuthError::KeyFile { path, source },
            samsvar_keys::KeyError::Invalid { path, reason } => AuthError::BadKey { path, reason },
        }
    }
}
