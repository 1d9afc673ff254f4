//! Does a server still accept TLS 1.0 or 1.1? rustls (rightly) cannot speak them, so the
//! probe sends a legacy ClientHello by hand and reads only the server's first answer: a
//! ServerHello at the legacy version means the server accepts it; an alert or a closed
//! connection means it refuses. No handshake is ever completed.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A legacy protocol version to offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyVersion {
    Tls10,
    Tls11,
}

impl LegacyVersion {
    fn wire(self) -> [u8; 2] {
        match self {
            LegacyVersion::Tls10 => [3, 1],
            LegacyVersion::Tls11 => [3, 2],
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "1.0" => Some(Self::Tls10),
            "1.1" => Some(Self::Tls11),
            _ => None,
        }
    }
}

/// What the server did with a legacy ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// It answered with an alert or closed the connection.
    Refused { reason: String },
    /// It chose this legacy version (`"1.0"` or `"1.1"`).
    Accepted { version: String },
}

/// Offers only `version` to `host:port` and reports whether the server accepts it.
pub async fn probe_legacy_tls(
    host: &str,
    port: u16,
    version: LegacyVersion,
    timeout: Duration,
) -> Result<ProbeOutcome, String> {
    let work = async {
        let mut stream = TcpStream::connect((host, port))
            .await
            .map_err(|e| format!("failed to connect to {host}:{port}: {e}"))?;
        stream
            .write_all(&client_hello(host, version))
            .await
            .map_err(|e| format!("failed to send ClientHello: {e}"))?;
        let mut header = [0u8; 5];
        match stream.read_exact(&mut header).await {
            Ok(_) => {}
            Err(_) => {
                return Ok(ProbeOutcome::Refused {
                    reason: "the server closed the connection".into(),
                });
            }
        }
        let len = usize::from(u16::from_be_bytes([header[3], header[4]])).min(16 * 1024);
        let mut body = vec![0u8; len];
        if stream.read_exact(&mut body).await.is_err() {
            return Ok(ProbeOutcome::Refused {
                reason: "the server closed the connection mid-record".into(),
            });
        }
        Ok(classify(header[0], &body))
    };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| format!("no answer from {host}:{port} within {timeout:?}"))?
}

fn classify(content_type: u8, body: &[u8]) -> ProbeOutcome {
    match content_type {
        // Alert: level, description.
        21 => {
            let description = body.get(1).copied().unwrap_or(0);
            let name = match description {
                40 => "handshake_failure",
                70 => "protocol_version",
                71 => "insufficient_security",
                80 => "internal_error",
                _ => "alert",
            };
            ProbeOutcome::Refused {
                reason: format!("the server answered with a TLS alert: {name} ({description})"),
            }
        }
        // Handshake: a ServerHello (type 2) carries the chosen version after the 4-byte header.
        22 if body.first() == Some(&2) && body.len() >= 6 => match [body[4], body[5]] {
            [3, 1] => ProbeOutcome::Accepted {
                version: "1.0".into(),
            },
            [3, 2] => ProbeOutcome::Accepted {
                version: "1.1".into(),
            },
            [a, b] => ProbeOutcome::Refused {
                reason: format!("the server answered with version {a}.{b}, not the offered one"),
            },
        },
        other => ProbeOutcome::Refused {
            reason: format!("the server answered with an unexpected record (type {other})"),
        },
    }
}

/// A minimal ClientHello offering only `version`, with CBC suites those versions use.
fn client_hello(host: &str, version: LegacyVersion) -> Vec<u8> {
    let mut hello = Vec::new();
    hello.extend_from_slice(&version.wire());
    let random: [u8; 16] = *uuid::Uuid::new_v4().as_bytes();
    hello.extend_from_slice(&random);
    hello.extend_from_slice(&random);
    hello.push(0); // session id: empty
    let suites: [u16; 6] = [0xC013, 0xC014, 0xC009, 0xC00A, 0x002F, 0x0035];
    hello.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        hello.extend_from_slice(&s.to_be_bytes());
    }
    hello.extend_from_slice(&[1, 0]); // compression: null only

    let mut extensions = Vec::new();
    // server_name
    let name = host.as_bytes();
    if host.parse::<std::net::IpAddr>().is_err() {
        let mut sni = Vec::new();
        sni.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
        sni.push(0);
        sni.extend_from_slice(&(name.len() as u16).to_be_bytes());
        sni.extend_from_slice(name);
        push_extension(&mut extensions, 0x0000, &sni);
    }
    // supported_groups: x25519, secp256r1
    push_extension(&mut extensions, 0x000a, &[0, 4, 0x00, 0x1d, 0x00, 0x17]);
    // ec_point_formats: uncompressed
    push_extension(&mut extensions, 0x000b, &[1, 0]);
    hello.extend_from_slice(&(extensions.len() as u16).to_be_bytes());
    hello.extend_from_slice(&extensions);

    let mut handshake = vec![1]; // client_hello
    handshake.extend_from_slice(&(hello.len() as u32).to_be_bytes()[1..]);
    handshake.extend_from_slice(&hello);

    let mut record = vec![22, 3, 1]; // handshake record, TLS 1.0 record version
    record.extend_from_slice(&(handshake.len() as u16).to_be_bytes());
    record.extend_from_slice(&handshake);
    record
}

fn push_extension(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A fake legacy server: answers any ClientHello with a TLS 1.1 ServerHello header.
    async fn legacy_server(answer: Vec<u8>) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            if let Ok((mut s, _)) = listener.accept().await {
                let mut buf = [0u8; 512];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(&answer).await;
            }
        });
        port
    }

    #[tokio::test]
    async fn a_server_answering_with_a_tls11_server_hello_accepts_it() {
        let port = legacy_server(vec![22, 3, 2, 0, 6, 2, 0, 0, 2, 3, 2]).await;
        let outcome = probe_legacy_tls(
            "127.0.0.1",
            port,
            LegacyVersion::Tls11,
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        assert_eq!(
            outcome,
            ProbeOutcome::Accepted {
                version: "1.1".into()
            }
        );
    }

    #[tokio::test]
    async fn an_alert_is_a_refusal() {
        let port = legacy_server(vec![21, 3, 1, 0, 2, 2, 70]).await;
        let outcome = probe_legacy_tls(
            "127.0.0.1",
            port,
            LegacyVersion::Tls10,
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        assert_eq!(
            outcome,
            ProbeOutcome::Refused {
                reason: "the server answered with a TLS alert: protocol_version (70)".into()
            }
        );
    }

    #[test]
    fn client_hello_is_a_well_formed_record() {
        let rec = client_hello("fhir.example", LegacyVersion::Tls11);
        assert_eq!(&rec[..3], &[22, 3, 1]);
        assert_eq!(
            usize::from(u16::from_be_bytes([rec[3], rec[4]])),
            rec.len() - 5
        );
        assert_eq!(rec[5], 1);
        assert_eq!(&rec[9..11], &[3, 2]);
    }
}
