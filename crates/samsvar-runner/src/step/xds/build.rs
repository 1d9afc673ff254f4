//! The request side of XDS steps: which target, and the SOAP body of ITI-41, ITI-18
//! or ITI-43 built from the step (or taken from a fixture envelope).

use super::reply::Sent;
use crate::context::RunContext;
use crate::vars::Scope;
use samsvar_suite::model::{Body, Suite, TargetKind, XdsAction, XdsTransaction};
use samsvar_xds::iti18::{ReturnType, StoredQuery};
use samsvar_xds::iti43::DocumentRequest;
use samsvar_xds::submission::SubmissionSpec;
use samsvar_xds::vocab::action;
use samsvar_xds::xml::Element;
use samsvar_xds::{iti18, iti41, iti43};
use serde_json::Value;

/// What goes on the wire, and what was sent (for captures and `metadata_valid`).
pub struct Built {
    pub action: &'static str,
    /// The SOAP message as the fixture gives it, sent byte for byte; `None` when the
    /// body is built from the step.
    pub raw: Option<bytes::Bytes>,
    pub body: Element,
    pub attachments: Vec<samsvar_xds::mtom::Attachment>,
    pub mtom: bool,
    pub sent: Sent,
}

pub fn target_url(ctx: &RunContext<'_>, suite: &Suite, xds: &XdsAction) -> Result<String, String> {
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

pub fn build(suite: &Suite, xds: &XdsAction, scope: &Scope, url: &str) -> Result<Built, String> {
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
                let bytes = std::fs::read(resolved)
                    .map_err(|e| format!("failed to read fixture {}: {e}", resolved.display()))?;
                let text = String::from_utf8(bytes.clone()).map_err(|e| {
                    format!(
                        "failed to read fixture {}: not UTF-8: {e}",
                        resolved.display()
                    )
                })?;
                // Untemplated, the file's own bytes go out; templated, the rendered text.
                let (text, bytes) = if *templated {
                    let rendered = scope.render_text(&text).map_err(|e| e.to_string())?;
                    let rendered_bytes = rendered.clone().into_bytes();
                    (rendered, rendered_bytes)
                } else {
                    (text, bytes)
                };
                // Parsed only to check it and to know whether it brings its own envelope.
                let root = samsvar_xds::xml::parse(text.as_bytes(), &Default::default())
                    .map_err(|e| format!("failed to read fixture {}: {e}", resolved.display()))?;
                let (body, message) = if root.local == "Envelope" {
                    let body = root
                        .first_child(samsvar_xds::ns::SOAP12, "Body")
                        .and_then(|b| b.children.first().cloned())
                        .ok_or_else(|| {
                            format!(
                                "failed to read fixture {}: the envelope has no body",
                                resolved.display()
                            )
                        })?;
                    (body, bytes)
                } else {
                    let addr = samsvar_xds::soap::Addressing::request(action::ITI41, url);
                    let message = samsvar_xds::soap::envelope_text_around(&addr, &text);
                    (root, message.into_bytes())
                };
                return Ok(Built {
                    action: action::ITI41,
                    raw: Some(bytes::Bytes::from(message)),
                    body,
                    attachments: Vec::new(),
                    mtom: false,
                    sent: Sent::Raw(text),
                });
            }
            let value = input.ok_or("failed to build ITI-41: the step has no `submission`")?;
            let spec: SubmissionSpec = serde_json::from_value(value)
                .map_err(|e| format!("failed to read `submission`: {e}"))?;
            let req = spec.build(&suite.base_dir).map_err(|e| e.to_string())?;
            let (body, atts) = iti41::request_body(&req, xds.mtom);
            Ok(Built {
                raw: None,
                action: action::ITI41,
                body,
                attachments: atts,
                mtom: xds.mtom,
                sent: Sent::Submission(Box::new(req)),
            })
        }
        XdsTransaction::StoredQuery => {
            let value = input.ok_or("failed to build ITI-18: the step has no `query`")?;
            Ok(Built {
                raw: None,
                action: action::ITI18,
                body: iti18::request_body(&stored_query(&value)?),
                attachments: Vec::new(),
                mtom: false,
                sent: Sent::Query,
            })
        }
        XdsTransaction::Retrieve => {
            let value = input.ok_or("failed to build ITI-43: the step has no `documents`")?;
            let docs: Vec<DocumentRequest> = serde_json::from_value(value)
                .map_err(|e| format!("failed to read `documents`: {e}"))?;
            Ok(Built {
                raw: None,
                action: action::ITI43,
                body: iti43::request_body(&docs),
                attachments: Vec::new(),
                mtom: false,
                sent: Sent::Retrieve,
            })
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
