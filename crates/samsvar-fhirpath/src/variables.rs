//! Environment variables (`%name`) handed to an evaluation.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use rh_fhirpath::FhirPathValue;
use serde_json::Value;

/// Named values an expression can refer to as `%name`.
///
/// `%resource`, `%rootResource` and `%context` default to the evaluation input when
/// they are not set here; set them explicitly when evaluating inside a resource (for
/// example an invariant on a nested element).
///
/// Reuse one `Variables` for every evaluation inside the same resource: the values of
/// subexpressions that read only these variables (such as
/// `%rootResource.contained.id`) are remembered in it, so a large resource is not read
/// again for each element.
///
/// Values are owned ([`insert`](Self::insert)) or borrowed ([`insert_ref`](Self::insert_ref)):
/// a validator sets `%resource` to the resource it is walking without copying it.
#[derive(Default)]
pub struct Variables<'a> {
    values: BTreeMap<String, Cow<'a, Value>>,
    /// Values of context-free subexpressions, by (expression id, subexpression index).
    memo: Mutex<HashMap<(u64, usize), FhirPathValue>>,
}

impl<'a> Variables<'a> {
    /// No variables.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `%name` (give the name without the `%`). Replaces an earlier value.
    pub fn insert(&mut self, name: impl Into<String>, value: Value) -> &mut Self {
        self.set(name.into(), Cow::Owned(value))
    }

    /// Sets `%name` to a value borrowed for as long as these variables live.
    pub fn insert_ref(&mut self, name: impl Into<String>, value: &'a Value) -> &mut Self {
        self.set(name.into(), Cow::Borrowed(value))
    }

    fn set(&mut self, name: String, value: Cow<'a, Value>) -> &mut Self {
        self.values.insert(name, value);
        // Remembered values may depend on the replaced one.
        if let Ok(memo) = self.memo.get_mut() {
            memo.clear();
        }
        self
    }

    /// The value of `%name`, if set.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name).map(|v| v.as_ref())
    }

    /// Every variable, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_ref()))
    }

    /// True when no variable is set.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub(crate) fn remembered(&self, key: (u64, usize)) -> Option<FhirPathValue> {
        self.memo.lock().ok()?.get(&key).cloned()
    }

    pub(crate) fn remember(&self, key: (u64, usize), value: &FhirPathValue) {
        if let Ok(mut memo) = self.memo.lock() {
            memo.insert(key, value.clone());
        }
    }
}

impl Clone for Variables<'_> {
    fn clone(&self) -> Self {
        Self {
            values: self.values.clone(),
            memo: Mutex::default(),
        }
    }
}

impl PartialEq for Variables<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.values == other.values
    }
}

impl std::fmt::Debug for Variables<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Variables")
            .field("values", &self.values)
            .finish()
    }
}
