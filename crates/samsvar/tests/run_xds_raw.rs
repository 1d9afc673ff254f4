//! Raw XDS fixtures go on the wire byte for byte: a loopback repository records the request
//! body of an ITI-41 `fixture:` step, and it must equal the fixture file (namespace
//! declarations, comments, whitespace and all). A fixture without its own envelope is sent
//! inside one, its bytes unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;

mod common;

/// Answers one HTTP POST with a SOAP RegistryResponse (Failure) and hands back its body.
fn one_shot_repository() -> (String, mpsc::Receiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/xds/repository", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        tx.send(body).unwrap();
        let reply = r#"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing"><soap:Header><wsa:Action>urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse</wsa:Action></soap:Header><soap:Body><rs:RegistryResponse xmlns:rs="urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure"><rs:RegistryErrorList><rs:RegistryError errorCode="XDSRepositoryMetadataError" codeContext="creationTime missing" severity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"/></rs:RegistryErrorList></rs:RegistryResponse></soap:Body></soap:Envelope>"#;
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 200 OK\r\ncontent-type: application/soap+xml; charset=UTF-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
            reply.len()
        )
        .unwrap();
    });
    (url, rx)
}

fn run_fixture_suite(dir: &Path, fixture: &str, url: &str) -> String {
    std::fs::write(
        dir.join("suite.yaml"),
        format!(
            r#"suite: {{ id: raw-fixture, version: "1", title: t, verifies: [REQ-1] }}
targets: {{ repo: {{ kind: xds-repository }} }}
tests:
  - id: raw
    steps:
      - xds:
          transaction: ITI-41
          fixture: {{ path: {fixture}, templated: false }}
        assert:
          - xds: {{ status: Failure }}
          - xds: {{ error_code: XDSRepositoryMetadataError }}
"#
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_samsvar"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(["run", "suite.yaml", "--target"])
        .arg(format!("repo={url}"))
        .args(["--out", "out", "--format", "json"])
        .output()
        .unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    text
}

#[test]
fn an_envelope_fixture_is_sent_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let shipped =
        common::workspace_root().join("testsuites/xds-b/fixtures/missing-creation-time.xml");
    let file = std::fs::read(&shipped).unwrap();
    std::fs::write(dir.path().join("fixture.xml"), &file).unwrap();
    let (url, wire) = one_shot_repository();
    run_fixture_suite(dir.path(), "fixture.xml", &url);
    let sent = wire.recv().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&sent),
        String::from_utf8_lossy(&file),
        "the request body differs from the fixture file"
    );
    assert_eq!(sent, file);
}

#[test]
fn a_body_only_fixture_is_wrapped_with_its_bytes_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- kept -->\n<xdsb:ProvideAndRegisterDocumentSetRequest xmlns:xdsb=\"urn:ihe:iti:xds-b:2007\">\n  <lcm:SubmitObjectsRequest xmlns:lcm=\"urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0\">\n    <rim:RegistryObjectList xmlns:rim=\"urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0\"/>\n  </lcm:SubmitObjectsRequest>\n</xdsb:ProvideAndRegisterDocumentSetRequest>\n";
    std::fs::write(dir.path().join("body.xml"), body).unwrap();
    let (url, wire) = one_shot_repository();
    run_fixture_suite(dir.path(), "body.xml", &url);
    let sent = String::from_utf8(wire.recv().unwrap()).unwrap();
    let without_declaration = &body[body.find("?>").unwrap() + 2..];
    assert!(
        sent.contains(&format!("<soap:Body>{without_declaration}</soap:Body>")),
        "{sent}"
    );
    assert!(
        sent.contains("urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"),
        "{sent}"
    );
    assert!(
        sent.contains(&format!(
            "<wsa:To soap:mustUnderstand=\"true\">{url}</wsa:To>"
        )),
        "{sent}"
    );
}
