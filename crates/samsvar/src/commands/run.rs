//! `samsvar run`: load suites, bind targets (or start the simulators), run, report.
//!
//! Exit 0 when every required test passed, 1 when one failed or errored, 2 when samsvar
//! could not run (bad suite, bad config, unbound target, usage error).

use crate::cli::RunArgs;
use crate::config::{self, Config};
use crate::exit::Exit;
use crate::report::terminal::TerminalReporter;
use samsvar_record::{Fanout, RunRecord};
use samsvar_runner::{Bindings, RunOptions, Runner, TargetBinding, default_jobs, new_run_id};
use samsvar_suite::Loaded;
use samsvar_suite::model::TargetKind;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Reporters `--format` accepts.
const FORMATS: &[&str] = &["terminal", "json", "junit", "html"];

/// A problem with samsvar's own inputs: printed, then exit 2.
struct UsageError(String);

impl From<String> for UsageError {
    fn from(s: String) -> Self {
        UsageError(s)
    }
}

impl From<&str> for UsageError {
    fn from(s: &str) -> Self {
        UsageError(s.to_string())
    }
}

pub fn run(args: RunArgs) -> anyhow::Result<Exit> {
    // One thread: the tests of a suite are polled together in one task (the runner's
    // `--jobs` is concurrency, not parallelism), so worker threads added only the cost of
    // waking them for every response (a fifth of a short run's time).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("failed to start the async runtime: {e}"))?;
    match runtime.block_on(run_async(args)) {
        Ok(exit) => Ok(exit),
        Err(UsageError(message)) => {
            eprintln!("{}", message.trim_end());
            Ok(Exit::Usage)
        }
    }
}

