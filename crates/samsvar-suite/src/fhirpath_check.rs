//! FHIRPath checks, through samsvar's FHIRPath interface: syntax, and the mistakes its
//! lint finds (unknown functions, arity, operators of other languages) as diagnostics.

use samsvar_diagnostics::{Diagnostic, Span};
pub(crate) use samsvar_fhirpath::SyntaxError;
use samsvar_fhirpath::lint::{Finding, FindingKind};

/// Parses an expression only to find syntax errors.
pub(crate) fn parse(expr: &str) -> Result<(), SyntaxError> {
    samsvar_fhirpath::Expression::parse(expr).map(|_| ())
}

/// A lint finding as a suite diagnostic at `span`.
pub(crate) fn diagnostic(finding: &Finding, span: Span) -> Diagnostic {
    match &finding.kind {
        FindingKind::UnknownFunction { name } => {
            let d = Diagnostic::error(
                "unknown-function",
                span,
                format!("unknown FHIRPath function `{name}()`"),
            );
            match crate::suggest::closest(name, samsvar_fhirpath::lint::function_names()) {
                Some(s) => d.with_hint(format!("did you mean `{s}()`?")),
                None => d.with_hint(
                    "see the function list in docs/suite-language.md (FHIRPath functions this build evaluates)",
                ),
            }
        }
        FindingKind::Arity {
            name,
            min,
            max,
            found,
        } => {
            let takes = match (*min, *max) {
                (a, b) if a == b => format!("{a} argument{}", if a == 1 { "" } else { "s" }),
                (a, usize::MAX) => format!("{a} or more arguments"),
                (a, b) if b == a + 1 => format!("{a} or {b} arguments"),
                (a, b) => format!("{a} to {b} arguments"),
            };
            Diagnostic::error(
                "fhirpath-arity",
                span,
                format!("`{name}()` takes {takes}, found {found}"),
            )
        }
        FindingKind::Operator { found, instead } => Diagnostic::error(
            "fhirpath-operator",
            span,
            format!("`{found}` is not a FHIRPath operator"),
        )
        .with_hint(format!("write `{instead}`")),
    }
}
