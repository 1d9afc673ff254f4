//! The run record: everything a run observed, in a form reporters and the evidence
//! writer consume. Serialized as the JSON run record (`run.json`).
//!
//! Contract between `samsvar-runner` (producer) and reporters / `samsvar-evidence`
//! (consumers). Secrets are redacted *before* values are put into these types.

use crate::Outcome;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// Version of the run record format; bump on incompatible changes.
pub const RECORD_FORMAT_VERSION: &str = "1.0";

#[derive(Debug, Clone, Serialize, Deserialize)]
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
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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
    pub failed: usize,
    pub errored: usize,
}

impl Summary {
    pub fn add(&mut self, outcome: Outcome) {
        self.total += 1;
        match outcome {
            Outcome::Pass => self.passed += 1,
            Outcome::Skip => self.skipped += 1,
            Outcome::Fail => self.failed += 1,
            Outcome::Error => self.errored += 1,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SuiteRecord {
    pub id: String,
    pub version: String,
    pub title: String,
    /// The suite file as given (relative to the working directory where possible).
    pub path: String,
    /// sha256 (hex) of the suite file's bytes.
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

#[derive(Debug, Clone, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupRecord {
    pub id: String,
    pub title: Option<String>,
    pub optional: bool,
    /// Worst outcome of the required children (optional children never fail a group).
    pub outcome: Outcome,
    pub items: Vec<ItemRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ItemRecord {
    Group(GroupRecord),
    Test(TestRecord),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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
    pub steps: Vec<StepRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaptureRecord {
    pub name: String,
    /// The captured value, or `None` when nothing matched. Redacted when secret.
    pub value: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// Structured findings, e.g. validator issues for `conforms_to`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<Issue>,
}

/// A finding attached to an assertion (validator issue, XDS rule violation, JSON Schema error).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Issue {
    /// `error`, `warning`, `information`.
    pub severity: String,
    /// Where in the payload, as a FHIRPath-style expression or JSON pointer.
    pub location: String,
    pub message: String,
    /// Rule or constraint key that fired, e.g. `ele-1`, `xds-de-002`.
    pub rule: Option<String>,
}

/// One HTTP request/response pair as sent and received (after redaction).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Exchange {
    pub request: HttpMessage,
    /// Absent when no response arrived (refused, timed out).
    pub response: Option<HttpMessage>,
    /// Status code of the response.
    pub status: Option<u16>,
    /// Time from sending the request to having the whole response body.
    pub elapsed_ms: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HttpMessage {
    /// For requests: method and URL. Empty for responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Header names lower-cased, in order; secret values replaced by `[REDACTED]`.
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
}

/// A message body: digest and size in the record, bytes kept in memory for the
/// evidence writer (stored once under `exchanges/<sha256>`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Body {
    /// sha256 (hex) of the body bytes.
    pub sha256: String,
    pub size: u64,
    pub media_type: Option<String>,
    /// `true` when the body exceeded the size limit and was cut.
    #[serde(default)]
    pub truncated: bool,
    #[serde(skip)]
    pub bytes: Bytes,
}

/// The redaction marker that replaces every secret value.
pub const REDACTED: &str = "[REDACTED]";
