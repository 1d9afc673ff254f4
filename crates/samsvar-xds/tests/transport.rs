//! SOAP envelopes, faults, MTOM round trips and transaction bodies.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bytes::Bytes;
use samsvar_xds::ebrim::{RegistryError, RegistryResponse, ResponseStatus};
use samsvar_xds::iti18::{self, ReturnType, StoredQuery};
use samsvar_xds::iti43::{self, DocumentRequest, RetrievedDocument};
use samsvar_xds::mtom::{self, Attachment};
use samsvar_xds::soap::{self, Addressing};
use samsvar_xds::vocab::{action, query};
use samsvar_xds::{XdsError, XmlLimits, iti41};
use std::path::Path;

#[test]
fn envelope_has_ws_addressing_headers() {
    let body =
        iti18::request_body(&StoredQuery::new("FindDocuments", ReturnType::LeafClass).unwrap());
    let env = soap::envelope(
        &Addressing::request(action::ITI18, "http://127.0.0.1:1/xds/registry"),
        body,
    );
    let xml = soap::to_xml(&env);
    let msg = soap::read_envelope(xml.as_bytes(), &XmlLimits::default()).unwrap();
    assert_eq!(msg.addressing.action, action::ITI18);
    assert!(msg.addressing.message_id.starts_with("urn:uuid:"));
    assert_eq!(
        msg.addressing.to.as_deref(),
        Some("http://127.0.0.1:1/xds/registry")
    );
    assert!(xml.contains("<wsa:ReplyTo><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo>"));
    assert!(xml.contains("mustUnderstand=\"true\""));
}

