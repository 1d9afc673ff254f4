//! Adapter to the FHIRPath engine: rh-fhirpath (see docs/design/fhirpath.md for why).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};

use rh_fhirpath::{
    EvaluationContext, FhirPathEvaluator, FhirPathExpression, FhirPathParser, FhirPathValue,
};
use serde_json::Value;

use crate::convert::push_json;
use crate::hoist::{self, Hoisted};
use crate::native::{self, Regexes};
use crate::{EvalError, SyntaxError, Variables, scan, syntax};

thread_local! {
    // The evaluator holds its function table in non-`Sync` boxes, so each thread
    // builds one once and keeps it; parsed expressions are plain data and shared.
    static EVALUATOR: FhirPathEvaluator = FhirPathEvaluator::new();
}

/// A parsed expression, ready to evaluate.
pub(crate) struct Compiled {
    ast: FhirPathExpression,
    /// `ast` with its context-free subexpressions replaced by constants (see `hoist.rs`);
    /// `None` when there was nothing to hoist.
    main: Option<FhirPathExpression>,
    hoisted: Vec<Hoisted>,
    /// The `%names` the whole expression reads, and those its main part reads. The engine
    /// converts every constant it is given in full, so a variable the expression never
    /// reads is not handed over: an element invariant would otherwise copy the whole
    /// resource on every evaluation.
    constants: Vec<String>,
    main_constants: Vec<String>,
    /// Literal regex patterns, compiled once for the native evaluator.
    regexes: Regexes,
    /// Identifies this expression's hoisted values remembered in [`Variables`].
    id: u64,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

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
            Ok(Ok(ast)) => Ok(Compiled::new(ast)),
            Ok(Err(e)) => Err(syntax::locate(&blanked, &e.to_string())),
            Err(_) => Err(SyntaxError {
                offset: 0,
                len: src.len(),
                message: "the FHIRPath parser failed on this expression".into(),
            }),
        }
    }

    fn new(ast: FhirPathExpression) -> Self {
        let mut constants = Vec::new();
        hoist::constants(&ast.root, &mut constants);
        let mut hoisted = Vec::new();
        let rewritten = hoist::hoist(&ast.root, &mut hoisted);
        let (main, main_constants) = if hoisted.is_empty() {
            (None, constants.clone())
        } else {
            let mut names = Vec::new();
            hoist::constants(&rewritten, &mut names);
            (Some(FhirPathExpression { root: rewritten }), names)
        };
        Compiled {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            regexes: Regexes::collect(&ast.root),
            ast,
            main,
            hoisted,
            constants,
            main_constants,
        }
    }

    pub(crate) fn variables(&self) -> &[String] {
        &self.constants
    }

    /// Evaluates natively where that is exact, else with the engine.
    pub(crate) fn evaluate(
        &self,
        input: &Value,
        vars: &Variables<'_>,
    ) -> Result<Vec<Value>, EvalError> {
        if native_enabled()
            && let Some(values) = self.evaluate_natively(input, vars)
        {
            return Ok(values);
        }
        self.evaluate_by_engine(input, vars)
    }

    /// The native evaluator's answer, `None` where it leaves the expression to the engine.
    pub(crate) fn evaluate_natively(
        &self,
        input: &Value,
        vars: &Variables<'_>,
    ) -> Option<Vec<Value>> {
        native::evaluate(&self.ast.root, input, vars, &self.regexes).ok()
    }

    pub(crate) fn evaluate_by_engine(
        &self,
        input: &Value,
        vars: &Variables<'_>,
    ) -> Result<Vec<Value>, EvalError> {
        let result = catch_unwind(AssertUnwindSafe(|| {
            EVALUATOR.with(|evaluator| self.run(evaluator, input, vars))
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

    fn run(
        &self,
        evaluator: &FhirPathEvaluator,
        input: &Value,
        vars: &Variables<'_>,
    ) -> Result<FhirPathValue, rh_fhirpath::FhirPathError> {
        let Some(main) = &self.main else {
            return evaluator.evaluate(&self.ast, &context(input, vars, &self.constants));
        };
        // Built only when a hoisted value is not remembered yet: it holds every variable.
        let mut full: Option<EvaluationContext> = None;
        let mut ctx = context(input, vars, &self.main_constants);
        for (i, h) in self.hoisted.iter().enumerate() {
            let key = (self.id, i);
            if let Some(value) = vars.remembered(key) {
                ctx.add_constant(h.name.clone(), value);
                continue;
            }
            let full = full.get_or_insert_with(|| context(input, vars, &self.constants));
            let expr = FhirPathExpression {
                root: h.expr.clone(),
            };
            match evaluator.evaluate(&expr, full) {
                Ok(value) => {
                    // A value that reads the input (as a defaulted %resource) is not
                    // the same for the next input.
                    if h.constants.iter().all(|c| provided(vars, c)) {
                        vars.remember(key, &value);
                    }
                    ctx.add_constant(h.name.clone(), value);
                }
                // The original may never have reached this part (`a or %x.f()`): let it
                // decide, unhoisted.
                Err(_) => return evaluator.evaluate(&self.ast, full),
            }
        }
        evaluator.evaluate(main, &ctx)
    }
}

/// `SAMSVAR_FHIRPATH=engine` sends every evaluation to the engine: a switch for telling
/// whether a surprising result comes from the native evaluator.
fn native_enabled() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var("SAMSVAR_FHIRPATH").map_or(true, |v| v != "engine"))
}

/// Is `%name` set, or (for %rootResource) does it default to a variable that is?
fn provided(vars: &Variables<'_>, name: &str) -> bool {
    vars.get(name).is_some() || (name == "rootResource" && vars.get("resource").is_some())
}

/// An evaluation context for `input` holding the variables among `names`.
fn context(input: &Value, vars: &Variables<'_>, names: &[String]) -> EvaluationContext {
    let reads = |name: &str| names.iter().any(|n| n == name);
    // The engine copies its root into every child context (each item of `where`, `all`,
    // `select`…) and reads it only for a %resource or %rootResource it was not given.
    // Leaving it empty otherwise keeps an invariant on a large resource linear.
    let mut ctx = EvaluationContext::new(Value::Null);
    ctx.current = input.clone();
    if ["resource", "rootResource"]
        .iter()
        .any(|n| reads(n) && vars.get(n).is_none())
    {
        ctx.root = input.clone();
    }
    // %resource and %context default to the input inside the engine; %rootResource is
    // not built in, so it defaults here to %resource (or the input).
    if reads("rootResource") && vars.get("rootResource").is_none() {
        let root = vars.get("resource").unwrap_or(input);
        ctx.add_constant("rootResource".into(), FhirPathValue::from_json(root));
    }
    for (name, value) in vars.iter() {
        if reads(name) {
            ctx.add_constant(name.to_string(), FhirPathValue::from_json(value));
        }
    }
    ctx
}

#[cfg(test)]
mod tests {
    use super::Compiled;

    #[test]
    fn constants_come_from_the_syntax_tree() {
        let c = Compiled::parse("%resource.id = %`vs-x` and name.where(%ucum.exists()).exists()")
            .unwrap();
        assert_eq!(c.constants, ["resource", "vs-x", "ucum"]);
        assert!(
            Compiled::parse("'%notaconstant'.exists()")
                .unwrap()
                .constants
                .is_empty()
        );
    }

    #[test]
    fn hoisted_values_are_remembered_only_for_given_variables() {
        let c = Compiled::parse("name.given.all(%resource.name.given contains $this)").unwrap();
        let input = serde_json::json!({ "name": [{ "given": ["Kari"] }] });
        let mut vars = crate::Variables::new();
        vars.insert("resource", input.clone());
        c.evaluate_by_engine(&input, &vars).unwrap();
        assert!(
            vars.remembered((c.id, 0)).is_some(),
            "remembered for %resource"
        );
        let none = crate::Variables::new();
        c.evaluate_by_engine(&input, &none).unwrap();
        assert!(
            none.remembered((c.id, 0)).is_none(),
            "a defaulted %resource is the input: not remembered"
        );
    }

    #[test]
    fn context_free_parts_of_an_iteration_are_hoisted() {
        let c = Compiled::parse(
            "element.tail().all(path.startsWith(%resource.snapshot.element.first().path & '.'))",
        )
        .unwrap();
        assert_eq!(c.hoisted.len(), 1);
        // The main expression no longer reads %resource, so it is not handed over.
        assert_eq!(c.main_constants, ["samsvarHoisted0"]);
        let bare = Compiled::parse("name.where($this = %resource).exists()").unwrap();
        assert_eq!(
            bare.hoisted.len(),
            0,
            "a bare %constant stays: {:?}",
            bare.hoisted
        );
    }
}
