//! The audit record repository's recording side (`samsvar_sim::arr::Arr`): syslog over
//! TLS (RFC 5425 frames of RFC 5424 messages carrying DICOM audit messages, ATNA ITI-20)
//! and FHIR feeds, each message handed to the run with its findings, and syslog messages
//! searchable as the AuditEvents they map to. Real TLS over loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{FHIR_JSON, client, entries};
use samsvar_record::ReceivedRecord;
use samsvar_sim::arr::{Arr, ArrOptions};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use tokio_rustls::rustls;

const QUERY_MESSAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?><AuditMessage><EventIdentification EventActionCode="E" EventDateTime="2026-12-04T10:00:00Z" EventOutcomeIndicator="0"><EventID csd-code="110112" codeSystemName="DCM" originalText="Query"/><EventTypeCode csd-code="ITI-18" codeSystemName="IHE Transactions" originalText="Registry Stored Query"/></EventIdentification><ActiveParticipant UserID="consumer@host" UserIsRequestor="true"><RoleIDCode csd-code="110153" codeSystemName="DCM"/></ActiveParticipant><AuditSourceIdentification AuditSourceID="consumer-1"/><ParticipantObjectIdentification ParticipantObjectID="PAT-77^^^&amp;1.2.3&amp;ISO" ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1"><ParticipantObjectIDTypeCode csd-code="2" codeSystemName="RFC-3881"/></ParticipantObjectIdentification></AuditMessage>"#;

async fn repository() -> (Arr, mpsc::UnboundedReceiver<ReceivedRecord>) {
    let (feed, inbox) = mpsc::unbounded_channel();
    let arr = Arr::start(ArrOptions {
        listen: "127.0.0.1:0".into(),
        syslog: Some("127.0.0.1:0".into()),
        target: "audit".into(),
        feed: Some(feed),
    })
    .await
    .unwrap();
    (arr, inbox)
}

/// A TLS connection to the listener, trusting only the repository's CA.
async fn connect(arr: &Arr) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(arr.ca_pem().unwrap().as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(arr.syslog_addr().unwrap())
        .await
        .unwrap();
    connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap()
}

fn frame(message: &str) -> Vec<u8> {
    format!("{} {message}", message.len()).into_bytes()
}

async fn next(inbox: &mut mpsc::UnboundedReceiver<ReceivedRecord>) -> ReceivedRecord {
    tokio::time::timeout(Duration::from_secs(10), inbox.recv())
        .await
        .expect("a message within 10 s")
        .expect("the feed is open")
}

fn rules(m: &ReceivedRecord) -> Vec<String> {
    m.findings.iter().map(|f| f.rule.to_string()).collect()
}

#[tokio::test]
async fn a_syslog_audit_message_is_recorded_and_found_as_an_audit_event() {
    let (arr, mut inbox) = repository().await;
    let mut tls = connect(&arr).await;
    let atna = format!(
        "<85>1 2026-12-04T10:00:00Z consumer samsvar-test 7 IHE+RFC-3881 - \u{feff}{QUERY_MESSAGE}"
    );
    tls.write_all(&frame(&atna)).await.unwrap();
    tls.flush().await.unwrap();

    let m = next(&mut inbox).await;
    assert_eq!(
        (m.target.as_str(), m.transport.as_str()),
        ("audit", "syslog-tls")
    );
    assert!(
        m.findings.is_empty(),
        "an ATNA message has no findings: {:?}",
        m.findings
    );
    let body = m.exchange.request.body.as_ref().unwrap();
    assert_eq!(
        &body.bytes[..],
        atna.as_bytes(),
        "the message is kept as it arrived"
    );
    let header = |name: &str| {
        m.exchange
            .request
            .headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("msgid").as_deref(), Some("IHE+RFC-3881"));
    assert_eq!(header("app-name").as_deref(), Some("samsvar-test"));

    let bundle: Value = client()
        .get(format!(
            "{}/AuditEvent?entity-identifier=PAT-77%5E%5E%5E%261.2.3%26ISO",
            arr.base_url()
        ))
        .header("accept", FHIR_JSON)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let found = entries(&bundle);
    assert_eq!(found.len(), 1, "{bundle}");
    let event = &found[0];
    assert_eq!(event["subtype"][0]["code"], "ITI-18");
    assert_eq!(event["agent"][0]["requestor"], true);
    assert!(
        event["meta"]["source"]
            .as_str()
            .unwrap()
            .starts_with("syslog://127.0.0.1:"),
        "{event}"
    );
}

