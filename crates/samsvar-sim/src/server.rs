//! The HTTP plumbing every simulator shares: a loopback listener, an accept loop that
//! owns its connections (so shutdown is immediate even while a `slow` request sleeps),
//! and a handle that stops the server on drop.

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

/// Put into a response's extensions to make the server drop the connection
/// without writing anything (the `reset` defects).
#[derive(Debug, Clone, Copy)]
pub struct ResetConnection;

/// Why a simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("failed to listen on `{addr}`: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to choose a simulator: {0}")]
    Selection(String),
    #[error("{0}")]
    Defect(String),
    #[error("failed to set up TLS: {0}")]
    Tls(String),
}

/// One simulator mounted on the listener: the target name a suite would use and its base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Suggested target name, e.g. `fhir`.
    pub target: &'static str,
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:41234/fhir`.
    pub base_url: String,
}

/// A running simulator server. Dropping it stops the server; `shutdown().await` stops it
/// and waits until the listener is closed.
#[derive(Debug)]
pub struct SimHandle {
    local_addr: SocketAddr,
    endpoints: Vec<Endpoint>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// The socket address actually bound (the real port when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://HOST:PORT` of the listener.
    pub fn origin(&self) -> String {
        origin_of(self.local_addr)
    }

    /// The base URL of the first mounted simulator (the only one for `FhirSim`).
    pub fn base_url(&self) -> &str {
        self.endpoints
            .first()
            .map(|e| e.base_url.as_str())
            .unwrap_or_default()
    }

    /// Every mounted simulator.
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// The base URL of the simulator serving `target` (e.g. `fhir`).
    pub fn endpoint(&self, target: &str) -> Option<&str> {
        self.endpoints
            .iter()
            .find(|e| e.target == target)
            .map(|e| e.base_url.as_str())
    }

    /// Stop accepting, drop every open connection and wait for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// `http://HOST:PORT`, using loopback when bound to an unspecified address.
pub fn origin_of(addr: SocketAddr) -> String {
    let ip = if addr.ip().is_unspecified() {
        match addr {
            SocketAddr::V4(_) => std::net::IpAddr::from([127, 0, 0, 1]),
            SocketAddr::V6(_) => std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
        }
    } else {
        addr.ip()
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

/// Bind `addr` and serve `router`. `mounts` lists (target, path prefix) pairs for the handle.
pub async fn serve(
    addr: &str,
    router: Router,
    mounts: &[(&'static str, &'static str)],
) -> Result<SimHandle, SimError> {
    serve_with(addr, router, mounts, None).await
}

/// Like [`serve`], over HTTPS with this rustls configuration (see [`crate::auth::tls`]).
pub async fn serve_tls(
    addr: &str,
    router: Router,
    mounts: &[(&'static str, &'static str)],
    tls: std::sync::Arc<tokio_rustls::rustls::ServerConfig>,
) -> Result<SimHandle, SimError> {
    serve_with(
        addr,
        router,
        mounts,
        Some(tokio_rustls::TlsAcceptor::from(tls)),
    )
    .await
}

async fn serve_with(
    addr: &str,
    router: Router,
    mounts: &[(&'static str, &'static str)],
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> Result<SimHandle, SimError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind {
            addr: addr.to_string(),
            source,
        })?;
    let local_addr = listener.local_addr().map_err(|source| SimError::Bind {
        addr: addr.to_string(),
        source,
    })?;
    let mut origin = origin_of(local_addr);
    if tls.is_some() {
        origin = origin.replacen("http://", "https://", 1);
    }
    let endpoints = mounts
        .iter()
        .map(|(target, prefix)| Endpoint {
            target,
            base_url: format!("{origin}{prefix}"),
        })
        .collect();
    let (stop_tx, stop_rx) = oneshot::channel();
    let task = tokio::spawn(accept_loop(listener, router, tls, stop_rx));
    Ok(SimHandle {
        local_addr,
        endpoints,
        stop: Some(stop_tx),
        task: Some(task),
    })
}

async fn accept_loop(
    listener: TcpListener,
    router: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut stop: oneshot::Receiver<()>,
) {
    // Connections live in this set: when the loop ends, dropping the set aborts them all,
    // including requests sleeping under the `slow` defect.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else {
                    // Transient accept errors (e.g. too many open files): back off briefly.
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let router = router.clone();
                match tls.clone() {
                    None => {
                        connections.spawn(serve_connection(stream, router, peer));
                    }
                    Some(acceptor) => {
                        connections.spawn(async move {
                            // A failed handshake (unknown client certificate, TLS < 1.2)
                            // just ends this connection.
                            if let Ok(stream) = acceptor.accept(stream).await {
                                serve_connection(stream, router, peer).await;
                            }
                        });
                    }
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection<S>(stream: S, router: Router, peer: SocketAddr)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let router = router.clone();
        async move {
            let mut req = req.map(Body::new);
            // The peer address, for handlers that record who called (the FHIR audit trail).
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            let response = router
                .oneshot(req)
                .await
                .unwrap_or_else(|never| match never {});
            if response.extensions().get::<ResetConnection>().is_some() {
                // An error from the service makes hyper close the connection unanswered.
                return Err(ResetRequested);
            }
            Ok::<_, ResetRequested>(response)
        }
    });
    let builder = auto::Builder::new(TokioExecutor::new());
    let _ = builder
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

#[derive(Debug, thiserror::Error)]
#[error("connection reset on purpose (reset defect)")]
struct ResetRequested;
