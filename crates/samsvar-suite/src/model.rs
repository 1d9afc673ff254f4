//! The typed model of a suite, as the parser produces it and the runner consumes it.
//!
//! Every node that a diagnostic or a failure report may need to point at carries a
//! [`Span`] into its source file. Templated strings (`{{var}}`) are kept as
//! [`Template`]s; they are resolved by the runner at execution time.
//!
//! This file is the contract between `samsvar-suite` (producer) and `samsvar-runner`
//! (consumer). Change it deliberately and update both sides.

use indexmap::IndexMap;
use samsvar_diagnostics::Span;
use serde::Serialize;
use std::path::PathBuf;

/// The requirement level of a test or an assertion (`level: should`), shared with the record.
pub use samsvar_record::Level;

/// A value together with where it was written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spanned<T> {
    pub value: T,
    #[serde(skip)]
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Self { value, span }
    }
}

/// A string that may contain `{{name}}` placeholders.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TemplatePart {
    Literal(String),
    /// A variable reference; `name` is the text between the braces, trimmed.
    /// Its span points at the name itself (inside the braces).
    Var {
        name: String,
        #[serde(skip)]
        span: Span,
    },
}

/// Values the runner provides itself, written `{{$name}}`: `$uuid` is a new random UUID
/// at every use, `$run_id` the id of the run (the same throughout it). They keep suites
/// that run on shared servers from colliding with other runs.
pub const RUN_VALUES: &[&str] = &["$uuid", "$run_id"];

/// A parsed suite, ready to run.
#[derive(Debug, Clone, Serialize)]
pub struct Suite {
    /// The suite file (absolute or as given).
    pub path: PathBuf,
    /// The folder fixture paths are resolved against (the suite file's folder).
    pub base_dir: PathBuf,
    pub meta: SuiteMeta,
    /// The targets this suite needs, by name (e.g. `fhir`, `xds-repository`).
    pub targets: IndexMap<String, TargetDecl>,
    pub inputs: IndexMap<String, InputDecl>,
    /// FHIR packages the suite's `conforms_to` checks need (`packages:`).
    pub packages: Vec<PackageRef>,
    /// Steps run once before any test; a failure here errors every test.
    pub setup: Vec<Step>,
    /// Steps run once after all tests, whatever their outcome.
    pub teardown: Vec<Step>,
    /// The top-level group holding all tests and groups, in file order.
    pub root: Group,
    /// Fixture files referenced by the suite, resolved, for evidence digests.
    pub fixtures: Vec<PathBuf>,
}

/// One entry of `packages:`: a registry package at a pinned version, or a local package.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackageRef {
    /// As written in the suite.
    pub spec: Spanned<String>,
    /// A `.tgz` or package folder, resolved against the suite folder; `None` for `ID@VERSION`.
    pub path: Option<PathBuf>,
}

impl PackageRef {
    /// What the package installer takes: `ID@VERSION`, or the resolved path.
    pub fn install_spec(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => self.spec.value.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SuiteMeta {
    pub id: Spanned<String>,
    pub version: String,
    pub title: String,
    pub description: Option<String>,
    pub ehds: Option<EhdsMapping>,
    /// Requirement ids the whole suite verifies (added to every test's `verifies`).
    pub verifies: Vec<Spanned<String>>,
}

/// Which EHDS harmonised component and priority category a suite, group or test covers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EhdsMapping {
    pub component: EhdsComponent,
    pub category: Option<PriorityCategory>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EhdsComponent {
    /// European interoperability component for EHR systems.
    Interoperability,
    /// European logging component for EHR systems (Annex II 3.2).
    Logging,
}

/// EHDS Art. 14 priority categories of personal electronic health data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PriorityCategory {
    PatientSummary,
    EPrescription,
    EDispensation,
    LaboratoryResults,
    MedicalImaging,
    DischargeReports,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetDecl {
    pub name: Spanned<String>,
    pub kind: TargetKind,
    pub description: Option<String>,
    /// A run may leave it unbound: the tests that use it are then skipped, saying so.
    pub optional: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    Fhir,
    XdsRegistry,
    XdsRepository,
    /// Any HTTP endpoint.
    Http,
    /// An IHE ATNA Audit Record Repository that samsvar itself serves during the run: the
    /// system under test pushes its audit records to it (docs/balp.md), and the suite's
    /// steps search what arrived (`GET {{target}}/AuditEvent?…`).
    AuditRepository,
}

#[derive(Debug, Clone, Serialize)]
pub struct InputDecl {
    pub name: Spanned<String>,
    pub description: Option<String>,
    pub default: Option<String>,
    /// Secret inputs come from the environment or files only and are redacted everywhere.
    pub secret: bool,
    /// A run may give it no value: the tests that use it are then skipped, saying so.
    pub optional: bool,
}

/// A group of tests (and nested groups). The suite's root is a group too.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub id: Spanned<String>,
    pub title: Option<String>,
    pub optional: bool,
    pub ehds: Option<EhdsMapping>,
    pub verifies: Vec<Spanned<String>>,
    pub items: Vec<Item>,
}

impl Group {
    /// Every test of the group and of its groups, in file order.
    pub fn tests(&self) -> Vec<&Test> {
        let mut out = Vec::new();
        for item in &self.items {
            match item {
                Item::Test(t) => out.push(t),
                Item::Group(g) => out.extend(g.tests()),
            }
        }
        out
    }

