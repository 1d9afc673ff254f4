//! A small FHIRPath interface over a maintained FHIRPath engine.
//!
//! Compile an expression once with [`Expression::parse`], then evaluate it as often as
//! needed (from any thread) against JSON resources. Results are JSON values: primitives
//! as JSON strings/numbers/booleans (dates and times as strings), complex elements as
//! JSON objects. The engine behind this interface is an implementation detail; see
//! `docs/design/fhirpath.md` for which one and why.

mod convert;
mod engine;
mod error;
mod expression;
mod hoist;
pub mod lint;
mod native;
mod scan;
mod syntax;
mod values;
mod variables;

pub use error::{EvalError, SyntaxError};
pub use expression::Expression;
pub use values::{as_boolean, display, singleton_boolean};
pub use variables::Variables;
