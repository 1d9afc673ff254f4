//! Executes suites against targets: transports, variables, captures, assertions,
//! concurrency, timeouts and limits. Emits [`Event`](samsvar_record::Event)s, never
//! prints, and returns the run record its events fold into (`samsvar-record`).
//!
//! ```ignore
//! let runner = Runner::new(RunOptions::new(new_run_id()));
//! let record = runner.run(&suites, &bindings, &sink).await?;
//! ```
//!
//! Modules follow the nesting of a run: [`Runner`] → `suite` → `test` → `step`
//! (`step/http`, `step/xds`, `step/tls`), every step checked by the one evaluator in
//! `check` over a response view each step kind provides.

mod caches;
mod check;
mod clock;
mod context;
mod findings;
mod options;
mod plan;
mod recorder;
mod runner;
mod step;
mod suite;
mod test;
mod transport;
mod vars;

pub use check::NO_PROFILE_VALIDATION;
pub use clock::{new_run_id, now_rfc3339};
pub use options::{
    Bindings, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT, ProfileValidator, RunOptions, TargetBinding,
    TargetSecurity, default_jobs,
};
pub use runner::{Inbox, Runner};
pub use transport::{TransportError, human_bytes, human_duration};
