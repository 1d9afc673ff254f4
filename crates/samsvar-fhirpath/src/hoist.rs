//! Hoisting of context-free subexpressions out of iterations.
//!
//! The engine copies every constant into each child context (one per item of `where`,
//! `all`, `select`…) and copies a constant again at each use, so an invariant such as
//! sdf-8, `element.tail().all(path.startsWith(%resource.snapshot.element.first().path&'.'))`,
//! copies the whole resource twice per element: quadratic in the resource size. A
//! subexpression that reads only constants and literals has the same value everywhere,
//! so it is evaluated once, before the main expression, and the main expression reads its
//! (small) value as a constant instead.

use rh_fhirpath::ast::{Expression as Ast, Invocation, Term};

/// Prefix of the constants that stand for hoisted subexpressions.
const HOISTED: &str = "samsvarHoisted";

/// A subexpression evaluated once, and the constant the main expression reads it from.
#[derive(Debug)]
pub(crate) struct Hoisted {
    pub name: String,
    pub expr: Ast,
    /// The constants it reads.
    pub constants: Vec<String>,
}

/// Replaces every maximal context-free subexpression that reads a constant (other than a
/// bare `%constant`) by a new constant, returning the rewritten expression.
pub(crate) fn hoist(expr: &Ast, out: &mut Vec<Hoisted>) -> Ast {
    if is_context_free(expr) && reads_constant(expr) && !is_bare_term(expr) {
        let name = format!("{HOISTED}{}", out.len());
        let mut names = Vec::new();
        constants(expr, &mut names);
        out.push(Hoisted {
            name: name.clone(),
            expr: expr.clone(),
            constants: names,
        });
        return Ast::Term(Term::ExternalConstant(name));
    }
    let mut e = expr.clone();
    match &mut e {
        Ast::Term(Term::Parenthesized(inner)) => **inner = hoist(inner, out),
        Ast::Term(Term::Invocation(inv)) => hoist_parameters(inv, out),
        Ast::Term(_) => {}
        Ast::Invocation { left, invocation } => {
            // extension() reads extension data the engine strips from a final result, so
            // what it is applied to stays in place.
            if !touches_extensions(invocation) {
                **left = hoist(left, out);
            }
            hoist_parameters(invocation, out);
        }
        Ast::Polarity { operand, .. } => **operand = hoist(operand, out),
        Ast::Type { left, .. } => **left = hoist(left, out),
        _ => {
            if let Some((left, right)) = operands_mut(&mut e) {
                **left = hoist(left, out);
                **right = hoist(right, out);
            }
        }
    }
    e
}

fn hoist_parameters(inv: &mut Invocation, out: &mut Vec<Hoisted>) {
    if let Invocation::Function { parameters, .. } = inv {
        for p in parameters.iter_mut() {
            *p = hoist(p, out);
        }
    }
}

fn touches_extensions(inv: &Invocation) -> bool {
    matches!(inv, Invocation::Function { name, .. } | Invocation::Member(name) if name.starts_with("extension") || name == "hasValue" || name == "getValue")
}

/// Reads nothing from the evaluation context: no member of the input, no `$this`,
/// `$index` or `$total`, no function on the input (which also rules out `now()`).
fn is_context_free(e: &Ast) -> bool {
    match e {
        Ast::Term(Term::Literal(_) | Term::ExternalConstant(_)) => true,
        Ast::Term(Term::Parenthesized(inner)) => is_context_free(inner),
        Ast::Term(Term::Invocation(_)) => false,
        Ast::Invocation { left, invocation } => {
            is_context_free(left)
                && match invocation {
                    Invocation::Member(_) => true,
                    // Parameters are evaluated per item of `left`: they must not read it.
                    Invocation::Function { parameters, .. } => {
                        parameters.iter().all(is_context_free)
                    }
                    Invocation::This | Invocation::Index | Invocation::Total => false,
                }
        }
        Ast::Polarity { operand, .. } => is_context_free(operand),
        Ast::Type { left, .. } => is_context_free(left),
        _ => operands(e).is_some_and(|(l, r)| is_context_free(l) && is_context_free(r)),
    }
}

fn is_bare_term(e: &Ast) -> bool {
    match e {
        Ast::Term(Term::Parenthesized(inner)) => is_bare_term(inner),
        Ast::Term(_) => true,
        _ => false,
    }
}

fn reads_constant(e: &Ast) -> bool {
    let mut names = Vec::new();
    constants(e, &mut names);
    !names.is_empty()
}

/// The `%constants` an expression reads, each once.
pub(crate) fn constants(e: &Ast, out: &mut Vec<String>) {
    let mut add = |name: &String| {
        if !out.contains(name) {
            out.push(name.clone());
        }
    };
    match e {
        Ast::Term(Term::ExternalConstant(name)) => add(name),
        Ast::Term(Term::Literal(_)) => {}
        Ast::Term(Term::Parenthesized(inner)) => constants(inner, out),
        Ast::Term(Term::Invocation(inv)) => invocation_constants(inv, out),
        Ast::Invocation { left, invocation } => {
            constants(left, out);
            invocation_constants(invocation, out);
        }
        Ast::Polarity { operand, .. } => constants(operand, out),
        Ast::Type { left, .. } => constants(left, out),
        _ => {
            if let Some((left, right)) = operands(e) {
                constants(left, out);
                constants(right, out);
            }
        }
    }
}

fn invocation_constants(inv: &Invocation, out: &mut Vec<String>) {
    if let Invocation::Function { parameters, .. } = inv {
        for p in parameters {
            constants(p, out);
        }
    }
}

/// The two operands of a binary expression (operators and indexers).
fn operands(e: &Ast) -> Option<(&Ast, &Ast)> {
    match e {
        Ast::Indexer { left, index: right }
        | Ast::Multiplicative { left, right, .. }
        | Ast::Additive { left, right, .. }
        | Ast::Union { left, right }
        | Ast::Inequality { left, right, .. }
        | Ast::Equality { left, right, .. }
        | Ast::Membership { left, right, .. }
        | Ast::And { left, right }
        | Ast::Or { left, right, .. }
        | Ast::Implies { left, right } => Some((left, right)),
        _ => None,
    }
}

fn operands_mut(e: &mut Ast) -> Option<(&mut Box<Ast>, &mut Box<Ast>)> {
    match e {
        Ast::Indexer { left, index: right }
        | Ast::Multiplicative { left, right, .. }
        | Ast::Additive { left, right, .. }
        | Ast::Union { left, right }
        | Ast::Inequality { left, right, .. }
        | Ast::Equality { left, right, .. }
        | Ast::Membership { left, right, .. }
        | Ast::And { left, right }
        | Ast::Or { left, right, .. }
        | Ast::Implies { left, right } => Some((left, right)),
        _ => None,
    }
}
