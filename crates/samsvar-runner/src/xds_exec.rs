//! Executes XDS steps (ITI-41, ITI-18, ITI-43): builds the SOAP/MTOM request from the
//! step, sends it with the run's timeout and size limit, reads the response safely, and
//! produces captures and assertion records like HTTP steps do. Syntax: docs/xds.md.

use crate::Outcome;
use crate::context::RunContext;
use crate::record::{
    AssertionRecord, Body as BodyRecord, CaptureRecord, Exchange, HttpMessage, Issue, StepRecord,
};
use crate::vars::Scope;
use bytes::Bytes;
use samsvar_suite::model::{
    AssertionKind, Body, CaptureSource, Step, Suite, TargetKind, ValueCheck, XdsAction,
    XdsAssertion, XdsTransaction,
};
use samsvar_xds::client::{RawExchange, XdsClient, read_soap};
use samsvar_xds::ebrim::{ObjectList, RegistryResponse};
use samsvar_xds::iti18::{QueryResponse, ReturnType, StoredQuery};
use samsvar_xds::iti43::{DocumentRequest, RetrieveResponse};
use samsvar_xds::submission::{ProvideAndRegister, SubmissionSpec, sha1_hex};
use samsvar_xds::validate::{Diagnostic, Mode, Severity, validate_metadata, validate_xml};
use samsvar_xds::vocab::{action, ss};
use samsvar_xds::xml::Element;
use samsvar_xds::{XdsError, XdsLimits, iti18, iti41, iti43};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::time::Instant;

/// What was sent, kept for captures and `metadata_valid` on ITI-41.
enum Sent {
    Submission(Box<ProvideAndRegister>),
    Raw(String),
    Query,
    Retrieve,
}

/// The read response.
enum Reply {
    Registry(RegistryResponse),
    Query(Box<QueryResponse>),
    Retrieve(RetrieveResponse),
}

pub async fn run_xds_step(
    ctx: &RunContext<'_>,
    suite: &Suite,
    step: &Step,
    xds: &XdsAction,
    mut record: StepRecord,
    started: Instant,
    scope: &mut Scope,
) -> StepRecord {
    let finish = |mut record: StepRecord, outcome: Outcome, error: Option<String>| {
        record.outcome = outcome;
        record.error = error.map(|e| ctx.redactor.text(&e));
        record.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        record
    };
    let url = match target_url(ctx, suite, xds) {
        Ok(u) => u,
        Err(e) => return finish(record, Outcome::Error, Some(e)),
    };
    let (action, body, attachments, use_mtom, sent) = match build(suite, xds, scope) {
        Ok(b) => b,
        Err(e) => return finish(record, Outcome::Error, Some(e)),
    };
    let timeout = xds
        .timeout_ms
        .unwrap_or(u64::try_from(ctx.options.timeout.as_millis()).unwrap_or(u64::MAX));
    // The target's own client, so its CA bundle and client certificate (IHE ATNA secure
    // node) apply to XDS transactions too.
    let client = match url::Url::parse(&url) {
        Ok(u) => ctx.transport.client_for(&u),
        Err(e) => {
            return finish(
                record,
                Outcome::Error,
                Some(format!("failed to parse the target URL `{url}`: {e}")),
            );
        }
    };
    let limits = XdsLimits {
        timeout_ms: timeout,
        max_response_bytes: usize::try_from(ctx.options.max_body_bytes).unwrap_or(usize::MAX),
        ..Default::default()
    };
    let client = XdsClient::new(client, limits);
    let (raw, decoded) = client
        .send(&url, action, body, &attachments, use_mtom)
        .await;
    record.exchange = Some(exchange(ctx, &raw));
    let decoded = match decoded {
        Ok(d) => d,
        Err(
            e @ (XdsError::Transport(_) | XdsError::Timeout(_) | XdsError::ResponseTooLarge { .. }),
        ) => {
            return finish(record, Outcome::Error, Some(e.to_string()));
        }
        Err(e) => {
            record.assertions.push(problem(ctx, step, &e));
            return finish(record, Outcome::Fail, None);
        }
    };
    let reply =
        read_soap(&decoded, &limits.xml).and_then(|(msg, atts)| match xds.transaction.value {
            XdsTransaction::ProvideAndRegister => {
                iti43::read_registry_response_body(&msg.body).map(Reply::Registry)
            }
            XdsTransaction::StoredQuery => {
                iti18::read_response(&msg.body).map(|q| Reply::Query(Box::new(q)))
            }
            XdsTransaction::Retrieve => iti43::read_response(&msg.body, &atts).map(Reply::Retrieve),
        });
    let reply = match reply {
        Ok(r) => r,
        Err(e) => {
            record.assertions.push(problem(ctx, step, &e));
            return finish(record, Outcome::Fail, None);
        }
    };
    for c in &step.captures {
        let (captured, failure) = capture(ctx, c, &raw, &sent, &reply, scope);
        record.captures.push(captured);
        record.assertions.extend(failure);
    }
    for a in &step.assertions {
        record
            .assertions
            .push(assert_one(ctx, a, &raw, &sent, &reply, scope));
    }
    let outcome = crate::step::worst(&record.assertions);
    finish(record, outcome, None)
}

