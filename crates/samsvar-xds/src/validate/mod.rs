//! ebRIM metadata validation with stable rule ids (see [`rules::RULES`] and `docs/xds.md`).

mod assoc;
mod common;
mod documents;
mod entry;
mod package;
pub mod rules;

use crate::ebrim::{Loc, ObjectList, read_object_list};
use crate::mtom::Attachment;
use crate::ns::{LCM, RIM, SOAP12, XDSB};
use crate::submission::DocumentContent;
use crate::xml::{self, Element, XmlLimits};
use samsvar_diagnostics::PayloadLocation;

pub use samsvar_diagnostics::{Diagnostic, Severity};

/// What kind of metadata is checked: a source's submission (ITI-41; hash and size
/// optional, documents attached) or registry metadata (query results).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Submission,
    Registry,
}

/// Collects the findings of the checks: one diagnostic per rule violation, with the
/// severity the rule catalogue gives it and the element's XPath and position.
pub(crate) struct Sink {
    pub findings: Vec<Diagnostic>,
}

impl Sink {
    pub fn push(&mut self, rule: &'static str, loc: &Loc, message: impl Into<String>) {
        let registered = rules::rule_by_id(rule);
        debug_assert!(registered.is_some(), "{rule} is not in rules::RULES");
        let severity = registered.map_or(Severity::Error, |r| r.severity);
        let location = PayloadLocation::xpath(loc.path.clone()).with_position(loc.line_col);
        self.findings
            .push(Diagnostic::new(severity, rule, location, message));
    }
}

/// Validate an ITI-41 submission given as XML bytes (a SOAP envelope, a
/// ProvideAndRegisterDocumentSetRequest, a SubmitObjectsRequest or a bare
/// RegistryObjectList) and the MIME attachments that came with it.
pub fn validate_submission(xml_bytes: &[u8], attachments: &[Attachment]) -> Vec<Diagnostic> {
    validate_xml(
        xml_bytes,
        attachments,
        Mode::Submission,
        &XmlLimits::default(),
    )
}

/// Like [`validate_submission`], with an explicit mode and XML limits.
pub fn validate_xml(
    xml_bytes: &[u8],
    attachments: &[Attachment],
    mode: Mode,
    limits: &XmlLimits,
) -> Vec<Diagnostic> {
    let mut sink = Sink {
        findings: Vec::new(),
    };
    let root = match xml::parse(xml_bytes, limits) {
        Ok(root) => root,
        Err(e) => {
            sink.push(
                "xds-xml-001",
                &Loc {
                    path: "/".into(),
                    line_col: None,
                },
                e.to_string(),
            );
            return sink.findings;
        }
    };
    let Some((list_el, path, request)) = locate_object_list(&root) else {
        sink.push(
            "xds-msg-001",
            &Loc { path: format!("/{}", root.local), line_col: root.pos },
            "no rim:RegistryObjectList found (expected a SOAP envelope, ProvideAndRegisterDocumentSetRequest, SubmitObjectsRequest or RegistryObjectList)",
        );
        return sink.findings;
    };
    let list = read_object_list(list_el, &path);
    let mut docs = Vec::new();
    let check_documents = mode == Mode::Submission && request.is_some();
    if let Some((req, req_path)) = request {
        docs = documents::read_documents(req, &req_path, attachments, &mut sink);
    }
    check(
        &list,
        if check_documents { Some(&docs) } else { None },
        mode,
        &mut sink,
    );
    sink.findings
}

/// Validate typed metadata. `documents`: the attached documents (ITI-41), or `None`
/// when documents are not part of the message (ITI-42, query results).
pub fn validate_metadata(
    list: &ObjectList,
    documents: Option<&[DocumentContent]>,
    mode: Mode,
) -> Vec<Diagnostic> {
    let mut sink = Sink {
        findings: Vec::new(),
    };
    let docs: Option<Vec<documents::Doc>> = documents.map(|ds| {
        ds.iter()
            .map(|d| documents::Doc {
                id: d.id.clone(),
                data: Some(d.data.clone()),
                loc: Loc {
                    path: format!("/Document[@id='{}']", d.id),
                    line_col: None,
                },
            })
            .collect()
    });
    check(list, docs.as_ref(), mode, &mut sink);
    sink.findings
}

fn check(list: &ObjectList, docs: Option<&Vec<documents::Doc>>, mode: Mode, sink: &mut Sink) {
    for x in &list.extrinsic_objects {
        entry::check_entry(x, docs.map(|d| d.as_slice()), mode, sink);
    }
    package::check_packages(list, mode, sink);
    assoc::check_associations(list, mode, sink);
    common::check_same_patient(list, sink);
    if let Some(docs) = docs {
        documents::check_pairing(list, docs, sink);
    }
}

type Located<'a> = (&'a Element, String, Option<(&'a Element, String)>);

/// Find the RegistryObjectList and, for ITI-41, the request element holding Documents.
fn locate_object_list(root: &Element) -> Option<Located<'_>> {
    let mut path = String::new();
    let mut cur = root;
    if cur.is(SOAP12, "Envelope") {
        path.push_str("/Envelope/Body");
        cur = cur.first_child(SOAP12, "Body")?.children.first()?;
    }
    let mut request = None;
    if cur.is(XDSB, "ProvideAndRegisterDocumentSetRequest") {
        path.push_str("/ProvideAndRegisterDocumentSetRequest");
        request = Some((cur, path.clone()));
        cur = cur.first_child(LCM, "SubmitObjectsRequest")?;
        path.push_str("/SubmitObjectsRequest");
    } else if cur.is(LCM, "SubmitObjectsRequest") {
        path.push_str("/SubmitObjectsRequest");
    } else if cur.local == "AdhocQueryResponse" {
        path.push_str("/AdhocQueryResponse");
    } else if cur.is(RIM, "RegistryObjectList") {
        return Some((cur, format!("{path}/RegistryObjectList"), None));
    }
    let list = cur.first_child(RIM, "RegistryObjectList")?;
    Some((list, format!("{path}/RegistryObjectList"), request))
}

/// Findings as text, one per line: `severity [rule] location (line:col): message`.
pub fn render_text(findings: &[Diagnostic]) -> String {
    let mut out = String::new();
    for f in findings {
        let location = f
            .payload()
            .and_then(PayloadLocation::path)
            .unwrap_or_default();
        let pos = match f.position() {
            Some(p) => format!(" ({}:{})", p.line, p.col),
            None => String::new(),
        };
        out.push_str(&format!(
            "{} [{}] {location}{pos}: {}\n",
            f.severity, f.rule, f.message
        ));
    }
    out.push_str(&samsvar_diagnostics::count_line(findings));
    out
}

/// Findings as a JSON array (the shared diagnostic JSON).
pub fn render_json(findings: &[Diagnostic]) -> serde_json::Value {
    samsvar_diagnostics::render_json(&samsvar_diagnostics::SourceMap::new(), findings)
}

/// `true` when no finding is an error.
pub fn is_valid(findings: &[Diagnostic]) -> bool {
    !findings.iter().any(Diagnostic::is_error)
}
