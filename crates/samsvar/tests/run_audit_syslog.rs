//! ATNA over syslog end to end: `samsvar run testsuites/atna-syslog` serves an audit record
//! repository with a syslog-over-TLS listener; an audit source sends to it (the built-in
//! simulator, or this test acting as a vendor's system with choices of its own); every
//! message lands in the signed bundle and the suite's verdicts follow what was sent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Run, workspace_root};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio_rustls::rustls;

const SUITE: &str = "testsuites/atna-syslog";

fn evidence(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("evidence.json")).unwrap()).unwrap()
}

fn outcomes(record: &Value) -> Vec<(String, String)> {
    record["suites"][0]["root"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_string(),
                t["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn keygen(dir: &Path) -> (PathBuf, PathBuf) {
    let key = dir.join("evidence.pem");
    let status = Command::new(env!("CARGO_BIN_EXE_samsvar"))
        .args(["keygen", "--out"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(status.success());
    (key, dir.join("evidence.pub.pem"))
}

#[test]
fn the_simulator_sends_over_syslog_and_every_message_is_signed_evidence() {
    let keys = tempfile::tempdir().unwrap();
    let (key, public) = keygen(keys.path());
    let run = common::samsvar_run(&[
        SUITE,
        "--target",
        "fhir=sim",
        "--sim-audit-push",
        "syslog",
        "--sign-key",
        key.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stderr
            .contains("syslog over TLS (RFC 5425, ATNA ITI-20) at 127.0.0.1:"),
        "{}",
        run.stderr
    );
    let dir = run.run_dir();
    let e = evidence(&dir);
    let received = e["run"]["received"].as_array().unwrap();
    // One message for the create and one for the read of the setup.
    assert_eq!(received.len(), 2, "{received:#?}");
    for m in received {
        assert_eq!(m["transport"], "syslog-tls");
        assert_eq!(m["target"], "audit");
        assert_eq!(m["exchange"]["direction"], "received");
        let sha = m["exchange"]["request"]["body"]["sha256"].as_str().unwrap();
        let stored = std::fs::read(dir.join("exchanges").join(sha)).unwrap();
        assert!(stored.starts_with(b"<85>1 "), "the message as it arrived");
        let listed = e["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == format!("exchanges/{sha}"));
        assert!(listed, "exchanges/{sha} is in the signed manifest");
    }
    assert!(dir.join("audit-repository-ca.pem").is_file());
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(
        html.contains("Received by samsvar (2)"),
        "the report lists them"
    );

    let verify = |dir: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_samsvar"))
            .arg("verify")
            .arg(dir)
            .arg("--key")
            .arg(&public)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, text) = verify(&dir);
    assert_eq!(code, Some(0), "{text}");
    // A received message changed afterwards no longer verifies.
    let sha = received[0]["exchange"]["request"]["body"]["sha256"]
        .as_str()
        .unwrap();
    std::fs::write(dir.join("exchanges").join(sha), b"<85>1 forged").unwrap();
    let (code, text) = verify(&dir);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("CHANGED"), "{text}");
}

/// Runs the suite with the simulator as the FHIR side only; `send` plays the audit source,
/// given the repository's syslog address and the CA file the run wrote.
fn run_with_sender(send: impl FnOnce(String, PathBuf) + Send + 'static) -> Run {
    let out_dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_samsvar"))
        .current_dir(workspace_root())
        .args(["run", SUITE, "--target", "fhir=sim", "--out"])
        .arg(out_dir.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut seen = String::new();
        let mut send = Some(send);
        for line in BufReader::new(stderr).lines() {
            let line = line.unwrap();
            if let Some(rest) = line.split_once("syslog over TLS (RFC 5425, ATNA ITI-20) at ") {
                let (addr, ca) = rest.1.split_once("; the sender trusts the CA in ").unwrap();
                if let Some(send) = send.take() {
                    send(addr.to_string(), PathBuf::from(ca));
                }
            }
            seen.push_str(&line);
            seen.push('\n');
        }
        seen
    });
    let output = child.wait_with_output().unwrap();
    let stderr = reader.join().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr,
        out_dir,
    }
}

/// Sends `messages` (each one syslog message) in RFC 5425 frames over one TLS connection.
fn send_frames(addr: &str, ca: &Path, messages: Vec<Vec<u8>>) {
    let ca_pem = std::fs::read(ca).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(&ca_pem) {
            roots.add(cert.unwrap()).unwrap();
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(ServerName::try_from("127.0.0.1").unwrap(), tcp)
            .await
            .unwrap();
        for m in messages {
            let mut framed = format!("{} ", m.len()).into_bytes();
            framed.extend(m);
            tls.write_all(&framed).await.unwrap();
        }
        tls.flush().await.unwrap();
        tls.shutdown().await.unwrap();
    });
}

/// A PHI-access message the way another vendor writes it: the RFC 3881 spelling of the
/// schema, a patient identified by an HL7 CX identifier, the consumer as requestor.
fn vendor_message(patients: &[&str]) -> String {
    let objects: String = patients
        .iter()
        .map(|p| format!(r#"<ParticipantObjectIdentification ParticipantObjectID="{p}^^^&amp;1.3.6.1.4.1.21367.2005.13.20.1000&amp;ISO" ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1"><ParticipantObjectIDTypeCode code="2" codeSystemName="RFC-3881" displayName="Patient Number"/></ParticipantObjectIdentification>"#))
        .collect();
    format!(
        r#"<AuditMessage><EventIdentification EventActionCode="R" EventDateTime="2026-12-04T09:30:00.123+01:00" EventOutcomeIndicator="0"><EventID code="110110" codeSystemName="DCM" displayName="Patient Record"/></EventIdentification><ActiveParticipant UserID="dr.hansen@ehr.example" UserName="Hansen, Ingrid" UserIsRequestor="true" NetworkAccessPointID="ehr-1.example" NetworkAccessPointTypeCode="1"/><ActiveParticipant UserID="ehr-1.example|fhir" UserIsRequestor="false"><RoleIDCode code="110152" codeSystemName="DCM" displayName="Destination"/></ActiveParticipant><AuditSourceIdentification AuditEnterpriseSiteID="Hospital A" AuditSourceID="ehr-1"><AuditSourceTypeCode code="4"/></AuditSourceIdentification>{objects}</AuditMessage>"#
    )
}

#[test]
fn a_vendor_with_other_choices_passes_and_a_careless_one_fails_named_checks() {
    // Severity 4 (allowed), a hostname, a process id, no BOM: other legitimate choices.
    let run = run_with_sender(|addr, ca| {
        let m = format!(
            "<84>1 2026-12-04T09:30:00.130+01:00 ehr-1.example ehr 4711 IHE+RFC-3881 - {}",
            vendor_message(&["PAT-1"])
        );
        send_frames(&addr, &ca, vec![m.into_bytes()]);
    });
    assert_eq!(run.code, 0, "{}", run.all());
    let record = run.record();
    assert!(
        outcomes(&record).iter().all(|(_, o)| o == "pass"),
        "{:?}",
        outcomes(&record)
    );
    let over_syslog = |record: &Value| {
        record["received"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["transport"] == "syslog-tls")
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        over_syslog(&record).len(),
        1,
        "the simulator pushes over FHIR; the vendor sent one"
    );

    // Facility 1 severity 6, a MSGID of its own, STRUCTURED-DATA, two patients in one message.
    let run = run_with_sender(|addr, ca| {
        let m = format!(
            r#"<14>1 - ehr-1.example ehr - AUDIT [origin ip="10.0.0.1"] {}"#,
            vendor_message(&["PAT-1", "PAT-2"])
        );
        send_frames(&addr, &ca, vec![m.into_bytes()]);
    });
    assert_eq!(run.code, 1, "{}", run.all());
    let record = run.record();
    assert_eq!(
        outcomes(&record),
        [
            (
                "message-arrives-over-syslog".to_string(),
                "pass".to_string()
            ),
            ("syslog-message-format".to_string(), "fail".to_string()),
            ("dicom-audit-message".to_string(), "pass".to_string()),
            ("one-patient-per-message".to_string(), "fail".to_string()),
        ]
    );
    for why in [
        "every message has PRI facility 10",
        "every message has MSGID IHE+RFC-3881",
        "no message carries STRUCTURED-DATA",
        "no message names more than one patient",
    ] {
        assert!(run.stdout.contains(why), "{why}: {}", run.stdout);
    }
    let received = &over_syslog(&record)[0];
    let rules: Vec<&str> = received["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "arr-syslog-facility",
            "arr-syslog-severity",
            "arr-syslog-msgid",
            "arr-syslog-structured-data"
        ],
        "the repository kept the message and said what it noticed"
    );
}

#[test]
fn a_system_that_sends_nothing_fails_with_the_reason() {
    let run = common::samsvar_run(&[SUITE, "--target", "fhir=sim"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.contains(
            "an audit message arrived over syslog over TLS (RFC 5425) since the run started"
        ),
        "{}",
        run.stdout
    );
    let outcomes = outcomes(&run.record());
    assert_eq!(outcomes[0].1, "fail");
    assert!(
        outcomes[1..].iter().all(|(_, o)| o == "skip"),
        "{outcomes:?}"
    );
}