fn target_url(ctx: &RunContext<'_>, suite: &Suite, xds: &XdsAction) -> Result<String, String> {
    let name = match &xds.target {
        Some(t) => t.value.clone(),
        None => {
            let kind = match xds.transaction.value {
                XdsTransaction::StoredQuery => TargetKind::XdsRegistry,
                _ => TargetKind::XdsRepository,
            };
            let of_kind: Vec<&String> = suite
                .targets
                .iter()
                .filter(|(_, d)| d.kind == kind)
                .map(|(n, _)| n)
                .collect();
            match (of_kind.as_slice(), suite.targets.len()) {
                ([one], _) => (*one).clone(),
                ([], 1) => suite.targets.keys().next().cloned().unwrap_or_default(),
                _ => {
                    return Err(
                        "failed to choose a target for this XDS step: name one with `target:`"
                            .into(),
                    );
                }
            }
        }
    };
    ctx.bindings
        .targets
        .get(&name)
        .map(|b| b.url.clone())
        .ok_or_else(|| format!("failed to send the XDS request: target `{name}` is not bound"))
}

type Built = (
    &'static str,
    Element,
    Vec<samsvar_xds::mtom::Attachment>,
    bool,
    Sent,
);

fn build(suite: &Suite, xds: &XdsAction, scope: &Scope) -> Result<Built, String> {
    let input = match &xds.input {
        Some(t) => Some(scope.render_json(t).map_err(|e| e.to_string())?),
        None => None,
    };
    match xds.transaction.value {
        XdsTransaction::ProvideAndRegister => {
            if let Some(Body::File {
                resolved,
                templated,
                ..
            }) = &xds.fixture
            {
                let text = std::fs::read_to_string(resolved)
                    .map_err(|e| format!("failed to read fixture {}: {e}", resolved.display()))?;
                let text = if *templated {
                    scope.render_text(&text).map_err(|e| e.to_string())?
                } else {
                    text
                };
                let root = samsvar_xds::xml::parse(text.as_bytes(), &Default::default())
                    .map_err(|e| format!("failed to read fixture {}: {e}", resolved.display()))?;
                let body = if root.local == "Envelope" {
                    root.first_child(samsvar_xds::ns::SOAP12, "Body")
                        .and_then(|b| b.children.first().cloned())
                        .ok_or_else(|| {
                            format!(
                                "failed to read fixture {}: the envelope has no body",
                                resolved.display()
                            )
                        })?
                } else {
                    root
                };
                return Ok((action::ITI41, body, Vec::new(), false, Sent::Raw(text)));
            }
            let value = input.ok_or("failed to build ITI-41: the step has no `submission`")?;
            let spec: SubmissionSpec = serde_json::from_value(value)
                .map_err(|e| format!("failed to read `submission`: {e}"))?;
            let req = spec.build(&suite.base_dir).map_err(|e| e.to_string())?;
            let (body, atts) = iti41::request_body(&req, xds.mtom);
            Ok((
                action::ITI41,
                body,
                atts,
                xds.mtom,
                Sent::Submission(Box::new(req)),
            ))
        }
        XdsTransaction::StoredQuery => {
            let value = input.ok_or("failed to build ITI-18: the step has no `query`")?;
            Ok((
                action::ITI18,
                iti18::request_body(&stored_query(&value)?),
                Vec::new(),
                false,
                Sent::Query,
            ))
        }
        XdsTransaction::Retrieve => {
            let value = input.ok_or("failed to build ITI-43: the step has no `documents`")?;
            let docs: Vec<DocumentRequest> = serde_json::from_value(value)
                .map_err(|e| format!("failed to read `documents`: {e}"))?;
            Ok((
                action::ITI43,
                iti43::request_body(&docs),
                Vec::new(),
                false,
                Sent::Retrieve,
            ))
        }
    }
}

