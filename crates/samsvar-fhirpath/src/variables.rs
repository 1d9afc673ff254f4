//! Environment variables (`%name`) handed to an evaluation.

use std::collections::BTreeMap;

use serde_json::Value;

/// Named values an expression can refer to as `%name`.
///
/// `%resource`, `%rootResource` and `%context` default to the evaluation input when
/// they are not set here; set them explicitly when evaluating inside a resource (for
/// example an invariant on a nested element).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Variables {
    values: BTreeMap<String, Value>,
}

impl Variables {
    /// No variables.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `%name` (give the name without the `%`). Replaces an earlier value.
    pub fn insert(&mut self, name: impl Into<String>, value: Value) -> &mut Self {
        self.values.insert(name.into(), value);
        self
    }

    /// The value of `%name`, if set.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// Every variable, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// True when no variable is set.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}
