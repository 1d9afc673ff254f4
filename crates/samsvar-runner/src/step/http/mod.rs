//! HTTP steps: build the request from the step, send it, record the exchange, then
//! captures and assertions over the response.

mod request;

use super::{Running, StepKind};
use crate::check::{self, NotJson, ResponseView, parse_json};
use crate::clock::millis;
use crate::context::RunContext;
use crate::transport::{IncomingResponse, OutgoingRequest};
use crate::vars::Scope;
use samsvar_record::{Exchange, HttpMessage, Outcome, StepRecord, WireMessage};
use samsvar_suite::model::{HttpRequest, Step, Suite};
use serde_json::Value;
use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::Duration;

pub async fn run(
    ctx: &RunContext<'_>,
    suite: &Suite,
    step: &Step,
    http: &HttpRequest,
    mut running: Running,
    scope: &mut Scope,
    kind: StepKind,
) -> StepRecord {
    let req = match request::build(ctx, suite, http, scope).await {
        Ok(r) => r,
        Err(e) => {
            let skip = kind == StepKind::Cleanup && e.undefined_variable;
            let (outcome, message) = if skip {
                (Outcome::Skip, format!("nothing to clean up: {}", e.message))
            } else {
                (Outcome::Error, e.message)
            };
            return running.finish(ctx, outcome, Some(message));
        }
    };
    let timeout = http
        .timeout_ms
        .map_or(ctx.options.timeout, Duration::from_millis);
    let result = ctx.transport.send(&req, timeout).await;
    let request = request_message(ctx, &req);
    let resp = match result {
        Ok(r) => r,
        Err(failure) => {
            // Status and headers that arrived before the limit, a reset or the timeout
            // are evidence too; the body is what arrived, marked truncated.
            let partial = failure.partial.as_ref();
            running.record.exchange = Some(Exchange {
                direction: Default::default(),
                request,
                status: partial.map(|p| p.status),
                elapsed_ms: partial.map(|p| millis(p.elapsed)),
                response: partial.map(|p| response_message(ctx, p, true)),
            });
            return running.finish(ctx, Outcome::Error, Some(failure.error.to_string()));
        }
    };
    let view = HttpView::new(&resp);
    for capture in &step.captures {
        let (captured, failure) = check::capture(ctx, capture, &view, scope);
        running.record.captures.push(captured);
        running.record.assertions.extend(failure);
    }
    for assertion in &step.assertions {
        let a = check::evaluate(ctx, assertion, &view, scope);
        running.record.assertions.push(a);
    }
    running.record.exchange = Some(Exchange {
        direction: Default::default(),
        request,
        status: Some(resp.status),
        elapsed_ms: Some(millis(resp.elapsed)),
        response: Some(response_message(ctx, &resp, false)),
    });
    running.checked(ctx)
}

fn request_message(ctx: &RunContext<'_>, req: &OutgoingRequest) -> HttpMessage {
    ctx.redactor.record_message(WireMessage {
        method: Some(req.method.as_str()),
        url: Some(req.url.as_str()),
        headers: &req.headers,
        body: req.body.as_ref(),
        truncated: false,
    })
}

fn response_message(ctx: &RunContext<'_>, resp: &IncomingResponse, cut: bool) -> HttpMessage {
    ctx.redactor.record_message(WireMessage {
        method: None,
        url: None,
        headers: &resp.headers,
        body: Some(&resp.body).filter(|b| !b.is_empty()),
        truncated: cut,
    })
}

/// An HTTP response as assertions see it: the JSON body parsed at most once, and only
/// when something needs it.
struct HttpView<'a> {
    resp: &'a IncomingResponse,
    json: OnceLock<Result<Value, NotJson>>,
}

impl<'a> HttpView<'a> {
    fn new(resp: &'a IncomingResponse) -> Self {
        Self {
            resp,
            json: OnceLock::new(),
        }
    }
}

impl ResponseView for HttpView<'_> {
    fn status(&self) -> Option<u16> {
        Some(self.resp.status)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.resp.header(name)
    }

    fn elapsed(&self) -> Duration {
        self.resp.elapsed
    }

    fn json(&self) -> Result<&Value, NotJson> {
        self.json
            .get_or_init(|| parse_json(&self.resp.body))
            .as_ref()
            .map_err(Clone::clone)
    }

    fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.resp.body)
    }

    fn bytes(&self) -> Option<&[u8]> {
        Some(&self.resp.body)
    }
}
