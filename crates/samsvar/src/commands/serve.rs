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
    let stop =
        stop_signals().map_err(|e| anyhow::anyhow!("failed to install the Ctrl-C handler: {e}"))?;
    let started = if args.require_auth || args.tls_dir.is_some() {
        start_secured(selection, &args).await
    } else {
        samsvar_sim::start_with(selection, &args.addr, &args.defects, &start_options(&args))
            .await
            .map_err(|e| e.to_string())
    };
    let handle = match started {
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
    stop.await;
    eprintln!("samsvar-sim stopping");
    handle.shutdown().await;
    Ok(Exit::Ok)
}

fn start_options(args: &ServeArgs) -> samsvar_sim::StartOptions {
    samsvar_sim::StartOptions {
        audit_push: args.audit_push.clone(),
    }
}

/// The simulators behind an authorization server and/or HTTPS.
async fn start_secured(
    selection: Selection,
    args: &ServeArgs,
) -> Result<samsvar_sim::SimHandle, String> {
    use samsvar_sim::auth::{
        AuthServer, AuthSettings, RegisteredClient, guarded, tls::TlsMaterial,
    };
    let (mut router, mounts) =
        samsvar_sim::routes_with(selection, &args.defects, &start_options(args))
            .map_err(|e| e.to_string())?;
    if args.require_auth {
        let secret = match &args.client_secret_env {
            Some(var) => Some(std::env::var(var).map_err(|_| {
                format!("failed to read the client secret: environment variable `{var}` is not set")
            })?),
            None => None,
        };
        let jwks = match &args.client_jwks {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("failed to read {}: {e}", path.display()))?;
                Some(
                    serde_json::from_str(&text)
                        .map_err(|e| format!("failed to read {} as a JWKS: {e}", path.display()))?,
                )
            }
            None => None,
        };
        if secret.is_none() && jwks.is_none() {
            return Err(
                "--require-auth needs --client-secret-env VAR or --client-jwks FILE".into(),
            );
        }
        let auth = AuthServer::new(AuthSettings {
            clients: vec![RegisteredClient {
                client_id: args.client_id.clone(),
                secret,
                jwks,
                allowed_scopes: args.scope.split_whitespace().map(str::to_string).collect(),
            }],
            require_dpop: args.dpop,
            require_dpop_nonce: args.dpop_nonce,
            tls: args.tls_dir.is_some(),
            ..AuthSettings::default()
        });
        router = guarded(router, &auth, samsvar_sim::fhir::MOUNT);
        eprintln!(
            "samsvar-sim authorization server: token endpoint /auth/token, client `{}`",
            args.client_id
        );
    }
    match &args.tls_dir {
        None => samsvar_sim::serve(&args.addr, router, &mounts)
            .await
            .map_err(|e| e.to_string()),
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("failed to create {}: {e}", dir.display()))?;
            let material =
                TlsMaterial::generate("samsvar simulator CA").map_err(|e| e.to_string())?;
            let files = material
                .write_client_files(dir)
                .map_err(|e| e.to_string())?;
            let config = material
                .server_config(args.mtls)
                .map_err(|e| e.to_string())?;
            eprintln!(
                "samsvar-sim TLS: trust {} ; client certificate {} with key {}{}",
                files.ca_cert.display(),
                files.client_cert.display(),
                files.client_key.display(),
                if args.mtls { " (required)" } else { "" }
            );
            samsvar_sim::serve_tls(&args.addr, router, &mounts, config)
                .await
                .map_err(|e| e.to_string())
        }
    }
}

/// Ctrl-C everywhere; SIGTERM too on Unix (containers and process managers send it).
///
/// The handlers are registered when this is called, not when the returned future is
/// first polled: `run` calls it before it starts the servers, so a signal sent as soon as
/// "press Ctrl-C" is printed is caught. Registered later, such a signal met the default
/// action and the process died by the signal instead of stopping and exiting 0.
#[cfg(unix)]
fn stop_signals() -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

#[cfg(windows)]
fn stop_signals() -> std::io::Result<impl Future<Output = ()>> {
    let mut ctrl_c = tokio::signal::windows::ctrl_c()?;
    Ok(async move {
        ctrl_c.recv().await;
    })
}
