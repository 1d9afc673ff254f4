//! A fast path for the commonest invariant shape, `element.matches('regex')`.
//!
//! The engine compiles the regex of `matches()` on every call; for patterns with bounded
//! repetition such as ElementDefinition's eld-19 (`[^…]{1,64}(…)*`) that is about 2 ms per
//! call, and a StructureDefinition has hundreds of elements. Here the regex is compiled
//! once, with the engine's own semantics: an unanchored search in single-line mode, an
//! absent element gives an empty result, and anything else falls back to the engine.

use rh_fhirpath::FhirPathExpression;
use rh_fhirpath::ast::{Expression as Ast, Invocation, Literal, Term};
use serde_json::Value;

#[derive(Debug)]
pub(crate) struct FastMatch {
    element: String,
    regex: regex::Regex,
}

/// What the fast path found.
pub(crate) enum Fast {
    Done(Vec<Value>),
    /// Not a case the fast path covers: ask the engine.
    Engine,
}

impl FastMatch {
    /// `Some` when `ast` is `identifier.matches('literal')` with a regex that compiles.
    pub(crate) fn recognise(ast: &FhirPathExpression) -> Option<FastMatch> {
        let Ast::Invocation { left, invocation } = &ast.root else {
            return None;
        };
        let Ast::Term(Term::Invocation(Invocation::Member(element))) = left.as_ref() else {
            return None;
        };
        let Invocation::Function { name, parameters } = invocation else {
            return None;
        };
        let [Ast::Term(Term::Literal(Literal::String(pattern)))] = parameters.as_slice() else {
            return None;
        };
        if name != "matches" {
            return None;
        }
        let regex = regex::Regex::new(&format!("(?s){pattern}")).ok()?;
        Some(FastMatch {
            element: element.clone(),
            regex,
        })
    }

    pub(crate) fn evaluate(&self, input: &Value) -> Fast {
        let Value::Object(map) = input else {
            return Fast::Engine;
        };
        match map.get(&self.element) {
            None => Fast::Done(Vec::new()),
            Some(Value::String(s)) => Fast::Done(vec![Value::Bool(self.regex.is_match(s))]),
            Some(_) => Fast::Engine,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FastMatch;
    use rh_fhirpath::FhirPathParser;

    fn recognised(src: &str) -> bool {
        let ast = FhirPathParser::new().parse(src).unwrap();
        FastMatch::recognise(&ast).is_some()
    }

    #[test]
    fn only_element_matches_literal_takes_the_fast_path() {
        assert!(recognised("path.matches('[A-Z][a-z]*')"));
        assert!(!recognised("(path).matches('[A-Z]')"));
        assert!(!recognised("path.matches(%pattern)"));
        assert!(!recognised("path.matchesFull('[A-Z]')"));
        assert!(!recognised("a.path.matches('[A-Z]')"));
    }
}
