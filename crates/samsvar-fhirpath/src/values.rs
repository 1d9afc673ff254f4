//! Helpers over evaluation results.

use serde_json::Value;

use crate::EvalError;

/// FHIRPath singleton evaluation of a result as a boolean.
///
/// `[]` gives `None`; `[true]`/`[false]` give that value; a single non-boolean item
/// gives `Some(true)` (the spec's rule for a singleton where a boolean is expected).
/// More than one item is an error in FHIRPath; here it gives `None` — use
/// [`singleton_boolean`] to tell that case apart.
pub fn as_boolean(results: &[Value]) -> Option<bool> {
    singleton_boolean(results).ok().flatten()
}

/// Like [`as_boolean`], but reports a collection of more than one item as an error.
pub fn singleton_boolean(results: &[Value]) -> Result<Option<bool>, EvalError> {
    match results {
        [] => Ok(None),
        [Value::Bool(b)] => Ok(Some(*b)),
        [_] => Ok(Some(true)),
        many => Err(EvalError::new(format!(
            "expected a single boolean, got a collection of {} items",
            many.len()
        ))),
    }
}

/// A result value as a person reads it: strings without quotes, everything else as JSON.
pub fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