async fn run_async(args: RunArgs) -> Result<Exit, UsageError> {
    let formats = check_formats(&args.format)?;
    let (config, _config_path) =
        config::load(args.config.as_deref()).map_err(|e| format!("error: {e}"))?;
    let mut suites = load_suites(&args.suites)?;
    let selection =
        samsvar_suite::select(&mut suites, &args.tests).map_err(|e| format!("error: {e}"))?;

    let mut bindings = Bindings::default();
    let mut sim_named: Vec<String> = Vec::new();
    let mut bare_sim = false;
    let mut url_flags: Vec<&str> = Vec::new();
    for flag in &args.targets {
        match SimFlag::parse(flag) {
            Some(SimFlag::All) => bare_sim = true,
            Some(SimFlag::Named(name)) => sim_named.push(name.to_string()),
            None => url_flags.push(flag),
        }
    }
    let wants_sim = bare_sim || !sim_named.is_empty();
    if !args.sim_defects.is_empty() && !wants_sim {
        return Err("error: --sim-defect needs --target sim (defects switch on misbehaviours of the built-in simulator)".into());
    }
    for (name, t) in &config.targets {
        bind(&mut bindings, name, &t.url, false);
        if t.auth != samsvar_auth::AuthConfig::None || t.tls != samsvar_auth::TlsConfig::default() {
            let security = samsvar_runner::TargetSecurity {
                auth: t.auth.clone(),
                tls: t.tls.clone(),
            };
            bindings.security.insert(name.clone(), security);
        }
    }
    for t in url_flags {
        bind_flag(&mut bindings, &suites, t)?;
    }
    // Both kept alive until the run ends; dropping them stops the servers. The repository
    // starts first, so that the simulated system can push its audit trail to it.
    let listen = RepositoryListen {
        fhir: &args.audit_repository,
        syslog: &args.audit_syslog,
    };
    let (arr, inbox) =
        match start_audit_repository(&mut bindings, &suites, &sim_named, listen).await? {
            Some((arr, inbox)) => (Some(arr), Some(inbox)),
            None => (None, None),
        };
    let audit_push = match (&arr, args.sim_audit_push) {
        (None, _) => None,
        (Some(a), crate::cli::AuditTransport::Fhir) => {
            Some(samsvar_sim::fhir::AuditPush::Fhir(a.base_url().to_string()))
        }
        (Some(a), crate::cli::AuditTransport::Syslog) => match (a.syslog_addr(), a.ca_pem()) {
            (Some(addr), Some(ca)) => Some(samsvar_sim::fhir::AuditPush::Syslog {
                addr: addr.to_string(),
                ca_pem: ca.to_string(),
            }),
            _ => {
                return Err("error: --sim-audit-push syslog needs the repository's syslog listener (not `--audit-syslog off`)".into());
            }
        },
    };
    let _sim = if wants_sim {
        let scope = SimScope {
            unbound: bare_sim,
            named: &sim_named,
        };
        Some(start_simulators(&mut bindings, &suites, &args.sim_defects, scope, audit_push).await?)
    } else {
        None
    };
    check_targets(&bindings, &suites)?;
    bindings.inputs = merge_inputs(&config, &suites, &args.inputs)?;
    let missing = bindings.missing_inputs(&suites);
    if !missing.is_empty() {
        let list = missing.join(", ");
        return Err(format!(
            "error: failed to start the run: input(s) {list} have no value and no default\n  set them with `-i NAME=VALUE`, the environment (SAMSVAR_INPUT_<NAME>) or [inputs] in samsvar.toml"
        )
        .into());
    }

    let mut options = run_options(&args, &config)?;
    options.selection = selection;
    let mut validated_with = Vec::new();
    let declared = crate::commands::profiles::declared(&suites);
    if crate::commands::profiles::needed(&suites) || !declared.is_empty() {
        let mut wanted = args.packages.clone();
        for (spec, _) in &declared {
            if !wanted.contains(spec) {
                wanted.push(spec.clone());
            }
        }
        let (validator, packages) =
            crate::commands::profiles::load(wanted).map_err(|e| {
                let named: Vec<String> = declared
                    .iter()
                    .map(|(spec, suite)| format!("{spec} (suite {suite})"))
                    .collect();
                let hint = if named.is_empty() {
                    String::new()
                } else {
                    format!("\n  the suites declare: {}\n  hint: `samsvar packages install` them once; runs then use the cache and samsvar.lock, offline", named.join(", "))
                };
                format!("error: `conforms_to` needs FHIR definitions: {e}{hint}")
            })?;
        options.profile_validator = Some(validator);
        validated_with = packages;
    }
    let out_dir = args.out.join(&options.run_id);
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("error: failed to create {}: {e}", out_dir.display()))?;
    if let Some(arr) = &arr {
        announce_syslog(arr, &out_dir)?;
    }

    // Evidence: journal while running, bundle at the end (commands/evidence.rs).
    // The run's one redactor: the runner feeds it (config secrets, secret inputs, every
    // credential obtained) and the journal and bundle scrub through it.
    let evidence = crate::commands::evidence::EvidenceHook::prepare(
        &args,
        &config,
        &options.redactor,
        &out_dir,
        formats.contains("html"),
        validated_with,
    )?;
    let mut sinks = Fanout::new();
    sinks.add(evidence.sink());
    let terminal = formats
        .contains("terminal")
        .then(|| Arc::new(TerminalReporter::detect()));
    if let Some(t) = &terminal {
        sinks.add(Arc::clone(t));
    }
    let mut runner = Runner::new(options);
    if let Some(inbox) = inbox {
        runner = runner.with_inbox(inbox);
    }
    let record = runner
        .run(&suites, &bindings, &sinks)
        .await
        .map_err(|e| format!("error: {e}"))?;
    if let Some(t) = &terminal {
        t.print_final_report(&record, &out_dir);
    }
    if let Some(line) = received_line(&record) {
        eprintln!("{line}");
    }

    let written = write_outputs(&record, &out_dir, &formats)?;
    let evidence_line = evidence.finish(&record)?;
    let mut closing = String::from("\n");
    for path in written {
        closing.push_str(&format!("report: {}\n", path.display()));
    }
    // report.html is written with the evidence bundle (commands/evidence.rs).
    let html = out_dir.join("report.html");
    if formats.contains("html") && html.is_file() {
        closing.push_str(&format!("report: {}\n", html.display()));
    }
    closing.push_str(&format!("{evidence_line}\n"));
    crate::report::stdout(&closing);
    Ok(if record.outcome.is_failure() {
        Exit::Failed
    } else {
        Exit::Ok
    })
}

