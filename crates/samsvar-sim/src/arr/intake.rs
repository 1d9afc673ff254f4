//! Where everything the repository receives goes: syslog messages become AuditEvents in
//! the repository's store (so a suite searches them like FHIR feeds), and every message,
//! FHIR or syslog, is handed to the run as a [`ReceivedRecord`] with its findings.

use super::findings::{
    self, EVIDENCE_LIMIT, NOT_AUDIT_MESSAGE, SYSLOG_ENCODING, SYSLOG_FACILITY, SYSLOG_HEADER,
    SYSLOG_MSGID, SYSLOG_SEVERITY, SYSLOG_STRUCTURED_DATA, UNREADABLE,
};
use super::{dicom, rfc5424};
use crate::fhir::state::FhirState;
use bytes::Bytes;
use samsvar_record::{Diagnostic, Direction, Exchange, ReceivedRecord, Redactor, WireMessage};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tokio::sync::mpsc;

/// Where received messages are handed over (the runner's inbox, see `samsvar_runner::Inbox`).
pub type Feed = mpsc::UnboundedSender<ReceivedRecord>;

/// The system of the `meta.tag`s that carry the repository's findings on an AuditEvent
/// stored from syslog (code: the rule id, e.g. `arr-syslog-msgid`).
pub const FINDING_TAG_SYSTEM: &str = "urn:samsvar:arr:finding";

/// The MSGID ATNA gives its syslog messages (ITI TF-2 3.20.4.2).
const ATNA_MSGID: &str = "IHE+RFC-3881";

/// A system that floods the repository must not make the evidence unbounded: past these,
/// messages are still accepted and stored, but no longer kept as evidence.
pub const MAX_KEPT_MESSAGES: usize = 10_000;
pub const MAX_KEPT_BYTES: usize = 256 * 1024 * 1024;

pub(crate) struct Intake {
    pub target: String,
    pub feed: Option<Feed>,
    pub store: Arc<FhirState>,
    /// Structural redaction only (credential headers); the run adds its known secrets.
    pub redactor: Redactor,
    /// Messages and body bytes kept as evidence so far.
    pub kept: AtomicUsize,
    pub kept_bytes: AtomicUsize,
    /// Set once the limit was reached and said.
    pub limit_said: AtomicBool,
}

impl Intake {
    pub fn record(
        &self,
        transport: &str,
        peer: Option<SocketAddr>,
        mut exchange: Exchange,
        mut findings: Vec<Diagnostic>,
    ) {
        let Some(feed) = &self.feed else { return };
        let size = exchange.request.body.as_ref().map_or(0, |b| b.bytes.len())
            + exchange
                .response
                .as_ref()
                .and_then(|r| r.body.as_ref())
                .map_or(0, |b| b.bytes.len());
        let index = self.kept.fetch_add(1, Ordering::Relaxed);
        let bytes_before = self.kept_bytes.fetch_add(size, Ordering::Relaxed);
        let within = index < MAX_KEPT_MESSAGES && bytes_before + size <= MAX_KEPT_BYTES;
        if !within {
            // The first message over the limit says so; later ones go unrecorded.
            if self.limit_said.swap(true, Ordering::Relaxed) {
                return;
            }
            exchange.request.body = None;
            exchange.response = None;
            findings = vec![EVIDENCE_LIMIT.whole(format!(
                "the repository keeps at most {MAX_KEPT_MESSAGES} messages or {MAX_KEPT_BYTES} bytes as evidence; from this message on it still accepts and stores what arrives, but records no more of it"
            ))];
        }
        let message = ReceivedRecord {
            target: self.target.clone(),
            transport: transport.to_string(),
            received_at: now(),
            peer: peer.map(|p| p.to_string()),
            exchange,
            findings,
        };
        // A run that ended no longer listens: nothing to hand over to.
        let _ = feed.send(message);
    }