fn stored_query(v: &Value) -> Result<StoredQuery, String> {
    let name = v
        .get("name")
        .and_then(Value::as_str)
        .ok_or("failed to read `query`: it has no `name`")?;
    let rt = match v.get("returnType").and_then(Value::as_str) {
        Some("ObjectRef") => ReturnType::ObjectRef,
        _ => ReturnType::LeafClass,
    };
    let mut q = StoredQuery::new(name, rt).map_err(|e| e.to_string())?;
    if let Some(params) = v.get("params").and_then(Value::as_object) {
        for (k, val) in params {
            q = match val {
                Value::Array(items) => {
                    let list: Vec<String> = items.iter().map(scalar).collect();
                    q.param_list(k, &list)
                }
                other => q.param(k, &scalar(other)),
            };
        }
    }
    Ok(q)
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn message(
    ctx: &RunContext<'_>,
    headers: &[(String, String)],
    body: Option<&Bytes>,
    method: Option<&str>,
    url: Option<&str>,
) -> HttpMessage {
    let media_type = headers
        .iter()
        .find(|(k, _)| k == "content-type")
        .map(|(_, v)| v.clone());
    HttpMessage {
        method: method.map(str::to_string),
        url: url.map(|u| ctx.redactor.text(u)),
        headers: headers
            .iter()
            .map(|(k, v)| (k.clone(), ctx.redactor.header(k, v)))
            .collect(),
        body: body.filter(|b| !b.is_empty()).map(|b| {
            let bytes = ctx.redactor.bytes(b);
            BodyRecord {
                sha256: hex::encode(Sha256::digest(&bytes)),
                size: bytes.len() as u64,
                media_type,
                truncated: false,
                bytes,
            }
        }),
    }
}

fn exchange(ctx: &RunContext<'_>, raw: &RawExchange) -> Exchange {
    Exchange {
        request: message(
            ctx,
            &raw.request_headers,
            Some(&raw.request_body),
            Some("POST"),
            Some(&raw.url),
        ),
        response: raw.status.map(|_| {
            message(
                ctx,
                &raw.response_headers,
                raw.response_body.as_ref(),
                None,
                None,
            )
        }),
        status: raw.status,
        elapsed_ms: raw.status.map(|_| raw.elapsed_ms),
    }
}

/// A failed assertion for a response that could not be read: SOAP fault, hostile or
/// broken XML, a message of the wrong kind.
fn problem(ctx: &RunContext<'_>, step: &Step, e: &XdsError) -> AssertionRecord {
    let (description, expected) = match e {
        XdsError::SoapFault { .. } => ("the response is not a SOAP fault", "a SOAP response"),
        XdsError::Xml(_) => (
            "the response is safe, well-formed XML",
            "XML without DOCTYPE, within limits",
        ),
        XdsError::Mtom(_) | XdsError::ResponseTooLarge { .. } => (
            "the response is a readable MTOM/SOAP message",
            "a readable message",
        ),
        _ => (
            "the response is the expected XDS message",
            "the transaction's response",
        ),
    };
    AssertionRecord {
        kind: "xds".into(),
        description: description.into(),
        location: ctx.location(step.span),
        outcome: Outcome::Fail,
        expected: Some(expected.into()),
        actual: Some(ctx.redactor.text(&e.to_string())),
        message: None,
        issues: Vec::new(),
    }
}

fn status_of(reply: &Reply) -> &RegistryResponse {
    match reply {
        Reply::Registry(r) => r,
        Reply::Query(q) => &q.response,
        Reply::Retrieve(r) => &r.response,
    }
}

/// The metadata a capture reads: the response's (ITI-18) or the submitted (ITI-41).
fn metadata<'a>(sent: &'a Sent, reply: &'a Reply) -> Option<&'a ObjectList> {
    match (reply, sent) {
        (Reply::Query(q), _) => Some(&q.objects),
        (_, Sent::Submission(s)) => Some(&s.metadata),
        _ => None,
    }
}

fn document_count(reply: &Reply) -> Option<usize> {
    match reply {
        Reply::Query(q) => Some(
            q.objects
                .extrinsic_objects
                .len()
                .max(q.objects.object_refs.len()),
        ),
        Reply::Retrieve(r) => Some(r.documents.len()),
        Reply::Registry(_) => None,
    }
}

fn accessor(name: &str, raw: &RawExchange, sent: &Sent, reply: &Reply) -> Option<String> {
    let md = metadata(sent, reply);
    let first_de = md.and_then(|m| m.extrinsic_objects.first());
    let first_ss = md.and_then(|m| m.submission_sets().first().map(|p| p.obj.clone()));
    let first_doc = match reply {
        Reply::Retrieve(r) => r.documents.first(),
        _ => None,
    };
    let _ = raw;
    match name {
        "status" => Some(status_of(reply).status.name().to_string()),
        "error_codes" => Some(status_of(reply).error_codes().join(",")),
        "entry_uuid" => first_de
            .map(|x| x.obj.id.clone())
            .or_else(|| md.and_then(|m| m.object_refs.first().map(|r| r.id.clone()))),
        "entry_uuids" => md.map(|m| {
            let ids: Vec<&str> = if m.extrinsic_objects.is_empty() {
                m.object_refs.iter().map(|r| r.id.as_str()).collect()
            } else {
                m.extrinsic_objects
                    .iter()
                    .map(|x| x.obj.id.as_str())
                    .collect()
            };
            ids.join(",")
        }),
        "unique_id" => first_de
            .and_then(|x| x.unique_id().map(str::to_string))
            .or_else(|| first_doc.map(|d| d.document_unique_id.clone())),
        "repository_unique_id" => first_de
            .and_then(|x| x.obj.slot_value("repositoryUniqueId").map(str::to_string))
            .or_else(|| first_doc.map(|d| d.repository_unique_id.clone())),
        "hash" => first_de.and_then(|x| x.obj.slot_value("hash").map(str::to_string)),
        "size" => first_de.and_then(|x| x.obj.slot_value("size").map(str::to_string)),
        "patient_id" => first_de.and_then(|x| x.patient_id().map(str::to_string)),
        "submission_set_uuid" => first_ss.map(|p| p.id.clone()),
        "submission_set_unique_id" => {
            first_ss.and_then(|p| p.external_id(ss::UNIQUE_ID).map(str::to_string))
        }
        "document_count" => document_count(reply).map(|n| n.to_string()),
        "document_sha1" => first_doc.map(|d| sha1_hex(&d.data)),
        "document_size" => first_doc.map(|d| d.data.len().to_string()),
        "document_mime_type" => first_doc.map(|d| d.mime_type.clone()),
        _ => None,
    }
}

fn capture(
    ctx: &RunContext<'_>,
    c: &samsvar_suite::model::Capture,
    raw: &RawExchange,
    sent: &Sent,
    reply: &Reply,
    scope: &mut Scope,
) -> (CaptureRecord, Option<AssertionRecord>) {
    let name = c.name.value.clone();
    let (what, found) = match &c.source {
        CaptureSource::Xds(acc) => (
            format!("XDS `{}`", acc.value),
            Ok(accessor(&acc.value, raw, sent, reply)),
        ),
        CaptureSource::Status => (
            "the status".to_string(),
            Ok(raw.status.map(|s| s.to_string())),
        ),
        CaptureSource::Header(h) => (
            format!("header `{}`", h.value),
            Ok(raw
                .response_headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(&h.value))
                .map(|(_, v)| v.clone())),
        ),
        other => (
            format!("{other:?}"),
            Err("this capture does not apply to XDS steps; use `{ xds: … }`".to_string()),
        ),
    };
    match found {
        Ok(Some(v)) => {
            let shown = ctx.redactor.text(&v);
            scope.set(name.clone(), v);
            (
                CaptureRecord {
                    name,
                    value: Some(shown),
                },
                None,
            )
        }
        Ok(None) | Err(_) => {
            let (outcome, msg) = match &found {
                Err(e) => (Outcome::Error, Some(e.clone())),
                _ => (Outcome::Fail, None),
            };
            scope.set_uncaptured(name.clone(), format!("{what} gave nothing"));
            let f = AssertionRecord {
                kind: "capture".into(),
                description: format!("capture `{name}` from {what}"),
                location: ctx.location(c.name.span),
                outcome,
                expected: Some("a value".into()),
                actual: Some("nothing".into()),
                message: msg,
                issues: Vec::new(),
            };
            (CaptureRecord { name, value: None }, Some(f))
        }
    }
}

