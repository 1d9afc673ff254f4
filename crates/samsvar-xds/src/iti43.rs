//! ITI-43 Retrieve Document Set: request and response building and reading.

use crate::document::{document_content, document_element};
use crate::ebrim::{RegistryResponse, read_registry_response, write_registry_response};
use crate::error::XdsError;
use crate::mtom::Attachment;
use crate::ns::{RS, XDSB};
use crate::xml::Element;
use bytes::Bytes;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DocumentRequest {
    pub repository_unique_id: String,
    pub document_unique_id: String,
    pub home_community_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrievedDocument {
    pub repository_unique_id: String,
    pub document_unique_id: String,
    pub home_community_id: Option<String>,
    pub mime_type: String,
    pub data: Bytes,
}

#[derive(Debug, Clone)]
pub struct RetrieveResponse {
    pub response: RegistryResponse,
    pub documents: Vec<RetrievedDocument>,
}

fn xdsb(local: &str) -> Element {
    Element::new(XDSB, "xdsb", local)
}

fn text_child(parent: &Element, local: &str) -> Option<String> {
    parent
        .first_child(XDSB, local)
        .map(|e| e.text_trimmed().to_string())
}

/// The `xdsb:RetrieveDocumentSetRequest` body.
pub fn request_body(requests: &[DocumentRequest]) -> Element {
    let mut root = xdsb("RetrieveDocumentSetRequest").decl("xdsb", XDSB);
    for r in requests {
        let mut dr = xdsb("DocumentRequest");
        if let Some(h) = &r.home_community_id {
            dr.children.push(xdsb("HomeCommunityId").text(h.clone()));
        }
        dr.children
            .push(xdsb("RepositoryUniqueId").text(r.repository_unique_id.clone()));
        dr.children
            .push(xdsb("DocumentUniqueId").text(r.document_unique_id.clone()));
        root.children.push(dr);
    }
    root
}

pub fn read_request(body: &Element) -> Result<Vec<DocumentRequest>, XdsError> {
    if !body.is(XDSB, "RetrieveDocumentSetRequest") {
        return Err(XdsError::Message(format!(
            "expected xdsb:RetrieveDocumentSetRequest, found <{}>",
            body.qname()
        )));
    }
    Ok(body
        .children_named(XDSB, "DocumentRequest")
        .map(|dr| DocumentRequest {
            repository_unique_id: text_child(dr, "RepositoryUniqueId").unwrap_or_default(),
            document_unique_id: text_child(dr, "DocumentUniqueId").unwrap_or_default(),
            home_community_id: text_child(dr, "HomeCommunityId"),
        })
        .collect())
}

/// The `xdsb:RetrieveDocumentSetResponse` body and attachments (for simulators).
pub fn response_body(
    response: &RegistryResponse,
    docs: &[RetrievedDocument],
    mtom: bool,
) -> (Element, Vec<Attachment>) {
    let rr = write_registry_response(
        Element::new(RS, "rs", "RegistryResponse").decl("rs", RS),
        response,
    );
    let mut root = xdsb("RetrieveDocumentSetResponse")
        .decl("xdsb", XDSB)
        .child(rr);
    let mut attachments = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        let mut dr = xdsb("DocumentResponse");
        if let Some(h) = &d.home_community_id {
            dr.children.push(xdsb("HomeCommunityId").text(h.clone()));
        }
        dr.children
            .push(xdsb("RepositoryUniqueId").text(d.repository_unique_id.clone()));
        dr.children
            .push(xdsb("DocumentUniqueId").text(d.document_unique_id.clone()));
        dr.children.push(xdsb("mimeType").text(d.mime_type.clone()));
        let (doc_el, att) = document_element(None, &d.data, &d.mime_type, mtom, i + 1);
        dr.children.push(doc_el);
        attachments.extend(att);
        root.children.push(dr);
    }
    (root, attachments)
}

/// Read a RetrieveDocumentSetResponse; document bytes come from MTOM parts or base64.
pub fn read_response(
    body: &Element,
    attachments: &[Attachment],
) -> Result<RetrieveResponse, XdsError> {
    if !body.is(XDSB, "RetrieveDocumentSetResponse") {
        return Err(XdsError::Message(format!(
            "expected xdsb:RetrieveDocumentSetResponse, found <{}>",
            body.qname()
        )));
    }
    let response = body
        .first_child(RS, "RegistryResponse")
        .and_then(read_registry_response)
        .ok_or_else(|| {
            XdsError::Message("the response has no rs:RegistryResponse with a valid status".into())
        })?;
    let mut documents = Vec::new();
    for dr in body.children_named(XDSB, "DocumentResponse") {
        let doc = dr
            .first_child(XDSB, "Document")
            .ok_or_else(|| XdsError::Message("a DocumentResponse has no Document".into()))?;
        documents.push(RetrievedDocument {
            repository_unique_id: text_child(dr, "RepositoryUniqueId").unwrap_or_default(),
            document_unique_id: text_child(dr, "DocumentUniqueId").unwrap_or_default(),
            home_community_id: text_child(dr, "HomeCommunityId"),
            mime_type: text_child(dr, "mimeType").unwrap_or_default(),
            data: document_content(doc, attachments)?,
        });
    }
    Ok(RetrieveResponse {
        response,
        documents,
    })
}

/// Read a plain `rs:RegistryResponse` body (the ITI-41 response).
pub fn read_registry_response_body(body: &Element) -> Result<RegistryResponse, XdsError> {
    if !body.is(RS, "RegistryResponse") {
        return Err(XdsError::Message(format!(
            "expected rs:RegistryResponse, found <{}>",
            body.qname()
        )));
    }
    read_registry_response(body).ok_or_else(|| {
        XdsError::Message("the RegistryResponse has no valid status attribute".into())
    })
}
