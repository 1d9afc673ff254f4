//! The bridge to the FHIRPath engine used for invariants (one place to swap engines).
//!
//! With the `fhirpath-invariants` feature (default) this is `samsvar-fhirpath`. Without it,
//! every expression reports that no engine is linked, so invariants are recorded as not
//! evaluated (see `Validator::invariant_problems`) and never reported as passed or failed.

#[cfg(feature = "fhirpath-invariants")]
pub use samsvar_fhirpath::{Expression, Variables, as_boolean};

#[cfg(not(feature = "fhirpath-invariants"))]
pub use fallback::{Expression, Variables, as_boolean};

#[cfg(not(feature = "fhirpath-invariants"))]
mod fallback {
    use serde_json::Value;

    #[derive(Debug, Clone, Default)]
    pub struct Variables<'a>(std::marker::PhantomData<&'a Value>);

    impl<'a> Variables<'a> {
        pub fn new() -> Self {
            Variables(std::marker::PhantomData)
        }
        pub fn insert_ref(&mut self, _name: &str, _value: &'a Value) -> &mut Self {
            self
        }
    }

    #[derive(Debug, Clone)]
    pub struct Expression;

    impl Expression {
        pub fn parse(_src: &str) -> Result<Expression, String> {
            Err("no FHIRPath engine linked (feature fhirpath-invariants is off)".into())
        }
        pub fn evaluate_with(
            &self,
            _input: &Value,
            _vars: &Variables<'_>,
        ) -> Result<Vec<Value>, String> {
            Err("no FHIRPath engine linked".into())
        }
    }

    pub fn as_boolean(values: &[Value]) -> Option<bool> {
        match values {
            [Value::Bool(b)] => Some(*b),
            _ => None,
        }
    }
}
