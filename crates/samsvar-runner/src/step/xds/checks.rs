//! The checks only XDS steps answer (`- xds: {…}`), and the failed assertion recorded
//! when a response cannot be read at all.

use super::reply::{Reply, Sent, document_count, status_of};
use crate::check::Verdict;
use crate::context::RunContext;
use crate::vars::Scope;
use samsvar_record::{AssertionRecord, Outcome};
use samsvar_suite::model::{Step, Template, XdsAssertion};
use samsvar_xds::XdsError;
use samsvar_xds::submission::sha1_hex;
use samsvar_xds::validate::{Mode, Severity, validate_metadata, validate_xml};

/// The kind, description and verdict of an `xds:` assertion.
pub fn xds_verdict(
    a: &XdsAssertion,
    sent: &Sent,
    reply: &Reply,
    scope: &Scope,
) -> (&'static str, String, Verdict) {
    let render = |t: &Template| scope.render(t).map_err(|e| e.to_string());
    let error =
        |what: &str, message: String| ("xds", what.to_string(), Verdict::error(None, message));
    match a {
        XdsAssertion::Status(want) => {
            let got = status_of(reply);
            let errs = got.error_codes().join(", ");
            let mut v = Verdict::check(
                got.status.name().eq_ignore_ascii_case(&want.value),
                want.value.clone(),
                got.status.name().to_string(),
            );
            if !errs.is_empty() {
                v.message = Some(format!("registry errors: {errs}"));
            }
            ("xds", format!("registry status is {}", want.value), v)
        }
        XdsAssertion::ErrorCode(wanted) => {
            match wanted.iter().map(render).collect::<Result<Vec<_>, _>>() {
                Ok(wanted) => {
                    let codes = status_of(reply).error_codes();
                    let actual = if codes.is_empty() {
                        "no errors".to_string()
                    } else {
                        codes.join(", ")
                    };
                    let found = wanted.iter().any(|w| codes.contains(&w.as_str()));
                    let expected = wanted.join(" or ");
                    let what = format!("registry error {expected} is reported");
                    ("xds", what, Verdict::check(found, expected, actual))
                }
                Err(e) => error("registry error code", e),
            }
        }
        XdsAssertion::Documents(n) => match document_count(reply) {
            Some(c) => (
                "xds",
                format!("{n} document(s) in the response"),
                Verdict::check(c as u64 == *n, n.to_string(), c.to_string()),
            ),
            None => error(
                "document count",
                "an ITI-41 response holds no documents".into(),
            ),
        },
        XdsAssertion::MetadataValid => metadata_valid(sent, reply),
        XdsAssertion::DocumentSha1(t) => match (render(t), reply) {
            (Ok(want), Reply::Retrieve(r)) => {
                let got = r
                    .documents
                    .first()
                    .map(|d| sha1_hex(&d.data))
                    .unwrap_or_else(|| "no document".into());
                let v = Verdict::check(got.eq_ignore_ascii_case(want.trim()), want, got);
                ("xds", "the retrieved document's SHA-1 matches".into(), v)
            }
            (Err(e), _) => error("document SHA-1", e),
            _ => error(
                "document SHA-1",
                "document_sha1 applies to ITI-43 steps".into(),
            ),
        },
    }
}

fn metadata_valid(sent: &Sent, reply: &Reply) -> (&'static str, String, Verdict) {
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
    let shown: Vec<String> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .take(3)
        .map(|f| format!("[{}] {}", f.rule, f.message))
        .collect();
    let mut v = Verdict::check(
        errors == 0,
        "no rule errors",
        format!("{errors} error(s), {} warning(s)", findings.len() - errors),
    )
    .with_issues(findings);
    if !shown.is_empty() {
        v.message = Some(shown.join("; "));
    }
    ("xds", "metadata passes the XDS metadata rules".into(), v)
}

/// A failed assertion for a response that could not be read: SOAP fault, hostile or
/// broken XML, a message of the wrong kind.
pub fn unreadable(ctx: &RunContext<'_>, step: &Step, e: &XdsError) -> AssertionRecord {
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
    crate::check::record(
        ctx,
        "xds",
        description,
        step.span,
        Verdict {
            outcome: Outcome::Fail,
            expected: Some(expected.into()),
            actual: Some(e.to_string()),
            message: None,
            issues: Vec::new(),
        },
    )
}
