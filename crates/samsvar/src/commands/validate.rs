//! `samsvar validate <FILE|DIR>... [--profile CANONICAL] [--package ID@VER|PATH.tgz]... [--format text|json]`
//!
//! Exit 0 when every input is valid, 1 when any has an error, 2 when validation could not run.
//!
//! Packages come from the cache first: a `samsvar.lock` in the current folder (or `--lock`)
//! pins them, and with no registry reachable the cache's versions are used, so validation
//! works offline once the packages are installed.

use crate::exit::Exit;
use clap::{Args, ValueEnum};
use samsvar_fhir::package::{
    Cache, InstallOptions, LOCK_FILE, Lock, PackageSpec, Registries, install_all_blocking,
};
use samsvar_fhir::validator::collect_inputs;
use samsvar_fhir::{Definitions, Options, Validator, outcome};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The package that carries the FHIR R4 core definitions on the npm registry.
pub const R4_CORE: &str = "hl7.fhir.r4.examples@4.0.1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// JSON resource files, or folders of them.
    #[arg(required = true, value_name = "FILE|DIR")]
    pub inputs: Vec<PathBuf>,
    /// Validate against this profile (canonical URL) instead of meta.profile.
    #[arg(long)]
    pub profile: Option<String>,
    /// FHIR package with definitions: `ID@VERSION`, a `.tgz` or a package folder
    /// (repeatable; dependencies are installed too; R4 core is always added).
    #[arg(long = "package", value_name = "ID@VER|PATH.tgz")]
    pub packages: Vec<String>,
    /// Output: text (like the HL7 validator) or json (OperationOutcome; a Bundle of them for several inputs).
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Package cache folder [default: $SAMSVAR_FHIR_CACHE, $FHIR_PACKAGE_CACHE or ~/.fhir/packages].
    #[arg(long)]
    pub cache: Option<PathBuf>,
    /// Lock file pinning the packages [default: samsvar.lock in the current folder, when
    /// there is one]. With no `--package`, the packages it lists are the ones loaded.
    #[arg(long, value_name = "FILE")]
    pub lock: Option<PathBuf>,
    /// Skip FHIRPath invariants (faster; structure, types, slicing and bindings only).
    #[arg(long)]
    pub no_invariants: bool,
    /// Largest input file accepted, in MB.
    #[arg(long, default_value_t = 64)]
    pub max_size_mb: usize,
    /// Security checks: HTML tags in plain strings are errors (otherwise information).
    #[arg(long)]
    pub security_checks: bool,
}

pub fn run(args: ValidateArgs) -> anyhow::Result<Exit> {
    // `.xml` inputs are XDS.b metadata (docs/xds.md), not FHIR resources.
    if super::validate_xds::all_xml(&args.inputs) {
        return super::validate_xds::run(&args.inputs, args.format == Format::Json);
    }
    let cache = match &args.cache {
        Some(dir) => Cache::new(dir),
        None => Cache::at_default_location(),
    };
    let files = match collect_inputs(&args.inputs) {
        Ok(f) if !f.is_empty() => f,
        Ok(_) => {
            eprintln!("error: failed to find any .json file in the given inputs");
            return Ok(Exit::Usage);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Usage);
        }
    };
    let defs = match load_definitions(&cache, &args.packages, args.lock.as_deref()) {
        Ok(d) => Arc::new(d),
        Err(e) => {
            eprintln!("error: {e:#}");
            return Ok(Exit::Usage);
        }
    };
    if let Some(p) = &args.profile
        && let Err(e) = defs.structure(p)
    {
        eprintln!("error: failed to use profile {p}: {e}");
        return Ok(Exit::Usage);
    }
    let options = Options {
        invariants: !args.no_invariants,
        max_bytes: args.max_size_mb.saturating_mul(1024 * 1024),
        security_checks: args.security_checks,
    };
    let validator = Validator::with_options(defs, options);
    let reports = validator.validate_files(&files, args.profile.as_deref());
    let any_invalid = reports.iter().any(|(_, r)| !r.is_valid());
    match args.format {
        Format::Text => {
            for (path, report) in &reports {
                print!(
                    "{}",
                    outcome::render_text(&path.display().to_string(), report)
                );
            }
            let valid = reports.iter().filter(|(_, r)| r.is_valid()).count();
            println!("{} of {} input(s) valid", valid, reports.len());
        }
        Format::Json => {
            let value = if reports.len() == 1 {
                outcome::operation_outcome(&reports[0].1)
            } else {
                let named: Vec<(String, _)> = reports
                    .iter()
                    .map(|(p, r)| (p.display().to_string(), r.clone()))
                    .collect();
                outcome::outcome_bundle(&named)
            };
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
    }
    let problems = validator.invariant_problems();
    if !problems.is_empty() {
        let keys: Vec<&str> = problems.keys().map(String::as_str).collect();
        eprintln!(
            "note: {} invariant(s) could not be evaluated and were not checked: {}",
            keys.len(),
            keys.join(", ")
        );
    }
    Ok(if any_invalid { Exit::Failed } else { Exit::Ok })
}

