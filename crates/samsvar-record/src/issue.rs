//! A finding attached to an assertion. Kept in its own module: it is the one type the
//! unified diagnostic model will replace, and nothing else here depends on its shape.

use serde::{Deserialize, Serialize};

/// A finding attached to an assertion (validator issue, XDS rule violation, JSON Schema error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// `error`, `warning`, `information`.
    pub severity: String,
    /// Where in the payload, as a FHIRPath-style expression or JSON pointer.
    pub location: String,
    pub message: String,
    /// Rule or constraint key that fired, e.g. `ele-1`, `xds-de-002`.
    pub rule: Option<String>,
}

impl Issue {
    /// `error` and `fatal` issues fail the assertion they are attached to.
    pub fn is_error(&self) -> bool {
        matches!(self.severity.as_str(), "error" | "fatal")
    }
}
