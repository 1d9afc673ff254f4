//! A FHIRPath evaluator that reads the input JSON in place.
//!
//! The engine (rh-fhirpath) converts the JSON under every path step into its own values,
//! which costs 10–600 µs per invariant and copies whole resources. This evaluator walks
//! the same syntax tree over borrowed `serde_json::Value`s and covers what FHIR
//! invariants use: navigation (choice elements, primitive extensions), the boolean and
//! collection functions, strings, equality and comparison of numbers, strings and
//! same-shaped dates. Whatever it cannot decide exactly without a type model (date
//! arithmetic, quantities, most type tests, `resolve()`, …) it answers `Unsupported`,
//! and the caller asks the engine instead — so it is a fast path, never a second
//! opinion.

mod functions;
mod item;
mod navigate;
mod operators;

use std::borrow::Cow;
use std::collections::HashMap;

use regex::Regex;
use rh_fhirpath::ast::{Expression as Ast, Invocation, Literal, Term};
use serde_json::Value;

use crate::Variables;
use item::Item;

/// Not decided here: the engine evaluates the expression instead.
#[derive(Debug)]
pub(crate) struct Unsupported;

type Eval<T> = Result<T, Unsupported>;
type Collection<'a> = Vec<Item<'a>>;

/// Regexes of `matches`/`replaceMatches` with literal patterns, compiled once.
#[derive(Debug, Default)]
pub(crate) struct Regexes(HashMap<String, Regex>);

impl Regexes {
    /// Compiles every literal pattern in `ast`.
    pub(crate) fn collect(ast: &Ast) -> Self {
        let mut found = Regexes::default();
        found.walk(ast);
        found
    }

    fn walk(&mut self, ast: &Ast) {
        let visit_invocation = |inv: &Invocation, this: &mut Self| {
            if let Invocation::Function { name, parameters } = inv {
                if let (
                    "matches" | "replaceMatches",
                    Some(Ast::Term(Term::Literal(Literal::String(p)))),
                ) = (name.as_str(), parameters.first())
                    && let Some(re) = compile(p)
                {
                    this.0.insert(p.clone(), re);
                }
                for p in parameters {
                    this.walk(p);
                }
            }
        };
        match ast {
            Ast::Term(Term::Invocation(inv)) => visit_invocation(inv, self),
            Ast::Term(Term::Parenthesized(inner)) => self.walk(inner),
            Ast::Term(_) => {}
            Ast::Invocation { left, invocation } => {
                self.walk(left);
                visit_invocation(invocation, self);
            }
            Ast::Indexer { left, index } => {
                self.walk(left);
                self.walk(index);
            }
            Ast::Polarity { operand, .. } => self.walk(operand),
            Ast::Type { left, .. } => self.walk(left),
            Ast::Multiplicative { left, right, .. }
            | Ast::Additive { left, right, .. }
            | Ast::Union { left, right }
            | Ast::Inequality { left, right, .. }
            | Ast::Equality { left, right, .. }
            | Ast::Membership { left, right, .. }
            | Ast::And { left, right }
            | Ast::Or { left, right, .. }
            | Ast::Implies { left, right } => {
                self.walk(left);
                self.walk(right);
            }
        }
    }

    fn get(&self, pattern: &str) -> Option<Cow<'_, Regex>> {
        match self.0.get(pattern) {
            Some(re) => Some(Cow::Borrowed(re)),
            None => compile(pattern).map(Cow::Owned),
        }
    }
}

/// The engine's regex semantics: `.` matches newlines.
fn compile(pattern: &str) -> Option<Regex> {
    Regex::new(&format!("(?s){pattern}")).ok()
}

/// Evaluates `ast` on `input`; `Err(Unsupported)` when the engine must decide.
pub(crate) fn evaluate(
    ast: &Ast,
    input: &Value,
    vars: &Variables<'_>,
    regexes: &Regexes,
) -> Result<Vec<Value>, Unsupported> {
    let env = Env {
        input,
        vars,
        regexes,
    };
    let root = Item::node(input);
    let scope = Scope {
        this: &root,
        index: None,
    };
    let result = env.eval(ast, std::slice::from_ref(&root), &scope)?;
    result
        .iter()
        .map(|i| i.to_json().ok_or(Unsupported))
        .collect()
}

