//! A loopback HTTP server that misbehaves on purpose, one behaviour per path. Written on
//! raw TCP so it can break HTTP itself (no status line, endless headers, a reset in the
//! middle of a body), which no well-behaved server library lets a handler do.

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A secret the battery binds as a `secret: true` input; `/echo` reflects the request.
pub const ECHOED_SECRET: &str = "hostile-battery-secret-Zq9LkX3w";

/// Starts the server on an ephemeral loopback port, on its own thread and runtime, for
/// the life of the test process.
pub fn start() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            tx.send(listener.local_addr().expect("addr")).expect("send");
            loop {
                let Ok((conn, _)) = listener.accept().await else {
                    continue;
                };
                let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
                tokio::spawn(async move {
                    let _ = serve(conn, port).await;
                });
            }
        });
    });
    rx.recv().expect("server address")
}

/// Reads one request head (and a declared body), then misbehaves as its path says.
async fn serve(mut conn: TcpStream, port: u16) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = conn.read(&mut byte).await?;
        if n == 0 || head.len() > 1 << 20 {
            return Ok(());
        }
        head.extend_from_slice(&byte[..n]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let path = text
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .trim_start_matches("/fhir")
        .to_string();
    let case = path.trim_start_matches('/').split('?').next().unwrap_or("");
    let case = case.split('/').next_back().unwrap_or("").to_string();
    behave(&mut conn, &case, &text, port).await
}