struct Verdict {
    kind: &'static str,
    description: String,
    outcome: Outcome,
    expected: Option<String>,
    actual: Option<String>,
    message: Option<String>,
    issues: Vec<Issue>,
}

fn verdict(
    kind: &'static str,
    description: String,
    ok: bool,
    expected: String,
    actual: String,
) -> Verdict {
    Verdict {
        kind,
        description,
        outcome: if ok { Outcome::Pass } else { Outcome::Fail },
        expected: Some(expected),
        actual: Some(actual),
        message: None,
        issues: Vec::new(),
    }
}

fn issues_of(findings: &[Diagnostic]) -> Vec<Issue> {
    findings
        .iter()
        .map(|f| {
            let path = f
                .payload()
                .and_then(samsvar_diagnostics::PayloadLocation::path)
                .unwrap_or_default();
            Issue {
                severity: f.severity.as_str().to_string(),
                location: match f.position() {
                    Some(p) => format!("{path} ({}:{})", p.line, p.col),
                    None => path.to_string(),
                },
                message: f.message.clone(),
                rule: Some(f.rule.to_string()),
            }
        })
        .collect()
}

fn assert_one(
    ctx: &RunContext<'_>,
    a: &samsvar_suite::model::Assertion,
    raw: &RawExchange,
    sent: &Sent,
    reply: &Reply,
    scope: &Scope,
) -> AssertionRecord {
    let render = |t: &samsvar_suite::model::Template| scope.render(t).map_err(|e| e.to_string());
    let v = match &a.kind {
        AssertionKind::Xds(x) => match x {
            XdsAssertion::Status(want) => {
                let got = status_of(reply);
                let errs = got.error_codes().join(", ");
                let mut v = verdict(
                    "xds",
                    format!("registry status is {}", want.value),
                    got.status.name().eq_ignore_ascii_case(&want.value),
                    want.value.clone(),
                    got.status.name().to_string(),
                );
                if !errs.is_empty() {
                    v.message = Some(format!("registry errors: {errs}"));
                }
                v
            }
            XdsAssertion::ErrorCode(t) => match render(t) {
                Ok(code) => {
                    let codes = status_of(reply).error_codes();
                    let actual = if codes.is_empty() {
                        "no errors".to_string()
                    } else {
                        codes.join(", ")
                    };
                    verdict(
                        "xds",
                        format!("registry error {code} is reported"),
                        codes.contains(&code.as_str()),
                        code.clone(),
                        actual,
                    )
                }
                Err(e) => error_verdict("registry error code", e),
            },
            XdsAssertion::Documents(n) => match document_count(reply) {
                Some(c) => verdict(
                    "xds",
                    format!("{n} document(s) in the response"),
                    c as u64 == *n,
                    n.to_string(),
                    c.to_string(),
                ),
                None => error_verdict(
                    "document count",
                    "an ITI-41 response holds no documents".into(),
                ),
            },
            XdsAssertion::MetadataValid => {
                let findings = match (reply, sent) {
                    (Reply::Query(q), _) => validate_metadata(&q.objects, None, Mode::Registry),
                    (_, Sent::Submission(s)) => {
                        validate_metadata(&s.metadata, Some(&s.documents), Mode::Submission)
                    }
                    (_, Sent::Raw(text)) => {
                        validate_xml(text.as_bytes(), &[], Mode::Submission, &Default::default())
                    }
                    _ => Vec::new(),
                };
                let errors = findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .count();
                let mut v = verdict(
                    "xds",
                    "metadata passes the XDS metadata rules".into(),
                    errors == 0,
                    "no rule errors".into(),
                    format!("{errors} error(s), {} warning(s)", findings.len() - errors),
                );
                v.issues = issues_of(&findings);
                let shown: Vec<String> = findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .take(3)
                    .map(|f| format!("[{}] {}", f.rule, f.message))
                    .collect();
                if !shown.is_empty() {
                    v.message = Some(shown.join("; "));
                }
                v
            }
            XdsAssertion::DocumentSha1(t) => match (render(t), reply) {
                (Ok(want), Reply::Retrieve(r)) => {
                    let got = r
                        .documents
                        .first()
                        .map(|d| sha1_hex(&d.data))
                        .unwrap_or_else(|| "no document".into());
                    verdict(
                        "xds",
                        "the retrieved document's SHA-1 matches".into(),
                        got.eq_ignore_ascii_case(want.trim()),
                        want,
                        got,
                    )
                }
                (Err(e), _) => error_verdict("document SHA-1", e),
                _ => error_verdict(
                    "document SHA-1",
                    "document_sha1 applies to ITI-43 steps".into(),
                ),
            },
        },
        AssertionKind::Status(codes) => {
            let got = raw.status.unwrap_or_default();
            let want: Vec<String> = codes.iter().map(u16::to_string).collect();
            verdict(
                "status",
                format!("status is {}", want.join(" or ")),
                codes.contains(&got),
                want.join(" or "),
                got.to_string(),
            )
        }
        AssertionKind::Header { name, check } => {
            let actual = raw
                .response_headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone());
            let shown = actual.clone().unwrap_or_else(|| "absent".to_string());
            match check {
                ValueCheck::Exists(want) => verdict(
                    "header",
                    format!(
                        "header `{name}` {}",
                        if *want { "exists" } else { "is absent" }
                    ),
                    actual.is_some() == *want,
                    if *want {
                        "present".into()
                    } else {
                        "absent".into()
                    },
                    shown,
                ),
                ValueCheck::Equals(t) => match render(t) {
                    Ok(exp) => verdict(
                        "header",
                        format!("header `{name}` equals {exp}"),
                        actual.as_deref() == Some(exp.as_str()),
                        exp,
                        shown,
                    ),
                    Err(e) => error_verdict("header", e),
                },
                ValueCheck::Matches(re) => match ctx.caches.regex(&re.value) {
                    Ok(rx) => verdict(
                        "header",
                        format!("header `{name}` matches /{}/", re.value),
                        actual.as_deref().is_some_and(|a| rx.is_match(a)),
                        format!("matches /{}/", re.value),
                        shown,
                    ),
                    Err(e) => error_verdict("header", e),
                },
            }
        }
        AssertionKind::ResponseTimeUnder(max) => verdict(
            "response_time_ms",
            format!("response within {max} ms"),
            raw.elapsed_ms <= *max,
            format!("≤ {max} ms"),
            format!("{} ms", raw.elapsed_ms),
        ),
        other => error_verdict(
            "assertion",
            format!("{other:?} does not apply to XDS steps; use `- xds: {{…}}`"),
        ),
    };
    let r = &ctx.redactor;
    AssertionRecord {
        kind: v.kind.to_string(),
        description: r.text(&v.description),
        location: ctx.location(a.span),
        outcome: v.outcome,
        expected: v.expected.map(|s| r.text(&s)),
        actual: v.actual.map(|s| r.text(&s)),
        message: v.message.map(|s| r.text(&s)),
        issues: v.issues,
    }
}

fn error_verdict(what: &str, message: String) -> Verdict {
    Verdict {
        kind: "xds",
        description: what.to_string(),
        outcome: Outcome::Error,
        expected: None,
        actual: None,
        message: Some(message),
        issues: Vec::new(),
    }
}