fn check_formats(formats: &[String]) -> Result<BTreeSet<String>, UsageError> {
    let mut out = BTreeSet::new();
    for f in formats {
        let f = f.trim().to_ascii_lowercase();
        if f.is_empty() {
            continue;
        }
        if !FORMATS.contains(&f.as_str()) {
            let hint = samsvar_diagnostics::did_you_mean(&f, FORMATS.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return Err(format!(
                "error: unknown --format `{f}`{hint}; choose from {}",
                FORMATS.join(", ")
            )
            .into());
        }
        out.insert(f);
    }
    Ok(out)
}

/// Loads every suite; on any error renders every diagnostic of every suite.
fn load_suites(paths: &[PathBuf]) -> Result<Vec<Loaded>, UsageError> {
    let mut loaded = Vec::new();
    let mut rendered = String::new();
    for p in paths {
        match samsvar_suite::load(p) {
            Ok(l) => {
                if !l.warnings.is_empty() {
                    eprint!(
                        "{}",
                        samsvar_diagnostics::render_all(&l.sources, &l.warnings)
                    );
                }
                loaded.push(l);
            }
            Err(e) => rendered.push_str(&e.render()),
        }
    }
    if !rendered.is_empty() {
        rendered.push_str("error: failed to load the suites; nothing was run\n");
        return Err(rendered.into());
    }
    let mut ids = BTreeSet::new();
    for l in &loaded {
        if !ids.insert(l.suite.meta.id.value.clone()) {
            return Err(format!(
                "error: suite id `{}` is given twice; each suite runs once per run",
                l.suite.meta.id.value
            )
            .into());
        }
    }
    Ok(loaded)
}

fn bind(bindings: &mut Bindings, name: &str, url: &str, simulated: bool) {
    bindings.targets.insert(
        name.to_string(),
        TargetBinding {
            url: url.trim_end_matches('/').to_string(),
            simulated,
        },
    );
}

/// `--target NAME=URL` or a bare `--target URL` (binds the only target the suites need).
fn bind_flag(bindings: &mut Bindings, suites: &[Loaded], flag: &str) -> Result<(), UsageError> {
    let flag = flag.trim();
    let (name, url) = match flag.split_once('=') {
        Some((n, u)) if !n.contains("://") => (n.trim().to_string(), u.trim()),
        _ => {
            let needed = needed_targets(suites);
            match needed.as_slice() {
                [only] => (only.clone(), flag),
                [] => return Err("error: --target: the suites need no target".into()),
                many => {
                    return Err(format!(
                        "error: a bare --target binds the only target a run needs, but these suites need {}\n  bind each with --target NAME=URL",
                        many.join(", ")
                    )
                    .into());
                }
            }
        }
    };
    let parsed = url::Url::parse(url)
        .map_err(|e| format!("error: --target {flag}: `{url}` is not a URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(
            format!("error: --target {flag}: only http and https URLs are supported").into(),
        );
    }
    bind(bindings, &name, url, false);
    Ok(())
}

fn needed_targets(suites: &[Loaded]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in suites {
        for name in s.suite.targets.keys() {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
    }
    out
}

/// A `--target` flag that asks for the simulators rather than binding a URL.
enum SimFlag<'a> {
    /// `sim`: every target nothing else binds.
    All,
    /// `NAME=sim`: that one target, whatever else is bound.
    Named(&'a str),
}

impl<'a> SimFlag<'a> {
    fn parse(flag: &'a str) -> Option<Self> {
        let flag = flag.trim();
        if flag == "sim" {
            return Some(SimFlag::All);
        }
        match flag.split_once('=') {
            Some((name, value)) if value.trim() == "sim" => Some(SimFlag::Named(name.trim())),
            _ => None,
        }
    }
}

/// Which targets `--target sim` / `--target NAME=sim` put on the simulators.
struct SimScope<'a> {
    /// Every target still unbound (a bare `--target sim`).
    unbound: bool,
    /// These, even an `audit-repository` target samsvar would otherwise serve itself.
    named: &'a [String],
}

/// One line on what the services of the run received (they are in the record and the
/// report), or `None` when nothing arrived.
fn received_line(record: &samsvar_record::RunRecord) -> Option<String> {
    if record.received.is_empty() {
        return None;
    }
    let mut by_transport: std::collections::BTreeMap<&str, usize> = Default::default();
    for m in &record.received {
        *by_transport.entry(m.transport.as_str()).or_default() += 1;
    }
    let with_findings = record
        .received
        .iter()
        .filter(|m| !m.findings.is_empty())
        .count();
    let parts: Vec<String> = by_transport
        .iter()
        .map(|(t, n)| format!("{n} over {t}"))
        .collect();
    Some(format!(
        "audit record repository: received {} message(s) ({}), {with_findings} with findings; each is in the evidence (report.html, \"Received by samsvar\")",
        record.received.len(),
        parts.join(", ")
    ))
}

/// Where the repository samsvar serves listens: FHIR (HTTP) and syslog over TLS.
#[derive(Clone, Copy)]
struct RepositoryListen<'a> {
    fhir: &'a str,
    syslog: &'a str,
}

