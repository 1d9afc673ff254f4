//! Executes `tls:` probe steps: offers only TLS 1.0 or 1.1 to a target's host and port
//! and checks `- tls: refused|accepted` against what the server did. No handshake is ever
//! completed, so nothing is exchanged that the evidence would need to keep.

use crate::Outcome;
use crate::context::RunContext;
use crate::record::{AssertionRecord, StepRecord};
use crate::step::{millis, worst};
use samsvar_auth::{LegacyVersion, ProbeOutcome, probe_legacy_tls};
use samsvar_suite::model::{AssertionKind, LegacyTls, Step, TlsExpectation, TlsProbe};
use std::time::{Duration, Instant};
use url::{Host, Url};

pub async fn run_tls_step(
    ctx: &RunContext<'_>,
    step: &Step,
    probe: &TlsProbe,
    mut record: StepRecord,
    started: Instant,
) -> StepRecord {
    let offered = probe.offer.value;
    let result = match endpoint(ctx, probe) {
        Ok((host, port)) => {
            let timeout = probe
                .timeout_ms
                .map_or(ctx.options.timeout, Duration::from_millis);
            probe_legacy_tls(&host, port, legacy(offered), timeout).await
        }
        Err(e) => Err(e),
    };
    record.duration_ms = millis(started.elapsed());
    let outcome = match result {
        Ok(o) => o,
        Err(e) => {
            record.outcome = Outcome::Error;
            record.error = Some(ctx.redactor.text(&e));
            return record;
        }
    };
    let (found, actual) = match &outcome {
        ProbeOutcome::Refused { reason } => (TlsExpectation::Refused, format!("refused: {reason}")),
        ProbeOutcome::Accepted { version } => (
            TlsExpectation::Accepted,
            format!("accepted: the server chose TLS {version}"),
        ),
    };
    for a in &step.assertions {
        let AssertionKind::Tls(want) = a.kind else {
            // The suite checker rejects other assertions on TLS probes.
            continue;
        };
        let (expected, verb) = match want {
            TlsExpectation::Refused => ("refused", "refuses"),
            TlsExpectation::Accepted => ("accepted", "accepts"),
        };
        record.assertions.push(AssertionRecord {
            kind: "tls".into(),
            description: format!(
                "the server {verb} a handshake offering only TLS {}",
                offered.as_str()
            ),
            location: ctx.location(a.span),
            outcome: if want == found {
                Outcome::Pass
            } else {
                Outcome::Fail
            },
            expected: Some(expected.into()),
            actual: Some(actual.clone()),
            message: None,
            issues: Vec::new(),
        });
    }
    record.outcome = worst(&record.assertions);
    record
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
