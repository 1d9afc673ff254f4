//! MTOM/XOP (`multipart/related; type="application/xop+xml"`): encoding requests and
//! responses, and decoding messages that may come as MTOM or as plain SOAP.
//!
//! Decoding uses the `multer` crate for the MIME framing (it tolerates parts without
//! Content-Disposition, as MTOM parts are) and `mime` for the Content-Type parameters.
//! Encoding is a few lines of framing written here: no maintained crate writes
//! `multipart/related` with the `start`/`start-info` parameters MTOM needs.

use crate::error::XdsError;
use bytes::Bytes;

/// A binary MIME part referenced from the XML by `xop:Include href="cid:…"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Content-ID without angle brackets.
    pub content_id: String,
    pub content_type: String,
    pub data: Bytes,
}

/// An encoded message: the HTTP Content-Type header and the body.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub content_type: String,
    pub body: Bytes,
}

const ROOT_ID: &str = "root.message@samsvar";

/// Encode a SOAP envelope and attachments as MTOM. `action` goes into the content types.
pub fn encode(soap_xml: &str, attachments: &[Attachment], action: &str) -> Encoded {
    let boundary = format!("MIMEBoundary_{}", uuid::Uuid::new_v4().simple());
    let mut body: Vec<u8> = Vec::with_capacity(
        soap_xml.len()
            + attachments
                .iter()
                .map(|a| a.data.len() + 256)
                .sum::<usize>()
            + 512,
    );
    push_part_head(
        &mut body,
        &boundary,
        &format!(
            "application/xop+xml; charset=UTF-8; type=\"application/soap+xml\"; action=\"{action}\""
        ),
        ROOT_ID,
    );
    body.extend_from_slice(soap_xml.as_bytes());
    for a in attachments {
        body.extend_from_slice(b"\r\n");
        push_part_head(&mut body, &boundary, &a.content_type, &a.content_id);
        body.extend_from_slice(&a.data);
    }
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Encoded {
        content_type: format!(
            "multipart/related; boundary=\"{boundary}\"; type=\"application/xop+xml\"; start=\"<{ROOT_ID}>\"; start-info=\"application/soap+xml\"; action=\"{action}\""
        ),
        body: Bytes::from(body),
    }
}

fn push_part_head(body: &mut Vec<u8>, boundary: &str, content_type: &str, content_id: &str) {
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <{content_id}>\r\n\r\n"
        )
        .as_bytes(),
    );
}

/// A plain (non-MTOM) SOAP 1.2 message.
pub fn plain(soap_xml: &str, action: &str) -> Encoded {
    Encoded {
        content_type: plain_content_type(action),
        body: Bytes::from(soap_xml.as_bytes().to_vec()),
    }
}

/// The content type of a plain (not MTOM) SOAP 1.2 message carrying `action`.
pub fn plain_content_type(action: &str) -> String {
    format!("application/soap+xml; charset=UTF-8; action=\"{action}\"")
}

/// A decoded message: the root XML and the other parts.
#[derive(Debug, Clone, Default)]
pub struct Decoded {
    pub root: Bytes,
    pub attachments: Vec<Attachment>,
    /// `true` when the message was multipart/related.
    pub mtom: bool,
}

impl Decoded {
    /// The attachment an `xop:Include` href (`cid:…`, percent-encoded) points at.
    pub fn resolve_href(&self, href: &str) -> Option<&Attachment> {
        resolve_href(&self.attachments, href)
    }
}

/// Find the attachment for an `xop:Include` href among `attachments`.
pub fn resolve_href<'a>(attachments: &'a [Attachment], href: &str) -> Option<&'a Attachment> {
    let cid = href.strip_prefix("cid:")?;
    let cid = percent_decode(cid);
    attachments.iter().find(|a| a.content_id == cid)
}

/// Decode an HTTP body given its Content-Type: MTOM (multipart/related) or plain SOAP.
/// `max_bytes` bounds the whole body.
pub fn decode(
    content_type: Option<&str>,
    body: Bytes,
    max_bytes: usize,
) -> Result<Decoded, XdsError> {
    if body.len() > max_bytes {
        return Err(XdsError::ResponseTooLarge { limit: max_bytes });
    }
    let parsed: Option<mime::Mime> = content_type.and_then(|ct| ct.parse().ok());
    let Some(ct) = parsed.filter(|m| m.type_() == mime::MULTIPART) else {
        return Ok(Decoded {
            root: body,
            attachments: Vec::new(),
            mtom: false,
        });
    };
    if ct.subtype().as_str() != "related" {
        return Err(XdsError::Mtom(format!(
            "expected multipart/related, got multipart/{}",
            ct.subtype()
        )));
    }
    let boundary = ct
        .get_param(mime::BOUNDARY)
        .map(|b| b.as_str().to_string())
        .ok_or_else(|| XdsError::Mtom("the Content-Type has no boundary parameter".into()))?;
    let start = ct
        .get_param("start")
        .map(|s| strip_angle(s.as_str()).to_string());
    let parts = read_parts(body, &boundary, max_bytes)?;
    let root_index = match &start {
        Some(id) => parts
            .iter()
            .position(|p| &p.content_id == id)
            .ok_or_else(|| {
                XdsError::Mtom(format!("no MIME part has the start Content-ID <{id}>"))
            })?,
        None => 0,
    };
    let mut attachments = parts;
    if attachments.is_empty() {
        return Err(XdsError::Mtom("the multipart body has no parts".into()));
    }
    let root = attachments.remove(root_index);
    Ok(Decoded {
        root: root.data,
        attachments,
        mtom: true,
    })
}

fn read_parts(body: Bytes, boundary: &str, max_bytes: usize) -> Result<Vec<Attachment>, XdsError> {
    let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let constraints = multer::Constraints::new()
        .size_limit(multer::SizeLimit::new().whole_stream(max_bytes as u64));
    let mut multipart =
        multer::Multipart::with_constraints(stream, boundary.to_string(), constraints);
    futures::executor::block_on(async move {
        let mut parts = Vec::new();
        loop {
            let field = multipart
                .next_field()
                .await
                .map_err(|e| XdsError::Mtom(format!("bad MIME framing: {e}")))?;
            let Some(field) = field else { break };
            let headers = field.headers().clone();
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let content_id = header("content-id")
                .map(|c| strip_angle(c.trim()).to_string())
                .unwrap_or_default();
            let content_type = header("content-type").unwrap_or_default();
            let encoding = header("content-transfer-encoding")
                .unwrap_or_default()
                .to_ascii_lowercase();
            let data = field
                .bytes()
                .await
                .map_err(|e| XdsError::Mtom(format!("failed to read part <{content_id}>: {e}")))?;
            let data = if encoding == "base64" {
                use base64::Engine;
                let cleaned: Vec<u8> = data
                    .iter()
                    .copied()
                    .filter(|b| !b.is_ascii_whitespace())
                    .collect();
                Bytes::from(
                    base64::engine::general_purpose::STANDARD
                        .decode(cleaned)
                        .map_err(|e| {
                            XdsError::Mtom(format!("part <{content_id}> is not valid base64: {e}"))
                        })?,
                )
            } else {
                data
            };
            parts.push(Attachment {
                content_id,
                content_type,
                data,
            });
        }
        Ok(parts)
    })
}

fn strip_angle(s: &str) -> &str {
    s.strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(s)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(Ok(v)) = s.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16))
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
