//! The EHDS logging component: every access to the FHIR simulator is recorded as an IHE
//! Basic Audit Log Patterns (BALP 1.1.4) AuditEvent, stored next to the resources (so
//! `GET /fhir/AuditEvent?…` finds it at once) and, when configured, pushed to an audit
//! record repository (ATNA "Record Audit Event", RESTful).
//!
//! - [`interaction`] tells from method and path which REST interaction a request is;
//! - [`context`] collects who called (peer, token claims, User-Agent, X-Request-Id);
//! - [`patient`] finds the patient a resource is about;
//! - [`event`] builds the AuditEvent JSON with the BALP codes;
//! - [`middleware`] ties them together around the handlers;
//! - [`mhd`] records the MHD 4.2.3 patterns of ITI-65/67/68 in place of the BALP ones;
//! - [`record`] stores (now or, under `audit-delayed`, later) and queues for [`push`],
//!   which POSTs them or sends them over syslog ([`syslog_out`], as [`dicom_out`] messages);
//! - [`target`] is how handlers tell the middleware which version they wrote.

mod context;
mod dicom_out;
mod event;
mod interaction;
mod mhd;
mod middleware;
mod patient;
mod push;
mod record;
mod syslog_out;
mod target;

pub use middleware::audit;
pub use patient::{patient_of, patient_reference};
pub use push::AuditPush;
pub use record::Recorder;
pub use target::{Target, Targets};