    /// Every test of the group and of its groups, in file order, to change them.
    pub fn tests_mut(&mut self) -> Vec<&mut Test> {
        let mut out = Vec::new();
        for item in &mut self.items {
            match item {
                Item::Test(t) => out.push(t),
                Item::Group(g) => out.extend(g.tests_mut()),
            }
        }
        out
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Item {
    Group(Group),
    Test(Test),
}

#[derive(Debug, Clone, Serialize)]
pub struct Test {
    /// Unique within the suite.
    pub id: Spanned<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// Optional tests are reported but never fail their parent group or the run.
    pub optional: bool,
    pub ehds: Option<EhdsMapping>,
    /// Requirement ids this test verifies.
    pub verifies: Vec<Spanned<String>>,
    /// Tests this one depends on: explicitly declared with `needs:`, plus those
    /// inferred because this test uses a variable they capture. Test ids. A test
    /// runs after them; it is skipped only when a capture it uses was never taken.
    pub needs: Vec<Spanned<String>>,
    /// The requirement level of the whole test (`level: should`); each assertion's own
    /// `level` wins over it. `None`: SHALL.
    pub level: Option<Spanned<Level>>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub name: Option<String>,
    #[serde(skip)]
    pub span: Span,
    pub action: Action,
    pub captures: Vec<Capture>,
    pub assertions: Vec<Assertion>,
    /// Repeat the request until its assertions pass (`retry:`); HTTP steps only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry: Option<Retry>,
}

/// `retry: { timeout_ms, interval_ms }`: send the step's request again, `interval_ms`
/// after a failed attempt, until every assertion passes; no attempt starts later than
/// `timeout_ms` after the first. For what a system under test does "as soon as
/// possible" after answering, e.g. an audit record reaching its repository.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Retry {
    pub timeout_ms: u64,
    pub interval_ms: u64,
    /// The `retry` key.
    #[serde(skip)]
    pub span: Span,
}

impl Retry {
    /// `interval_ms` when the suite does not say.
    pub const DEFAULT_INTERVAL_MS: u64 = 500;
    /// The shortest interval: anything less hammers the system under test.
    pub const MIN_INTERVAL_MS: u64 = 50;
    /// The longest wait a step may ask for (10 minutes).
    pub const MAX_TIMEOUT_MS: u64 = 600_000;
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Http(HttpRequest),
    /// An IHE XDS.b transaction (docs/xds.md).
    Xds(XdsAction),
    /// A TLS handshake offering only a legacy protocol version (docs/authentication.md).
    Tls(TlsProbe),
}

#[derive(Debug, Clone, Serialize)]
pub struct HttpRequest {
    /// The target this request goes to; `{{target}}` in `url` is its base URL.
    /// When absent and the URL is relative, the suite's only target is used.
    pub target: Option<Spanned<String>>,
    pub method: Spanned<String>,
    pub url: Template,
    pub headers: Vec<(Spanned<String>, Template)>,
    pub query: Vec<(Spanned<String>, Template)>,
    pub body: Option<Body>,
    /// Overrides the run's per-request timeout for this request.
    pub timeout_ms: Option<u64>,
    /// Overrides the target's configured credentials for this request (to test that the
    /// system under test refuses what it should).
    pub auth: Option<Spanned<RequestAuth>>,
}

/// How a request authenticates instead of with the target's configured credentials.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestAuth {
    /// No credentials at all (`auth: none`).
    None,
    /// A token requested with this scope instead of the configured one
    /// (`auth: { scope: … }`); the target must use an OAuth2 flow.
    Scope(Template),
}

/// Offers only a legacy TLS version to a target and records whether it is accepted.
#[derive(Debug, Clone, Serialize)]
pub struct TlsProbe {
    /// The target whose host and port are probed; default: the suite's only target.
    pub target: Option<Spanned<String>>,
    pub offer: Spanned<LegacyTls>,
    /// Overrides the run's per-request timeout for the probe.
    pub timeout_ms: Option<u64>,
}

/// A TLS version below 1.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LegacyTls {
    #[serde(rename = "1.0")]
    Tls10,
    #[serde(rename = "1.1")]
    Tls11,
}

