//! The redactor applied to records: recording a message from the wire, and redacting
//! records and events again before they are written (a secret registered after a value
//! was recorded is still caught).

use super::Redactor;
use crate::event::Event;
use crate::record::{
    Body, Exchange, HttpMessage, ReceivedRecord, Redactions, RunRecord, StepRecord, SuiteRecord,
    TestRecord,
};
use bytes::Bytes;
use samsvar_diagnostics::Diagnostic;

/// A message as it went over the wire, before redaction.
#[derive(Debug, Clone, Copy, Default)]
pub struct WireMessage<'a> {
    /// For requests.
    pub method: Option<&'a str>,
    pub url: Option<&'a str>,
    pub headers: &'a [(String, String)],
    pub body: Option<&'a Bytes>,
    /// The body is only the part that arrived (the limit, a reset or a timeout cut it).
    pub truncated: bool,
}

impl Redactor {
    /// The record of a message: header names lower-cased, credential headers and known
    /// secrets redacted, the body redacted and digested as stored, and a note of what
    /// redaction changed.
    pub fn record_message(&self, wire: WireMessage<'_>) -> HttpMessage {
        let mut redacted = Redactions::default();
        let url = wire.url.map(|u| {
            let clean = self.url(u);
            redacted.url = clean != u;
            clean.into_owned()
        });
        let headers = wire
            .headers
            .iter()
            .map(|(k, v)| {
                let name = k.to_ascii_lowercase();
                let value = self.header_value(&name, v);
                if value != v.as_str() {
                    redacted.header(&name);
                }
                let value = value.into_owned();
                (name, value)
            })
            .collect::<Vec<_>>();
        let media_type = headers
            .iter()
            .find(|(k, _)| k == "content-type")
            .map(|(_, v)| v.clone());
        let body = wire.body.map(|bytes| {
            let stored = match self.body(media_type.as_deref(), bytes) {
                Some(clean) => {
                    redacted.body = true;
                    Bytes::from(clean)
                }
                None => bytes.clone(),
            };
            Body::new(stored, media_type.clone(), wire.truncated)
        });
        HttpMessage {
            method: wire.method.map(str::to_string),
            url,
            headers,
            body,
            redacted,
        }
    }

    /// Redacts a recorded message in place, noting what changed; a changed body keeps
    /// digest and size true to its new bytes.
    pub fn redact_message(&self, message: &mut HttpMessage) {
        self.option(&mut message.method);
        if let Some(url) = &mut message.url {
            let clean = self.url(url).into_owned();
            if clean != *url {
                *url = clean;
                message.redacted.url = true;
            }
        }
        for (name, value) in &mut message.headers {
            self.string(name);
            let clean = self.header_value(name, value).into_owned();
            if clean != *value {
                *value = clean;
                message.redacted.header(name);
            }
        }
        if let Some(body) = &mut message.body
            && self.redact_body(body)
        {
            message.redacted.body = true;
        }
    }

    /// Redacts a body's bytes (when it still holds them); `true` when they changed.
    pub fn redact_body(&self, body: &mut Body) -> bool {
        if let Some(media) = &mut body.media_type {
            self.string(media);
        }
        if body.bytes.is_empty() {
            return false;
        }
        match self.body(body.media_type.as_deref(), &body.bytes) {
            Some(clean) => {
                body.set_bytes(Bytes::from(clean));
                true
            }
            None => false,
        }
    }

    pub fn redact_exchange(&self, exchange: &mut Exchange) {
        self.redact_message(&mut exchange.request);
        if let Some(response) = &mut exchange.response {
            self.redact_message(response);
        }
    }

    pub fn redact_step(&self, step: &mut StepRecord) {
        self.option(&mut step.name);
        self.option(&mut step.error);
        if let Some(exchange) = &mut step.exchange {
            self.redact_exchange(exchange);
        }
        for capture in &mut step.captures {
            self.option(&mut capture.value);
        }
        for a in &mut step.assertions {
            self.string(&mut a.description);
            self.option(&mut a.expected);
            self.option(&mut a.actual);
            self.option(&mut a.message);
            self.redact_findings(&mut a.issues);
        }
    }

