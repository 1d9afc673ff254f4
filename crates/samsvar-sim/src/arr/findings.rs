//! What the audit record repository notices about a message it received. A repository
//! stores every event (ATNA and BALP: it does not reject an event for its content), so
//! these are findings recorded next to the message in the evidence, never a refusal; the
//! suite's assertions decide verdicts.
//!
//! The rules are one registry ([`RULES`]); docs/audit-repository.md holds the table
//! generated from it.

use samsvar_record::{Diagnostic, PayloadLocation, Severity};
use serde_json::{Map, Value};

/// One check of the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    /// What the rule checks, for the docs table.
    pub summary: &'static str,
    /// The requirement it checks (an id of requirements/*.yaml, or the section).
    pub source: &'static str,
}

pub const UNREADABLE: Rule = Rule {
    id: "arr-unreadable",
    severity: Severity::Error,
    summary: "the message body is not JSON (FHIR), or the syslog MSG is absent or not well-formed XML",
    source: "FHIR-R4:http#create, IHE-ITI-20:TF-2a:3.20.4.1.2",
};
pub const NOT_AUDIT_EVENT: Rule = Rule {
    id: "arr-not-audit-event",
    severity: Severity::Error,
    summary: "a FHIR message that is neither an AuditEvent nor a Bundle of AuditEvents",
    source: "IHE-BALP:1:52.1.1.1",
};
pub const REQUIRED: Rule = Rule {
    id: "arr-required",
    severity: Severity::Error,
    summary: "an element FHIR R4 AuditEvent requires (type, recorded, agent, agent.requestor, source, source.observer) is missing",
    source: "FHIR R4 AuditEvent (element cardinalities)",
};
pub const NOT_AUDIT_MESSAGE: Rule = Rule {
    id: "arr-not-audit-message",
    severity: Severity::Error,
    summary: "the syslog MSG is XML whose root is not a DICOM AuditMessage",
    source: "IHE-ITI-20:TF-2a:3.20.7",
};
pub const SYSLOG_FRAME: Rule = Rule {
    id: "arr-syslog-frame",
    severity: Severity::Error,
    summary: "the TLS stream is not RFC 5425 octet-counted frames (`MSG-LEN SP SYSLOG-MSG`); the connection is closed after it",
    source: "RFC5425:4.3",
};
pub const SYSLOG_HEADER: Rule = Rule {
    id: "arr-syslog-header",
    severity: Severity::Error,
    summary: "the syslog message has no readable RFC 5424 header (PRI, VERSION 1, TIMESTAMP, HOSTNAME, APP-NAME, PROCID, MSGID, STRUCTURED-DATA)",
    source: "RFC5424:6",
};
pub const SYSLOG_FACILITY: Rule = Rule {
    id: "arr-syslog-facility",
    severity: Severity::Error,
    summary: "the PRI facility is not 10 (security/authorization messages)",
    source: "IHE-ITI-20:TF-2a:3.20.4.1.2",
};
pub const SYSLOG_SEVERITY: Rule = Rule {
    id: "arr-syslog-severity",
    severity: Severity::Warning,
    summary: "the PRI severity is neither 5 (notice), which audit messages should use, nor the allowed 4 (warning)",
    source: "IHE-ITI-20:TF-2a:3.20.4.1.2",
};
pub const SYSLOG_MSGID: Rule = Rule {
    id: "arr-syslog-msgid",
    severity: Severity::Error,
    summary: "the MSGID is not `IHE+RFC-3881`",
    source: "IHE-ITI-20:TF-2a:3.20.4.1.2",
};
pub const SYSLOG_STRUCTURED_DATA: Rule = Rule {
    id: "arr-syslog-structured-data",
    severity: Severity::Error,
    summary: "the message carries STRUCTURED-DATA, which ATNA does not use (`-` expected)",
    source: "IHE-ITI-20:TF-2a:3.20.4.1.2",
};
pub const SYSLOG_ENCODING: Rule = Rule {
    id: "arr-syslog-encoding",
    severity: Severity::Error,
    summary: "the MSG is not UTF-8",
    source: "IHE-ITI-20:TF-2a:3.20.4.1.2",
};

pub const EVIDENCE_LIMIT: Rule = Rule {
    id: "arr-evidence-limit",
    severity: Severity::Warning,
    summary: "the repository recorded as many messages (10,000) or bytes (256 MiB) as it keeps as evidence; later messages are accepted and stored, not recorded",
    source: "IHE-ITI-20:TF-2a:3.20.4.1.3",
};

/// Every rule, in the order of the docs table.
pub const RULES: &[Rule] = &[
    UNREADABLE,
    NOT_AUDIT_EVENT,
    REQUIRED,
    NOT_AUDIT_MESSAGE,
    SYSLOG_FRAME,
    SYSLOG_HEADER,
    SYSLOG_FACILITY,
    SYSLOG_SEVERITY,
    SYSLOG_MSGID,
    SYSLOG_STRUCTURED_DATA,
    SYSLOG_ENCODING,
    EVIDENCE_LIMIT,
];

/// The docs table of [`RULES`] (docs/audit-repository.md).
pub fn markdown_table() -> String {
    let rows: Vec<Vec<String>> = RULES
        .iter()
        .map(|r| {
            vec![
                format!("`{}`", r.id),
                r.severity.to_string(),
                r.summary.to_string(),
                r.source.to_string(),
            ]
        })
        .collect();
    samsvar_diagnostics::catalogue::markdown_table(
        &["Rule", "Severity", "What it notices", "Requirement"],
        &rows,
    )
}

