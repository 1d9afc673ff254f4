//! SOAP 1.2 envelopes with WS-Addressing headers: building, reading, faults.

use crate::error::XdsError;
use crate::ns::{SOAP12, WSA};
use crate::vocab::WSA_ANONYMOUS;
use crate::xml::{self, Element, XmlLimits};

/// WS-Addressing headers of a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Addressing {
    pub action: String,
    /// `urn:uuid:…`
    pub message_id: String,
    pub to: Option<String>,
    pub relates_to: Option<String>,
}

impl Addressing {
    /// A request: fresh `urn:uuid` MessageID, ReplyTo anonymous.
    pub fn request(action: &str, to: &str) -> Self {
        Addressing {
            action: action.to_string(),
            message_id: new_message_id(),
            to: Some(to.to_string()),
            relates_to: None,
        }
    }

    /// A response to `request_message_id`.
    pub fn response(action: &str, request_message_id: Option<&str>) -> Self {
        Addressing {
            action: action.to_string(),
            message_id: new_message_id(),
            to: None,
            relates_to: request_message_id.map(str::to_string),
        }
    }
}

pub fn new_message_id() -> String {
    format!("urn:uuid:{}", uuid::Uuid::new_v4())
}

fn soap(local: &str) -> Element {
    Element::new(SOAP12, "soap", local)
}

fn wsa(local: &str) -> Element {
    Element::new(WSA, "wsa", local)
}

/// A SOAP 1.2 envelope with WS-Addressing headers around `body`.
pub fn envelope(addr: &Addressing, body: Element) -> Element {
    let mut header = soap("Header").child(
        wsa("Action")
            .attr("soap:mustUnderstand", "true")
            .text(addr.action.clone()),
    );
    header
        .children
        .push(wsa("MessageID").text(addr.message_id.clone()));
    if let Some(to) = &addr.to {
        header
            .children
            .push(wsa("ReplyTo").child(wsa("Address").text(WSA_ANONYMOUS)));
        header.children.push(
            wsa("To")
                .attr("soap:mustUnderstand", "true")
                .text(to.clone()),
        );
    }
    if let Some(rel) = &addr.relates_to {
        header.children.push(wsa("RelatesTo").text(rel.clone()));
    }
    soap("Envelope")
        .decl("soap", SOAP12)
        .decl("wsa", WSA)
        .child(header)
        .child(soap("Body").child(body))
}

/// The text of a SOAP 1.2 envelope with WS-Addressing headers whose body is `body_xml`,
/// inserted as it is (a raw fixture without its own envelope): only a leading XML
/// declaration is dropped, since one may not appear inside an element.
pub fn envelope_text_around(addr: &Addressing, body_xml: &str) -> String {
    let env = to_xml(&envelope(addr, soap("Body")));
    let body = without_xml_declaration(body_xml);
    // `envelope` wrapped an empty placeholder; the envelope writer emits it as `<soap:Body/>`
    // inside `<soap:Body>…</soap:Body>`, so the one occurrence is replaced.
    env.replacen("<soap:Body/>", body, 1)
}

fn without_xml_declaration(text: &str) -> &str {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with("<?xml")
        && let Some(end) = trimmed.find("?>")
    {
        return &trimmed[end + 2..];
    }
    text
}

/// A SOAP 1.2 fault envelope.
pub fn fault_envelope(
    code: &str,
    subcode: Option<&str>,
    reason: &str,
    relates_to: Option<&str>,
) -> Element {
    let mut code_el = soap("Code").child(soap("Value").text(format!("soap:{code}")));
    if let Some(sub) = subcode {
        code_el
            .children
            .push(soap("Subcode").child(soap("Value").text(sub.to_string())));
    }
    let fault = soap("Fault")
        .child(code_el)
        .child(soap("Reason").child(soap("Text").attr("xml:lang", "en").text(reason.to_string())));
    envelope(
        &Addressing::response(crate::vocab::action::FAULT, relates_to),
        fault,
    )
}

/// A read SOAP message: its addressing headers and the first element in the Body.
#[derive(Debug, Clone)]
pub struct SoapMessage {
    pub addressing: Addressing,
    pub body: Element,
    /// The whole envelope, for validators that need paths from the root.
    pub envelope: Element,
}

/// Read a SOAP 1.2 envelope. A `soap:Fault` body becomes [`XdsError::SoapFault`].
pub fn read_envelope(xml_bytes: &[u8], limits: &XmlLimits) -> Result<SoapMessage, XdsError> {
    let root = xml::parse(xml_bytes, limits)?;
    from_element(root)
}

pub fn from_element(root: Element) -> Result<SoapMessage, XdsError> {
    if root.local != "Envelope" {
        return Err(XdsError::Soap(format!(
            "expected a SOAP Envelope, found <{}>",
            root.qname()
        )));
    }
    if root.ns != SOAP12 {
        return Err(XdsError::Soap(format!(
            "expected the SOAP 1.2 namespace {SOAP12}, found `{}`",
            root.ns
        )));
    }
    let text_of = |h: Option<&Element>, local: &str| {
        h.and_then(|h| h.first_child(WSA, local))
            .map(|e| e.text_trimmed().to_string())
    };
    let header = root.first_child(SOAP12, "Header");
    let addressing = Addressing {
        action: text_of(header, "Action").unwrap_or_default(),
        message_id: text_of(header, "MessageID").unwrap_or_default(),
        to: text_of(header, "To"),
        relates_to: text_of(header, "RelatesTo"),
    };
    let body = root
        .first_child(SOAP12, "Body")
        .ok_or_else(|| XdsError::Soap("the envelope has no Body".into()))?;
    let first = body
        .children
        .first()
        .cloned()
        .ok_or_else(|| XdsError::Soap("the SOAP Body is empty".into()))?;
    if first.is(SOAP12, "Fault") {
        return Err(read_fault(&first));
    }
    Ok(SoapMessage {
        addressing,
        body: first,
        envelope: root,
    })
}

fn read_fault(fault: &Element) -> XdsError {
    let code = fault.first_child(SOAP12, "Code");
    let value = code
        .and_then(|c| c.first_child(SOAP12, "Value"))
        .map(|v| v.text_trimmed().to_string())
        .unwrap_or_else(|| "(no code)".into());
    let subcode = code
        .and_then(|c| c.first_child(SOAP12, "Subcode"))
        .and_then(|s| s.first_child(SOAP12, "Value"))
        .map(|v| v.text_trimmed().to_string());
    let reason = fault
        .first_child(SOAP12, "Reason")
        .and_then(|r| r.first_child(SOAP12, "Text"))
        .map(|t| t.text_trimmed().to_string())
        .unwrap_or_else(|| "(no reason given)".into());
    XdsError::SoapFault {
        code: value,
        subcode,
        reason,
    }
}

/// Serialise an envelope with an XML declaration.
pub fn to_xml(envelope: &Element) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>{}",
        xml::to_string(envelope)
    )
}
