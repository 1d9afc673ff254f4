use std::path::PathBuf;

/// Everything that can go wrong while writing, signing or reading evidence.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("failed to {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to encode {what} as JSON: {source}")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("failed to read {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("failed to canonicalize the evidence record: {0}")]
    Canonical(String),
    #[error("failed to load key {path}: {message}")]
    Key { path: PathBuf, message: String },
    #[error("failed to sign the evidence: {0}")]
    Sign(String),
    #[error("failed to render {what}: {message}")]
    Render { what: &'static str, message: String },
    #[error("failed to finalize {path}: {message}")]
    Finalize { path: PathBuf, message: String },
    #[error("{0}")]
    Config(String),
    #[error(
        "evidence.json has format_version `{found}`, which this samsvar cannot check (it reads format {supported}): verify it with the samsvar version that wrote it (see `tool` in evidence.json)"
    )]
    UnsupportedFormat { found: String, supported: String },
}

impl EvidenceError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        EvidenceError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = EvidenceError> = std::result::Result<T, E>;
