//! One error type for the hub's services; the web layer turns each kind into a status code
//! (HTML page or JSON body), so a refusal reads the same in the browser and in the API.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum HubError {
    /// Not there, or not visible to the caller: both answer 404 so ids cannot be probed.
    #[error("not found")]
    NotFound,
    /// The caller may see the thing but not do this to it.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Not signed in (or a bad token).
    #[error("sign in first")]
    Unauthorized,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    /// An upload that does not verify: the reason says which check failed.
    #[error("refused: {0}")]
    Refused(String),
    #[error("the upload is larger than the hub accepts ({0} bytes)")]
    TooLarge(usize),
    #[error("too many failed sign-ins; try again in {0} s")]
    RateLimited(u64),
    #[error("form expired or forged (CSRF token missing or wrong); reload the page and try again")]
    Csrf,
    #[error("internal error: {0}")]
    Internal(String),
}

impl HubError {
    pub fn bad(message: impl Into<String>) -> Self {
        HubError::BadRequest(message.into())
    }

    pub fn internal(message: impl std::fmt::Display) -> Self {
        HubError::Internal(message.to_string())
    }
}

impl From<sqlx::Error> for HubError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => HubError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                HubError::Conflict(format!("already exists ({})", db.message()))
            }
            other => HubError::Internal(format!("database: {other}")),
        }
    }
}

impl From<std::io::Error> for HubError {
    fn from(e: std::io::Error) -> Self {
        HubError::Internal(format!("i/o: {e}"))
    }
}

pub type HubResult<T> = Result<T, HubError>;