impl Rule {
    /// A finding of this rule at `location`.
    pub fn at(&self, location: PayloadLocation, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.severity, self.id, location, message)
    }

    /// A finding about the message as a whole.
    pub fn whole(&self, message: impl Into<String>) -> Diagnostic {
        self.at(PayloadLocation::default(), message)
    }
}

/// The elements R4 AuditEvent requires, checked on `event` (at JSON pointer `base`).
/// `expression` is the FHIRPath the findings name (`AuditEvent`, or
/// `Bundle.entry[2].resource` for an entry).
pub fn check_audit_event(
    event: &Map<String, Value>,
    base: &str,
    expression: &str,
    out: &mut Vec<Diagnostic>,
) {
    let missing = |path: &str, pointer: &str| {
        REQUIRED.at(
            PayloadLocation {
                expression: Some(format!("{expression}.{path}")),
                pointer: Some(format!("{base}/{pointer}")),
                ..PayloadLocation::default()
            },
            format!("AuditEvent.{path} is required (1..1 or 1..*) and missing"),
        )
    };
    for key in ["type", "recorded", "source"] {
        if !present(event.get(key)) {
            out.push(missing(key, key));
        }
    }
    if let Some(source) = event.get("source").and_then(Value::as_object)
        && !present(source.get("observer"))
    {
        out.push(missing("source.observer", "source/observer"));
    }
    match event.get("agent").and_then(Value::as_array) {
        Some(agents) if !agents.is_empty() => {
            for (i, agent) in agents.iter().enumerate() {
                if !present(agent.get("requestor")) {
                    out.push(missing(
                        &format!("agent[{i}].requestor"),
                        &format!("agent/{i}/requestor"),
                    ));
                }
            }
        }
        _ => out.push(missing("agent", "agent")),
    }
}

fn present(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(_) => true,
    }
}

/// Findings about a FHIR request body sent to the repository (an AuditEvent, or a Bundle
/// of them).
pub fn check_fhir_body(body: &[u8], out: &mut Vec<Diagnostic>) {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            out.push(UNREADABLE.whole(format!("the body is not JSON: {e}")));
            return;
        }
    };
    let Some(resource) = value.as_object() else {
        out.push(NOT_AUDIT_EVENT.whole("the body is JSON but not a FHIR resource (an object)"));
        return;
    };
    match resource.get("resourceType").and_then(Value::as_str) {
        Some("AuditEvent") => check_audit_event(resource, "", "AuditEvent", out),
        Some("Bundle") => {
            let entries = resource
                .get("entry")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            for (i, entry) in entries.iter().enumerate() {
                let expression = format!("Bundle.entry[{i}].resource");
                let pointer = format!("/entry/{i}/resource");
                match entry.get("resource").and_then(Value::as_object) {
                    Some(r)
                        if r.get("resourceType").and_then(Value::as_str) == Some("AuditEvent") =>
                    {
                        check_audit_event(r, &pointer, &expression, out);
                    }
                    _ => out.push(NOT_AUDIT_EVENT.at(
                        PayloadLocation {
                            expression: Some(expression),
                            pointer: Some(pointer),
                            ..PayloadLocation::default()
                        },
                        "a Bundle entry that is not an AuditEvent",
                    )),
                }
            }
        }
        other => out.push(NOT_AUDIT_EVENT.at(
            PayloadLocation::pointer("/resourceType"),
            format!(
                "resourceType is {}, not AuditEvent or Bundle",
                other.map_or_else(|| "missing".to_string(), |t| format!("`{t}`"))
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(body: &str) -> Vec<String> {
        let mut out = Vec::new();
        check_fhir_body(body.as_bytes(), &mut out);
        out.iter()
            .map(|d| {
                format!(
                    "{} {}",
                    d.rule,
                    d.payload().map(|p| p.to_string()).unwrap_or_default()
                )
            })
            .collect()
    }

    #[test]
    fn a_complete_event_has_no_findings() {
        let event = r#"{"resourceType":"AuditEvent","type":{"code":"rest"},"recorded":"2026-12-04T10:00:00Z","agent":[{"requestor":true}],"source":{"observer":{"display":"x"}}}"#;
        assert!(rules(event).is_empty());
    }

    #[test]
    fn names_each_missing_required_element() {
        let event =
            r#"{"resourceType":"AuditEvent","agent":[{"who":{"display":"a"}}],"source":{}}"#;
        assert_eq!(
            rules(event),
            vec![
                "arr-required AuditEvent.type",
                "arr-required AuditEvent.recorded",
                "arr-required AuditEvent.source",
                "arr-required AuditEvent.source.observer",
                "arr-required AuditEvent.agent[0].requestor",
            ]
        );
    }

    #[test]
    fn checks_bundle_entries_and_refuses_other_content() {
        let bundle = r#"{"resourceType":"Bundle","type":"batch","entry":[{"resource":{"resourceType":"Patient"}},{"resource":{"resourceType":"AuditEvent","recorded":"2026-12-04T10:00:00Z","type":{"code":"rest"},"agent":[{"requestor":false}],"source":{"observer":{"display":"x"}}}}]}"#;
        assert_eq!(
            rules(bundle),
            vec!["arr-not-audit-event Bundle.entry[0].resource"]
        );
        assert_eq!(rules("not json")[0], "arr-unreadable ");
        assert_eq!(
            rules(r#"{"resourceType":"Patient"}"#),
            vec!["arr-not-audit-event /resourceType"]
        );
    }
}
