//! FHIR packages, definitions index and native profile validation.
//!
//! Validation in three steps: load [`Definitions`] from package folders, make one
//! [`Validator`] (share it in an `Arc`; it is `Send + Sync`), call
//! [`Validator::validate`] or [`Validator::validate_bytes`] per resource.

pub mod definitions;
pub mod outcome;
pub mod package;
pub mod primitives;
pub mod source;
pub mod terminology;
pub mod validator;

pub use definitions::{DefinitionError, Definitions, LoadError};
pub use validator::{Diagnostic, IssueType, Options, Severity, ValidationReport, Validator};
