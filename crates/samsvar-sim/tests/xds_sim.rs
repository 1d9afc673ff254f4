//! The XDS.b simulator over real loopback sockets: submit, query, retrieve, and every defect.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use samsvar_sim::SimHandle;
use samsvar_sim::xds::{Defect, XdsSim};
use samsvar_xds::client::XdsClient;
use samsvar_xds::ebrim::{Code, ResponseStatus};
use samsvar_xds::iti18::{ReturnType, StoredQuery};
use samsvar_xds::iti43::DocumentRequest;
use samsvar_xds::submission::{Author, DocumentSpec, SubmissionSetSpec, SubmissionSpec, sha1_hex};
use samsvar_xds::validate::{Mode, validate_metadata};
use samsvar_xds::{XdsError, XdsLimits};
use std::path::Path;
use std::time::{Duration, Instant};

const PATIENT: &str = "12345678901^^^&2.16.578.1.12.4.1.4.1&ISO";

fn code(c: &str, s: &str, d: &str) -> Code {
    Code {
        code: c.into(),
        scheme: s.into(),
        display: d.into(),
    }
}

fn spec(patient: &str) -> SubmissionSpec {
    SubmissionSpec {
        patient_id: patient.into(),
        submission_set: SubmissionSetSpec {
            source_id: "1.3.6.1.4.1.21367.2010.1.2".into(),
            content_type_code: code(
                "34133-9",
                "2.16.840.1.113883.6.1",
                "Summary of episode note",
            ),
            author: Some(Author {
                person: Some("^Nordmann^Kari".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        documents: vec![DocumentSpec {
            content: Some("Epikrise: pasienten er frisk.".into()),
            mime_type: "text/plain".into(),
            class_code: code("DISCHARGE", "1.3.6.1.4.1.21367.100.1", "Discharge"),
            type_code: code("18842-5", "2.16.840.1.113883.6.1", "Discharge summary"),
            format_code: code(
                "urn:ihe:iti:xds:2017:mimeTypeSufficient",
                "1.3.6.1.4.1.19376.1.2.3",
                "mimeType Sufficient",
            ),
            confidentiality_code: code("N", "2.16.840.1.113883.5.25", "Normal"),
            healthcare_facility_type_code: code("22232009", "2.16.840.1.113883.6.96", "Hospital"),
            practice_setting_code: code("394802001", "2.16.840.1.113883.6.96", "General medicine"),
            author: Some(Author {
                person: Some("^Nordmann^Kari".into()),
                ..Default::default()
            }),
            ..Default::default()
        }],
        folder: None,
    }
}

fn client(timeout_ms: u64) -> XdsClient {
    XdsClient::new(
        reqwest::Client::new(),
        XdsLimits {
            timeout_ms,
            ..Default::default()
        },
    )
}

async fn sim(defects: &[Defect]) -> (SimHandle, String, String) {
    let h = XdsSim::builder()
        .defects(defects)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let repo = h.endpoint("xds-repository").unwrap().to_string();
    let reg = h.endpoint("xds-registry").unwrap().to_string();
    (h, repo, reg)
}

fn find_documents(patient: &str) -> StoredQuery {
    StoredQuery::new("FindDocuments", ReturnType::LeafClass)
        .unwrap()
        .param("XDSDocumentEntryPatientId", patient)
        .param_list(
            "XDSDocumentEntryStatus",
            &["urn:oasis:names:tc:ebxml-regrep:StatusType:Approved".into()],
        )
}

#[tokio::test]
async fn submit_query_retrieve_round_trip() {
    let (h, repo, reg) = sim(&[]).await;
    let c = client(10_000);
    let req = spec(PATIENT).build(Path::new(".")).unwrap();
    let (raw, resp) = c.provide_and_register(&repo, &req, true).await;
    let resp = resp.unwrap();
    assert_eq!(resp.status, ResponseStatus::Success, "{resp:?}");
    assert!(raw.request_headers[0].1.starts_with("multipart/related"));

    let (_, q) = c.query(&reg, &find_documents(PATIENT)).await;
    let q = q.unwrap();
    assert_eq!(q.response.status, ResponseStatus::Success);
    assert_eq!(q.objects.extrinsic_objects.len(), 1);
    let de = &q.objects.extrinsic_objects[0];
    assert_eq!(
        de.obj.slot_value("hash"),
        Some(sha1_hex(&req.documents[0].data).as_str())
    );
    assert!(validate_metadata(&q.objects, None, Mode::Registry).is_empty());

    let (_, refs) = c
        .query(
            &reg,
            &StoredQuery {
                return_type: ReturnType::ObjectRef,
                ..find_documents(PATIENT)
            },
        )
        .await;
    assert_eq!(refs.unwrap().objects.object_refs.len(), 1);

    let ss_uid = req.metadata.packages[0]
        .obj
        .external_id(samsvar_xds::vocab::ss::UNIQUE_ID)
        .unwrap();
    let ssq = StoredQuery::new("GetSubmissionSetAndContents", ReturnType::LeafClass)
        .unwrap()
        .param("XDSSubmissionSetUniqueId", ss_uid);
    let ssq = c.query(&reg, &ssq).await.1.unwrap();
    assert_eq!(ssq.objects.packages.len(), 1);
    assert_eq!(ssq.objects.extrinsic_objects.len(), 1);
    assert_eq!(ssq.objects.associations.len(), 1);

    let (raw, r) = c
        .retrieve(
            &repo,
            &[DocumentRequest {
                repository_unique_id: de.obj.slot_value("repositoryUniqueId").unwrap().into(),
                document_unique_id: de.unique_id().unwrap().into(),
                home_community_id: None,
            }],
        )
        .await;
    let r = r.unwrap();
    assert!(
        raw.response_content_type()
            .unwrap()
            .starts_with("multipart/related")
    );
    assert_eq!(r.response.status, ResponseStatus::Success);
    assert_eq!(r.documents[0].data, req.documents[0].data);
    assert_eq!(r.documents[0].mime_type, "text/plain");
    h.shutdown().await;
}

#[tokio::test]
async fn unknown_patient_is_rejected_with_xds_unknown_patient_id() {
    let (h, repo, _) = sim(&[]).await;
    let req = spec("99999999999^^^&2.16.578.1.12.4.1.4.1&ISO")
        .build(Path::new("."))
        .unwrap();
    let resp = client(10_000)
        .provide_and_register(&repo, &req, true)
        .await
        .1
        .unwrap();
    assert_eq!(resp.status, ResponseStatus::Failure);
    assert_eq!(resp.error_codes(), vec!["XDSUnknownPatientId"]);
    h.shutdown().await;
}

#[tokio::test]
async fn invalid_metadata_is_rejected_with_rule_ids() {
    let (h, repo, _) = sim(&[]).await;
    let mut s = spec(PATIENT);
    s.documents[0].hash = Some("0000000000000000000000000000000000000000".into());
    let req = s.build(Path::new(".")).unwrap();
    let resp = client(10_000)
        .provide_and_register(&repo, &req, false)
        .await
        .1
        .unwrap();
    assert_eq!(resp.status, ResponseStatus::Failure);
    assert_eq!(resp.error_codes(), vec!["XDSNonIdenticalHash"]);
    assert!(resp.errors[0].code_context.starts_with("[xds-de-007]"));
    h.shutdown().await;
}

#[tokio::test]
async fn unknown_stored_query_and_action() {
    let (h, _, reg) = sim(&[]).await;
    let q = StoredQuery {
        id: "urn:uuid:00000000-0000-0000-0000-000000000000".into(),
        params: vec![],
        return_type: ReturnType::LeafClass,
    };
    let r = client(10_000).query(&reg, &q).await.1.unwrap();
    assert_eq!(r.response.error_codes(), vec!["XDSUnknownStoredQuery"]);
    let q = StoredQuery::new("FindDocuments", ReturnType::LeafClass).unwrap();
    let r = client(10_000).query(&reg, &q).await.1.unwrap();
    assert_eq!(r.response.error_codes(), vec!["XDSStoredQueryMissingParam"]);
    // ITI-43 sent to the registry: SOAP fault with wsa:ActionNotSupported.
    let err = client(10_000).retrieve(&reg, &[]).await.1.unwrap_err();
    assert!(
        matches!(&err, XdsError::SoapFault { subcode: Some(s), .. } if s == "wsa:ActionNotSupported"),
        "{err}"
    );
    h.shutdown().await;
}

async fn submit_and_query(
    defects: &[Defect],
) -> (
    SimHandle,
    String,
    samsvar_xds::iti18::QueryResponse,
    samsvar_xds::submission::ProvideAndRegister,
) {
    let (h, repo, reg) = sim(defects).await;
    let req = spec(PATIENT).build(Path::new(".")).unwrap();
    let resp = client(10_000)
        .provide_and_register(&repo, &req, true)
        .await
        .1
        .unwrap();
    assert_eq!(resp.status, ResponseStatus::Success);
    let q = client(10_000)
        .query(&reg, &find_documents(PATIENT))
        .await
        .1
        .unwrap();
    (h, repo, q, req)
}

#[tokio::test]
async fn defect_drop_required_slot() {
    let (h, _, q, _) = submit_and_query(&[Defect::DropRequiredSlot]).await;
    let findings = validate_metadata(&q.objects, None, Mode::Registry);
    assert!(
        findings
            .iter()
            .any(|f| f.rule == "xds-de-004" && f.message.contains("creationTime")),
        "{findings:?}"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn defect_wrong_hash() {
    let (h, _, q, req) = submit_and_query(&[Defect::WrongHash]).await;
    let hash = q.objects.extrinsic_objects[0]
        .obj
        .slot_value("hash")
        .unwrap();
    assert_ne!(hash, sha1_hex(&req.documents[0].data));
    h.shutdown().await;
}

#[tokio::test]
async fn defect_soap_fault_on_retrieve() {
    let (h, repo, q, _) = submit_and_query(&[Defect::SoapFault]).await;
    let de = &q.objects.extrinsic_objects[0];
    let err = client(10_000)
        .retrieve(
            &repo,
            &[DocumentRequest {
                repository_unique_id: de.obj.slot_value("repositoryUniqueId").unwrap().into(),
                document_unique_id: de.unique_id().unwrap().into(),
                home_community_id: None,
            }],
        )
        .await
        .1
        .unwrap_err();
    assert!(
        err.to_string().starts_with("SOAP fault soap:Receiver"),
        "{err}"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn defect_wrong_status_and_accept_unknown_patient() {
    let (h, repo, _) = sim(&[Defect::WrongStatus]).await;
    let req = spec("99999999999^^^&2.16.578.1.12.4.1.4.1&ISO")
        .build(Path::new("."))
        .unwrap();
    let resp = client(10_000)
        .provide_and_register(&repo, &req, true)
        .await
        .1
        .unwrap();
    assert_eq!(resp.status, ResponseStatus::Success);
    assert!(resp.errors.is_empty());
    h.shutdown().await;

    let (h, repo, reg) = sim(&[Defect::AcceptUnknownPatient]).await;
    let other = "99999999999^^^&2.16.578.1.12.4.1.4.1&ISO";
    let resp = client(10_000)
        .provide_and_register(&repo, &spec(other).build(Path::new(".")).unwrap(), true)
        .await
        .1
        .unwrap();
    assert_eq!(resp.status, ResponseStatus::Success);
    let q = client(10_000)
        .query(&reg, &find_documents(other))
        .await
        .1
        .unwrap();
    assert_eq!(q.objects.extrinsic_objects.len(), 1);
    h.shutdown().await;
}

#[tokio::test]
async fn defect_plain_retrieve_still_reads() {
    let (h, repo, q, req) = submit_and_query(&[Defect::PlainRetrieve]).await;
    let de = &q.objects.extrinsic_objects[0];
    let (raw, r) = client(10_000)
        .retrieve(
            &repo,
            &[DocumentRequest {
                repository_unique_id: de.obj.slot_value("repositoryUniqueId").unwrap().into(),
                document_unique_id: de.unique_id().unwrap().into(),
                home_community_id: None,
            }],
        )
        .await;
    assert!(
        raw.response_content_type()
            .unwrap()
            .starts_with("application/soap+xml")
    );
    assert_eq!(r.unwrap().documents[0].data, req.documents[0].data);
    h.shutdown().await;
}

#[tokio::test]
async fn hostile_responses_end_as_errors_quickly() {
    for defect in [Defect::BillionLaughs, Defect::Xxe] {
        let (h, _, reg) = sim(&[defect]).await;
        let t = Instant::now();
        let err = client(5_000)
            .query(&reg, &find_documents(PATIENT))
            .await
            .1
            .unwrap_err();
        assert!(
            matches!(err, XdsError::Xml(samsvar_xds::XmlError::DocType { .. })),
            "{err}"
        );
        assert!(t.elapsed() < Duration::from_secs(2));
        h.shutdown().await;
    }
}
