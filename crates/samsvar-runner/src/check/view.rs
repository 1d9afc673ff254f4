//! A response as assertions and captures see it. HTTP, XDS and TLS-probe steps each
//! offer one; the evaluator in this module is the same for all of them.

use super::Verdict;
use crate::context::RunContext;
use crate::vars::Scope;
use samsvar_suite::model::{AssertionKind, CaptureSource};
use serde_json::Value;
use std::borrow::Cow;
use std::time::Duration;

/// What a step received, seen through the questions assertions ask.
pub trait ResponseView {
    /// The HTTP status, when a response arrived.
    fn status(&self) -> Option<u16>;
    /// The first value of a header (name compared case-insensitively).
    fn header(&self, name: &str) -> Option<&str>;
    /// From sending the request to having the whole response.
    fn elapsed(&self) -> Duration;
    /// The body as JSON (parsed at most once), or why not.
    fn json(&self) -> Result<&Value, NotJson>;
    /// The body as text (lossy for bytes that are not UTF-8).
    fn text(&self) -> Cow<'_, str>;
    /// The body's bytes as received, for steps whose response has one.
    fn bytes(&self) -> Option<&[u8]> {
        None
    }

    /// Assertions only this kind of step answers (`xds:`, `tls:`): their kind as
    /// written, description and verdict. `None` hands the assertion to the evaluator.
    fn own_verdict(
        &self,
        _ctx: &RunContext<'_>,
        _kind: &AssertionKind,
        _scope: &Scope,
    ) -> Option<(&'static str, String, Verdict)> {
        None
    }

    /// Capture sources only this kind of step answers (`xds:`): what is read, and the
    /// value found. `None` hands the capture to the evaluator.
    fn own_capture(
        &self,
        _source: &CaptureSource,
    ) -> Option<(String, Result<Option<String>, String>)> {
        None
    }
}

/// Why the body could not be used as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotJson {
    /// No body at all: the SUT left out content it owed (a failure, not an error).
    Empty,
    /// A body that does not parse: the SUT could not be tested (an error).
    Invalid(String),
    /// This kind of step has no JSON body to ask (an error of the suite).
    NotApplicable(&'static str),
}

impl NotJson {
    /// `Fail` for a missing body, `Error` otherwise.
    pub fn outcome(&self) -> samsvar_record::Outcome {
        match self {
            NotJson::Empty => samsvar_record::Outcome::Fail,
            NotJson::Invalid(_) | NotJson::NotApplicable(_) => samsvar_record::Outcome::Error,
        }
    }
}

impl std::fmt::Display for NotJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotJson::Empty => f.write_str("the response has no body (a JSON body was expected)"),
            NotJson::Invalid(e) => f.write_str(e),
            NotJson::NotApplicable(why) => f.write_str(why),
        }
    }
}

/// Parses a JSON body: a UTF-8 byte order mark is skipped, an empty body is `Empty`,
/// a broken one names the line and column.
pub fn parse_json(body: &[u8]) -> Result<Value, NotJson> {
    // A UTF-8 byte order mark is not part of the JSON (RFC 8259 §8.1 lets parsers skip it).
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(NotJson::Empty);
    }
    serde_json::from_slice(body).map_err(|e| {
        let full = e.to_string();
        let what = full
            .rsplit_once(" at line ")
            .map_or(full.as_str(), |(w, _)| w);
        NotJson::Invalid(format!(
            "response body is not JSON: {what} at {}:{}",
            e.line(),
            e.column()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_json_names_line_and_column() {
        let err = parse_json(b"{\n  \"a\": oops}").unwrap_err();
        assert_eq!(
            err.to_string(),
            "response body is not JSON: expected value at 2:8"
        );
        assert_eq!(err.outcome(), samsvar_record::Outcome::Error);
        assert_eq!(parse_json(b" ").unwrap_err(), NotJson::Empty);
        assert_eq!(
            parse_json(b"\xEF\xBB\xBF{\"a\": 1}").unwrap(),
            serde_json::json!({ "a": 1 })
        );
    }
}