/// Serves an Audit Record Repository for the run when a suite has an `audit-repository`
/// target that nothing else binds: the system under test sends its audit records there
/// (FHIR or syslog over TLS), every message is recorded as evidence through the runner's
/// inbox, and the suite searches what arrived (docs/balp.md, docs/audit-repository.md).
async fn start_audit_repository(
    bindings: &mut Bindings,
    suites: &[Loaded],
    sim_named: &[String],
    listen: RepositoryListen<'_>,
) -> Result<Option<(samsvar_sim::arr::Arr, samsvar_runner::Inbox)>, UsageError> {
    let mut wanted: Vec<&str> = Vec::new();
    for s in suites {
        for (name, decl) in &s.suite.targets {
            let free = !bindings.targets.contains_key(name) && !sim_named.contains(name);
            if decl.kind == TargetKind::AuditRepository && free && !wanted.contains(&name.as_str())
            {
                wanted.push(name);
            }
        }
    }
    if wanted.is_empty() {
        return Ok(None);
    }
    let (feed, inbox) = tokio::sync::mpsc::unbounded_channel();
    let options = samsvar_sim::arr::ArrOptions {
        listen: listen.fhir.to_string(),
        syslog: (listen.syslog != "off").then(|| listen.syslog.to_string()),
        target: wanted.join(","),
        feed: Some(feed),
    };
    let arr = samsvar_sim::arr::Arr::start(options).await.map_err(|e| {
        format!(
            "error: failed to start the audit record repository ({} / syslog {}): {e}",
            listen.fhir, listen.syslog
        )
    })?;
    let url = arr.base_url().to_string();
    for name in wanted {
        bind(bindings, name, &url, false);
        eprintln!(
            "audit record repository: samsvar serves `{name}` at {url} for this run; point the system's audit feed there (POST {url}/AuditEvent, or a batch Bundle to {url})"
        );
    }
    Ok(Some((arr, inbox)))
}

/// Writes the CA of the repository's syslog certificate into the run's folder and says
/// where syslog over TLS listens.
fn announce_syslog(arr: &samsvar_sim::arr::Arr, out_dir: &Path) -> Result<(), UsageError> {
    let (Some(addr), Some(ca)) = (arr.syslog_addr(), arr.ca_pem()) else {
        return Ok(());
    };
    let path = out_dir.join(AUDIT_REPOSITORY_CA);
    std::fs::write(&path, ca)
        .map_err(|e| format!("error: failed to write {}: {e}", path.display()))?;
    eprintln!(
        "audit record repository: syslog over TLS (RFC 5425, ATNA ITI-20) at {addr}; the sender trusts the CA in {}",
        path.display()
    );
    Ok(())
}

