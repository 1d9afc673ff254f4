//! `xdsb:Document` content: inline base64 or an `xop:Include` pointing at a MIME part.

use crate::error::XdsError;
use crate::mtom::{Attachment, resolve_href};
use crate::ns::{XDSB, XOP};
use crate::xml::Element;
use base64::Engine;
use bytes::Bytes;

/// An `xdsb:Document` element; with `attachment` set, content goes into a MIME part.
pub fn document_element(
    id: Option<&str>,
    data: &Bytes,
    mime_type: &str,
    mtom: bool,
    index: usize,
) -> (Element, Option<Attachment>) {
    let mut el = Element::new(XDSB, "xdsb", "Document");
    if let Some(id) = id {
        el.set_attr("id", id);
    }
    if mtom {
        let cid = format!("doc{index}.{}@samsvar", uuid::Uuid::new_v4().simple());
        el.children.push(
            Element::new(XOP, "xop", "Include")
                .decl("xop", XOP)
                .attr("href", format!("cid:{cid}")),
        );
        let att = Attachment {
            content_id: cid,
            content_type: mime_type.to_string(),
            data: data.clone(),
        };
        (el, Some(att))
    } else {
        el.text = base64::engine::general_purpose::STANDARD.encode(data);
        (el, None)
    }
}

/// The bytes of an `xdsb:Document` element.
pub fn document_content(el: &Element, attachments: &[Attachment]) -> Result<Bytes, XdsError> {
    if let Some(inc) = el.first_child(XOP, "Include") {
        let href = inc.get_attr("href").unwrap_or_default();
        return resolve_href(attachments, href)
            .map(|a| a.data.clone())
            .ok_or_else(|| {
                XdsError::Mtom(format!("xop:Include href `{href}` matches no MIME part"))
            });
    }
    let cleaned: Vec<u8> = el
        .text
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(cleaned)
        .map(Bytes::from)
        .map_err(|e| XdsError::Message(format!("Document content is not valid base64: {e}")))
}