fn head(status: &str, headers: &[(&str, String)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nconnection: close\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

fn fhir_json(body: &[u8]) -> Vec<u8> {
    let mut out = head(
        "200 OK",
        &[
            ("content-type", "application/fhir+json".into()),
            ("content-length", body.len().to_string()),
        ],
    );
    out.extend_from_slice(body);
    out
}

fn soap(body: &[u8]) -> Vec<u8> {
    let mut out = head(
        "200 OK",
        &[
            ("content-type", "application/soap+xml; charset=utf-8".into()),
            ("content-length", body.len().to_string()),
        ],
    );
    out.extend_from_slice(body);
    out
}

const ENVELOPE_OPEN: &str =
    r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>"#;
const ENVELOPE_CLOSE: &str = "</s:Body></s:Envelope>";

async fn behave(conn: &mut TcpStream, case: &str, request: &str, port: u16) -> std::io::Result<()> {
    match case {
        // --- transport ---
        "slow-headers" => {
            tokio::time::sleep(Duration::from_secs(120)).await;
        }
        "slow-body" => {
            let h = head(
                "200 OK",
                &[
                    ("content-type", "application/fhir+json".into()),
                    ("content-length", "1000".into()),
                    ("x-hostile", "slow-body".into()),
                ],
            );
            conn.write_all(&h).await?;
            for _ in 0..1000 {
                conn.write_all(b" ").await?;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        "huge-body" => {
            let h = head(
                "200 OK",
                &[
                    ("content-type", "application/fhir+json".into()),
                    ("x-hostile", "huge-body".into()),
                ],
            );
            conn.write_all(&h).await?;
            let pad = vec![b' '; 64 * 1024];
            for _ in 0..(64 * 16) {
                conn.write_all(&pad).await?;
            }
        }
        "endless-chunked" => {
            let h = head(
                "200 OK",
                &[
                    ("content-type", "application/fhir+json".into()),
                    ("transfer-encoding", "chunked".into()),
                    ("x-hostile", "endless-chunked".into()),
                ],
            );
            conn.write_all(&h).await?;
            let chunk = format!("{:x}\r\n{}\r\n", 8192, " ".repeat(8192));
            loop {
                conn.write_all(chunk.as_bytes()).await?;
            }
        }
        "declared-huge" => {
            let h = head(
                "200 OK",
                &[
                    ("content-type", "application/fhir+json".into()),
                    ("content-length", "99999999999".into()),
                ],
            );
            conn.write_all(&h).await?;
        }
        "reset-mid-body" => {
            let h = head(
                "200 OK",
                &[
                    ("content-type", "application/fhir+json".into()),
                    ("content-length", "5000".into()),
                    ("x-hostile", "reset-mid-body".into()),
                ],
            );
            conn.write_all(&h).await?;
            conn.write_all(br#"{"resourceType":"Patient","id":"#)
                .await?;
            conn.flush().await?;
            tokio::time::sleep(Duration::from_millis(50)).await;
            // SO_LINGER 0: close sends RST, not FIN. (Deprecated because a non-zero
            // linger blocks the thread on drop; zero never does.)
            #[allow(deprecated)]
            conn.set_linger(Some(Duration::ZERO))?;
        }
        "http09" => {
            conn.write_all(br#"{"resourceType":"Patient"}"#).await?;
        }
        "huge-header" => {
            let mut h = b"HTTP/1.1 200 OK\r\nx-huge: ".to_vec();
            h.extend(std::iter::repeat_n(b'a', 2 * 1024 * 1024));
            h.extend_from_slice(b"\r\n\r\n{}");
            conn.write_all(&h).await?;
        }
        "header-flood" => {
            let mut h = b"HTTP/1.1 200 OK\r\n".to_vec();
            for i in 0..20_000 {
                h.extend_from_slice(format!("x-flood-{i}: {i}\r\n").as_bytes());
            }
            h.extend_from_slice(b"content-length: 2\r\n\r\n{}");
            conn.write_all(&h).await?;
        }
        "redirect-loop" => {
            let h = head(
                "302 Found",
                &[
                    ("location", "/fhir/redirect-loop".into()),
                    ("content-length", "0".into()),
                ],
            );
            conn.write_all(&h).await?;
        }
        "redirect-off-origin" => {
            // Another origin on the same machine: the credentials must not follow.
            let h = head(
                "302 Found",
                &[
                    ("location", format!("http://localhost:{port}/fhir/echo")),
                    ("content-length", "0".into()),
                ],
            );
            conn.write_all(&h).await?;
        }
        // --- payload ---
        "gzip-bomb" => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            let zeros = vec![0u8; 1024 * 1024];
            for _ in 0..64 {
                gz.write_all(&zeros)?;
            }
            let body = gz.finish()?;
            let mut out = head(
                "200 OK",
                &[
                    ("content-type", "application/fhir+json".into()),
                    ("content-encoding", "gzip".into()),
                    ("content-length", body.len().to_string()),
                ],
            );
            out.extend_from_slice(&body);
            conn.write_all(&out).await?;
        }
        "invalid-utf8" => {
            conn.write_all(&fhir_json(
                b"{\"resourceType\":\"Patient\",\"id\":\"\xff\xfe\xc0\"}",
            ))
            .await?;
        }
        "deep-json" => {
            let mut body = br#"{"resourceType":"Patient","x":"#.to_vec();
            body.extend(std::iter::repeat_n(b'[', 200_000));
            body.extend(std::iter::repeat_n(b']', 200_000));
            body.push(b'}');
            conn.write_all(&fhir_json(&body)).await?;
        }
        "giant-string" => {
            let body = format!(
                r#"{{"resourceType":"Patient","id":"{}"}}"#,
                "A".repeat(900 * 1024)
            );
            conn.write_all(&fhir_json(body.as_bytes())).await?;
        }
        "terminal-escape" => {
            let body = r#"{"resourceType":"Patient","id":"x\u001b[2J\u001b]0;pwned\u0007"}"#;
            conn.write_all(&fhir_json(body.as_bytes())).await?;
        }
        "wrong-content-type" => {
            let body = b"<html><body>It works!</body></html>";
            let mut out = head(
                "200 OK",
                &[
                    ("content-type", "text/html".into()),
                    ("content-length", body.len().to_string()),
                ],
            );
            out.extend_from_slice(body);
            conn.write_all(&out).await?;
        }
        "echo" => {
            // A debug page that reflects the whole request, headers and URL included.
            let body = serde_json::json!({
                "resourceType": "OperationOutcome",
                "issue": [{"severity": "error", "code": "exception", "diagnostics": request}],
            })
            .to_string();
            let mut out = head(
                "400 Bad Request",
                &[
                    ("content-type", "application/fhir+json".into()),
                    ("content-length", body.len().to_string()),
                    ("x-echo", request.lines().next().unwrap_or("").to_string()),
                ],
            );
            out.extend_from_slice(body.as_bytes());
            conn.write_all(&out).await?;
        }
        // --- XDS (SOAP/MTOM) ---
        "xml-one-line" => {
            let mut body = ENVELOPE_OPEN.to_string();
            body.push_str(r#"<q:AdhocQueryResponse xmlns:q="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success">"#);
            body.push_str(&"<i/>".repeat(300_000));
            body.push_str("</q:AdhocQueryResponse>");
            body.push_str(ENVELOPE_CLOSE);
            conn.write_all(&soap(body.as_bytes())).await?;
        }
        "xml-deep" => {
            let mut body = ENVELOPE_OPEN.to_string();
            body.push_str(&"<d>".repeat(50_000));
            body.push_str(&"</d>".repeat(50_000));
            body.push_str(ENVELOPE_CLOSE);
            conn.write_all(&soap(body.as_bytes())).await?;
        }
        "xml-billion-laughs" => {
            let mut body =
                String::from("<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">");
            for i in 1..10 {
                body.push_str(&format!(
                    "<!ENTITY {} \"{}\">",
                    (b'a' + i) as char,
                    format!("&{};", (b'a' + i - 1) as char).repeat(10)
                ));
            }
            body.push_str("]>");
            body.push_str(ENVELOPE_OPEN);
            body.push_str("<x>&j;</x>");
            body.push_str(ENVELOPE_CLOSE);
            conn.write_all(&soap(body.as_bytes())).await?;
        }
        "xml-xxe" => {
            let body = format!(
                "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY f SYSTEM \"file:///etc/passwd\">]>{ENVELOPE_OPEN}<x>&f;</x>{ENVELOPE_CLOSE}"
            );
            conn.write_all(&soap(body.as_bytes())).await?;
        }
        "xml-xinclude" => {
            let body = format!(
                "{ENVELOPE_OPEN}<x xmlns:xi=\"http://www.w3.org/2001/XInclude\"><xi:include href=\"file:///etc/passwd\" parse=\"text\"/></x>{ENVELOPE_CLOSE}"
            );
            conn.write_all(&soap(body.as_bytes())).await?;
        }
        "soap-giant-fault" => {
            let reason = "F".repeat(3 * 1024 * 1024);
            let body = format!(
                "{ENVELOPE_OPEN}<s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason><s:Text xml:lang=\"en\">{reason}</s:Text></s:Reason></s:Fault>{ENVELOPE_CLOSE}"
            );
            conn.write_all(&soap(body.as_bytes())).await?;
        }
        "mtom-bad-boundary" => {
            let body = b"--nope\r\ncontent-type: application/xop+xml\r\n\r\n<x/>\r\n--nope--";
            let mut out = head(
                "200 OK",
                &[
                    (
                        "content-type",
                        "multipart/related; type=\"application/xop+xml\"; boundary=\"MIMEBoundary\"; start-info=\"application/soap+xml\"".into(),
                    ),
                    ("content-length", body.len().to_string()),
                ],
            );
            out.extend_from_slice(body);
            conn.write_all(&out).await?;
        }
        "mtom-many-parts" => {
            let mut body = String::new();
            body.push_str("--B\r\ncontent-type: application/xop+xml; type=\"application/soap+xml\"\r\ncontent-id: <root>\r\n\r\n");
            body.push_str(ENVELOPE_OPEN);
            body.push_str(ENVELOPE_CLOSE);
            for i in 0..100_000 {
                body.push_str(&format!("\r\n--B\r\ncontent-id: <p{i}>\r\n\r\nx"));
            }
            body.push_str("\r\n--B--\r\n");
            let mut out = head(
                "200 OK",
                &[
                    (
                        "content-type",
                        "multipart/related; type=\"application/xop+xml\"; boundary=\"B\"; start=\"<root>\"; start-info=\"application/soap+xml\"".into(),
                    ),
                    ("content-length", body.len().to_string()),
                ],
            );
            out.extend_from_slice(body.as_bytes());
            conn.write_all(&out).await?;
        }
        _ => {
            conn.write_all(&head("404 Not Found", &[("content-length", "0".into())]))
                .await?;
        }
    }
    conn.shutdown().await
}
