//! `samsvar serve`: run reference simulators on loopback until Ctrl-C.

use crate::cli::ServeArgs;
use crate::exit::Exit;
use samsvar_sim::Selection;

pub fn serve(args: ServeArgs) -> anyhow::Result<Exit> {
    let selection: Selection = match args.sim.parse() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Usage);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("failed to start the async runtime: {e}"))?;
    runtime.block_on(run(selection, args))
}

async fn run(selection: Selection, args: ServeArgs) -> anyhow::Result<Exit> {
    let handle = match samsvar_sim::start(selection, &args.addr, &args.defects).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Usage);
        }
    };
    if !handle.local_addr().ip().is_loopback() {
        eprintln!(
            "warning: listening on {}, reachable beyond this machine; the simulator has no authentication",
            handle.local_addr()
        );
    }
    for endpoint in handle.endpoints() {
        eprintln!(
            "samsvar-sim {} listening on {}",
            endpoint.target, endpoint.base_url
        );
    }
    if args.defects.is_empty() {
        eprintln!("samsvar-sim defects: none");
    } else {
        eprintln!("samsvar-sim defects: {}", args.defects.join(", "));
    }
    eprintln!("press Ctrl-C to stop");
    wait_for_stop_signal().await;
    eprintln!("samsvar-sim stopping");
    handle.shutdown().await;
    Ok(Exit::Ok)
}

/// Ctrl-C everywhere; SIGTERM too on Unix (containers and process managers send it).
async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
