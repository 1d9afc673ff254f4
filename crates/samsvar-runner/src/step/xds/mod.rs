//! XDS steps (ITI-41, ITI-18, ITI-43): build the SOAP/MTOM request from the step, send
//! it with the run's timeout and size limit, read the response safely, then captures
//! and assertions over it like HTTP steps. Syntax: docs/xds.md.

mod build;
mod checks;
mod reply;

use super::Running;
use crate::check::{self, NotJson, ResponseView, Verdict};
use crate::context::RunContext;
use crate::vars::Scope;
use reply::{Reply, Sent};
use samsvar_record::{Exchange, Outcome, StepRecord, WireMessage};
use samsvar_suite::model::{AssertionKind, CaptureSource, Step, Suite, XdsAction};
use samsvar_xds::client::{RawExchange, XdsClient};
use samsvar_xds::{XdsError, XdsLimits};
use serde_json::Value;
use std::borrow::Cow;
use std::time::Duration;

pub async fn run(
    ctx: &RunContext<'_>,
    suite: &Suite,
    step: &Step,
    xds: &XdsAction,
    mut running: Running,
    scope: &mut Scope,
) -> StepRecord {
    let url = match build::target_url(ctx, suite, xds) {
        Ok(u) => u,
        Err(e) => return running.finish(ctx, Outcome::Error, Some(e)),
    };
    let built = match build::build(suite, xds, scope, &url) {
        Ok(b) => b,
        Err(e) => return running.finish(ctx, Outcome::Error, Some(e)),
    };
    let timeout = xds
        .timeout_ms
        .unwrap_or(u64::try_from(ctx.options.timeout.as_millis()).unwrap_or(u64::MAX));
    // The target's own client, so its CA bundle and client certificate (IHE ATNA secure
    // node) apply to XDS transactions too.
    let http = match url::Url::parse(&url) {
        Ok(u) => ctx.transport.client_for(&u),
        Err(e) => {
            let message = format!("failed to parse the target URL `{url}`: {e}");
            return running.finish(ctx, Outcome::Error, Some(message));
        }
    };
    let limits = XdsLimits {
        timeout_ms: timeout,
        max_response_bytes: usize::try_from(ctx.options.max_body_bytes).unwrap_or(usize::MAX),
        ..Default::default()
    };
    let client = XdsClient::new(http, limits);
    let (raw, decoded) = match built.raw {
        Some(message) => client.send_raw(&url, built.action, message).await,
        None => {
            client
                .send(
                    &url,
                    built.action,
                    built.body,
                    &built.attachments,
                    built.mtom,
                )
                .await
        }
    };
    running.record.exchange = Some(exchange(ctx, &raw));
    let decoded = match decoded {
        Ok(d) => d,
        Err(
            e @ (XdsError::Transport(_) | XdsError::Timeout(_) | XdsError::ResponseTooLarge { .. }),
        ) => return running.finish(ctx, Outcome::Error, Some(e.to_string())),
        Err(e) => {
            running
                .record
                .assertions
                .push(checks::unreadable(ctx, step, &e));
            return running.finish(ctx, Outcome::Fail, None);
        }
    };
    let reply = match reply::read(xds.transaction.value, &decoded, &limits) {
        Ok(r) => r,
        Err(e) => {
            running
                .record
                .assertions
                .push(checks::unreadable(ctx, step, &e));
            return running.finish(ctx, Outcome::Fail, None);
        }
    };
    let view = XdsView {
        raw: &raw,
        sent: &built.sent,
        reply: &reply,
    };
    for c in &step.captures {
        let (captured, failure) = check::capture(ctx, c, &view, scope);
        running.record.captures.push(captured);
        running.record.assertions.extend(failure);
    }
    for a in &step.assertions {
        let record = check::evaluate(ctx, a, &view, scope);
        running.record.assertions.push(record);
    }
    running.checked(ctx)
}

fn exchange(ctx: &RunContext<'_>, raw: &RawExchange) -> Exchange {
    let response = raw.status.map(|_| {
        ctx.redactor.record_message(WireMessage {
            method: None,
            url: None,
            headers: &raw.response_headers,
            body: raw.response_body.as_ref().filter(|b| !b.is_empty()),
            truncated: raw.response_cut,
        })
    });
    Exchange {
        direction: Default::default(),
        request: ctx.redactor.record_message(WireMessage {
            method: Some("POST"),
            url: Some(&raw.url),
            headers: &raw.request_headers,
            body: Some(&raw.request_body).filter(|b| !b.is_empty()),
            truncated: false,
        }),
        response,
        status: raw.status,
        elapsed_ms: raw.status.map(|_| raw.elapsed_ms),
    }
}

/// An XDS response as assertions see it: HTTP status, headers and time from the
/// exchange; `xds:` checks and captures from the decoded reply.
struct XdsView<'a> {
    raw: &'a RawExchange,
    sent: &'a Sent,
    reply: &'a Reply,
}

impl ResponseView for XdsView<'_> {
    fn status(&self) -> Option<u16> {
        self.raw.status
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.raw
            .response_headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn elapsed(&self) -> Duration {
        Duration::from_millis(self.raw.elapsed_ms)
    }

    fn json(&self) -> Result<&Value, NotJson> {
        Err(NotJson::NotApplicable(
            "an XDS response is a SOAP message, not JSON; check it with `- xds: {…}`",
        ))
    }

    fn text(&self) -> Cow<'_, str> {
        self.raw
            .response_body
            .as_ref()
            .map_or(Cow::Borrowed(""), |b| String::from_utf8_lossy(b))
    }

    fn own_verdict(
        &self,
        _ctx: &RunContext<'_>,
        kind: &AssertionKind,
        scope: &Scope,
    ) -> Option<(&'static str, String, Verdict)> {
        match kind {
            AssertionKind::Xds(a) => Some(checks::xds_verdict(a, self.sent, self.reply, scope)),
            _ => None,
        }
    }

    fn own_capture(
        &self,
        source: &CaptureSource,
    ) -> Option<(String, Result<Option<String>, String>)> {
        match source {
            CaptureSource::Xds(acc) => Some((
                format!("XDS `{}`", acc.value),
                Ok(reply::accessor(&acc.value, self.sent, self.reply)),
            )),
            _ => None,
        }
    }
}
