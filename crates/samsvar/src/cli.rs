use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "samsvar",
    version,
    about = "Conformance tests for HL7 FHIR and IHE XDS.b endpoints, with signed evidence for EHDS."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run suites against targets and write the run record and reports.
    Run(RunArgs),
    /// Work with suite files.
    #[command(subcommand)]
    Suites(SuitesCommand),
    /// Serve a reference simulator on loopback.
    Serve(ServeArgs),
    /// Install and list FHIR packages (shared cache, samsvar.lock).
    #[command(subcommand)]
    Packages(crate::commands::packages::PackagesCommand),
    /// Validate FHIR JSON resources against base definitions and profiles.
    Validate(crate::commands::validate::ValidateArgs),
    /// Check an evidence bundle: every digest and the signature.
    Verify(crate::commands::verify::VerifyArgs),
    /// Create a key pair for signing evidence.
    Keygen(crate::commands::keygen::KeygenArgs),
    /// Work with evidence bundles (finalize an interrupted run).
    #[command(subcommand)]
    Report(crate::commands::report::ReportCommand),
    /// The event server and review desk: web UI, JSON API, workers, bundle submission.
    #[command(subcommand)]
    Hub(crate::commands::hub::HubCommand),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Suite folders or suite files.
    #[arg(required = true)]
    pub suites: Vec<PathBuf>,
    /// `NAME=URL` binds a target; a bare `URL` binds the only target; `sim` starts the built-in
    /// simulators for every target not bound otherwise; `NAME=sim` binds that target to them.
    #[arg(long = "target")]
    pub targets: Vec<String>,
    /// Switch on a documented simulator misbehaviour (with `--target sim`).
    #[arg(long = "sim-defect")]
    pub sim_defects: Vec<String>,
    /// Where the Audit Record Repository samsvar serves for unbound `audit-repository`
    /// targets listens (`HOST:PORT`; the default takes a free loopback port). Point the
    /// system's audit feed there (docs/balp.md).
    #[arg(
        long = "audit-repository",
        value_name = "HOST:PORT",
        default_value = "127.0.0.1:0"
    )]
    pub audit_repository: String,
    /// Where that repository takes syslog over TLS (RFC 5424 messages in RFC 5425 frames,
    /// ATNA's transport): `HOST:PORT`, or `off`. Its certificate's CA is written to the
    /// run's folder as `audit-repository-ca.pem`.
    #[arg(
        long = "audit-syslog",
        value_name = "HOST:PORT",
        default_value = "127.0.0.1:0"
    )]
    pub audit_syslog: String,
    /// How the built-in simulator sends its audit trail to that repository (with
    /// `--target sim`): `fhir` (POST AuditEvent) or `syslog` (DICOM audit messages over TLS).
    #[arg(long = "sim-audit-push", value_enum, default_value = "fhir")]
    pub sim_audit_push: AuditTransport,
    /// Run only these tests (repeatable): `TEST`, `SUITE/TEST` or a group id, with globs
    /// (`read-*`). The tests they need run too. The record says the run is partial, and no
    /// declaration of conformity is made from it.
    #[arg(long = "test", value_name = "PATTERN")]
    pub tests: Vec<String>,
    /// FHIR package (ID@VERSION, .tgz or folder) with the profiles `conforms_to` assertions name;
    /// R4 core is always loaded.
    #[arg(long = "package", value_name = "ID@VERSION")]
    pub packages: Vec<String>,
    /// Configuration file (targets, inputs, limits, SUT identity).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Set an input: `NAME=VALUE` (overrides config and environment).
    #[arg(long = "input", short = 'i')]
    pub inputs: Vec<String>,
    /// Output folder for the run record and reports.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// Number of tests run concurrently.
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Per-request timeout, e.g. `30s` or `500ms` (overrides samsvar.toml).
    #[arg(long)]
    pub timeout: Option<String>,
    /// Largest response body read, e.g. `10MiB` (overrides samsvar.toml).
    #[arg(long = "max-body")]
    pub max_body: Option<String>,
    /// Bytes of a server-sent value (an assertion's actual, a fault reason, an error)
    /// kept in reports, e.g. `2KiB`; the whole body stays in the evidence exchanges.
    #[arg(long = "max-excerpt")]
    pub max_excerpt: Option<String>,
    /// Reporters: terminal, json, junit, html (comma-separated).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "terminal,json,junit,html"
    )]
    pub format: Vec<String>,
    /// Sign the evidence bundle with this private key (PEM, from `samsvar keygen`).
    #[arg(long = "sign-key")]
    pub sign_key: Option<PathBuf>,
    /// Certificate chain (PEM, signer first) to embed in the signature as x5c.
    #[arg(long = "sign-cert", requires = "sign_key")]
    pub sign_cert: Option<PathBuf>,
    /// Add the EHDS declaration section (needs [sut] and [declaration] in the config).
    #[arg(long)]
    pub declaration: bool,
}

