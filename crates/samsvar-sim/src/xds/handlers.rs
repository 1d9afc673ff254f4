//! HTTP handlers: SOAP in, SOAP (or MTOM) out. The repository serves ITI-41 and ITI-43,
//! the registry ITI-18; both answer unknown actions with a SOAP fault.

use super::XdsState;
use super::defect::Defect;
use super::query;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use samsvar_xds::ebrim::{RegistryError, RegistryResponse};
use samsvar_xds::mtom::{self, Attachment};
use samsvar_xds::soap::{self, Addressing, SoapMessage};
use samsvar_xds::submission::sha1_hex;
use samsvar_xds::validate::{Mode, Severity, validate_metadata};
use samsvar_xds::vocab::{action, error_code, ss};
use samsvar_xds::xml::Element;
use samsvar_xds::{XdsError, iti18, iti41, iti43};
use std::sync::Arc;

type St = State<Arc<XdsState>>;

const BILLION_LAUGHS: &str = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n]>\n<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Body><lolz>&lol9;</lolz></soap:Body></soap:Envelope>";

const XXE: &str = "<?xml version=\"1.0\"?>\n<!DOCTYPE foo [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Body><foo>&xxe;</foo></soap:Body></soap:Envelope>";

fn raw_response(status: StatusCode, content_type: &str, body: Bytes) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap_or_default()
}

/// A hostile payload when a hostile defect is on.
fn hostile(st: &XdsState) -> Option<Response> {
    let payload = if st.defects.contains(&Defect::BillionLaughs) {
        BILLION_LAUGHS
    } else if st.defects.contains(&Defect::Xxe) {
        XXE
    } else {
        return None;
    };
    Some(raw_response(
        StatusCode::OK,
        "application/soap+xml; charset=UTF-8",
        Bytes::from_static(payload.as_bytes()),
    ))
}

fn soap_answer(
    action: &str,
    relates_to: &str,
    body: Element,
    attachments: &[Attachment],
    use_mtom: bool,
) -> Response {
    let env = soap::envelope(
        &Addressing::response(action, Some(relates_to).filter(|s| !s.is_empty())),
        body,
    );
    let xml = soap::to_xml(&env);
    let enc = if use_mtom {
        mtom::encode(&xml, attachments, action)
    } else {
        mtom::plain(&xml, action)
    };
    raw_response(StatusCode::OK, &enc.content_type, enc.body)
}

fn fault(
    status: StatusCode,
    code: &str,
    subcode: Option<&str>,
    reason: &str,
    relates_to: Option<&str>,
) -> Response {
    let xml = soap::to_xml(&soap::fault_envelope(code, subcode, reason, relates_to));
    raw_response(
        status,
        "application/soap+xml; charset=UTF-8",
        Bytes::from(xml.into_bytes()),
    )
}

/// Decode MTOM or plain SOAP and read the envelope; a problem becomes a Sender fault.
// The error is the finished HTTP answer; boxing it would only add noise to every caller.
#[allow(clippy::result_large_err)]
fn read_request(
    st: &XdsState,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(SoapMessage, Vec<Attachment>), Response> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let sender = |e: XdsError| {
        fault(
            StatusCode::BAD_REQUEST,
            "Sender",
            None,
            &e.to_string(),
            None,
        )
    };
    let decoded = mtom::decode(ct, body, st.config.max_request_body).map_err(sender)?;
    let msg =
        soap::read_envelope(&decoded.root, &samsvar_xds::XmlLimits::default()).map_err(sender)?;
    Ok((msg, decoded.attachments))
}

fn unsupported(action: &str, relates_to: &str) -> Response {
    fault(
        StatusCode::BAD_REQUEST,
        "Sender",
        Some("wsa:ActionNotSupported"),
        &format!("the action `{action}` is not supported at this endpoint"),
        Some(relates_to),
    )
}

pub async fn repository(State(st): St, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = hostile(&st) {
        return r;
    }
    let (msg, atts) = match read_request(&st, &headers, body) {
        Ok(ok) => ok,
        Err(r) => return r,
    };
    let mid = msg.addressing.message_id.clone();
    match msg.addressing.action.as_str() {
        action::ITI41 => provide_and_register(&st, &msg, &atts),
        action::ITI43 => retrieve(&st, &msg),
        other => unsupported(other, &mid),
    }
}

pub async fn registry(State(st): St, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = hostile(&st) {
        return r;
    }
    let (msg, _) = match read_request(&st, &headers, body) {
        Ok(ok) => ok,
        Err(r) => return r,
    };
    let mid = msg.addressing.message_id.clone();
    match msg.addressing.action.as_str() {
        action::ITI18 => stored_query(&st, &msg),
        other => unsupported(other, &mid),
    }
}

fn registry_error(code: &str, context: String, location: Option<String>) -> RegistryError {
    RegistryError {
        error_code: code.to_string(),
        code_context: context,
        severity: "Error".into(),
        location,
    }
}

/// Which registry error code a rule violation is reported with.
fn error_code_for(rule: &str) -> &'static str {
    match rule {
        "xds-de-007" => error_code::NON_IDENTICAL_HASH,
        "xds-de-008" => error_code::NON_IDENTICAL_SIZE,
        "xds-pid-002" => error_code::PATIENT_ID_DOES_NOT_MATCH,
        "xds-de-009" => error_code::MISSING_DOCUMENT,
        _ => error_code::REGISTRY_METADATA_ERROR,
    }
}