    /// One syslog message (a frame's content) from `peer`, received on `local`.
    pub fn syslog(&self, local: SocketAddr, peer: SocketAddr, bytes: Bytes) {
        let mut found = Vec::new();
        let headers = match rfc5424::parse(&bytes) {
            Ok(message) => {
                self.syslog_message(&message, peer, &mut found);
                message.fields()
            }
            Err(why) => {
                found.push(SYSLOG_HEADER.whole(format!("not an RFC 5424 syslog message: {why}")));
                Vec::new()
            }
        };
        let url = format!("syslog://{local}");
        let request = self.redactor.record_message(WireMessage {
            method: None,
            url: Some(&url),
            headers: &headers,
            body: Some(&bytes),
            truncated: false,
        });
        let exchange = Exchange {
            direction: Direction::Received,
            request,
            response: None,
            status: None,
            elapsed_ms: None,
        };
        self.record("syslog-tls", Some(peer), exchange, found);
    }

    /// Checks the header, stores the audit message as an AuditEvent.
    fn syslog_message(
        &self,
        message: &rfc5424::SyslogMessage<'_>,
        peer: SocketAddr,
        found: &mut Vec<Diagnostic>,
    ) {
        if message.facility() != 10 {
            found.push(SYSLOG_FACILITY.whole(format!(
                "PRI <{}> is facility {} severity {}; ATNA uses facility 10 (security/authorization)",
                message.pri,
                message.facility(),
                message.severity()
            )));
        }
        if !matches!(message.severity(), 4 | 5) {
            found.push(SYSLOG_SEVERITY.whole(format!(
                "PRI <{}> has severity {}; audit messages should use 5 (notice, PRI <85>), 4 is allowed",
                message.pri,
                message.severity()
            )));
        }
        if message.msg_id != ATNA_MSGID {
            found.push(SYSLOG_MSGID.whole(format!(
                "MSGID is `{}`, ATNA's is `{ATNA_MSGID}`",
                message.msg_id
            )));
        }
        if message.structured_data != "-" {
            found.push(SYSLOG_STRUCTURED_DATA.whole(format!(
                "STRUCTURED-DATA is `{}`; ATNA messages carry none",
                message.structured_data
            )));
        }
        if message.msg.is_empty() {
            found.push(UNREADABLE.whole("the message has no MSG (ATNA: the audit XML is MSG)"));
            return;
        }
        if std::str::from_utf8(message.msg).is_err() {
            found.push(SYSLOG_ENCODING.whole("the MSG is not valid UTF-8"));
        }
        let root = match samsvar_xds::xml::parse(message.msg, &samsvar_xds::XmlLimits::default()) {
            Ok(root) => root,
            Err(e) => {
                found.push(UNREADABLE.whole(format!("the MSG is not an XML audit message: {e}")));
                return;
            }
        };
        if root.local != "AuditMessage" {
            found.push(NOT_AUDIT_MESSAGE.at(
                samsvar_record::PayloadLocation::xpath(format!("/{}", root.qname())),
                format!("the root element is `{}`, not `AuditMessage`", root.qname()),
            ));
            return;
        }
        let mut event = dicom::audit_event(&root);
        let mut mapped = Vec::new();
        findings::check_audit_event(&event, "", "AuditEvent", &mut mapped);
        for mut finding in mapped {
            finding
                .message
                .push_str(" (in the AuditEvent the DICOM message maps to)");
            found.push(finding);
        }
        // The findings go with the stored event as tags, so that a suite's assertions can
        // give their verdict on the message's transport (which they cannot see).
        let mut tags: Vec<Value> = Vec::new();
        for finding in found.iter() {
            let tag = json!({"system": FINDING_TAG_SYSTEM, "code": finding.rule});
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        let mut meta = serde_json::Map::new();
        meta.insert("source".into(), Value::String(format!("syslog://{peer}")));
        if !tags.is_empty() {
            meta.insert("tag".into(), Value::Array(tags));
        }
        event.insert("meta".into(), Value::Object(meta));
        self.store.store.create("AuditEvent", event);
    }
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
