//! `samsvar hub serve|worker|submit|user`: the event server and review desk
//! (crates/samsvar-hub). Exit 0 ok, 1 a bundle was refused, 2 the hub could not run.

use crate::exit::Exit;
use clap::{Args, Subcommand};
use samsvar_hub::{HubConfig, ServeOptions, WorkerConfig};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Subcommand)]
pub enum HubCommand {
    /// Serve the web UI and the JSON API (and, on SQLite, run the queued runs too).
    Serve(ServeArgs),
    /// Claim queued runs from a PostgreSQL hub database and run them.
    Worker(WorkerArgs),
    /// Upload a self-test evidence bundle; the hub verifies it against your registered keys.
    Submit(SubmitArgs),
    /// Create an account from the server's shell (the first organiser comes from here).
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8600")]
    pub addr: String,
    /// Database: sqlite://FILE or postgres://USER@HOST:PORT/DB.
    #[arg(long, env = "SAMSVAR_HUB_DB", default_value = "sqlite://hub.db")]
    pub db: String,
    /// Data folder (worker signing key, run working folders).
    #[arg(long, default_value = "hub-data")]
    pub data: PathBuf,
    /// Folder holding the suite folders an organiser may put in play.
    #[arg(long, default_value = "testsuites")]
    pub suites: PathBuf,
    /// Largest bundle upload, bytes.
    #[arg(long = "max-upload", default_value_t = 64 << 20)]
    pub max_upload: usize,
    /// Do not run queued runs in this process, even on SQLite.
    #[arg(long = "no-worker")]
    pub no_worker: bool,
    /// Mark cookies Secure (when a TLS proxy fronts the hub).
    #[arg(long = "secure-cookies")]
    pub secure_cookies: bool,
    #[command(flatten)]
    pub run: RunLimits,
}

#[derive(Debug, Args)]
pub struct RunLimits {
    /// Longest a run may take before it is stopped and finalized from its journal.
    #[arg(long = "run-timeout", default_value = "600s", value_parser = parse_seconds)]
    pub run_timeout: Duration,
    /// How long a worker's claim on a run lasts without a heartbeat.
    #[arg(long, default_value = "30s", value_parser = parse_seconds)]
    pub lease: Duration,
    /// Folder of per-system run configs: DIR/<system-id>.toml is passed to `samsvar run
    /// --config` (authentication for the system's endpoints; secrets stay out of the hub).
    #[arg(long = "secrets-dir")]
    pub secrets_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The hub's database (postgres://…; sqlite:// works for a single machine).
    #[arg(long, env = "SAMSVAR_HUB_DB")]
    pub db: String,
    /// Data folder (signing key, run working folders).
    #[arg(long, default_value = "hub-data")]
    pub data: PathBuf,
    /// Stop when the queue is empty.
    #[arg(long)]
    pub drain: bool,
    #[command(flatten)]
    pub run: RunLimits,
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The evidence bundle folder (holding evidence.json and evidence.jws).
    pub dir: PathBuf,
    /// The hub's base URL.
    #[arg(long)]
    pub hub: String,
    /// An API token (Accounts & keys → API token).
    #[arg(long, env = "SAMSVAR_HUB_TOKEN")]
    pub token: String,
    /// The system the bundle is for (default: your system matching the bundle's [sut]).
    #[arg(long)]
    pub system: Option<i64>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account; the password comes from SAMSVAR_HUB_PASSWORD.
    Add(UserAddArgs),
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    #[arg(long, env = "SAMSVAR_HUB_DB", default_value = "sqlite://hub.db")]
    pub db: String,
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: String,
    /// organiser, monitor, vendor or authority.
    #[arg(long, default_value = "organiser")]
    pub role: String,
    /// The vendor's organisation id.
    #[arg(long)]
    pub org: Option<i64>,
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (n, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = n
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 30s or 10m"))?;
    match unit {
        "" | "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "ms" => Ok(Duration::from_millis(n)),
        _ => Err(format!("`{s}` is not a duration like 30s or 10m")),
    }
}

pub fn run(cmd: HubCommand) -> anyhow::Result<Exit> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("failed to start the async runtime: {e}"))?;
    runtime.block_on(async move {
        match cmd {
            HubCommand::Serve(args) => serve(args).await,
            HubCommand::Worker(args) => worker(args).await,
            HubCommand::Submit(args) => submit(args).await,
            HubCommand::User(UserCommand::Add(args)) => add_user(args).await,
        }
    })
}

fn worker_config(data: &std::path::Path, limits: &RunLimits) -> anyhow::Result<WorkerConfig> {
    let exe = std::env::current_exe()
        .map_err(|e| anyhow::anyhow!("cannot find the samsvar binary: {e}"))?;
    let mut cfg = WorkerConfig::new(exe, data);
    cfg.run_timeout = limits.run_timeout;
    cfg.lease = limits.lease;
    cfg.secrets_dir = limits.secrets_dir.clone();
    Ok(cfg)
}

async fn serve(args: ServeArgs) -> anyhow::Result<Exit> {
    let addr = args
        .addr
        .parse()
        .map_err(|e| anyhow::anyhow!("--addr `{}`: {e}", args.addr))?;
    std::fs::create_dir_all(&args.data)?;
    let mut hub = HubConfig::new(args.data.clone());
    hub.suites_dir = args.suites.clone();
    hub.max_upload = args.max_upload;
    hub.secure_cookies = args.secure_cookies;
    let sqlite = args.db.starts_with("sqlite:");
    let embedded_worker = if sqlite && !args.no_worker {
        Some(worker_config(&args.data, &args.run)?)
    } else {
        None
    };
    samsvar_hub::serve(ServeOptions {
        addr,
        db_url: args.db,
        hub,
        embedded_worker,
    })
    .await?;
    Ok(Exit::Ok)
}

async fn worker(args: WorkerArgs) -> anyhow::Result<Exit> {
    std::fs::create_dir_all(&args.data)?;
    let mut cfg = worker_config(&args.data, &args.run)?;
    cfg.drain_and_exit = args.drain;
    samsvar_hub::work(&args.db, cfg).await?;
    Ok(Exit::Ok)
}

async fn submit(args: SubmitArgs) -> anyhow::Result<Exit> {
    match samsvar_hub::submit::submit(&args.dir, &args.hub, &args.token, args.system).await? {
        samsvar_hub::submit::SubmitOutcome::Accepted(body) => {
            println!(
                "accepted: {} (runs {})",
                body["reason"].as_str().unwrap_or("verified"),
                body["run_ids"]
            );
            Ok(Exit::Ok)
        }
        samsvar_hub::submit::SubmitOutcome::Refused(status, reason) => {
            eprintln!("refused ({status}): {reason}");
            Ok(Exit::Failed)
        }
    }
}

async fn add_user(args: UserAddArgs) -> anyhow::Result<Exit> {
    let password = std::env::var("SAMSVAR_HUB_PASSWORD")
        .map_err(|_| anyhow::anyhow!("set SAMSVAR_HUB_PASSWORD to the new account's password"))?;
    let db = samsvar_hub::Db::connect(&args.db).await?;
    let hub = samsvar_hub::Hub::new(db.clone(), HubConfig::new(PathBuf::from(".")));
    let id = samsvar_hub::service::accounts::create_user_unchecked(
        &hub,
        &args.email,
        &args.name,
        &password,
        &args.role,
        args.org,
    )
    .await?;
    println!("account {id}: {} ({})", args.email, args.role);
    db.close().await;
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_seconds("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_seconds("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_seconds("45"), Ok(Duration::from_secs(45)));
        assert!(parse_seconds("fast").is_err());
    }
}
