//! `samsvar packages install|list`: FHIR packages in the shared cache and `samsvar.lock`.

use crate::exit::Exit;
use clap::{Args, Subcommand};
use samsvar_fhir::package::{
    Cache, InstallEvent, InstallOptions, InstalledPackage, LOCK_FILE, Lock, PackageError,
    PackageSpec, Registries, install_all,
};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub enum PackagesCommand {
    /// Install packages (with their dependencies) into the cache and record them in samsvar.lock.
    Install(InstallArgs),
    /// List the packages in the cache, marking those in samsvar.lock.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Package cache folder [default: $SAMSVAR_FHIR_CACHE, $FHIR_PACKAGE_CACHE or ~/.fhir/packages].
    #[arg(long)]
    pub cache: Option<PathBuf>,
    /// Lock file to write or read.
    #[arg(long, default_value = LOCK_FILE)]
    pub lock: PathBuf,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// `ID@VERSION` (or `ID#VERSION`, `ID` for latest), a `.tgz` file or a package folder.
    #[arg(required = true, value_name = "ID@VER|PATH.tgz|DIR")]
    pub specs: Vec<String>,
    /// Registry base URL, tried in the given order (repeatable)
    /// [default: $SAMSVAR_FHIR_REGISTRIES or https://registry.npmjs.org].
    #[arg(long = "registry")]
    pub registries: Vec<String>,
    /// Install only the named packages, not their dependencies.
    #[arg(long)]
    pub no_deps: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run(cmd: PackagesCommand) -> anyhow::Result<Exit> {
    match cmd {
        PackagesCommand::Install(args) => install(args),
        PackagesCommand::List(args) => list(args),
    }
}

/// Package errors already carry their cause in the message; keep anyhow from repeating it.
fn flat(e: PackageError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

fn cache_of(common: &CommonArgs) -> Cache {
    match &common.cache {
        Some(dir) => Cache::new(dir),
        None => Cache::at_default_location(),
    }
}

fn install(args: InstallArgs) -> anyhow::Result<Exit> {
    let specs = args
        .specs
        .iter()
        .map(|s| PackageSpec::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(flat)?;
    let cache = cache_of(&args.common);
    let registries = if args.registries.is_empty() {
        Registries::from_env()
    } else {
        Registries::new(&args.registries)
    };
    // Read the lock first: a broken lock file should stop us before any download.
    let mut lock = Lock::load_or_default(&args.common.lock).map_err(flat)?;
    let options = InstallOptions {
        with_dependencies: !args.no_deps,
        progress: Some(Arc::new(print_event)),
        ..InstallOptions::default()
    };
    eprintln!(
        "installing into {} (registries: {})",
        cache.root().display(),
        registries.urls().join(", ")
    );
    let started = std::time::Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let outcome = runtime
        .block_on(install_all(&cache, &registries, &specs, &options))
        .map_err(flat)?;
    lock.merge(&outcome);
    lock.save(&args.common.lock).map_err(flat)?;
    for p in &outcome.packages {
        prepare_index(&p.package);
    }
    eprintln!(
        "installed {} package(s) in {:.1} s{}; lock written to {}",
        outcome.packages.len(),
        started.elapsed().as_secs_f64(),
        if outcome.missing.is_empty() {
            String::new()
        } else {
            format!(
                ", {} dependency(ies) not found (see warnings)",
                outcome.missing.len()
            )
        },
        args.common.lock.display()
    );
    Ok(Exit::Ok)
}

/// Writes the package's definitions index (`package/.index.json`, the format other FHIR
/// tools share) now, so the first `samsvar validate` reads one small file per package.
fn prepare_index(package: &InstalledPackage) {
    let dir = package.package_dir();
    if dir.join(".index.json").is_file() {
        return;
    }
    let started = std::time::Instant::now();
    match samsvar_fhir::definitions::index::load_or_build(&dir) {
        Ok(index) => eprintln!(
            "  indexed    {}@{}  {} resources in {} ms",
            package.id,
            package.version,
            index.files.len(),
            started.elapsed().as_millis()
        ),
        Err(e) => eprintln!(
            "  warning: failed to index {}@{}: {e}",
            package.id, package.version
        ),
    }
}

fn print_event(event: &InstallEvent) {
    match event {
        InstallEvent::Downloaded {
            id,
            version,
            url,
            bytes,
            verified,
            sha512,
        } => eprintln!(
            "  downloaded {id}@{version}  {}  {} ({})  from {url}",
            human_size(*bytes),
            verified.label(),
            short_digest(sha512)
        ),
        InstallEvent::Local {
            id,
            version,
            source,
            bytes,
            sha256,
        } => eprintln!(
            "  installed  {id}@{version}  {}  sha256 {}  from {source}",
            human_size(*bytes),
            short_digest(sha256)
        ),
        InstallEvent::Cached { id, version } => eprintln!("  cached     {id}@{version}"),
        InstallEvent::Warning { message } => eprintln!("  warning: {message}"),
    }
}

fn short_digest(d: &str) -> String {
    d.chars().take(23).collect::<String>() + "…"
}

fn human_size(bytes: u64) -> String {
    match bytes {
        0 => "-".to_string(),
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
    }
}

fn list(args: ListArgs) -> anyhow::Result<Exit> {
    let cache = cache_of(&args.common);
    let lock = if args.common.lock.exists() {
        Some(Lock::load(&args.common.lock).map_err(flat)?)
    } else {
        None
    };
    let installed = cache.list().map_err(flat)?;
    println!("cache: {}", cache.root().display());
    if installed.is_empty() {
        println!("(no packages)");
    }
    for p in &installed {
        let locked = lock
            .as_ref()
            .is_some_and(|l| l.get(&p.id, &p.version).is_some());
        println!(
            "{}{}#{}{}",
            if locked { "* " } else { "  " },
            p.id,
            p.version,
            p.manifest
                .title
                .as_deref()
                .map(|t| format!("  ({t})"))
                .unwrap_or_default()
        );
    }
    if let Some(lock) = &lock {
        println!("* = in {}", args.common.lock.display());
        for l in &lock.packages {
            if cache.installed(&l.id, &l.version).is_none() {
                println!(
                    "! {}#{}  locked but not in the cache (run `samsvar packages install`)",
                    l.id, l.version
                );
            }
        }
    }
    Ok(Exit::Ok)
}
