//! The samsvar suite language: YAML suites parsed into a typed [`model::Suite`] that keeps
//! source spans, semantic checks (lint), and the JSON Schema of the format.
//!
//! Sync, no I/O beyond reading the suite and its fixture files.

pub mod model;
