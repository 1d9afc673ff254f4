//! Adapter to the FHIRPath engine: rh-fhirpath (see docs/design/fhirpath.md for why).

use std::panic::{AssertUnwindSafe, catch_unwind};

use rh_fhirpath::{
    EvaluationContext, FhirPathEvaluator, FhirPathExpression, FhirPathParser, FhirPathValue,
};
use serde_json::Value;

use crate::convert::push_json;
use crate::{EvalError, SyntaxError, Variables, scan, syntax};

thread_local! {
    // The evaluator holds its function table in non-`Sync` boxes, so each thread
    // builds one once and keeps it; parsed expressions are plain data and shared.
    static EVALUATOR: FhirPathEvaluator = FhirPathEvaluator::new();
}

/// A parsed expression, ready to evaluate.
pub(crate) struct Compiled {
    ast: FhirPathExpression,
    // Building %rootResource copies the input; only pay for it when it is used.
    uses_root_resource: bool,
}

impl Compiled {
    pub(crate) fn parse(src: &str) -> Result<Self, SyntaxError> {
        let blanked = scan::blank_comments_and_check(src)?;
        if blanked.trim().is_empty() {
            return Err(SyntaxError {
                offset: 0,
                len: src.len(),
                message: "expression is empty".into(),
            });
        }
        let parsed = catch_unwind(|| FhirPathParser::new().parse(&blanked));
        match parsed {
            Ok(Ok(ast)) => Ok(Compiled {
                ast,
                uses_root_resource: blanked.contains("rootResource"),
            }),
            Ok(Err(e)) => Err(syntax::locate(&blanked, &e.to_string())),
            Err(_) => Err(SyntaxError {
                offset: 0,
                len: src.len(),
                message: "the FHIRPath parser failed on this expression".into(),
            }),
        }
    }

    pub(crate) fn evaluate(
        &self,
        input: &Value,
        vars: &Variables,
    ) -> Result<Vec<Value>, EvalError> {
        let mut ctx = EvaluationContext::new(input.clone());
        // %resource and %context default to the input inside the engine; %rootResource
        // is not built in, so it defaults here to %resource (or the input).
        if self.uses_root_resource && vars.get("rootResource").is_none() {
            let root = vars.get("resource").unwrap_or(input);
            ctx.add_constant("rootResource".into(), FhirPathValue::from_json(root));
        }
        for (name, value) in vars.iter() {
            ctx.add_constant(name.to_string(), FhirPathValue::from_json(value));
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            EVALUATOR.with(|evaluator| evaluator.evaluate(&self.ast, &ctx))
        }));
        match result {
            Ok(Ok(value)) => {
                let mut out = Vec::new();
                push_json(&value, &mut out);
                Ok(out)
            }
            Ok(Err(e)) => Err(EvalError::new(e.to_string())),
            Err(_) => Err(EvalError::new("the FHIRPath engine failed on this input")),
        }
    }
}
