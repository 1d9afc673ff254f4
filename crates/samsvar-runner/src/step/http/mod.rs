//! HTTP steps: build the request from the step, send it, record the exchange, then
//! captures and assertions over the response; with `retry:`, again until they pass.

mod request;

use super::{Running, StepKind};
use crate::check::{self, NotJson, ResponseView, parse_json};
use crate::clock::millis;
use crate::context::RunContext;
use crate::transport::{IncomingResponse, OutgoingRequest};
use crate::vars::Scope;
use samsvar_record::{Exchange, HttpMessage, Outcome, RetryRecord, StepRecord, WireMessage};
use samsvar_suite::model::{HttpRequest, Step, Suite};
use serde_json::Value;
use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub async fn run(
    ctx: &RunContext<'_>,
    suite: &Suite,
    step: &Step,
    http: &HttpRequest,
    running: Running,
    scope: &mut Scope,
    kind: StepKind,
) -> StepRecord {
    let call = Call {
        ctx,
        suite,
        step,
        http,
        kind,
    };
    let Some(retry) = &step.retry else {
        return call.attempt(running, scope).await.record;
    };
    let window = Duration::from_millis(retry.timeout_ms);
    let interval = Duration::from_millis(retry.interval_ms);
    let first = Instant::now();
    let mut attempts: u32 = 0;
    let mut waited = Duration::ZERO;
    loop {
        attempts = attempts.saturating_add(1);
        // Captures go into a copy of the scope, so only the last attempt's are kept; the
        // request is rendered again from the step's scope (`{{$uuid}}` is new each time).
        let mut trial = scope.clone();
        let Attempt { mut record, sent } = call.attempt(running.again(), &mut trial).await;
        let again = sent && record.outcome != Outcome::Pass && first.elapsed() + interval <= window;
        if !again {
            *scope = trial;
            record.retry = Some(RetryRecord {
                attempts,
                waited_ms: millis(waited),
            });
            return record;
        }
        // Holds nothing open: a run that is stopped (its future dropped, the process
        // killed) ends here as it would inside a request.
        tokio::time::sleep(interval).await;
        waited += interval;
    }
}

/// One request of a step and its checks.
struct Attempt {
    record: StepRecord,
    /// `false` when the request could not be built (an undefined variable, a bad URL):
    /// the next attempt would fail the same way, so it is not retried. A request that
    /// got no response (refused, timed out) was sent.
    sent: bool,
}

/// What every attempt of one step shares.
struct Call<'a, 'r> {
    ctx: &'a RunContext<'r>,
    suite: &'a Suite,
    step: &'a Step,
    http: &'a HttpRequest,
    kind: StepKind,
}

impl Call<'_, '_> {
    async fn attempt(&self, running: Running, scope: &mut Scope) -> Attempt {
        let ctx = self.ctx;
        let req = match request::build(ctx, self.suite, self.http, scope).await {
            Ok(r) => r,
            Err(e) => {
                let skip = self.kind == StepKind::Cleanup && e.undefined_variable;
                let (outcome, message) = if skip {
                    (Outcome::Skip, format!("nothing to clean up: {}", e.message))
                } else {
                    (Outcome::Error, e.message)
                };
                return Attempt {
                    record: running.finish(ctx, outcome, Some(message)),
                    sent: false,
                };
            }
        };
        let record = send_and_check(ctx, self.step, self.http, &req, running, scope).await;
        Attempt { record, sent: true }
    }
}

/// Sends `req`, records the exchange, then runs the step's captures and assertions.
async fn send_and_check(
    ctx: &RunContext<'_>,
    step: &Step,
    http: &HttpRequest,
    req: &OutgoingRequest,
    mut running: Running,
    scope: &mut Scope,
) -> StepRecord {
    let timeout = http
        .timeout_ms
        .map_or(ctx.options.timeout, Duration::from_millis);
    let result = ctx.transport.send(req, timeout).await;
    let request = request_message(ctx, req);
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