    fn redact_findings(&self, findings: &mut [Diagnostic]) {
        for issue in findings {
            self.string(&mut issue.message);
            self.option(&mut issue.hint);
            if let Some(at) = issue.payload_mut() {
                self.option(&mut at.expression);
                self.option(&mut at.xpath);
                self.option(&mut at.pointer);
            }
        }
    }

    /// A message a system sent to samsvar: it may carry the system's own credentials.
    pub fn redact_received(&self, message: &mut ReceivedRecord) {
        self.redact_exchange(&mut message.exchange);
        self.redact_findings(&mut message.findings);
    }

    pub fn redact_test(&self, test: &mut TestRecord) {
        self.option(&mut test.title);
        self.option(&mut test.reason);
        test.steps.iter_mut().for_each(|s| self.redact_step(s));
    }

    pub fn redact_suite(&self, suite: &mut SuiteRecord) {
        self.string(&mut suite.title);
        suite.setup.iter_mut().for_each(|s| self.redact_step(s));
        suite.teardown.iter_mut().for_each(|s| self.redact_step(s));
        suite.visit_mut(
            &mut |g| {
                self.option(&mut g.title);
            },
            &mut |t| self.redact_test(t),
        );
    }

    pub fn redact_run(&self, run: &mut RunRecord) {
        for target in &mut run.targets {
            target.url = self.url(&target.url).into_owned();
        }
        run.suites.iter_mut().for_each(|s| self.redact_suite(s));
        run.received
            .iter_mut()
            .for_each(|m| self.redact_received(m));
    }

    /// Redacts the values an event carries.
    pub fn redact_event(&self, event: &mut Event) {
        match event {
            Event::RunStarted { targets, plan, .. } => {
                for t in targets {
                    t.url = self.url(&t.url).into_owned();
                }
                for suite in plan {
                    self.string(&mut suite.title);
                }
            }
            Event::StepFinished { step, .. } => self.redact_step(step),
            Event::MessageReceived { message } => self.redact_received(message),
            Event::TestFinished { reason, .. } => {
                self.option(reason);
            }
            Event::SuiteStarted { .. }
            | Event::TestStarted { .. }
            | Event::SuiteFinished { .. }
            | Event::RunFinished { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::REDACTED;
    use crate::record::sha256_hex;

    #[test]
    fn recorded_messages_say_what_was_redacted() {
        let r = Redactor::with_values(["tok-12345"]);
        let body = Bytes::from_static(b"hello tok-12345");
        let headers = vec![
            ("Authorization".to_string(), "Bearer abc".to_string()),
            ("X-Echo".to_string(), "tok-12345".to_string()),
            ("Content-Type".to_string(), "text/plain".to_string()),
        ];
        let msg = r.record_message(WireMessage {
            truncated: false,
            method: Some("GET"),
            url: Some("http://h/p?k=tok-12345"),
            headers: &headers,
            body: Some(&body),
        });
        assert_eq!(msg.headers[0], ("authorization".into(), REDACTED.into()));
        assert_eq!(msg.headers[1].1, REDACTED);
        assert_eq!(msg.url.as_deref(), Some("http://h/p?k=[REDACTED]"));
        let stored = msg.body.as_ref().unwrap();
        assert_eq!(&stored.bytes[..], b"hello [REDACTED]");
        assert_eq!(stored.sha256, sha256_hex(b"hello [REDACTED]"));
        assert_eq!(stored.size, 16);
        assert_eq!(stored.media_type.as_deref(), Some("text/plain"));
        assert_eq!(
            msg.redacted,
            Redactions {
                url: true,
                headers: vec!["authorization".into(), "x-echo".into()],
                body: true,
            }
        );

        // A secret learnt later is caught when the record is redacted again.
        let mut again = r.record_message(WireMessage {
            truncated: false,
            headers: &[("x-late".to_string(), "late-secret".to_string())],
            ..Default::default()
        });
        assert!(again.redacted.is_empty());
        r.register("late-secret");
        r.redact_message(&mut again);
        assert_eq!(again.headers[0].1, REDACTED);
        assert_eq!(again.redacted.headers, ["x-late"]);
    }
}