#[tokio::test]
async fn non_compliant_messages_are_kept_with_findings_and_broken_framing_closes() {
    let (arr, mut inbox) = repository().await;
    let mut tls = connect(&arr).await;
    // Facility 1 severity 6, another MSGID, and a message that lacks its source.
    let no_source = QUERY_MESSAGE.replace(
        r#"<AuditSourceIdentification AuditSourceID="consumer-1"/>"#,
        "",
    );
    let odd = format!("<14>1 - host app - other - {no_source}");
    tls.write_all(&frame(&odd)).await.unwrap();
    tls.write_all(&frame("<85>1 - host app - IHE+RFC-3881 - <Audit/>"))
        .await
        .unwrap();
    tls.write_all(&frame("no header at all")).await.unwrap();
    // Non-transparent framing (a newline-terminated message) is not RFC 5425.
    tls.write_all(b"<85>1 - host app - IHE+RFC-3881 - text\n")
        .await
        .unwrap();
    tls.flush().await.unwrap();

    let first = next(&mut inbox).await;
    assert_eq!(
        rules(&first),
        [
            "arr-syslog-facility",
            "arr-syslog-severity",
            "arr-syslog-msgid",
            "arr-required"
        ],
        "{:?}",
        first.findings
    );
    assert_eq!(rules(&next(&mut inbox).await), ["arr-not-audit-message"]);
    assert_eq!(rules(&next(&mut inbox).await), ["arr-syslog-header"]);
    let broken = next(&mut inbox).await;
    assert_eq!(rules(&broken), ["arr-syslog-frame"]);
    assert!(
        broken.findings[0].message.contains("non-transparent"),
        "{:?}",
        broken.findings
    );
    assert!(broken.exchange.request.body.as_ref().unwrap().truncated);

    // The repository stored the non-compliant event all the same.
    let bundle: Value = client()
        .get(format!("{}/AuditEvent?subtype=ITI-18", arr.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(entries(&bundle).len(), 1, "{bundle}");
}

#[tokio::test]
async fn fhir_feeds_are_recorded_with_the_answer_and_searches_are_not() {
    let (arr, mut inbox) = repository().await;
    let event = json!({"resourceType": "AuditEvent", "recorded": "2026-12-04T10:00:00Z",
        "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest"},
        "agent": [{"who": {"display": "x"}}]});
    let r = client()
        .post(format!("{}/AuditEvent", arr.base_url()))
        .header("content-type", FHIR_JSON)
        .header("authorization", "Bearer sender-secret-token")
        .body(event.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "the repository accepts it");
    client()
        .get(format!("{}/AuditEvent", arr.base_url()))
        .send()
        .await
        .unwrap();

    let m = next(&mut inbox).await;
    assert_eq!(m.transport, "http");
    assert_eq!(m.exchange.status, Some(201));
    assert_eq!(m.exchange.request.method.as_deref(), Some("POST"));
    assert_eq!(
        rules(&m),
        ["arr-required", "arr-required"],
        "{:?}",
        m.findings
    );
    let auth = m
        .exchange
        .request
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .map(|(_, v)| v.as_str());
    assert_ne!(
        auth,
        Some("Bearer sender-secret-token"),
        "credentials are redacted"
    );
    assert!(m.exchange.response.as_ref().unwrap().body.is_some());
    // The search was the suite's own request: not recorded as received.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), inbox.recv())
            .await
            .is_err(),
        "only the feed is recorded"
    );
}

#[tokio::test]
async fn a_flood_is_accepted_but_the_evidence_stays_bounded() {
    use samsvar_sim::arr::MAX_KEPT_MESSAGES;
    let (arr, mut inbox) = repository().await;
    let mut tls = connect(&arr).await;
    let one = frame("<85>1 - host app - IHE+RFC-3881 - not xml");
    let mut burst = Vec::with_capacity(one.len() * 1000);
    for _ in 0..1000 {
        burst.extend_from_slice(&one);
    }
    for _ in 0..(MAX_KEPT_MESSAGES / 1000 + 1) {
        tls.write_all(&burst).await.unwrap();
    }
    tls.flush().await.unwrap();

    let mut kept = 0;
    let mut last = None;
    while let Ok(Some(m)) = tokio::time::timeout(Duration::from_secs(3), inbox.recv()).await {
        kept += 1;
        last = Some(m);
    }
    assert_eq!(
        kept,
        MAX_KEPT_MESSAGES + 1,
        "the kept ones and the one that says so"
    );
    let last = last.unwrap();
    assert_eq!(rules(&last), ["arr-evidence-limit"]);
    assert!(
        last.exchange.request.body.is_none(),
        "no body past the limit"
    );
}