/// How `suites lint` prints diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LintFormat {
    /// `file:line:col`, the source line, carets and hints.
    Text,
    /// One line per diagnostic.
    Concise,
    /// One JSON document: per suite file, its diagnostics.
    Json,
    /// A SARIF 2.1.0 log, for code scanning in CI (GitHub, GitLab, Azure DevOps).
    Sarif,
}

#[derive(Debug, Subcommand)]
pub enum SuitesCommand {
    /// Check suites and report every problem as file:line:col.
    Lint {
        #[arg(required = true)]
        suites: Vec<PathBuf>,
        /// Output: text (file:line:col with carets and hints), concise (one line each) or json.
        #[arg(long, value_enum, default_value = "text")]
        format: LintFormat,
    },
    /// List suites and their tests.
    List {
        #[arg(default_value = "testsuites")]
        suites: Vec<PathBuf>,
    },
    /// Print the JSON Schema of the suite format (docs/suite.schema.json).
    Schema,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Which simulator: fhir, xds or all.
    #[arg(long)]
    pub sim: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Switch on a documented misbehaviour.
    #[arg(long = "defect", value_name = "NAME", long_help = samsvar_sim::defects_help())]
    pub defects: Vec<String>,
    /// Also POST every AuditEvent the FHIR simulator records to URL/AuditEvent (an audit
    /// record repository's FHIR base).
    #[arg(long, value_name = "URL", conflicts_with = "audit_push_syslog")]
    pub audit_push: Option<String>,
    /// Send them instead as ATNA does over syslog: DICOM audit messages in RFC 5424 messages
    /// over TLS (RFC 5425) to HOST:PORT, trusting the CA in `--audit-push-ca`.
    #[arg(long, value_name = "HOST:PORT", requires = "audit_push_ca")]
    pub audit_push_syslog: Option<String>,
    /// The CA certificate (PEM) of the syslog receiver's certificate, e.g. the
    /// `audit-repository-ca.pem` a `samsvar run` writes.
    #[arg(long, value_name = "FILE", requires = "audit_push_syslog")]
    pub audit_push_ca: Option<PathBuf>,
    /// Demand OAuth2 access tokens (SMART Backend Services): an authorization server answers at
    /// /auth/token, with discovery at {base}/.well-known/smart-configuration.
    #[arg(long)]
    pub require_auth: bool,
    /// Client id registered at the authorization server.
    #[arg(long, default_value = "samsvar", requires = "require_auth")]
    pub client_id: String,
    /// Environment variable holding the client's secret (client_secret_basic / _post).
    #[arg(long, value_name = "VAR", requires = "require_auth")]
    pub client_secret_env: Option<String>,
    /// JWKS file with the client's public keys (private_key_jwt).
    #[arg(long, value_name = "FILE", requires = "require_auth")]
    pub client_jwks: Option<PathBuf>,
    /// Scopes the client may be granted (space-separated).
    #[arg(long, default_value = "system/*.cruds", requires = "require_auth")]
    pub scope: String,
    /// Also register a patient-context client `ID` acting for `Patient/PATIENT_ID` (the
    /// person's own app, SMART `patient/*.rs` with the `patient` launch context): same
    /// secret or keys as --client-id; it may only read and search that patient's
    /// compartment, and its AuditEvent search is the patient's access log (EHDS Art. 9).
    /// Repeatable.
    #[arg(long, value_name = "ID=PATIENT_ID", requires = "require_auth")]
    pub patient_client: Vec<String>,
    /// Issue only DPoP-bound tokens.
    #[arg(long, requires = "require_auth")]
    pub dpop: bool,
    /// Demand server nonces in DPoP proofs.
    #[arg(long, requires = "require_auth")]
    pub dpop_nonce: bool,
    /// Serve HTTPS; a CA, a server and a client certificate are generated into DIR.
    #[arg(long, value_name = "DIR")]
    pub tls_dir: Option<PathBuf>,
    /// With --tls-dir: demand a client certificate signed by that CA (mutual TLS).
    #[arg(long, requires = "tls_dir")]
    pub mtls: bool,
    /// Keep every exchange a client has with the simulators as evidence: journaled as it
    /// happens, validated (XDS metadata rules, FHIR resource checks) and written when serve
    /// stops as one bundle per client, `DIR/<client>/<run-id>/` (the client: its token's
    /// client id with --require-auth, else the NAME of a `/clients/NAME/` path prefix, else
    /// its IP address).
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// Sign the bundles of --record (PEM key from `samsvar keygen`), as `run --sign-key`.
    #[arg(long = "sign-key", value_name = "FILE", requires = "record")]
    pub sign_key: Option<PathBuf>,
    /// X.509 certificate chain (PEM) for the signing key: added to the signature as `x5c`.
    #[arg(long = "sign-cert", value_name = "FILE", requires = "sign_key")]
    pub sign_cert: Option<PathBuf>,
}

/// How an audit trail travels to an audit record repository (ATNA ITI-20).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditTransport {
    /// FHIR: POST each AuditEvent (RESTful ATNA, BALP).
    Fhir,
    /// Syslog over TLS (RFC 5424/5425) carrying DICOM audit messages.
    Syslog,
}
