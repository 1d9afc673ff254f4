//! Safe XML parsing: no DTDs at all, no entity expansion beyond the five predefined
//! ones and character references, and hard limits on size, depth and counts.

use super::Element;
use crate::error::XmlError;
use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use samsvar_diagnostics::{LineCol, LineIndex};

/// Limits applied while parsing untrusted XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlLimits {
    /// Maximum size of the XML document in bytes.
    pub max_bytes: usize,
    /// Maximum element nesting depth.
    pub max_depth: usize,
    /// Maximum attributes on a single element.
    pub max_attributes: usize,
    /// Maximum number of elements in the document.
    pub max_elements: usize,
}

impl Default for XmlLimits {
    fn default() -> Self {
        XmlLimits {
            max_bytes: 20 * 1024 * 1024,
            max_depth: 64,
            max_attributes: 64,
            max_elements: 200_000,
        }
    }
}

/// Parse `bytes` into an element tree, enforcing `limits`. Any DOCTYPE is rejected.
pub fn parse(bytes: &[u8], limits: &XmlLimits) -> Result<Element, XmlError> {
    if bytes.len() > limits.max_bytes {
        return Err(XmlError::TooLarge {
            size: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| XmlError::Encoding(e.to_string()))?;
    let lines = Lines {
        text,
        index: LineIndex::new(text),
    };
    let mut reader = NsReader::from_str(text);
    reader.config_mut().check_end_names = true;

    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;
    loop {
        let start_offset = reader.buffer_position() as usize;
        let read = reader.read_resolved_event();
        let (resolved, event) = match read {
            Ok(ok) => ok,
            Err(e) => {
                let message = e.to_string();
                return Err(XmlError::Syntax {
                    message,
                    position: lines.position(reader.error_position() as usize),
                });
            }
        };
        match event {
            Event::DocType(_) => {
                return Err(XmlError::DocType {
                    position: lines.position(start_offset),
                });
            }
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                let _ = start;
                return Err(XmlError::Syntax {
                    message: "content after the root element".into(),
                    position: lines.position(start_offset),
                });
            }
            Event::Start(ref start) | Event::Empty(ref start) => {
                // Counted before anything else is done for the element, so a document
                // over the limit costs no more than one at the limit.
                elements += 1;
                if elements > limits.max_elements {
                    return Err(XmlError::TooManyElements {
                        limit: limits.max_elements,
                    });
                }
                let ns = namespace_of(&resolved);
                let element = element_from(start, ns, &lines, start_offset, limits)?;
                let is_empty = matches!(event, Event::Empty(_));
                if is_empty {
                    attach(&mut stack, &mut root, element);
                } else {
                    if stack.len() >= limits.max_depth {
                        return Err(XmlError::TooDeep {
                            limit: limits.max_depth,
                            position: lines.position(start_offset),
                        });
                    }
                    stack.push(element);
                }
            }
            Event::End(_) => {
                if let Some(done) = stack.pop() {
                    attach(&mut stack, &mut root, done);
                }
            }
            Event::Text(t) => {
                let value = t.unescape().map_err(|e| XmlError::Syntax {
                    message: format!("failed to read text: {e}"),
                    position: lines.position(start_offset),
                })?;
                append_text(&mut stack, &value, &lines, start_offset)?;
            }
            Event::CData(c) => {
                let raw = String::from_utf8_lossy(&c.into_inner()).into_owned();
                append_text(&mut stack, &raw, &lines, start_offset)?;
            }
            Event::Eof => break,
            // Comments, processing instructions and the XML declaration carry no data we use.
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Syntax {
            message: "unexpected end of document (unclosed elements)".into(),
            position: lines.position(text.len()),
        });
    }
    root.ok_or(XmlError::Empty)
}

fn namespace_of(resolved: &ResolveResult<'_>) -> String {
    match resolved {
        ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref()).into_owned(),
        _ => String::new(),
    }
}

fn element_from(
    start: &BytesStart<'_>,
    ns: String,
    lines: &Lines<'_>,
    offset: usize,
    limits: &XmlLimits,
) -> Result<Element, XmlError> {
    let name = start.name();
    let local = String::from_utf8_lossy(name.local_name().as_ref()).into_owned();
    let prefix = name
        .prefix()
        .map(|p| String::from_utf8_lossy(p.as_ref()).into_owned())
        .unwrap_or_default();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| XmlError::Syntax {
            message: format!("bad attribute: {e}"),
            position: lines.position(offset),
        })?;
        let key = attr.key;
        if key.as_namespace_binding().is_some() {
            continue;
        }
        if attrs.len() >= limits.max_attributes {
            return Err(XmlError::TooManyAttributes {
                limit: limits.max_attributes,
                position: lines.position(offset),
            });
        }
        let value = attr.unescape_value().map_err(|e| XmlError::Syntax {
            message: format!("failed to read attribute value: {e}"),
            position: lines.position(offset),
        })?;
        let key_local = String::from_utf8_lossy(key.local_name().as_ref()).into_owned();
        attrs.push((key_local, value.into_owned()));
    }
    Ok(Element {
        ns,
        prefix,
        local,
        attrs,
        pos: Some(lines.position(offset)),
        ..Default::default()
    })
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

fn append_text(
    stack: &mut [Element],
    value: &str,
    lines: &Lines<'_>,
    offset: usize,
) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some(parent) => {
            parent.text.push_str(value);
            Ok(())
        }
        None if value.trim().is_empty() => Ok(()),
        None => Err(XmlError::Syntax {
            message: "text outside the root element".into(),
            position: lines.position(offset),
        }),
    }
}

/// The document's text with its line index: positions of events in constant time each
/// (a SOAP response is often one line; counting from the line start per event was
/// quadratic in its length).
struct Lines<'a> {
    text: &'a str,
    index: LineIndex,
}

impl Lines<'_> {
    fn position(&self, offset: usize) -> LineCol {
        self.index.line_col(self.text, offset)
    }
}
