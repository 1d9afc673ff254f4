//! `samsvar serve`: run reference simulators on loopback until Ctrl-C.

use crate::cli::ServeArgs;
use crate::commands::serve_record::Sessions;
use crate::commands::signer::load_signer;
use crate::exit::Exit;
use samsvar_record::Redactor;
use samsvar_sim::Selection;
use samsvar_sim::recording::{RecordFeed, Recorded};

/// A line on stderr that may fail: a simulator keeps serving when whoever read its log
/// (a pipe, `| head`, a test harness) has gone away, where `eprintln!` would panic.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub fn serve(args: ServeArgs) -> anyhow::Result<Exit> {
    let selection: Selection = match args.sim.parse() {
        Ok(s) => s,
        Err(e) => {
            note!("error: {e}");
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
    // `--record`: the signing key is read before anything starts, like `run --sign-key`.
    let signer = match load_signer(args.sign_key.as_deref(), args.sign_cert.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            note!("error: {e:#}");
            return Ok(Exit::Usage);
        }
    };
    let redactor = Redactor::new();
    let (record, mut inbox) = match &args.record {
        Some(_) => {
            let (feed, inbox) = tokio::sync::mpsc::unbounded_channel::<Recorded>();
            (Some((feed, redactor.clone())), Some(inbox))
        }
        None => (None, None),
    };
    let started = if args.require_auth || args.tls_dir.is_some() || record.is_some() {
        start_secured(selection, &args, record).await
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
            note!("error: {e}");
            return Ok(Exit::Usage);
        }
    };
    if !handle.local_addr().ip().is_loopback() {
        note!(
            "warning: listening on {}, reachable beyond this machine; the simulator has no authentication",
            handle.local_addr()
        );
    }
    for endpoint in handle.endpoints() {
        note!(
            "samsvar-sim {} listening on {}",
            endpoint.target,
            endpoint.base_url
        );
    }
    if args.defects.is_empty() {
        note!("samsvar-sim defects: none");
    } else {
        note!("samsvar-sim defects: {}", args.defects.join(", "));
    }
    let mut sessions = args.record.as_ref().map(|dir| {
        note!(
            "samsvar-sim recording every exchange into {} (one bundle per client; name a client with a path prefix: {}/clients/NAME/…)",
            dir.display(),
            handle.origin().replacen(
                "http://",
                if args.tls_dir.is_some() { "https://" } else { "http://" },
                1
            )
        );
        Sessions::new(dir, redactor.clone(), signer, handle.endpoints())
    });
    note!("press Ctrl-C to stop");
    match (&mut sessions, &mut inbox) {
        (Some(sessions), Some(inbox)) => {
            tokio::pin!(stop);
            loop {
                tokio::select! {
                    () = &mut stop => break,
                    Some(recorded) = inbox.recv() => {
                        for line in sessions.on_exchange(recorded) {
                            note!("{line}");
                        }
                    }
                }
            }
        }
        _ => stop.await,
    }
    note!("samsvar-sim stopping");
    handle.shutdown().await;
    let (Some(mut sessions), Some(mut inbox)) = (sessions, inbox) else {
        return Ok(Exit::Ok);
    };
    // Exchanges that were answered while serve was stopping.
    while let Ok(recorded) = inbox.try_recv() {
        for line in sessions.on_exchange(recorded) {
            note!("{line}");
        }
    }
    let (lines, ok) = sessions.finish();
    for line in lines {
        note!("{line}");
    }
    Ok(if ok { Exit::Ok } else { Exit::Usage })
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

/// The simulators behind an authorization server and/or HTTPS, and/or recorded
/// (`record`: where exchanges go, and the redactor they are recorded through).
async fn start_secured(
    selection: Selection,
    args: &ServeArgs,
    record: Option<(RecordFeed, Redactor)>,
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
        if let (Some(secret), Some((_, redactor))) = (&secret, &record) {
            redactor.register(secret);
        }
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
            note!(
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
        note!(
            "samsvar-sim authorization server: token endpoint /auth/token, client `{}`",
            args.client_id
        );
    }
    if let Some((feed, redactor)) = record {
        router = samsvar_sim::recording::record(
            router,
            samsvar_sim::recording::Recording {
                feed,
                redactor,
                mounts: mounts.clone(),
                transport: if args.tls_dir.is_some() {
                    "https"
                } else {
                    "http"
                },
            },
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
            note!(
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
