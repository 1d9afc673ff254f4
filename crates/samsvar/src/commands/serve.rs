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
        match start_options(&args) {
            Ok(options) => samsvar_sim::start_with(selection, &args.addr, &args.defects, &options)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        }
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

fn start_options(args: &ServeArgs) -> Result<samsvar_sim::StartOptions, String> {
    use samsvar_sim::fhir::AuditPush;
    let audit_push = match (
        &args.audit_push,
        &args.audit_push_syslog,
        &args.audit_push_ca,
    ) {
        (Some(url), _, _) => Some(AuditPush::Fhir(url.clone())),
        (None, Some(addr), Some(ca)) => {
            let ca_pem = std::fs::read_to_string(ca)
                .map_err(|e| format!("failed to read the CA certificate {}: {e}", ca.display()))?;
            Some(AuditPush::Syslog {
                addr: addr.clone(),
                ca_pem,
            })
        }
        _ => None,
    };
    Ok(samsvar_sim::StartOptions { audit_push })
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
        samsvar_sim::routes_with(selection, &args.defects, &start_options(args)?)
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
        let mut clients = vec![RegisteredClient {
            client_id: args.client_id.clone(),
            secret: secret.clone(),
            jwks: jwks.clone(),
            allowed_scopes: args.scope.split_whitespace().map(str::to_string).collect(),
            patient: None,
        }];
        for spec in &args.patient_client {
            let (id, patient) = patient_client(spec)?;
            if clients.iter().any(|c| c.client_id == id) {
                return Err(format!(
                    "--patient-client {spec}: client `{id}` is registered already"
                ));
            }
            eprintln!(
                "samsvar-sim authorization server: patient client `{id}` acts for Patient/{patient}"
            );
            clients.push(RegisteredClient {
                client_id: id,
                secret: secret.clone(),
                jwks: jwks.clone(),
                allowed_scopes: vec!["patient/*.rs".to_string()],
                patient: Some(patient),
            });
        }
        let auth = AuthServer::new(AuthSettings {
            clients,
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

/// `ID=PATIENT_ID` of `--patient-client`.
fn patient_client(spec: &str) -> Result<(String, String), String> {
    let (id, patient) = spec.split_once('=').unwrap_or((spec, ""));
    let patient = patient.strip_prefix("Patient/").unwrap_or(patient);
    let valid_id = |p: &str| {
        (1..=64).contains(&p.len())
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    };
    if id.is_empty() || !valid_id(patient) {
        return Err(format!(
            "--patient-client `{spec}`: expected ID=PATIENT_ID, e.g. `person-app=pas-01` (a FHIR id: 1-64 of A-Z a-z 0-9 - .)"
        ));
    }
    Ok((id.to_string(), patient.to_string()))
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

#[cfg(test)]
mod tests {
    use super::patient_client;

    #[test]
    fn patient_client_specs() {
        assert_eq!(
            patient_client("app=p-1").unwrap(),
            ("app".to_string(), "p-1".to_string())
        );
        assert_eq!(
            patient_client("app=Patient/p-1").unwrap(),
            ("app".to_string(), "p-1".to_string())
        );
        for bad in ["app", "app=", "=p1", "app=a/b", "app=a b"] {
            assert!(patient_client(bad).is_err(), "{bad}");
        }
    }
}
