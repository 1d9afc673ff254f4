//! The run record: everything a run observed, in the form reporters and the evidence
//! writer consume. Serialized as the JSON run record (`run.json`) and inside
//! `evidence.json`. Built only by [`crate::Fold`] from the run's events.
//!
//! Secrets are redacted (by [`crate::Redactor`]) before values are put into these types.

use crate::Outcome;
use bytes::Bytes;
use samsvar_diagnostics::Diagnostic;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Version of the run record format. The minor number grows with members a reader of
/// the same major version may ignore; the major number with incompatible changes.
pub const RECORD_FORMAT_VERSION: &str = "2.3";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub format_version: String,
    pub run_id: String,
    pub tool: ToolInfo,
    /// RFC 3339 UTC.
    pub started_at: String,
    pub finished_at: String,
    pub duration_ms: u64,
    pub targets: Vec<TargetRecord>,
    pub suites: Vec<SuiteRecord>,
    pub outcome: Outcome,
    pub summary: Summary,
    /// Set when the run was limited to some tests (`samsvar run --test`): the record is
    /// of a partial run, and a declaration of conformity is never made from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<Selection>,
    /// What systems sent to the services samsvar ran for the run (the audit record
    /// repository), in arrival order (format 2.3; absent when nothing arrived).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub received: Vec<ReceivedRecord>,
}

/// One message a system sent to a service samsvar ran during the run, kept as evidence
/// as it arrived: a FHIR request to the audit record repository, or a syslog message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceivedRecord {
    /// The suite target the service stood for, e.g. `audit`.
    pub target: String,
    /// `http` (or `https`) for a request, `syslog-tls` for an RFC 5425 syslog message.
    pub transport: String,
    /// RFC 3339 UTC.
    pub received_at: String,
    /// The sender's socket address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    /// The message (direction `received`) and samsvar's answer when it gave one. A syslog
    /// message is a request without a method: its url is `syslog://HOST:PORT`, its headers
    /// the RFC 5424 header fields, its body the message.
    pub exchange: Exchange,
    /// What the service noticed about the message (it could not be parsed, a required
    /// element is missing). A repository accepts every message, so these are findings
    /// for the reader, never a rejection.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Diagnostic>,
}

/// The tests a run was limited to, and what that left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// The patterns as given: `TEST`, `SUITE/TEST`, a group id for all of its tests,
    /// globs with `*`, `?` and `[…]`.
    pub patterns: Vec<String>,
    /// Tests run: those a pattern names and those they need (explicitly or through a
    /// capture they use).
    pub selected: usize,
    /// Tests the loaded suites hold.
    pub total: usize,
    /// `SUITE/TEST` of every test not run, in suite order.
    pub left_out: Vec<String>,
}

impl Selection {
    /// `true` when the selection left tests out (the run is partial).
    pub fn is_partial(&self) -> bool {
        !self.left_out.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRecord {
    pub name: String,
    pub url: String,
    /// `true` when the target is a built-in simulator.
    pub simulated: bool,
}

/// Counts of tests (not groups, not steps) by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    pub skipped: usize,
    /// Tests whose only problems are missed SHOULD/MAY checks (format 1.2).
    #[serde(default)]
    pub warned: usize,
    pub failed: usize,
    pub errored: usize,
}

impl Summary {
    pub fn add(&mut self, outcome: Outcome) {
        self.total += 1;
        *self.count_mut(outcome) += 1;
    }

