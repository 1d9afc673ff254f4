//! ATNA's syslog transport, sending side: each AuditEvent becomes a DICOM audit message
//! ([`super::dicom_out`]) in an RFC 5424 message (PRI <85>: facility 10, severity 5;
//! MSGID `IHE+RFC-3881`; no STRUCTURED-DATA; a UTF-8 MSG with its byte order mark), framed
//! by octet counting (RFC 5425) on one TLS connection that is opened on the first event and
//! again after a failure.

use super::dicom_out;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_rustls::client::TlsStream;
use tokio_rustls::{TlsConnector, rustls};

const RETRY_PAUSES: &[Duration] = &[
    Duration::from_millis(200),
    Duration::from_secs(1),
    Duration::from_secs(3),
];
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One RFC 5424 message for `event`, framed for RFC 5425.
pub fn frame(event: &Value, hostname: &str) -> Vec<u8> {
    let timestamp = event.get("recorded").and_then(Value::as_str).unwrap_or("-");
    let mut message =
        format!("<85>1 {timestamp} {hostname} samsvar-sim - IHE+RFC-3881 - \u{feff}").into_bytes();
    message.extend(dicom_out::audit_message(event));
    let mut framed = format!("{} ", message.len()).into_bytes();
    framed.extend(message);
    framed
}

fn connector(ca_pem: &str) -> Result<TlsConnector, String> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        let cert = cert.map_err(|e| format!("the CA file is not PEM: {e}"))?;
        roots.add(cert).map_err(|e| e.to_string())?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

async fn connect(connector: &TlsConnector, addr: &str) -> Result<TlsStream<TcpStream>, String> {
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    let name = rustls::pki_types::ServerName::try_from(host.trim_matches(['[', ']']).to_string())
        .map_err(|e| format!("`{host}` is not a host name: {e}"))?;
    let attempt = async {
        let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        connector
            .connect(name, tcp)
            .await
            .map_err(|e| e.to_string())
    };
    tokio::time::timeout(CONNECT_TIMEOUT, attempt)
        .await
        .map_err(|_| "timed out connecting".to_string())?
}

// A detached task reports to the operator's terminal, like the FHIR pusher.
#[allow(clippy::print_stderr)]
pub async fn run(addr: String, ca_pem: String, mut rx: UnboundedReceiver<Value>) {
    let connector = match connector(&ca_pem) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("samsvar-sim: failed to start sending audit messages to {addr}: {e}");
            return;
        }
    };
    let mut stream: Option<TlsStream<TcpStream>> = None;
    let mut reported = false;
    while let Some(event) = rx.recv().await {
        let bytes = frame(&event, "samsvar-sim");
        let mut last = String::new();
        let mut sent = false;
        for attempt in 0..=RETRY_PAUSES.len() {
            if attempt > 0 {
                tokio::time::sleep(RETRY_PAUSES[attempt - 1]).await;
            }
            if stream.is_none() {
                match connect(&connector, &addr).await {
                    Ok(s) => stream = Some(s),
                    Err(e) => {
                        last = e;
                        continue;
                    }
                }
            }
            if let Some(s) = stream.as_mut() {
                match async { s.write_all(&bytes).await.and(s.flush().await) }.await {
                    Ok(()) => {
                        sent = true;
                        break;
                    }
                    Err(e) => {
                        last = e.to_string();
                        stream = None;
                    }
                }
            }
        }
        if sent {
            reported = false;
        } else if !reported {
            eprintln!(
                "samsvar-sim: failed to send an audit message to syslog {addr}: {last} (further failures are not reported until one succeeds)"
            );
            reported = true;
        }
    }
}
