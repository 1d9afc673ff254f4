//! A compiled FHIRPath expression.

use std::sync::Arc;

use serde_json::Value;

use crate::engine::Compiled;
use crate::{EvalError, SyntaxError, Variables};

/// A FHIRPath expression, parsed once and evaluated many times.
///
/// Cheap to clone (shared), and `Send + Sync`, so one compiled expression can serve
/// every thread.
#[derive(Clone)]
pub struct Expression {
    source: Arc<str>,
    compiled: Arc<Compiled>,
}

impl std::fmt::Debug for Expression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Expression").field(&self.source).finish()
    }
}

impl Expression {
    /// Parses `src`; a syntax error carries the byte offset of the problem in `src`.
    pub fn parse(src: &str) -> Result<Expression, SyntaxError> {
        let compiled = Compiled::parse(src)?;
        Ok(Expression {
            source: Arc::from(src),
            compiled: Arc::new(compiled),
        })
    }

    /// The text this expression was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The `%names` the expression reads, each once, in order of first use (built-in
    /// ones such as `%resource` included; see [`crate::lint::is_built_in_variable`]).
    pub fn variables(&self) -> &[String] {
        self.compiled.variables()
    }

    /// Evaluates against `input` (usually a resource) with no extra variables.
    pub fn evaluate(&self, input: &Value) -> Result<Vec<Value>, EvalError> {
        self.evaluate_with(input, &Variables::new())
    }

    /// Evaluates against `input` with `%name` variables from `vars`.
    pub fn evaluate_with(
        &self,
        input: &Value,
        vars: &Variables<'_>,
    ) -> Result<Vec<Value>, EvalError> {
        self.compiled.evaluate(input, vars)
    }

    /// The engine's answer alone (for measuring and cross-checking the native evaluator).
    #[doc(hidden)]
    pub fn evaluate_by_engine(
        &self,
        input: &Value,
        vars: &Variables<'_>,
    ) -> Result<Vec<Value>, EvalError> {
        self.compiled.evaluate_by_engine(input, vars)
    }

    /// The native evaluator's answer alone; `None` where it defers to the engine.
    #[doc(hidden)]
    pub fn evaluate_natively(&self, input: &Value, vars: &Variables<'_>) -> Option<Vec<Value>> {
        self.compiled.evaluate_natively(input, vars)
    }
}
