//! An ATNA Audit Record Repository for one run. It receives Record Audit Event [ITI-20]
//! both ways a system sends it:
//!
//! - FHIR: `POST [base]/AuditEvent`, or a `batch`/`transaction` Bundle of them to `[base]`;
//! - syslog over TLS (RFC 5424 messages in RFC 5425 frames) carrying DICOM audit
//!   messages, which it stores as the AuditEvents they map to (the R4 `dicom` mappings).
//!
//! A suite searches what arrived (`GET [base]/AuditEvent?…`, as ITI-81 does it). It is the
//! FHIR simulator without an audit trail of its own and without seed data. It accepts
//! every event, compliant or not (BALP and ATNA: a repository does not reject an event for
//! its content); what it notices is recorded as findings next to each message, and every
//! message is handed to the run as evidence ([`Feed`]).

mod capture;
mod dicom;
pub mod findings;
mod intake;
mod rfc5424;
mod syslog;

/// A DICOM `AuditMessage` element as the AuditEvent it maps to (for the simulator's tests).
#[cfg(test)]
pub(crate) fn dicom_audit_event(root: &samsvar_xds::xml::Element) -> serde_json::Value {
    serde_json::Value::Object(dicom::audit_event(root))
}

pub use intake::{FINDING_TAG_SYSTEM, Feed, MAX_KEPT_BYTES, MAX_KEPT_MESSAGES};
pub use syslog::{MAX_MESSAGE, SyslogListener};

use crate::auth::tls::TlsMaterial;
use crate::fhir::FhirSim;
use crate::server::{SimError, SimHandle, serve};
use intake::Intake;
use samsvar_record::Redactor;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize};

/// The handle's endpoint name, and the target kind it serves (`audit-repository`).
pub const TARGET: &str = "audit-repository";

/// Bind `addr` (e.g. `127.0.0.1:0`, or `0.0.0.0:4040` for a system on another host) and
/// serve the FHIR side of the repository, recording nothing; its FHIR base is
/// `handle.endpoint(TARGET)` (`http://HOST:PORT/fhir`).
pub async fn start(addr: &str) -> Result<SimHandle, SimError> {
    let router = FhirSim::builder().audit_trail(false).router();
    serve(addr, router, &[(TARGET, crate::fhir::MOUNT)]).await
}

/// How to run a repository that records what it receives.
#[derive(Debug, Clone)]
pub struct ArrOptions {
    /// Where the FHIR side listens, e.g. `127.0.0.1:0`.
    pub listen: String,
    /// Where syslog over TLS listens; `None` for FHIR only.
    pub syslog: Option<String>,
    /// The suite target the repository stands for (recorded with every message).
    pub target: String,
    /// Where received messages go; `None` keeps no record of them.
    pub feed: Option<Feed>,
}

/// A running repository; dropping it stops both listeners.
#[derive(Debug)]
pub struct Arr {
    http: SimHandle,
    syslog: Option<SyslogListener>,
    /// The certificate authority of the syslog listener's certificate (PEM), which a
    /// sender trusts to reach it.
    ca_pem: Option<String>,
}

impl Arr {
    pub async fn start(options: ArrOptions) -> Result<Arr, SimError> {
        let (router, state) = FhirSim::builder().audit_trail(false).router_and_state();
        let intake = Arc::new(Intake {
            target: options.target,
            feed: options.feed,
            store: state,
            redactor: Redactor::new(),
            kept: AtomicUsize::new(0),
            kept_bytes: AtomicUsize::new(0),
            limit_said: AtomicBool::new(false),
        });
        let router = router.layer(axum::middleware::from_fn_with_state(
            intake.clone(),
            capture::capture,
        ));
        let http = serve(&options.listen, router, &[(TARGET, crate::fhir::MOUNT)]).await?;
        let (syslog, ca_pem) = match &options.syslog {
            None => (None, None),
            Some(addr) => {
                let tls = TlsMaterial::generate("samsvar audit record repository CA")
                    .map_err(|e| SimError::Tls(e.to_string()))?;
                let config = tls
                    .server_config(false)
                    .map_err(|e| SimError::Tls(e.to_string()))?;
                let listener = syslog::start(addr, config, intake).await?;
                (Some(listener), Some(tls.ca_cert_pem))
            }
        };
        Ok(Arr {
            http,
            syslog,
            ca_pem,
        })
    }

    /// The FHIR base, `http://HOST:PORT/fhir`.
    pub fn base_url(&self) -> &str {
        self.http.endpoint(TARGET).unwrap_or_default()
    }

    /// Where syslog over TLS listens, when it does.
    pub fn syslog_addr(&self) -> Option<SocketAddr> {
        self.syslog.as_ref().map(SyslogListener::local_addr)
    }

    /// The PEM of the CA that signed the syslog listener's certificate (for `localhost`
    /// and `127.0.0.1`).
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }
}