impl LegacyTls {
    pub fn as_str(self) -> &'static str {
        match self {
            LegacyTls::Tls10 => "1.0",
            LegacyTls::Tls11 => "1.1",
        }
    }
}

/// What a TLS probe should find (`assert: - tls: refused`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsExpectation {
    Refused,
    Accepted,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    /// Inline JSON (from YAML); string leaves are templates.
    Json(JsonTemplate),
    /// Inline text; a template.
    Text(Template),
    /// A fixture file relative to the suite folder; templated when `templated`.
    File {
        path: Spanned<PathBuf>,
        resolved: PathBuf,
        templated: bool,
    },
}

/// JSON with templated string leaves.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum JsonTemplate {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(Template),
    Array(Vec<JsonTemplate>),
    Object(Vec<(String, JsonTemplate)>),
}

#[derive(Debug, Clone, Serialize)]
pub struct Capture {
    pub name: Spanned<String>,
    pub source: CaptureSource,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureSource {
    /// FHIRPath over the JSON response body; the first item, as a string.
    FhirPath(Spanned<String>),
    /// A response header's value.
    Header(Spanned<String>),
    /// A regex over a response header's value (`{ header: Location, regex: … }`); group 1
    /// or the whole match, e.g. the logical id in `Location`.
    HeaderRegex {
        header: Spanned<String>,
        regex: Spanned<String>,
    },
    /// The HTTP status code.
    Status,
    /// A regex over the raw body; group 1 (or the whole match).
    Regex(Spanned<String>),
    /// A value from an XDS response by accessor name, e.g. `entry_uuid` (docs/xds.md).
    Xds(Spanned<String>),
}

#[derive(Debug, Clone, Serialize)]
pub struct Assertion {
    #[serde(skip)]
    pub span: Span,
    pub kind: AssertionKind,
    /// `level: should` / `level: may` next to the assertion; `None`: the test's level.
    pub level: Option<Spanned<Level>>,
    /// Requirement ids of the sentence this assertion checks (`verifies:` next to it).
    pub verifies: Vec<Spanned<String>>,
    /// What the assertion checks, in the suite author's words (`description:` next to
    /// it); rendered with the step's scope, it replaces the generated description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Template>,
}

impl Assertion {
    /// The level this assertion is judged at inside `test` (SHALL when neither says).
    pub fn level_in(&self, test_level: Option<Level>) -> Level {
        self.level
            .as_ref()
            .map(|l| l.value)
            .or(test_level)
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AssertionKind {
    /// Status equals one of these codes.
    Status(Vec<u16>),
    /// A header exists / equals / matches a regex.
    Header { name: String, check: ValueCheck },
    /// The media type of `Content-Type` (parameters ignored) equals this.
    ContentType(Template),
    /// A FHIRPath expression over the JSON body evaluates to `true`.
    FhirPathTrue(Spanned<String>),
    /// A FHIRPath expression's first value equals / matches.
    FhirPathValue {
        expr: Spanned<String>,
        check: ValueCheck,
    },
    /// The response arrived within this many milliseconds.
    ResponseTimeUnder(u64),
    /// The body's bytes, as received: their number, and their SHA-1 (40 hex digits, or
    /// base64 as FHIR's `Attachment.hash` writes it). At least one is given.
    Body {
        size: Option<Template>,
        sha1: Option<Template>,
    },
    /// The JSON body is valid against this JSON Schema (file, resolved, relative to the suite).
    JsonSchema {
        path: Spanned<PathBuf>,
        resolved: PathBuf,
    },
    /// The JSON body, or each part a FHIRPath expression selects from it (`each`, e.g.
    /// `entry.resource` of a search), conforms to this FHIR profile (canonical URL). A
    /// selection that finds nothing fails: there is nothing that conforms.
    ConformsTo {
        /// The canonical URL as written.
        profile: Spanned<String>,
        /// The same, parsed: it may name inputs (`…/IHE.MHD.{{mhd_option}}.DocumentReference`).
        #[serde(skip)]
        template: Template,
        each: Option<Spanned<String>>,
    },
    /// A check on an XDS response (docs/xds.md).
    Xds(XdsAssertion),
    /// The outcome of a `tls` probe step.
    Tls(TlsExpectation),
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueCheck {
    Exists(bool),
    Equals(Template),
    NotEquals(Template),
    /// A regex; `{{variables}}` in it stand for their values, matched literally.
    Matches(Template),
    /// An ordered comparison of the value with a template: numbers numerically, dates
    /// and times (ISO 8601, same precision) in time order.
    Compare(Ordering, Template),
}

/// How [`ValueCheck::Compare`] orders the actual value against the expected one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ordering {
    LessThan,
    AtMost,
    GreaterThan,
    AtLeast,
}

impl Ordering {
    /// The suite key that writes this comparison.
    pub fn key(self) -> &'static str {
        match self {
            Ordering::LessThan => "less_than",
            Ordering::AtMost => "at_most",
            Ordering::GreaterThan => "greater_than",
            Ordering::AtLeast => "at_least",
        }
    }

    /// The comparison as an operator (`<`, `<=`, `>`, `>=`).
    pub fn symbol(self) -> &'static str {
        match self {
            Ordering::LessThan => "<",
            Ordering::AtMost => "<=",
            Ordering::GreaterThan => ">",
            Ordering::AtLeast => ">=",
        }
    }

