//! Run-wide settings and what the run binds to (targets, inputs, secrets).

use indexmap::IndexMap;
use samsvar_record::{Diagnostic, Redactor};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default maximum response body size (10 MiB).
pub const DEFAULT_MAX_BODY_BYTES: u64 = 10 * 1024 * 1024;

/// How a run behaves.
#[derive(Clone)]
pub struct RunOptions {
    /// Identifies the run in records and output folders; see [`crate::new_run_id`].
    pub run_id: String,
    /// Tests run concurrently (at least 1).
    pub jobs: usize,
    /// Per-request timeout (a step may override it).
    pub timeout: Duration,
    /// Responses larger than this are cut and the step errors.
    pub max_body_bytes: u64,
    /// Bytes of a SUT-provided value (an assertion's actual, a fault reason, an error)
    /// kept in the record; the whole body stays in the exchange.
    pub max_excerpt_bytes: usize,
    /// Validates `conforms_to` assertions; `None` makes them error.
    pub profile_validator: Option<Arc<dyn ProfileValidator>>,
    /// Tool name and version written into the record.
    pub tool_name: String,
    pub tool_version: String,
    /// The run's one redactor. The run registers the bound secrets and `secret: true`
    /// inputs in it, and authentication every credential it obtains; share a clone
    /// with whatever else writes the run's values (the evidence journal).
    pub redactor: Redactor,
    /// The `--test` selection the suites were cut to, announced in the record.
    pub selection: Option<samsvar_record::Selection>,
}

impl RunOptions {
    pub fn new(run_id: impl Into<String>) -> Self {
        Self {
            run_id: run_id.into(),
            jobs: default_jobs(),
            timeout: DEFAULT_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_excerpt_bytes: samsvar_record::DEFAULT_EXCERPT_BYTES,
            profile_validator: None,
            tool_name: "samsvar".to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            redactor: Redactor::new(),
            selection: None,
        }
    }
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("run_id", &self.run_id)
            .field("jobs", &self.jobs)
            .field("timeout", &self.timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_excerpt_bytes", &self.max_excerpt_bytes)
            .field("profile_validator", &self.profile_validator.is_some())
            .finish()
    }
}

/// The number of CPUs, at least 2 (tests mostly wait on the network).
pub fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .max(2)
}

/// The extension point for `conforms_to` assertions: FHIR profile validation.
///
/// `samsvar-fhir` supplies the implementation; the runner only asks it.
pub trait ProfileValidator: Send + Sync {
    /// Validates `resource`, parsed from the response body `text`, against the profile
    /// with canonical URL `profile`. `Ok` carries every issue found (an `error`-severity
    /// issue fails the assertion), located in `text` by line and column where possible;
    /// `Err` means validation could not be done (unknown profile, …).
    fn validate(
        &self,
        resource: &Value,
        text: &[u8],
        profile: &str,
    ) -> Result<Vec<Diagnostic>, String>;
}

/// A target bound to a base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetBinding {
    pub url: String,
    /// `true` when the target is a built-in simulator.
    pub simulated: bool,
}

/// Everything a run binds: target URLs, input values and extra secret values.
#[derive(Debug, Clone, Default)]
pub struct Bindings {
    /// Target name → base URL.
    pub targets: IndexMap<String, TargetBinding>,
    /// Input values that override suite defaults (already merged from config, environment
    /// and command line, in that order).
    pub inputs: IndexMap<String, String>,
    /// Further values that must never appear in records (tokens, passwords, …).
    pub secrets: Vec<String>,
    /// Target name → how to authenticate to it and which TLS settings to use
    /// (from `samsvar.toml`); targets not listed are reached without credentials.
    pub security: IndexMap<String, TargetSecurity>,
}

/// Authentication and TLS settings of one target.
#[derive(Debug, Clone, Default)]
pub struct TargetSecurity {
    pub auth: samsvar_auth::AuthConfig,
    pub tls: samsvar_auth::TlsConfig,
}

impl Bindings {
    /// Targets declared by the suites that have no binding, in declaration order.
    pub fn unbound_targets<'a>(&self, suites: &'a [samsvar_suite::Loaded]) -> Vec<&'a str> {
        let mut out: Vec<&str> = Vec::new();
        for s in suites.iter().map(|l| &l.suite) {
            for (name, decl) in &s.targets {
                if !decl.optional
                    && !self.targets.contains_key(name)
                    && !out.contains(&name.as_str())
                {
                    out.push(name);
                }
            }
        }
        out
    }

    /// Every value of the run that must never appear in an output: the bound secrets
    /// and the values of `secret: true` inputs (bound or default). The one collection.
    pub fn secret_values(&self, suites: &[samsvar_suite::Loaded]) -> Vec<String> {
        let mut out = self.secrets.clone();
        for s in suites.iter().map(|l| &l.suite) {
            for (name, decl) in &s.inputs {
                if decl.secret
                    && let Some(v) = self.inputs.get(name).or(decl.default.as_ref())
                {
                    out.push(v.clone());
                }
            }
        }
        out
    }

    /// Inputs declared by the suites with neither a default nor a bound value.
    pub fn missing_inputs<'a>(&self, suites: &'a [samsvar_suite::Loaded]) -> Vec<&'a str> {
        let mut out: Vec<&str> = Vec::new();
        for s in suites.iter().map(|l| &l.suite) {
            for (name, decl) in &s.inputs {
                if decl.default.is_none()
                    && !decl.optional
                    && !self.inputs.contains_key(name)
                    && !out.contains(&name.as_str())
                {
                    out.push(name);
                }
            }
        }
        out
    }
}
