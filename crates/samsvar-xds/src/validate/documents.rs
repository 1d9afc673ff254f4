//! Attached documents: MTOM references, base64 content, pairing with DocumentEntries.

use super::Sink;
use crate::ebrim::{Loc, ObjectList};
use crate::mtom::{Attachment, resolve_href};
use crate::ns::{XDSB, XOP};
use crate::xml::Element;
use base64::Engine;
use bytes::Bytes;

/// A Document of the message: its id and content when it could be read.
pub struct Doc {
    pub id: String,
    pub data: Option<Bytes>,
    pub loc: Loc,
}

pub fn read_documents(
    req: &Element,
    req_path: &str,
    attachments: &[Attachment],
    sink: &mut Sink,
) -> Vec<Doc> {
    let mut out = Vec::new();
    for d in req.children_named(XDSB, "Document") {
        let id = d.get_attr("id").unwrap_or_default().to_string();
        let loc = Loc {
            path: format!("{req_path}/Document[@id='{id}']"),
            line_col: d.pos,
        };
        let data = if let Some(inc) = d.first_child(XOP, "Include") {
            let href = inc.get_attr("href").unwrap_or_default();
            let inc_loc = loc.child("Include", inc.pos);
            if !href.starts_with("cid:") {
                sink.push(
                    "xds-mtom-001",
                    &inc_loc,
                    format!("xop:Include href `{href}` is not a cid: URI"),
                );
                None
            } else {
                match resolve_href(attachments, href) {
                    Some(a) => Some(a.data.clone()),
                    None => {
                        sink.push(
                            "xds-mtom-001",
                            &inc_loc,
                            format!("xop:Include href `{href}` names no MIME part of the message"),
                        );
                        None
                    }
                }
            }
        } else {
            let cleaned: Vec<u8> = d
                .text
                .bytes()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            match base64::engine::general_purpose::STANDARD.decode(cleaned) {
                Ok(b) => Some(Bytes::from(b)),
                Err(e) => {
                    sink.push(
                        "xds-mtom-002",
                        &loc,
                        format!(
                            "Document content is neither an xop:Include nor valid base64 ({e})"
                        ),
                    );
                    None
                }
            }
        };
        out.push(Doc { id, data, loc });
    }
    out
}

pub fn check_pairing(list: &ObjectList, docs: &[Doc], sink: &mut Sink) {
    for x in &list.extrinsic_objects {
        if !docs.iter().any(|d| d.id == x.obj.id) {
            sink.push(
                "xds-de-009",
                &x.obj.loc,
                format!(
                    "no Document with id `{}` is attached (XDSMissingDocument)",
                    x.obj.id
                ),
            );
        }
    }
    for d in docs {
        if !list.extrinsic_objects.iter().any(|x| x.obj.id == d.id) {
            sink.push(
                "xds-de-009",
                &d.loc,
                format!(
                    "Document `{}` has no DocumentEntry (XDSMissingDocumentMetadata)",
                    d.id
                ),
            );
        }
    }
}