    /// How many tests had `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        match outcome {
            Outcome::Pass => self.passed,
            Outcome::Skip => self.skipped,
            Outcome::Warn => self.warned,
            Outcome::Fail => self.failed,
            Outcome::Error => self.errored,
        }
    }

    fn count_mut(&mut self, outcome: Outcome) -> &mut usize {
        match outcome {
            Outcome::Pass => &mut self.passed,
            Outcome::Skip => &mut self.skipped,
            Outcome::Warn => &mut self.warned,
            Outcome::Fail => &mut self.failed,
            Outcome::Error => &mut self.errored,
        }
    }

    /// The counts of these outcomes.
    pub fn of(outcomes: impl IntoIterator<Item = Outcome>) -> Self {
        let mut s = Summary::default();
        outcomes.into_iter().for_each(|o| s.add(o));
        s
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuiteRecord {
    pub id: String,
    pub version: String,
    pub title: String,
    /// The suite file as given (relative to the working directory where possible).
    pub path: String,
    /// sha256 (hex) of the suite file's bytes as loaded.
    pub sha256: String,
    /// Fixture files with their sha256, relative to the suite folder.
    pub fixtures: Vec<FileDigest>,
    pub ehds: Option<EhdsRecord>,
    pub verifies: Vec<String>,
    pub setup: Vec<StepRecord>,
    pub teardown: Vec<StepRecord>,
    pub root: GroupRecord,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EhdsRecord {
    /// `interoperability` or `logging`.
    pub component: String,
    /// Priority category in kebab-case, e.g. `patient-summary`.
    pub category: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRecord {
    pub id: String,
    pub title: Option<String>,
    pub optional: bool,
    /// Worst outcome of the required children (optional children never fail a group).
    pub outcome: Outcome,
    pub items: Vec<ItemRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ItemRecord {
    Group(GroupRecord),
    Test(TestRecord),
}

impl ItemRecord {
    /// Whether the item counts towards its parent's outcome, and its outcome.
    pub fn required_outcome(&self) -> Option<Outcome> {
        match self {
            ItemRecord::Group(g) => (!g.optional).then_some(g.outcome),
            ItemRecord::Test(t) => (!t.optional).then_some(t.outcome),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestRecord {
    pub id: String,
    pub title: Option<String>,
    pub optional: bool,
    /// Effective requirement ids (suite + groups + test).
    pub verifies: Vec<String>,
    /// Effective EHDS mapping (nearest declaration wins).
    pub ehds: Option<EhdsRecord>,
    pub outcome: Outcome,
    /// Why the test was skipped or errored, or the first failure, in one line.
    pub reason: Option<String>,
    /// `file:line` of the test in its suite.
    pub location: String,
    pub started_at: Option<String>,
    pub duration_ms: u64,
    /// How far the test got; absent (`finished`) in every record of a finished run.
    #[serde(default, skip_serializing_if = "Completion::is_finished")]
    pub completion: Completion,
    pub steps: Vec<StepRecord>,
}

/// How far a test got before the record was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Completion {
    /// The test finished (passed, failed, errored) or was decided without running (skip).
    #[default]
    Finished,
    /// The test had started when the run stopped; its finished steps are kept.
    Interrupted,
    /// The test was planned but the run stopped before it started.
    NotStarted,
}

impl Completion {
    pub fn is_finished(&self) -> bool {
        *self == Completion::Finished
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// 0-based position within its test (or setup/teardown list).
    pub index: usize,
    pub name: Option<String>,
    /// `file:line` of the step in its suite.
    pub location: String,
    pub outcome: Outcome,
    /// Set when the step could not be executed (connection refused, timeout, …).
    pub error: Option<String>,
    pub duration_ms: u64,
    pub exchange: Option<Exchange>,
    pub captures: Vec<CaptureRecord>,
    pub assertions: Vec<AssertionRecord>,
    /// Set when the step has `retry:` (2.2): the rest of the record is its last attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryRecord>,
}

/// How a step with `retry:` repeated its request until its assertions passed or its
/// time was up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryRecord {
    /// Requests sent, at least 1; the step's exchange and findings are those of the last.
    pub attempts: u32,
    /// Time spent waiting between attempts.
    pub waited_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureRecord {
    pub name: String,
    /// The captured value, or `None` when nothing matched. Redacted when secret.
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssertionRecord {
    /// Assertion kind as written in the suite: `status`, `header`, `fhirpath`, …
    pub kind: String,
    /// Human description, e.g. "status is 201".
    pub description: String,
    /// `file:line:col` of the assertion in its suite.
    pub location: String,
    pub outcome: Outcome,
    pub expected: Option<String>,
    pub actual: Option<String>,
    /// Extra explanation (e.g. a FHIRPath evaluation error).
    pub message: Option<String>,
    /// Structured findings: FHIR validator issues for `conforms_to`, JSON Schema errors,
    /// XDS metadata rule findings. Each is a payload [`Diagnostic`] (typed severity, rule
    /// id, JSON pointer / FHIRPath expression / XPath, optional line and column).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<Diagnostic>,
    /// The requirement level of the check: `shall` (absent), `should` or `may`. A
    /// check below `shall` that does not hold is a `warn`, never a `fail`.
    #[serde(default, skip_serializing_if = "Level::is_shall")]
    pub level: Level,
    /// The requirement ids this check verifies, when the suite names them on it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verifies: Vec<String>,
}

/// How strongly a specification sentence requires what a check verifies (RFC 2119).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// SHALL / MUST / REQUIRED: not holding is a failure.
    #[default]
    Shall,
    /// SHOULD / RECOMMENDED: not holding is a warning.
    Should,
    /// MAY / OPTIONAL: not holding is a warning.
    May,
}

impl Level {
    pub fn is_shall(&self) -> bool {
        *self == Level::Shall
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Shall => "shall",
            Level::Should => "should",
            Level::May => "may",
        }
    }

    /// The outcome of a check at this level: below `shall`, a failure becomes a warning.
    pub fn outcome(self, outcome: Outcome) -> Outcome {
        match (self, outcome) {
            (Level::Should | Level::May, Outcome::Fail) => Outcome::Warn,
            (_, o) => o,
        }
    }
}

/// One request/response pair as exchanged (after redaction).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// Who sent the request; absent for the usual case, samsvar testing a server.
    #[serde(default, skip_serializing_if = "Direction::is_sent")]
    pub direction: Direction,
    pub request: HttpMessage,
    /// Absent when no response arrived (refused, timed out).
    pub response: Option<HttpMessage>,
    /// Status code of the response.
    pub status: Option<u16>,
    /// Time from sending the request to having the whole response body.
    pub elapsed_ms: Option<u64>,
}

/// Which side of an exchange samsvar was on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// samsvar sent the request to the system under test (testing a server).
    #[default]
    Sent,
    /// The system under test sent the request to samsvar (testing a client).
    Received,
    /// samsvar passed the request on between two systems (a recording proxy).
    Relayed,
}

impl Direction {
    pub fn is_sent(&self) -> bool {
        *self == Direction::Sent
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpMessage {
    /// For requests: method and URL. Empty for responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Header names lower-cased, in order; secret values replaced by `[REDACTED]`.
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
    /// What redaction changed, so a reader knows where the record differs from the wire.
    #[serde(default, skip_serializing_if = "Redactions::is_empty")]
    pub redacted: Redactions,
}

/// The parts of a message in which a secret was replaced by [`REDACTED`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redactions {
    /// The URL (a query parameter or a value in the path).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub url: bool,
    /// Headers whose value was replaced (lower-case names, each once, in order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<String>,
    /// The body: its digest and size are those of the redacted bytes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub body: bool,
}

impl Redactions {
    pub fn is_empty(&self) -> bool {
        !self.url && self.headers.is_empty() && !self.body
    }

    /// Notes that header `name` was redacted.
    pub fn header(&mut self, name: &str) {
        if !self.headers.iter().any(|h| h == name) {
            self.headers.push(name.to_string());
        }
    }
}

/// A message body: digest and size in the record, bytes kept in memory for the
/// evidence writer (stored once under `exchanges/<sha256>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Body {
    /// sha256 (hex) of the body bytes.
    pub sha256: String,
    pub size: u64,
    pub media_type: Option<String>,
    /// `true` when the body is only the part that arrived: it exceeded the size limit,
    /// or the connection reset or timed out in the middle of it.
    #[serde(default)]
    pub truncated: bool,
    #[serde(skip)]
    pub bytes: Bytes,
}

impl Body {
    /// A body with its digest and size computed from `bytes`.
    pub fn new(bytes: Bytes, media_type: Option<String>, truncated: bool) -> Self {
        Body {
            sha256: sha256_hex(&bytes),
            size: bytes.len() as u64,
            media_type,
            truncated,
            bytes,
        }
    }

    /// Replaces the bytes, keeping digest and size true to them.
    pub fn set_bytes(&mut self, bytes: Bytes) {
        self.sha256 = sha256_hex(&bytes);
        self.size = bytes.len() as u64;
        self.bytes = bytes;
    }
}

/// sha256 as lowercase hex, the one digest form of records and bundles.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The redaction marker that replaces every secret value.
pub const REDACTED: &str = "[REDACTED]";