/// Installs (or finds in the cache) the packages and loads their definitions, R4 core last.
pub(crate) fn load_definitions(
    cache: &Cache,
    packages: &[String],
    lock: Option<&Path>,
) -> anyhow::Result<Definitions> {
    load_definitions_listed(cache, packages, lock).map(|(defs, _)| defs)
}

/// The lock that pins package choices: `explicit` (which must exist), else `samsvar.lock`
/// in the current folder when there is one.
pub(crate) fn read_lock(explicit: Option<&Path>) -> anyhow::Result<Option<Lock>> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let here = PathBuf::from(LOCK_FILE);
            if !here.is_file() {
                return Ok(None);
            }
            here
        }
    };
    Lock::load(&path)
        .map(Some)
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// As [`load_definitions`], also naming every package loaded (dependencies included),
/// at its exact version, with the sha256 it was installed from.
pub(crate) fn load_definitions_listed(
    cache: &Cache,
    packages: &[String],
    lock: Option<&Path>,
) -> anyhow::Result<(Definitions, Vec<samsvar_evidence::model::PackageDigest>)> {
    let lock = read_lock(lock)?;
    let mut packages = packages.to_vec();
    if packages.is_empty()
        && let Some(lock) = &lock
    {
        // The project's packages: what was installed directly (dependencies follow).
        packages = lock
            .packages
            .iter()
            .filter(|p| p.required_by.is_empty())
            .map(|p| format!("{}@{}", p.id, p.version))
            .collect();
    }
    let options = InstallOptions {
        lock: lock.map(Arc::new),
        skip_unreachable_dependencies: true,
        ..InstallOptions::default()
    };
    let mut specs = Vec::new();
    for p in &packages {
        specs.push(
            PackageSpec::parse(p)
                .map_err(|e| anyhow::anyhow!("failed to read package spec {p}: {e}"))?,
        );
    }
    specs.push(PackageSpec::parse(R4_CORE).map_err(|e| anyhow::anyhow!("{e}"))?);
    let outcome = install_all_blocking(cache, &Registries::from_env(), &specs, &options)
        .map_err(|e| anyhow::anyhow!("failed to install FHIR packages: {e}"))?;
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }
    // What was loaded, under its own id: a package standing in for another (see the
    // installer's `substitute`) is recorded as itself.
    let listed = outcome
        .packages
        .iter()
        .map(|p| samsvar_evidence::model::PackageDigest {
            id: p.package.id.clone(),
            version: p.package.version.clone(),
            digest: p
                .sha256
                .as_ref()
                .or(p.package.sha256.as_ref())
                .map(|d| format!("sha256:{d}")),
        })
        .collect();
    let installed = outcome.installed();
    let dirs: Vec<PathBuf> = installed.into_iter().map(|p| p.dir).collect();
    let defs = Definitions::load(&dirs).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((defs, listed))
}