struct Env<'a> {
    input: &'a Value,
    vars: &'a Variables<'a>,
    regexes: &'a Regexes,
}

/// `$this` and `$index` where an expression is evaluated.
struct Scope<'s, 'a> {
    this: &'s Item<'a>,
    index: Option<usize>,
}

impl<'a> Env<'a> {
    /// Evaluates `ast` with `focus` as the input collection of its first step.
    fn eval(&self, ast: &Ast, focus: &[Item<'a>], scope: &Scope<'_, 'a>) -> Eval<Collection<'a>> {
        match ast {
            Ast::Term(term) => self.term(term, focus, scope),
            Ast::Invocation { left, invocation } => {
                let input = self.eval(left, focus, scope)?;
                self.invoke(invocation, &input, focus, scope)
            }
            Ast::Indexer { left, index } => {
                let input = self.eval(left, focus, scope)?;
                let index = self.eval(index, focus, scope)?;
                match index.as_slice() {
                    [] => Ok(Vec::new()),
                    [Item::Int(i)] => Ok(usize::try_from(*i)
                        .ok()
                        .and_then(|i| input.get(i).cloned())
                        .into_iter()
                        .collect()),
                    _ => Err(Unsupported),
                }
            }
            Ast::Polarity { operator, operand } => {
                let value = self.eval(operand, focus, scope)?;
                operators::polarity(operator, &value)
            }
            Ast::Multiplicative { .. } => Err(Unsupported),
            Ast::Additive {
                left,
                operator,
                right,
            } => {
                let l = self.eval(left, focus, scope)?;
                let r = self.eval(right, focus, scope)?;
                operators::additive(operator, &l, &r)
            }
            Ast::Type {
                left,
                operator,
                type_specifier,
            } => {
                let l = self.eval(left, focus, scope)?;
                functions::type_operator(operator, &l, &type_specifier.qualified_name)
            }
            Ast::Union { left, right } => {
                let mut l = self.eval(left, focus, scope)?;
                l.extend(self.eval(right, focus, scope)?);
                operators::distinct(l)
            }
            Ast::Inequality {
                left,
                operator,
                right,
            } => {
                let l = self.eval(left, focus, scope)?;
                let r = self.eval(right, focus, scope)?;
                operators::inequality(operator, &l, &r)
            }
            Ast::Equality {
                left,
                operator,
                right,
            } => {
                let l = self.eval(left, focus, scope)?;
                let r = self.eval(right, focus, scope)?;
                operators::equality(operator, &l, &r)
            }
            Ast::Membership {
                left,
                operator,
                right,
            } => {
                let l = self.eval(left, focus, scope)?;
                let r = self.eval(right, focus, scope)?;
                operators::membership(operator, &l, &r)
            }
            Ast::And { left, right } => {
                let l = self.truth(left, focus, scope)?;
                if l == Some(false) {
                    return Ok(vec![Item::Bool(false)]);
                }
                let r = self.truth(right, focus, scope)?;
                Ok(logic(match (l, r) {
                    (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                }))
            }
            Ast::Or {
                left,
                operator,
                right,
            } => {
                let l = self.truth(left, focus, scope)?;
                let xor = matches!(operator, rh_fhirpath::ast::OrOperator::Xor);
                if l == Some(true) && !xor {
                    return Ok(vec![Item::Bool(true)]);
                }
                let r = self.truth(right, focus, scope)?;
                Ok(logic(match (l, r, xor) {
                    (Some(a), Some(b), true) => Some(a != b),
                    (_, _, true) => None,
                    (_, Some(true), false) => Some(true),
                    (Some(false), Some(false), false) => Some(false),
                    _ => None,
                }))
            }
            Ast::Implies { left, right } => {
                let l = self.truth(left, focus, scope)?;
                if l == Some(false) {
                    return Ok(vec![Item::Bool(true)]);
                }
                let r = self.truth(right, focus, scope)?;
                Ok(logic(match (l, r) {
                    (Some(true), r) => r,
                    (_, Some(true)) => Some(true),
                    _ => None,
                }))
            }
        }
    }

    /// An operand of a boolean operator: empty is unknown, a single boolean is itself.
    fn truth(&self, ast: &Ast, focus: &[Item<'a>], scope: &Scope<'_, 'a>) -> Eval<Option<bool>> {
        let value = self.eval(ast, focus, scope)?;
        truth(&value)
    }

    fn term(&self, term: &Term, focus: &[Item<'a>], scope: &Scope<'_, 'a>) -> Eval<Collection<'a>> {
        match term {
            Term::Invocation(inv) => self.invoke(inv, focus, focus, scope),
            Term::Literal(lit) => literal(lit),
            Term::ExternalConstant(name) => self.constant(name),
            Term::Parenthesized(inner) => self.eval(inner, focus, scope),
        }
    }

    /// Applies a member or function step to `input`; function arguments that are not
    /// per-item lambdas are evaluated against `outer`, the focus of the whole chain.
    fn invoke(
        &self,
        inv: &Invocation,
        input: &[Item<'a>],
        outer: &[Item<'a>],
        scope: &Scope<'_, 'a>,
    ) -> Eval<Collection<'a>> {
        match inv {
            Invocation::Member(name) => {
                let mut out = Vec::new();
                for item in input {
                    navigate::member(item, name, &mut out);
                }
                Ok(out)
            }
            Invocation::This => Ok(vec![scope.this.clone()]),
            Invocation::Index => match scope.index.and_then(|i| i64::try_from(i).ok()) {
                Some(i) => Ok(vec![Item::Int(i)]),
                None => Err(Unsupported),
            },
            Invocation::Total => Err(Unsupported),
            Invocation::Function { name, parameters } => {
                functions::call(self, name, parameters, input, outer, scope)
            }
        }
    }

    fn constant(&self, name: &str) -> Eval<Collection<'a>> {
        if let Some(v) = self.vars.get(name) {
            return Ok(vec![Item::node(v)]);
        }
        let known = match name {
            "resource" | "context" => self.input,
            "rootResource" => self.vars.get("resource").unwrap_or(self.input),
            "ucum" => return Ok(vec![Item::Str(Cow::Borrowed("http://unitsofmeasure.org"))]),
            "sct" => return Ok(vec![Item::Str(Cow::Borrowed("http://snomed.info/sct"))]),
            "loinc" => return Ok(vec![Item::Str(Cow::Borrowed("http://loinc.org"))]),
            _ => return Err(Unsupported),
        };
        Ok(vec![Item::node(known)])
    }

    /// Evaluates a lambda argument for one item of the input.
    fn for_item(&self, ast: &Ast, item: &Item<'a>, index: usize) -> Eval<Collection<'a>> {
        let scope = Scope {
            this: item,
            index: Some(index),
        };
        self.eval(ast, std::slice::from_ref(item), &scope)
    }
}

/// A collection read as a boolean: empty is unknown; one boolean is itself. Anything
/// else is for the engine (singleton rules differ between engines and spec versions).
fn truth(value: &[Item<'_>]) -> Eval<Option<bool>> {
    match value {
        [] => Ok(None),
        [one] => match one.prim() {
            Some(item::Prim::Bool(b)) => Ok(Some(b)),
            _ => Err(Unsupported),
        },
        _ => Err(Unsupported),
    }
}

fn logic<'a>(b: Option<bool>) -> Collection<'a> {
    b.map(Item::Bool).into_iter().collect()
}

fn literal<'a>(lit: &Literal) -> Eval<Collection<'a>> {
    Ok(match lit {
        Literal::Null => Vec::new(),
        Literal::Boolean(b) => vec![Item::Bool(*b)],
        Literal::String(s) => vec![Item::Str(Cow::Owned(s.clone()))],
        Literal::Integer(i) => vec![Item::Int(*i)],
        Literal::Number(d) => vec![Item::Dec(d.to_string().parse().map_err(|_| Unsupported)?)],
        _ => return Err(Unsupported),
    })
}
