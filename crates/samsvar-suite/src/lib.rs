//! The samsvar suite language: YAML suites parsed into a typed [`model::Suite`] that keeps
//! source spans, semantic checks (lint), and the JSON Schema of the format.
//!
//! Sync, no I/O beyond reading the suite and its fixture files.
//!
//! ```no_run
//! match samsvar_suite::load("testsuites/fhir-rest-basics") {
//!     Ok(loaded) => println!("{} tests", loaded.suite.root.items.len()),
//!     Err(err) => eprint!("{}", err.render()),
//! }
//! ```

// The suite schema is one large `json!` literal.
#![recursion_limit = "256"]

mod check;
mod discover;
mod fhirpath_check;
mod load;
mod lower;
pub mod model;
pub mod rules;
pub mod schema;
mod select;
mod step_fit;
mod structure;
mod suggest;
mod template;
mod xds_schema;
mod yaml;

pub use check::outside_variables;
pub use discover::discover;
pub use load::{Checked, LoadError, Loaded, SUITE_FILE, check, check_source, load, suite_file};
pub use schema::suite_schema;
pub use select::{SelectError, select};
pub use template::from_str as template_from_str;