/// The CA certificate of the repository's syslog listener, in the run's folder (and so in
/// its evidence: the certificate the repository presented).
pub const AUDIT_REPOSITORY_CA: &str = "audit-repository-ca.pem";

/// Starts the built-in simulators on an ephemeral loopback port and binds the targets of
/// `scope` (by name, else by kind) to one of them. With `audit_push`, the FHIR simulator
/// sends every AuditEvent it records to that repository.
async fn start_simulators(
    bindings: &mut Bindings,
    suites: &[Loaded],
    defects: &[String],
    scope: SimScope<'_>,
    audit_push: Option<samsvar_sim::fhir::AuditPush>,
) -> Result<samsvar_sim::SimHandle, UsageError> {
    let options = samsvar_sim::StartOptions { audit_push };
    let handle = samsvar_sim::start_with(
        samsvar_sim::Selection::All,
        "127.0.0.1:0",
        defects,
        &options,
    )
    .await
    .map_err(|e| format!("error: failed to start the built-in simulator: {e}"))?;
    for s in suites {
        for (name, decl) in &s.suite.targets {
            let named = scope.named.contains(name);
            // An optional target is bound only when asked by name (`NAME=sim`): a bare
            // `--target sim` leaves it, and the tests that use it are skipped.
            let by_bare_sim = scope.unbound && !decl.optional;
            if bindings.targets.contains_key(name) || !(by_bare_sim || named) {
                continue;
            }
            let by_kind = match decl.kind {
                TargetKind::Fhir | TargetKind::Http => "fhir",
                TargetKind::XdsRegistry => "xds-registry",
                TargetKind::XdsRepository => "xds-repository",
                // `NAME=sim`: the simulated FHIR server keeps its own audit trail and
                // answers `AuditEvent` searches, so it is the repository searched.
                TargetKind::AuditRepository => "fhir",
            };
            let endpoint = handle
                .endpoints()
                .iter()
                .find(|e| e.target == name.as_str())
                .or_else(|| handle.endpoints().iter().find(|e| e.target == by_kind));
            if let Some(e) = endpoint {
                bind(bindings, name, &e.base_url, true);
            }
        }
    }
    Ok(handle)
}

fn check_targets(bindings: &Bindings, suites: &[Loaded]) -> Result<(), UsageError> {
    let unbound = bindings.unbound_targets(suites);
    if unbound.is_empty() {
        return Ok(());
    }
    let mut msg = format!(
        "error: failed to start the run: target(s) {} are not bound\n",
        unbound
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    msg.push_str("  the suites need these targets:\n");
    for s in suites {
        for (name, decl) in &s.suite.targets {
            let state = match bindings.targets.get(name) {
                Some(b) => format!("bound to {}", b.url),
                None => "not bound".to_string(),
            };
            let about = decl
                .description
                .as_deref()
                .map(|d| format!(" — {d}"))
                .unwrap_or_default();
            msg.push_str(&format!(
                "    {name} ({}, suite {}): {state}{about}\n",
                kind_name(decl.kind),
                s.suite.meta.id.value
            ));
        }
    }
    msg.push_str("  bind with --target NAME=URL (a bare --target URL when only one is needed), [targets.NAME] url = \"…\" in samsvar.toml, or --target sim for the built-in simulators\n");
    Err(msg.into())
}

fn kind_name(kind: TargetKind) -> &'static str {
    match kind {
        TargetKind::Fhir => "fhir",
        TargetKind::XdsRegistry => "xds-registry",
        TargetKind::XdsRepository => "xds-repository",
        TargetKind::Http => "http",
        TargetKind::AuditRepository => "audit-repository",
    }
}

