//! ITI-41 Provide and Register Document Set-b: request building and reading.

use crate::document::{document_content, document_element};
use crate::ebrim::{ObjectList, read_object_list, write_object_list};
use crate::error::XdsError;
use crate::mtom::Attachment;
use crate::ns::{LCM, RIM, XDSB};
use crate::submission::{DocumentContent, ProvideAndRegister};
use crate::xml::Element;

/// The `xdsb:ProvideAndRegisterDocumentSetRequest` body and its MIME attachments.
pub fn request_body(req: &ProvideAndRegister, mtom: bool) -> (Element, Vec<Attachment>) {
    let mut list = write_object_list(&req.metadata);
    list.decls.push(("rim".into(), RIM.into()));
    let submit = Element::new(LCM, "lcm", "SubmitObjectsRequest")
        .decl("lcm", LCM)
        .child(list);
    let mut body = Element::new(XDSB, "xdsb", "ProvideAndRegisterDocumentSetRequest")
        .decl("xdsb", XDSB)
        .child(submit);
    let mut attachments = Vec::new();
    for (i, d) in req.documents.iter().enumerate() {
        let (el, att) = document_element(Some(&d.id), &d.data, &d.mime_type, mtom, i + 1);
        body.children.push(el);
        attachments.extend(att);
    }
    (body, attachments)
}

/// The XPath-like location of the RegistryObjectList inside an ITI-41 envelope.
pub const OBJECT_LIST_PATH: &str =
    "/Envelope/Body/ProvideAndRegisterDocumentSetRequest/SubmitObjectsRequest/RegistryObjectList";

/// Read an ITI-41 request body (metadata and documents).
pub fn read_request(
    body: &Element,
    attachments: &[Attachment],
) -> Result<ProvideAndRegister, XdsError> {
    if !body.is(XDSB, "ProvideAndRegisterDocumentSetRequest") {
        return Err(XdsError::Message(format!(
            "expected xdsb:ProvideAndRegisterDocumentSetRequest, found <{}>",
            body.qname()
        )));
    }
    let list = body
        .first_child(LCM, "SubmitObjectsRequest")
        .and_then(|s| s.first_child(RIM, "RegistryObjectList"))
        .ok_or_else(|| {
            XdsError::Message(
                "the request has no lcm:SubmitObjectsRequest/rim:RegistryObjectList".into(),
            )
        })?;
    let metadata: ObjectList = read_object_list(list, OBJECT_LIST_PATH);
    let mut documents = Vec::new();
    for d in body.children_named(XDSB, "Document") {
        let id = d.get_attr("id").unwrap_or_default().to_string();
        let mime_type = metadata
            .extrinsic_objects
            .iter()
            .find(|x| x.obj.id == id)
            .and_then(|x| x.mime_type.clone())
            .unwrap_or_default();
        documents.push(DocumentContent {
            data: document_content(d, attachments)?,
            id,
            mime_type,
        });
    }
    Ok(ProvideAndRegister {
        metadata,
        documents,
    })
}
