//! Syslog over TLS (RFC 5425), the transport of ATNA's Record Audit Event [ITI-20]: a
//! listener that reads octet-counted frames (`MSG-LEN SP SYSLOG-MSG`) from every
//! connection and hands each message to the [`Intake`]. A connection that breaks the
//! framing is recorded with a finding and closed (its next frame cannot be found).

use super::findings::SYSLOG_FRAME;
use super::intake::Intake;
use crate::server::SimError;
use bytes::Bytes;
use samsvar_record::{Direction, Exchange, WireMessage};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::{TlsAcceptor, rustls};

/// Larger than any audit message; RFC 5425 4.3.1 lets a receiver set its own limit.
pub const MAX_MESSAGE: usize = 4 * 1024 * 1024;
/// A sender that opens TLS and never finishes the handshake is dropped after this.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A running syslog listener; dropping it closes the listener and every connection.
#[derive(Debug)]
pub struct SyslogListener {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SyslogListener {
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

impl Drop for SyslogListener {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

pub(crate) async fn start(
    addr: &str,
    tls: Arc<rustls::ServerConfig>,
    intake: Arc<Intake>,
) -> Result<SyslogListener, SimError> {
    let bind_error = |source| SimError::Bind {
        addr: addr.to_string(),
        source,
    };
    let listener = TcpListener::bind(addr).await.map_err(bind_error)?;
    let local_addr = listener.local_addr().map_err(bind_error)?;
    let (stop_tx, stop_rx) = oneshot::channel();
    let acceptor = TlsAcceptor::from(tls);
    let task = tokio::spawn(accept_loop(listener, acceptor, intake, stop_rx, local_addr));
    Ok(SyslogListener {
        local_addr,
        stop: Some(stop_tx),
        task: Some(task),
    })
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    intake: Arc<Intake>,
    mut stop: oneshot::Receiver<()>,
    local: SocketAddr,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let acceptor = acceptor.clone();
                let intake = intake.clone();
                connections.spawn(async move {
                    // A failed or stalled handshake just ends the connection.
                    if let Ok(Ok(stream)) =
                        tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
                    {
                        read_frames(stream, &intake, local, peer).await;
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Reads frames until the sender closes the connection or breaks the framing.
async fn read_frames<S: AsyncRead + Unpin>(
    mut stream: S,
    intake: &Intake,
    local: SocketAddr,
    peer: SocketAddr,
) {
    loop {
        match next_frame(&mut stream).await {
            Frame::Message(bytes) => intake.syslog(local, peer, bytes),
            Frame::Closed => return,
            Frame::Broken { why, read } => {
                broken(intake, local, peer, &why, read);
                return;
            }
        }
    }
}

enum Frame {
    Message(Bytes),
    /// The sender closed the connection between frames.
    Closed,
    /// Not a frame: why, and the bytes read for it (kept as evidence).
    Broken {
        why: String,
        read: Vec<u8>,
    },
}

async fn next_frame<S: AsyncRead + Unpin>(stream: &mut S) -> Frame {
    // MSG-LEN is NONZERO-DIGIT *DIGIT, then one space (RFC 5425 4.3).
    let mut prefix = Vec::new();
    loop {
        let mut byte = [0u8; 1];
        match stream.read(&mut byte).await {
            Ok(0) | Err(_) if prefix.is_empty() => return Frame::Closed,
            Ok(0) | Err(_) => {
                return Frame::Broken {
                    why: "the connection ended inside MSG-LEN".into(),
                    read: prefix,
                };
            }
            Ok(_) => {}
        }
        prefix.push(byte[0]);
        match byte[0] {
            b' ' if prefix.len() > 1 => break,
            b'0' if prefix.len() == 1 => {
                return Frame::Broken {
                    why: "MSG-LEN starts with 0".into(),
                    read: prefix,
                };
            }
            b'0'..=b'9' if prefix.len() <= 10 => {}
            _ => {
                let why = if prefix[0] == b'<' {
                    "the frame starts with `<`: non-transparent framing (RFC 6587) or plain syslog, not RFC 5425 octet counting".to_string()
                } else {
                    "MSG-LEN is not 1 to 10 digits followed by a space".to_string()
                };
                return Frame::Broken { why, read: prefix };
            }
        }
    }
    let digits = String::from_utf8_lossy(&prefix[..prefix.len() - 1]).into_owned();
    let Some(len) = digits.parse::<usize>().ok().filter(|l| *l <= MAX_MESSAGE) else {
        return Frame::Broken {
            why: format!(
                "MSG-LEN {digits} is above this repository's limit of {MAX_MESSAGE} bytes"
            ),
            read: prefix,
        };
    };
    let mut message = vec![0u8; len];
    match stream.read_exact(&mut message).await {
        Ok(_) => Frame::Message(Bytes::from(message)),
        Err(_) => Frame::Broken {
            why: format!("the connection ended before the {len} bytes MSG-LEN announced"),
            read: prefix,
        },
    }
}

fn broken(intake: &Intake, local: SocketAddr, peer: SocketAddr, why: &str, read: Vec<u8>) {
    let url = format!("syslog://{local}");
    let bytes = Bytes::from(read);
    let request = intake.redactor.record_message(WireMessage {
        url: Some(&url),
        body: Some(&bytes),
        truncated: true,
        ..WireMessage::default()
    });
    let exchange = Exchange {
        direction: Direction::Received,
        request,
        response: None,
        status: None,
        elapsed_ms: None,
    };
    let finding = SYSLOG_FRAME.whole(format!("{why}; the connection was closed"));
    intake.record("syslog-tls", Some(peer), exchange, vec![finding]);
}
