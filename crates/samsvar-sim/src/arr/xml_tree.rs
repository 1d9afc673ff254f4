//! A small element tree of an XML audit message, read with quick-xml under fixed limits.
//! DICOM audit messages are a few kilobytes of attributes and short texts; the tree keeps
//! exactly that and refuses what such a message never holds (a DOCTYPE, and with it every
//! entity declaration; deep nesting; thousands of elements).

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// Deeper than any DICOM audit message (AuditMessage / ParticipantObjectIdentification /
/// ParticipantObjectDetail is three levels).
const MAX_DEPTH: usize = 16;
/// A message about one query with many returned objects stays far below this.
const MAX_ELEMENTS: usize = 20_000;

/// One element: its local name, attributes and direct text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The value of attribute `name`, when present.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first attribute of `names` that is present (the RFC 3881 and DICOM spellings).
    pub fn attr_any(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|n| self.attr(n))
    }

    /// Children named `name`.
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
}

/// Why a message is not a readable XML document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    #[error("not well-formed XML at byte {at}: {reason}")]
    Malformed { at: u64, reason: String },
    #[error("the message declares a DOCTYPE; an audit message has none (refused, never expanded)")]
    Doctype,
    #[error("nesting deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("more than {MAX_ELEMENTS} elements")]
    TooMany,
    #[error("no root element")]
    Empty,
}

/// Reads `xml` into its root element.
pub fn parse(xml: &[u8]) -> Result<Element, TreeError> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<Element> = Vec::new();
    let mut count = 0usize;
    let mut buf = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| TreeError::Malformed {
                at: reader.buffer_position(),
                reason: e.to_string(),
            })?;
        let malformed = |reason: String| TreeError::Malformed {
            at: reader.buffer_position(),
            reason,
        };
        match event {
            Event::DocType(_) => return Err(TreeError::Doctype),
            Event::Start(start) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(TreeError::TooMany);
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(TreeError::TooDeep);
                }
                stack.push(open(&start).map_err(malformed)?);
            }
            Event::Empty(start) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(TreeError::TooMany);
                }
                let element = open(&start).map_err(malformed)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return Ok(element),
                }
            }
            Event::Text(text) => {
                let text = text.unescape().map_err(|e| malformed(e.to_string()))?;
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&text);
                }
            }
            Event::CData(data) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&String::from_utf8_lossy(&data));
                }
            }
            Event::End(_) => {
                let Some(done) = stack.pop() else {
                    return Err(malformed("an end tag without its start".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Ok(done),
                }
            }
            Event::Eof => {
                return Err(if stack.is_empty() {
                    TreeError::Empty
                } else {
                    malformed("the document ends inside an element".into())
                });
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
        buf.clear();
    }
}

/// An element from its start tag: local name (any prefix dropped) and unescaped attributes.
fn open(start: &BytesStart<'_>) -> Result<Element, String> {
    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
    let mut attributes = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| e.to_string())?;
        let key = String::from_utf8_lossy(attr.key.local_name().as_ref()).into_owned();
        let value = attr.unescape_value().map_err(|e| e.to_string())?;
        attributes.push((key, value.into_owned()));
    }
    Ok(Element {
        name,
        attributes,
        ..Element::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_elements_attributes_and_text() {
        let root = parse(
            br#"<?xml version="1.0"?><AuditMessage><EventIdentification EventActionCode="E"><EventID csd-code="110112"/></EventIdentification><ParticipantObjectIdentification><ParticipantObjectQuery>cT0x</ParticipantObjectQuery></ParticipantObjectIdentification></AuditMessage>"#,
        )
        .expect("parses");
        assert_eq!(root.name, "AuditMessage");
        let event = root.child("EventIdentification").expect("event");
        assert_eq!(event.attr("EventActionCode"), Some("E"));
        assert_eq!(
            event.child("EventID").and_then(|e| e.attr("csd-code")),
            Some("110112")
        );
        let object = root
            .child("ParticipantObjectIdentification")
            .expect("object");
        assert_eq!(
            object
                .child("ParticipantObjectQuery")
                .map(|q| q.text.as_str()),
            Some("cT0x")
        );
    }

    #[test]
    fn refuses_doctype_depth_and_broken_documents() {
        let doctype = br#"<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>"#;
        assert_eq!(parse(doctype), Err(TreeError::Doctype));
        let deep = format!("{}{}", "<a>".repeat(40), "</a>".repeat(40));
        assert_eq!(parse(deep.as_bytes()), Err(TreeError::TooDeep));
        assert!(matches!(
            parse(b"<a><b></a>"),
            Err(TreeError::Malformed { .. })
        ));
        assert!(matches!(parse(b"<a>"), Err(TreeError::Malformed { .. })));
        assert_eq!(parse(b""), Err(TreeError::Empty));
    }
}