#[test]
fn soap_fault_becomes_error_with_code_subcode_reason() {
    let env = soap::fault_envelope(
        "Receiver",
        Some("wsa:ActionNotSupported"),
        "Unsupported action",
        None,
    );
    let xml = soap::to_xml(&env);
    let err = soap::read_envelope(xml.as_bytes(), &XmlLimits::default()).unwrap_err();
    match &err {
        XdsError::SoapFault {
            code,
            subcode,
            reason,
        } => {
            assert_eq!(code, "soap:Receiver");
            assert_eq!(subcode.as_deref(), Some("wsa:ActionNotSupported"));
            assert_eq!(reason, "Unsupported action");
        }
        other => panic!("expected a fault, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "SOAP fault soap:Receiver / wsa:ActionNotSupported: Unsupported action"
    );
}

#[test]
fn soap11_envelope_is_refused_clearly() {
    let xml = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><x/></s:Body></s:Envelope>"#;
    let err = soap::read_envelope(xml.as_bytes(), &XmlLimits::default()).unwrap_err();
    assert!(err.to_string().contains("SOAP 1.2"), "{err}");
}

#[test]
fn mtom_round_trip_with_binary_parts() {
    let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let atts = vec![
        Attachment {
            content_id: "doc1@samsvar".into(),
            content_type: "application/pdf".into(),
            data: Bytes::from(binary.clone()),
        },
        Attachment {
            content_id: "doc 2@samsvar".into(),
            content_type: "text/plain".into(),
            data: Bytes::from_static(b"\r\n--not a boundary\r\n"),
        },
    ];
    let xml = "<?xml version=\"1.0\"?><root/>";
    let enc = mtom::encode(xml, &atts, action::ITI41);
    assert!(enc.content_type.starts_with("multipart/related;"));
    assert!(enc.content_type.contains("type=\"application/xop+xml\""));
    let dec = mtom::decode(Some(&enc.content_type), enc.body, 1 << 20).unwrap();
    assert!(dec.mtom);
    assert_eq!(&dec.root[..], xml.as_bytes());
    assert_eq!(dec.attachments, atts);
    assert_eq!(
        dec.resolve_href("cid:doc%202@samsvar").unwrap().data,
        atts[1].data
    );
}

#[test]
fn plain_soap_decodes_as_root_only() {
    let dec = mtom::decode(
        Some("application/soap+xml; charset=UTF-8"),
        Bytes::from_static(b"<a/>"),
        100,
    )
    .unwrap();
    assert!(!dec.mtom);
    assert_eq!(&dec.root[..], b"<a/>");
}

#[test]
fn mtom_errors_are_clear() {
    let err = mtom::decode(
        Some("multipart/related; type=\"application/xop+xml\""),
        Bytes::from_static(b"x"),
        100,
    )
    .unwrap_err();
    assert!(err.to_string().contains("boundary"), "{err}");
    let err = mtom::decode(
        Some("multipart/related; boundary=b; start=\"<nope>\""),
        Bytes::from_static(b"--b\r\nContent-ID: <a>\r\n\r\nx\r\n--b--\r\n"),
        1000,
    )
    .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    let err = mtom::decode(None, Bytes::from(vec![b'a'; 101]), 100).unwrap_err();
    assert!(matches!(err, XdsError::ResponseTooLarge { .. }));
}

#[test]
fn iti41_request_round_trips_through_mtom() {
    let req = common::submission().build(Path::new(".")).unwrap();
    let (body, atts) = iti41::request_body(&req, true);
    assert_eq!(atts.len(), 1);
    let env = soap::envelope(&Addressing::request(action::ITI41, "http://x"), body);
    let enc = mtom::encode(&soap::to_xml(&env), &atts, action::ITI41);
    let dec = mtom::decode(Some(&enc.content_type), enc.body, 1 << 20).unwrap();
    let msg = soap::read_envelope(&dec.root, &XmlLimits::default()).unwrap();
    let read = iti41::read_request(&msg.body, &dec.attachments).unwrap();
    assert_eq!(read.documents, req.documents);
    assert_eq!(read.metadata.extrinsic_objects.len(), 1);
    let de = &read.metadata.extrinsic_objects[0];
    assert_eq!(de.patient_id(), Some(common::NO_PATIENT));
    assert_eq!(
        de.obj.code(samsvar_xds::vocab::de::TYPE_CODE).unwrap().code,
        "18842-5"
    );
    assert_eq!(read.metadata.submission_sets().len(), 1);
}

#[test]
fn stored_query_params_are_quoted_and_read_back() {
    let q = StoredQuery::new("FindDocuments", ReturnType::ObjectRef)
        .unwrap()
        .param("XDSDocumentEntryPatientId", common::NO_PATIENT)
        .param_list(
            "$XDSDocumentEntryStatus",
            &["urn:oasis:names:tc:ebxml-regrep:StatusType:Approved".into()],
        );
    assert_eq!(q.id, query::FIND_DOCUMENTS);
    let body = iti18::request_body(&q);
    let read = iti18::read_request(&body).unwrap();
    assert_eq!(read, q);
    assert_eq!(read.params[0].1, vec![format!("'{}'", common::NO_PATIENT)]);
    assert_eq!(
        iti18::parse_param_values(&read.params[1].1),
        vec!["urn:oasis:names:tc:ebxml-regrep:StatusType:Approved"]
    );
    assert_eq!(
        iti18::parse_param_values(&["('a','it''s')".into()]),
        vec!["a", "it's"]
    );
    assert!(
        StoredQuery::new("FindEverything", ReturnType::LeafClass)
            .unwrap_err()
            .to_string()
            .contains("FindDocuments")
    );
}

#[test]
fn query_response_with_errors_is_read() {
    let resp = RegistryResponse {
        status: ResponseStatus::PartialSuccess,
        status_urn: ResponseStatus::PartialSuccess.urn().into(),
        errors: vec![RegistryError {
            error_code: "XDSTooManyResults".into(),
            code_context: "too many".into(),
            severity: "Warning".into(),
            location: Some("registry".into()),
        }],
    };
    let req = common::submission().build(Path::new(".")).unwrap();
    let body = iti18::response_body(&resp, &req.metadata);
    let xml = samsvar_xds::xml::to_string(&body);
    let parsed = samsvar_xds::xml::parse(xml.as_bytes(), &XmlLimits::default()).unwrap();
    let read = iti18::read_response(&parsed).unwrap();
    assert_eq!(read.response, resp);
    assert_eq!(read.objects.extrinsic_objects.len(), 1);
    assert_eq!(read.objects.associations.len(), 1);
}

#[test]
fn iti43_response_round_trips_mtom_and_base64() {
    let docs = vec![RetrievedDocument {
        repository_unique_id: "1.2.3".into(),
        document_unique_id: "1.2.3.4".into(),
        home_community_id: None,
        mime_type: "text/plain".into(),
        data: Bytes::from_static(b"hello"),
    }];
    for use_mtom in [true, false] {
        let (body, atts) = iti43::response_body(&RegistryResponse::success(), &docs, use_mtom);
        assert_eq!(atts.len(), usize::from(use_mtom));
        let xml = samsvar_xds::xml::to_string(&body);
        let parsed = samsvar_xds::xml::parse(xml.as_bytes(), &XmlLimits::default()).unwrap();
        let read = iti43::read_response(&parsed, &atts).unwrap();
        assert_eq!(read.response.status, ResponseStatus::Success);
        assert_eq!(read.documents, docs);
    }
    let req = vec![DocumentRequest {
        repository_unique_id: "1.2.3".into(),
        document_unique_id: "1.2.3.4".into(),
        home_community_id: None,
    }];
    assert_eq!(
        iti43::read_request(&iti43::request_body(&req)).unwrap(),
        req
    );
}
