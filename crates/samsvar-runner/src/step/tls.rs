//! `tls:` probe steps: offers only TLS 1.0 or 1.1 to a target's host and port and
//! checks `- tls: refused|accepted` against what the server did. No handshake is ever
//! completed, so nothing is exchanged that the evidence would need to keep.

use super::Running;
use crate::check::{self, NotJson, ResponseView, Verdict};
use crate::context::RunContext;
use crate::vars::Scope;
use samsvar_auth::{LegacyVersion, ProbeOutcome, probe_legacy_tls};
use samsvar_record::{Outcome, StepRecord};
use samsvar_suite::model::{AssertionKind, LegacyTls, Step, TlsExpectation, TlsProbe};
use serde_json::Value;
use std::borrow::Cow;
use std::time::{Duration, Instant};
use url::{Host, Url};

pub async fn run(
    ctx: &RunContext<'_>,
    step: &Step,
    probe: &TlsProbe,
    mut running: Running,
    scope: &mut Scope,
) -> StepRecord {
    let offered = probe.offer.value;
    let started = Instant::now();
    let result = match endpoint(ctx, probe) {
        Ok((host, port)) => {
            let timeout = probe
                .timeout_ms
                .map_or(ctx.options.timeout, Duration::from_millis);
            probe_legacy_tls(&host, port, legacy(offered), timeout).await
        }
        Err(e) => Err(e),
    };
    let outcome = match result {
        Ok(o) => o,
        Err(e) => return running.finish(ctx, Outcome::Error, Some(e)),
    };
    let view = ProbeView {
        offered,
        outcome,
        elapsed: started.elapsed(),
    };
    for capture in &step.captures {
        let (captured, failure) = check::capture(ctx, capture, &view, scope);
        running.record.captures.push(captured);
        running.record.assertions.extend(failure);
    }
    for a in &step.assertions {
        let record = check::evaluate(ctx, a, &view, scope);
        running.record.assertions.push(record);
    }
    running.checked(ctx)
}

/// What the server did with the legacy ClientHello.
struct ProbeView {
    offered: LegacyTls,
    outcome: ProbeOutcome,
    elapsed: Duration,
}

impl ResponseView for ProbeView {
    fn status(&self) -> Option<u16> {
        None
    }

    fn header(&self, _name: &str) -> Option<&str> {
        None
    }

    fn elapsed(&self) -> Duration {
        self.elapsed
    }

    fn json(&self) -> Result<&Value, NotJson> {
        Err(NotJson::NotApplicable(
            "a TLS probe completes no exchange, so it has no body to check",
        ))
    }

    fn text(&self) -> Cow<'_, str> {
        Cow::Borrowed("")
    }

    fn own_verdict(
        &self,
        _ctx: &RunContext<'_>,
        kind: &AssertionKind,
        _scope: &Scope,
    ) -> Option<(&'static str, String, Verdict)> {
        let AssertionKind::Tls(want) = kind else {
            return None;
        };
        let (found, actual) = match &self.outcome {
            ProbeOutcome::Refused { reason } => {
                (TlsExpectation::Refused, format!("refused: {reason}"))
            }
            ProbeOutcome::Accepted { version } => (
                TlsExpectation::Accepted,
                format!("accepted: the server chose TLS {version}"),
            ),
        };
        let (expected, verb) = match want {
            TlsExpectation::Refused => ("refused", "refuses"),
            TlsExpectation::Accepted => ("accepted", "accepts"),
        };
        let description = format!(
            "the server {verb} a handshake offering only TLS {}",
            self.offered.as_str()
        );
        Some((
            "tls",
            description,
            Verdict::check(*want == found, expected, actual),
        ))
    }
}

fn legacy(v: LegacyTls) -> LegacyVersion {
    match v {
        LegacyTls::Tls10 => LegacyVersion::Tls10,
        LegacyTls::Tls11 => LegacyVersion::Tls11,
    }
}

/// Host and port of the probed target; only `https` targets speak TLS.
fn endpoint(ctx: &RunContext<'_>, probe: &TlsProbe) -> Result<(String, u16), String> {
    let name = probe.target.as_ref().map(|t| t.value.as_str()).ok_or(
        "failed to probe TLS: the step names no target and the suite has several".to_string(),
    )?;
    let binding = ctx
        .bindings
        .targets
        .get(name)
        .ok_or_else(|| format!("failed to probe TLS: target `{name}` is not bound"))?;
    let url = Url::parse(&binding.url)
        .map_err(|e| format!("failed to probe TLS: target `{name}` has an invalid URL: {e}"))?;
    if url.scheme() != "https" {
        return Err(format!(
            "failed to probe TLS: target `{name}` is {}, not an https URL",
            url.as_str()
        ));
    }
    let host = match url.host() {
        Some(Host::Domain(d)) => d.to_string(),
        Some(Host::Ipv4(ip)) => ip.to_string(),
        Some(Host::Ipv6(ip)) => ip.to_string(),
        None => return Err(format!("failed to probe TLS: target `{name}` has no host")),
    };
    let port = url.port_or_known_default().unwrap_or(443);
    Ok((host, port))
}