/// Suite defaults < samsvar.toml < SAMSVAR_INPUT_<NAME> < `-i NAME=VALUE`.
/// (Suite defaults are applied by the runner; this returns the overrides.)
fn merge_inputs(
    config: &Config,
    suites: &[Loaded],
    flags: &[String],
) -> Result<indexmap::IndexMap<String, String>, UsageError> {
    let declared: Vec<&str> = suites
        .iter()
        .flat_map(|s| s.suite.inputs.keys().map(String::as_str))
        .collect();
    let unknown = |name: &str, from: &str| -> UsageError {
        let hint = samsvar_diagnostics::did_you_mean(name, declared.iter().copied())
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        let known = if declared.is_empty() {
            "the suites declare no inputs".to_string()
        } else {
            format!("declared inputs: {}", declared.join(", "))
        };
        format!("error: {from} sets input `{name}`{hint}, which no suite declares; {known}").into()
    };
    let mut out = indexmap::IndexMap::new();
    for (name, value) in &config.inputs {
        if !declared.contains(&name.as_str()) {
            return Err(unknown(name, "samsvar.toml"));
        }
        out.insert(name.clone(), value.as_text());
    }
    for name in &declared {
        if let Ok(v) = std::env::var(env_name(name)) {
            out.insert(name.to_string(), v);
        }
    }
    for flag in flags {
        let Some((name, value)) = flag.split_once('=') else {
            return Err(format!("error: -i {flag}: write inputs as NAME=VALUE").into());
        };
        let name = name.trim();
        if !declared.contains(&name) {
            return Err(unknown(name, "-i"));
        }
        out.insert(name.to_string(), value.to_string());
    }
    Ok(out)
}

/// `family-name` → `SAMSVAR_INPUT_FAMILY_NAME`.
pub fn env_name(input: &str) -> String {
    let upper: String = input
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("SAMSVAR_INPUT_{upper}")
}

fn run_options(args: &RunArgs, config: &Config) -> Result<RunOptions, UsageError> {
    let mut options = RunOptions::new(new_run_id());
    options.jobs = match args.jobs.or(config.jobs) {
        Some(0) => return Err("error: --jobs must be at least 1".into()),
        Some(n) => n,
        None => default_jobs(),
    };
    if let Some(t) = config.limits.timeout {
        options.timeout = t;
    }
    if let Some(t) = &args.timeout {
        options.timeout =
            config::parse_duration(t).map_err(|e| format!("error: --timeout: {e}"))?;
    }
    if let Some(m) = config.limits.max_body {
        options.max_body_bytes = m;
    }
    if let Some(m) = &args.max_body {
        options.max_body_bytes =
            config::parse_size(m).map_err(|e| format!("error: --max-body: {e}"))?;
    }
    let mut max_excerpt = config.limits.max_excerpt;
    if let Some(m) = &args.max_excerpt {
        max_excerpt =
            Some(config::parse_size(m).map_err(|e| format!("error: --max-excerpt: {e}"))?);
    }
    if let Some(m) = max_excerpt {
        options.max_excerpt_bytes = usize::try_from(m).unwrap_or(usize::MAX);
    }
    Ok(options)
}

fn write_outputs(
    record: &RunRecord,
    dir: &Path,
    formats: &BTreeSet<String>,
) -> Result<Vec<PathBuf>, UsageError> {
    let mut written = Vec::new();
    if formats.contains("json") {
        let path = dir.join("run.json");
        let text = samsvar_report::json::render(record).map_err(|e| format!("error: {e}"))?;
        samsvar_report::write(&path, &text).map_err(|e| format!("error: {e}"))?;
        written.push(path);
    }
    if formats.contains("junit") {
        let path = dir.join("junit.xml");
        let text = samsvar_report::junit::render(record).map_err(|e| format!("error: {e}"))?;
        samsvar_report::write(&path, &text).map_err(|e| format!("error: {e}"))?;
        written.push(path);
    }
    Ok(written)
}
