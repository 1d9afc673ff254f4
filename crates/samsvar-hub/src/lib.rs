//! samsvar hub: test events for organisers and a review desk for approval authorities.
//!
//! One web process (pages + JSON API under `/api/v1/`) over SQLite (default, embedded) or
//! PostgreSQL; a durable run queue in the database consumed by workers that run each
//! suite as a `samsvar run` child process; vendors' self-test bundles verified against
//! their registered keys; dossiers that verify offline. Design: docs/design/hub.md.

pub mod archive;
pub mod auth;
pub mod db;
pub mod error;
pub mod evidence_adapter;
pub mod run_exec;
pub mod service;
pub mod submit;
pub mod suite_adapter;
pub mod web;
pub mod worker;

pub use db::Db;
pub use error::{HubError, HubResult};
pub use service::{Hub, HubConfig};
pub use worker::WorkerConfig;

use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;

/// Options of `samsvar hub serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub addr: SocketAddr,
    pub db_url: String,
    pub hub: HubConfig,
    /// The worker loop the web process runs itself (SQLite); `None` on PostgreSQL, where
    /// `samsvar hub worker` processes do the runs.
    pub embedded_worker: Option<WorkerConfig>,
}

/// Serves until Ctrl-C or SIGTERM. Prints the address it listens on.
// `hub serve` and `hub worker` run until stopped: the status lines they print are their
// user interface, as the binary's are (the other library crates never print).
#[allow(clippy::print_stdout, clippy::print_stderr)]
pub async fn serve(options: ServeOptions) -> anyhow::Result<()> {
    let db = Db::connect(&options.db_url).await?;
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .map_err(|e| anyhow::anyhow!("failed to listen on {}: {e}", options.addr))?;
    let local = listener.local_addr()?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let worker = options.embedded_worker.map(|cfg| {
        let db = db.clone();
        let rx = stop_rx.clone();
        tokio::spawn(async move {
            if let Err(e) = worker::run_worker(db, cfg, rx).await {
                tracing::error!("embedded worker stopped: {e}");
                eprintln!("error: the embedded worker stopped: {e}");
            }
        })
    });
    let hub = Arc::new(Hub::new(db.clone(), options.hub));
    let app = web::router(hub);
    println!(
        "samsvar hub listening on http://{local} (database: {}, {})",
        db::dialect::redact_url(&options.db_url),
        if worker.is_some() {
            "runs in this process"
        } else {
            "runs by `samsvar hub worker`"
        }
    );
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    let _ = stop_tx.send(true);
    if let Some(handle) = worker {
        let _ = handle.await;
    }
    db.close().await;
    Ok(())
}

/// Runs a standalone worker until Ctrl-C or SIGTERM (or, draining, an empty queue).
// `hub serve` and `hub worker` run until stopped: the status lines they print are their
// user interface, as the binary's are (the other library crates never print).
#[allow(clippy::print_stdout, clippy::print_stderr)]
pub async fn work(db_url: &str, cfg: WorkerConfig) -> anyhow::Result<()> {
    let db = Db::connect(db_url).await?;
    let (stop_tx, stop_rx) = watch::channel(false);
    println!(
        "samsvar hub worker {} on {}",
        cfg.name,
        db::dialect::redact_url(db_url)
    );
    let handle = tokio::spawn(worker::run_worker(db.clone(), cfg, stop_rx));
    tokio::select! {
        result = handle => {
            result.map_err(|e| anyhow::anyhow!("worker task: {e}"))??;
        }
        () = shutdown_signal() => {
            let _ = stop_tx.send(true);
        }
    }
    db.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
