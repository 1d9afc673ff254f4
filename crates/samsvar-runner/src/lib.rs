//! Executes suites against targets: transports, variables, captures, assertions,
//! concurrency, timeouts and limits. Emits [`Event`]s and never prints.

pub mod event;
mod outcome;
pub mod record;

pub use event::Event;
pub use outcome::Outcome;
