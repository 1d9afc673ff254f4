//! The run record and everything that produces or consumes it without the HTTP stack:
//!
//! - [`Event`]s, which a run emits as it goes (and the journal stores, one per line);
//! - the one [`Fold`] from events to a [`RunRecord`], with the roll-up rules;
//! - [`EventSink`]s that receive events (fan-out, collecting, null);
//! - one walker over the record's tree ([`SuiteRecord::tests`], [`RunRecord::steps`], …);
//! - the one [`Redactor`], which every producer and writer of values shares;
//! - bounded [`excerpt()`]s of the values a system under test controls.
//!
//! ```
//! use samsvar_record::{Event, Fold, Outcome, ToolInfo};
//! let mut fold = Fold::new();
//! fold.apply(Event::RunStarted {
//!     run_id: "r1".into(),
//!     started_at: "2026-11-24T10:00:00Z".into(),
//!     tool: ToolInfo { name: "samsvar".into(), version: "0.1.0".into() },
//!     targets: vec![],
//!     plan: vec![],
//!     selection: None,
//! });
//! fold.apply(Event::RunFinished { finished_at: "2026-11-24T10:00:01Z".into(), duration_ms: 1000 });
//! let record = fold.into_record();
//! assert_eq!(record.outcome, Outcome::Pass);
//! ```

pub mod event;
pub mod excerpt;
pub mod fold;
mod outcome;
pub mod plan;
mod problem;
pub mod record;
pub mod redact;
mod sink;
mod walk;

pub use event::{Event, StepOwner};
pub use excerpt::{DEFAULT_EXCERPT_BYTES, DEFAULT_MAX_ISSUES, excerpt};
pub use fold::{Fold, roll_up};
pub use outcome::Outcome;
pub use plan::{GroupPlan, PlanItem, SuitePlan, TestPlan, total_tests};
pub use problem::{assertion_line, first_problem};
pub use record::*;
pub use redact::Redactor;
pub use redact::WireMessage;
/// Findings attached to assertions are the one diagnostic model of samsvar.
pub use samsvar_diagnostics::{Diagnostic, PayloadLocation, Severity};
pub use sink::{CollectingSink, EventSink, Fanout, NullSink};
pub use walk::{TestEntry, Tests};
