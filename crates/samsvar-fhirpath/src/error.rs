//! Errors reported by parsing and evaluating FHIRPath expressions.

/// A FHIRPath expression could not be parsed.
///
/// `offset` and `len` are byte positions inside the expression source, so a caller that
/// knows where the expression sits in its file can point a caret at the exact spot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to parse FHIRPath expression at byte {offset}: {message}")]
pub struct SyntaxError {
    /// Byte offset of the offending spot in the expression source.
    pub offset: usize,
    /// Length in bytes of the offending spot (at least 1 unless the source is empty).
    pub len: usize,
    /// What is wrong, without position information.
    pub message: String,
}

/// A FHIRPath expression could not be evaluated against an input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to evaluate FHIRPath expression: {message}")]
pub struct EvalError {
    /// What went wrong.
    pub message: String,
}

impl EvalError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}
