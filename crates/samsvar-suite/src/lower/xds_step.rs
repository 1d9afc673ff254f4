//! Lowering of XDS steps (`xds:`), XDS captures (`{ xds: accessor }`) and XDS assertions
//! (`- xds: {…}`). Syntax reference: docs/xds.md.

use super::Lower;
use crate::model::*;
use crate::yaml::Node;
use samsvar_diagnostics::{Diagnostic, did_you_mean};
use std::path::PathBuf;

/// Transaction names accepted in `transaction:`.
const TRANSACTIONS: &[(&str, XdsTransaction)] = &[
    ("ITI-41", XdsTransaction::ProvideAndRegister),
    ("provide-and-register", XdsTransaction::ProvideAndRegister),
    ("ITI-18", XdsTransaction::StoredQuery),
    ("stored-query", XdsTransaction::StoredQuery),
    ("ITI-43", XdsTransaction::Retrieve),
    ("retrieve", XdsTransaction::Retrieve),
];

/// Stored query names (IHE ITI TF-2a 3.18.4.1.2.3.7).
pub const STORED_QUERIES: &[&str] = &[
    "FindDocuments",
    "FindSubmissionSets",
    "FindFolders",
    "GetAll",
    "GetDocuments",
    "GetFolders",
    "GetAssociations",
    "GetDocumentsAndAssociations",
    "GetSubmissionSets",
    "GetSubmissionSetAndContents",
    "GetFolderAndContents",
    "GetFoldersForDocument",
    "GetRelatedDocuments",
];

/// What `{ xds: … }` captures can read.
pub const XDS_CAPTURES: &[&str] = &[
    "status",
    "error_codes",
    "entry_uuid",
    "entry_uuids",
    "unique_id",
    "repository_unique_id",
    "hash",
    "size",
    "patient_id",
    "submission_set_uuid",
    "submission_set_unique_id",
    "document_count",
    "document_sha1",
    "document_size",
    "document_mime_type",
];

impl Lower<'_> {
    pub(crate) fn xds_action(&mut self, node: &Node) -> Option<XdsAction> {
        let t = node.get("transaction")?;
        let name = t.value.as_str()?;
        let Some((_, transaction)) = TRANSACTIONS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        else {
            let d = Diagnostic::error(
                "unknown-xds-transaction",
                t.value.span,
                format!("unknown XDS transaction `{name}`"),
            );
            let d = match did_you_mean(name, TRANSACTIONS.iter().map(|(n, _)| *n)) {
                Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                None => d.with_hint(
                    "use ITI-41 (provide-and-register), ITI-18 (stored-query) or ITI-43 (retrieve)",
                ),
            };
            self.diags.push(d);
            return None;
        };
        let transaction = Spanned::new(*transaction, t.value.span);
        let wanted = match transaction.value {
            XdsTransaction::ProvideAndRegister => "submission",
            XdsTransaction::StoredQuery => "query",
            XdsTransaction::Retrieve => "documents",
        };
        for key in ["submission", "query", "documents", "fixture"] {
            let allowed = key == wanted
                || (key == "fixture" && transaction.value == XdsTransaction::ProvideAndRegister);
            if let (Some(e), false) = (node.get(key), allowed) {
                self.diags.push(
                    Diagnostic::error(
                        "xds-input",
                        e.key_span,
                        format!("`{key}` does not belong to a {name} step"),
                    )
                    .with_hint(format!("a {name} step takes `{wanted}`")),
                );
            }
        }
        let input = node.get(wanted).map(|e| self.json(&e.value));
        let fixture = match node.get("fixture") {
            Some(e) if transaction.value == XdsTransaction::ProvideAndRegister => {
                let (path_node, templated) = match e.value.as_str() {
                    Some(_) => (&e.value, true),
                    None => (
                        &e.value.get("path")?.value,
                        e.value
                            .get("templated")
                            .and_then(|t| t.value.as_bool())
                            .unwrap_or(true),
                    ),
                };
                let path = path_node.as_str()?;
                let resolved = self.fixture(path, path_node.span)?;
                if templated {
                    self.check_templated_file(&resolved);
                }
                Some(Body::File {
                    path: Spanned::new(PathBuf::from(path), path_node.span),
                    resolved,
                    templated,
                })
            }
            _ => None,
        };
        if input.is_none() && fixture.is_none() {
            let also = if transaction.value == XdsTransaction::ProvideAndRegister {
                " (or `fixture`)"
            } else {
                ""
            };
            self.diags.push(
                Diagnostic::error(
                    "xds-input",
                    node.span,
                    format!("a {name} step needs `{wanted}`{also}"),
                )
                .with_hint("see docs/xds.md for the XDS step syntax"),
            );
        }
        if transaction.value == XdsTransaction::StoredQuery
            && let Some(q) = node.get("query").and_then(|e| e.value.get("name"))
            && let Some(qn) = q.value.as_str()
            && !STORED_QUERIES.iter().any(|s| s.eq_ignore_ascii_case(qn))
            && !qn.starts_with("urn:uuid:")
        {
            let d = Diagnostic::error(
                "unknown-stored-query",
                q.value.span,
                format!("unknown stored query `{qn}`"),
            );
            let d = match did_you_mean(qn, STORED_QUERIES.iter().copied()) {
                Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                None => d.with_hint(format!("known: {}", STORED_QUERIES.join(", "))),
            };
            self.diags.push(d);
        }
        Some(XdsAction {
            target: node
                .get("target")
                .and_then(|e| Some(Spanned::new(e.value.as_str()?.to_string(), e.value.span))),
            transaction,
            input,
            fixture,
            mtom: node
                .get("mtom")
                .and_then(|e| e.value.as_bool())
                .unwrap_or(true),
            timeout_ms: node.get("timeout_ms").and_then(|e| e.value.as_u64()),
        })
    }

    /// `{ xds: accessor }`.
    pub(crate) fn xds_capture(&mut self, value: &Node) -> Option<CaptureSource> {
        let name = value.as_str()?;
        if !XDS_CAPTURES.contains(&name) {
            let d = Diagnostic::error(
                "unknown-xds-capture",
                value.span,
                format!("unknown XDS capture `{name}`"),
            );
            let d = match did_you_mean(name, XDS_CAPTURES.iter().copied()) {
                Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                None => d.with_hint(format!("known: {}", XDS_CAPTURES.join(", "))),
            };
            self.diags.push(d);
            return None;
        }
        Some(CaptureSource::Xds(Spanned::new(
            name.to_string(),
            value.span,
        )))
    }

    /// `- xds: { status | error_code | documents | metadata_valid | document_sha1 }`.
    pub(crate) fn xds_assertion(&mut self, v: &Node) -> Option<AssertionKind> {
        let [e] = v.as_map()? else { return None };
        let a = match e.key.as_str() {
            "status" => {
                XdsAssertion::Status(Spanned::new(e.value.as_str()?.to_string(), e.value.span))
            }
            "error_code" => match e.value.as_seq() {
                Some(items) => {
                    XdsAssertion::ErrorCode(items.iter().map(|n| self.template(n)).collect())
                }
                None => XdsAssertion::ErrorCode(vec![self.template(&e.value)]),
            },
            "documents" => XdsAssertion::Documents(e.value.as_u64()?),
            "metadata_valid" => XdsAssertion::MetadataValid,
            "document_sha1" => XdsAssertion::DocumentSha1(self.template(&e.value)),
            _ => return None,
        };
        Some(AssertionKind::Xds(a))
    }
}