    /// Whether `order` (actual compared with expected) satisfies this comparison.
    pub fn holds(self, order: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Ordering::LessThan => order == Less,
            Ordering::AtMost => order != Greater,
            Ordering::GreaterThan => order == Greater,
            Ordering::AtLeast => order != Less,
        }
    }

    pub const ALL: [Ordering; 4] = [
        Ordering::LessThan,
        Ordering::AtMost,
        Ordering::GreaterThan,
        Ordering::AtLeast,
    ];
}

/// An IHE XDS.b transaction step: ITI-41, ITI-18 or ITI-43 over SOAP/MTOM (docs/xds.md).
#[derive(Debug, Clone, Serialize)]
pub struct XdsAction {
    /// The target (an `xds-repository` or `xds-registry`); default: the suite's only
    /// target of the kind the transaction needs.
    pub target: Option<Spanned<String>>,
    pub transaction: Spanned<XdsTransaction>,
    /// The transaction's input with templated string leaves: ITI-41 `submission`, ITI-18
    /// `query`, ITI-43 `documents`. Its shape is checked by the JSON Schema and, at run
    /// time, by the XDS library.
    pub input: Option<JsonTemplate>,
    /// ITI-41 from a raw SOAP/ebRIM fixture (relative to the suite folder, templated).
    pub fixture: Option<Body>,
    /// Send ITI-41 documents as MTOM/XOP parts (default) or inline base64.
    pub mtom: bool,
    /// Overrides the run's per-request timeout for this request.
    pub timeout_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum XdsTransaction {
    /// ITI-41 Provide and Register Document Set-b.
    ProvideAndRegister,
    /// ITI-18 Registry Stored Query.
    StoredQuery,
    /// ITI-43 Retrieve Document Set.
    Retrieve,
}

/// A check on an XDS response (`assert: - xds: {…}`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum XdsAssertion {
    /// The registry response status: `Success`, `Failure` or `PartialSuccess`.
    Status(Spanned<String>),
    /// This registry error code is present (e.g. `XDSUnknownPatientId`); written as a
    /// list, any one of them (where the specification lets the responder choose).
    ErrorCode(Vec<Template>),
    /// Number of DocumentEntries (ITI-18 LeafClass), ObjectRefs (ITI-18 ObjectRef) or
    /// documents (ITI-43) in the response.
    Documents(u64),
    /// The metadata in the response (ITI-18) or request (ITI-41) passes samsvar's XDS
    /// metadata rules without errors.
    MetadataValid,
    /// The SHA-1 (hex) of the first retrieved document equals this value.
    DocumentSha1(Template),
}