fn provide_and_register(st: &XdsState, msg: &SoapMessage, atts: &[Attachment]) -> Response {
    let answer = |r: &RegistryResponse| {
        let r = if st.defects.contains(&Defect::WrongStatus) {
            RegistryResponse::success()
        } else {
            r.clone()
        };
        let body = samsvar_xds::ebrim::write_registry_response(
            Element::new(samsvar_xds::ns::RS, "rs", "RegistryResponse")
                .decl("rs", samsvar_xds::ns::RS),
            &r,
        );
        soap_answer(
            action::ITI41_RESPONSE,
            &msg.addressing.message_id,
            body,
            &[],
            false,
        )
    };
    let sub = match iti41::read_request(&msg.body, atts) {
        Ok(s) => s,
        Err(e) => {
            return answer(&RegistryResponse::failure(vec![registry_error(
                error_code::REPOSITORY_METADATA_ERROR,
                e.to_string(),
                None,
            )]));
        }
    };
    let findings = validate_metadata(&sub.metadata, Some(&sub.documents), Mode::Submission);
    let mut errors: Vec<RegistryError> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| {
            registry_error(
                error_code_for(&f.rule),
                format!("[{}] {}", f.rule, f.message),
                f.payload().and_then(|p| p.xpath.clone()),
            )
        })
        .collect();
    let patient = sub
        .metadata
        .submission_sets()
        .first()
        .and_then(|s| s.obj.external_id(ss::PATIENT_ID))
        .map(str::to_string);
    if let Some(pid) = &patient
        && !st.config.known_patients.iter().any(|k| k == pid)
        && !st.defects.contains(&Defect::AcceptUnknownPatient)
    {
        errors.push(registry_error(
            error_code::UNKNOWN_PATIENT_ID,
            format!("patient id {pid} is not known to this registry"),
            None,
        ));
    }
    st.store.with(|inner| {
        for x in &sub.metadata.extrinsic_objects {
            if let Some(uid) = x.unique_id()
                && inner.has_document_unique_id(uid)
            {
                errors.push(registry_error(
                    error_code::DUPLICATE_UNIQUE_ID_IN_REGISTRY,
                    format!("a document with uniqueId {uid} is already registered"),
                    None,
                ));
            }
        }
        if errors.is_empty() {
            inner.register(sub, &st.config.repository_unique_id);
        }
    });
    if errors.is_empty() {
        answer(&RegistryResponse::success())
    } else {
        answer(&RegistryResponse::failure(errors))
    }
}

fn stored_query(st: &XdsState, msg: &SoapMessage) -> Response {
    let result = iti18::read_request(&msg.body)
        .map_err(|e| registry_error(error_code::REGISTRY_ERROR, e.to_string(), None));
    let (response, mut objects) =
        match result.and_then(|q| st.store.with(|inner| query::run(inner, &q))) {
            Ok(list) => (RegistryResponse::success(), list),
            Err(e) => (RegistryResponse::failure(vec![e]), Default::default()),
        };
    if st.defects.contains(&Defect::DropRequiredSlot) {
        for x in &mut objects.extrinsic_objects {
            x.obj.slots.retain(|s| s.name != "creationTime");
        }
    }
    if st.defects.contains(&Defect::WrongHash) {
        for x in &mut objects.extrinsic_objects {
            for s in x.obj.slots.iter_mut().filter(|s| s.name == "hash") {
                s.values = vec![sha1_hex(b"not the document")];
            }
        }
    }
    let body = iti18::response_body(&response, &objects);
    soap_answer(
        action::ITI18_RESPONSE,
        &msg.addressing.message_id,
        body,
        &[],
        false,
    )
}

fn retrieve(st: &XdsState, msg: &SoapMessage) -> Response {
    if st.defects.contains(&Defect::SoapFault) {
        return fault(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Receiver",
            None,
            "the repository failed to process the request (simulated fault)",
            Some(&msg.addressing.message_id),
        );
    }
    let requests = match iti43::read_request(&msg.body) {
        Ok(r) => r,
        Err(e) => {
            return fault(
                StatusCode::BAD_REQUEST,
                "Sender",
                None,
                &e.to_string(),
                Some(&msg.addressing.message_id),
            );
        }
    };
    let mut docs = Vec::new();
    let mut errors = Vec::new();
    st.store.with(|inner| {
        for r in &requests {
            if r.repository_unique_id != st.config.repository_unique_id {
                errors.push(registry_error(
                    error_code::UNKNOWN_REPOSITORY_ID,
                    format!(
                        "repository {} is not this repository",
                        r.repository_unique_id
                    ),
                    Some(r.document_unique_id.clone()),
                ));
                continue;
            }
            match inner.documents.get(&r.document_unique_id) {
                Some((mime, data)) => docs.push(iti43::RetrievedDocument {
                    repository_unique_id: r.repository_unique_id.clone(),
                    document_unique_id: r.document_unique_id.clone(),
                    home_community_id: r.home_community_id.clone(),
                    mime_type: mime.clone(),
                    data: data.clone(),
                }),
                None => errors.push(registry_error(
                    error_code::MISSING_DOCUMENT,
                    format!(
                        "document {} is not in this repository",
                        r.document_unique_id
                    ),
                    Some(r.document_unique_id.clone()),
                )),
            }
        }
    });
    let response = match (docs.is_empty(), errors.is_empty()) {
        (_, true) => RegistryResponse::success(),
        (true, false) => RegistryResponse::failure(errors),
        (false, false) => {
            let mut r = RegistryResponse::failure(errors);
            r.status = samsvar_xds::ebrim::ResponseStatus::PartialSuccess;
            r.status_urn = r.status.urn().to_string();
            r
        }
    };
    let use_mtom = !st.defects.contains(&Defect::PlainRetrieve);
    let (body, atts) = iti43::response_body(&response, &docs, use_mtom);
    soap_answer(
        action::ITI43_RESPONSE,
        &msg.addressing.message_id,
        body,
        &atts,
        use_mtom,
    )
}
