//! The ATNA "Record Audit Event" [ITI-20] direction: every recorded AuditEvent is sent to
//! an audit record repository by one background task reading an unbounded queue, so
//! events arrive in the order they were recorded and the SUT client's answer never waits
//! for the repository. Two transports: POSTed to `{url}/AuditEvent` (RESTful ATNA), or as
//! a DICOM audit message in an RFC 5424 syslog message over TLS ([`super::syslog_out`]).
//! A failed push is retried a few times, then dropped; failures are reported once (until a
//! push succeeds again) rather than once per event.

use serde_json::Value;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// Waits before the 2nd, 3rd and 4th attempt.
const RETRY_PAUSES: &[Duration] = &[
    Duration::from_millis(200),
    Duration::from_secs(1),
    Duration::from_secs(3),
];

/// Where and how the simulator sends its audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditPush {
    /// POST each AuditEvent to `{base}/AuditEvent` (a FHIR base URL).
    Fhir(String),
    /// Syslog over TLS to `addr` (`HOST:PORT`), trusting the CA certificates in `ca_pem`.
    Syslog { addr: String, ca_pem: String },
}

/// Start the pusher; needs a Tokio runtime.
pub fn start(push: AuditPush) -> UnboundedSender<Value> {
    let (tx, rx) = unbounded_channel();
    match push {
        AuditPush::Fhir(base) => tokio::spawn(run(base, rx)),
        AuditPush::Syslog { addr, ca_pem } => {
            tokio::spawn(super::syslog_out::run(addr, ca_pem, rx))
        }
    };
    tx
}

// A detached task has no caller to hand an error to: the operator's terminal is where a
// `samsvar serve` user looks (the other simulator messages go there too).
#[allow(clippy::print_stderr)]
async fn run(base: String, mut rx: UnboundedReceiver<Value>) {
    let url = format!("{}/AuditEvent", base.trim_end_matches('/'));
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("samsvar-sim: failed to start pushing AuditEvents to {url}: {e}");
            return;
        }
    };
    let mut reported = false;
    while let Some(event) = rx.recv().await {
        match push_one(&client, &url, &event).await {
            Ok(()) => reported = false,
            Err(reason) if !reported => {
                eprintln!(
                    "samsvar-sim: failed to push an AuditEvent to {url}: {reason} (further failures are not reported until a push succeeds)"
                );
                reported = true;
            }
            Err(_) => {}
        }
    }
}

async fn push_one(client: &reqwest::Client, url: &str, event: &Value) -> Result<(), String> {
    let body = serde_json::to_vec(event).unwrap_or_default();
    let mut last = String::new();
    for attempt in 0..=RETRY_PAUSES.len() {
        if attempt > 0 {
            tokio::time::sleep(RETRY_PAUSES[attempt - 1]).await;
        }
        let sent = client
            .post(url)
            .header("content-type", "application/fhir+json")
            .header("accept", "application/fhir+json")
            .body(body.clone())
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) => last = format!("HTTP {}", r.status()),
            Err(e) => last = e.to_string(),
        }
    }
    Err(format!("{last}, after {} attempts", RETRY_PAUSES.len() + 1))
}
