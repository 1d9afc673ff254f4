//! The one diagnostic model of samsvar and everything needed to point at user input.
//!
//! - [`Diagnostic`]: typed [`Severity`], a stable rule id, a message, an optional hint and
//!   a [`Location`] that is either a suite [`Span`] or a [`PayloadLocation`] (FHIRPath
//!   expression, XPath, JSON pointer, 1-based line and column). Suite lint, the FHIR
//!   validator and the XDS metadata rules all report it; it serialises with stable field
//!   names for run records and evidence.
//! - [`LineIndex`]: byte offset → 1-based [`LineCol`] for every text samsvar reads, in
//!   time bounded by a constant per query, whatever the length of a line.
//! - Renderers: [`render`] (file:line:col, source line, carets, hint),
//!   [`render_concise`] (one line), [`render_json`] and [`operation_outcome`].

pub mod catalogue;
mod diagnostic;
mod line_index;
mod render;
mod severity;
mod source;
mod suggest;

pub use diagnostic::{Diagnostic, Location, PayloadLocation};
pub use line_index::{CHECKPOINT_STRIDE, LineCol, LineIndex};
pub use render::{
    RULE_EXTENSION, SARIF_SCHEMA, SarifFile, SarifTool, count_line, operation_outcome, render,
    render_all, render_concise, render_concise_all, render_json, render_sarif, to_json,
};
pub use severity::{IssueType, Severity};
pub use source::{FileId, SourceFile, SourceMap, Span};
pub use suggest::{did_you_mean, nearest};
