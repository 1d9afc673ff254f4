//! FHIRPath syntax checks, through samsvar's FHIRPath interface.

pub(crate) use samsvar_fhirpath::SyntaxError;

/// Parses an expression only to find syntax errors.
pub(crate) fn parse(expr: &str) -> Result<(), SyntaxError> {
    samsvar_fhirpath::Expression::parse(expr).map(|_| ())
}
