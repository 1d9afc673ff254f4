//! Executes suites against targets: transports, variables, captures, assertions,
//! concurrency, timeouts and limits. Emits [`Event`]s and never prints.
//!
//! ```ignore
//! let runner = Runner::new(RunOptions::new(new_run_id()));
//! let record = runner.run(&suites, &sources, &bindings, &sink).await?;
//! ```

mod assertions;
mod caches;
mod clock;
mod context;
pub mod event;
mod options;
mod outcome;
mod plan;
pub mod record;
mod redact;
mod request;
mod response;
mod runner;
mod sink;
mod step;
mod suite_exec;
mod test_exec;
mod tls_exec;
mod transport;
mod vars;
mod xds_exec;

pub use assertions::NO_PROFILE_VALIDATION;
pub use clock::{new_run_id, now_rfc3339};
pub use event::Event;
pub use options::{
    Bindings, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT, ProfileValidator, RunOptions, TargetBinding,
    TargetSecurity, default_jobs,
};
pub use outcome::Outcome;
pub use redact::Redactor;
pub use runner::Runner;
pub use sink::{CollectingSink, EventSink, Fanout, NullSink};
pub use transport::{TransportError, human_bytes, human_duration};
