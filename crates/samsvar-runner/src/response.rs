//! A received response as assertions and captures see it: the JSON body is parsed at
//! most once, and only when something needs it.

use crate::transport::IncomingResponse;
use crate::vars::Scope;
use serde_json::Value;
use std::sync::OnceLock;

pub struct ResponseView<'a> {
    pub resp: &'a IncomingResponse,
    json: OnceLock<Result<Value, NotJson>>,
}

/// Why the body could not be used as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotJson {
    /// No body at all: the SUT left out content it owed (a failure, not an error).
    Empty,
    /// A body that does not parse: the SUT could not be tested (an error).
    Invalid(String),
}

impl NotJson {
    /// `Fail` for a missing body, `Error` for an unparseable one.
    pub fn outcome(&self) -> crate::Outcome {
        match self {
            NotJson::Empty => crate::Outcome::Fail,
            NotJson::Invalid(_) => crate::Outcome::Error,
        }
    }
}

impl std::fmt::Display for NotJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotJson::Empty => f.write_str("the response has no body (a JSON body was expected)"),
            NotJson::Invalid(e) => f.write_str(e),
        }
    }
}

impl<'a> ResponseView<'a> {
    pub fn new(resp: &'a IncomingResponse) -> Self {
        Self {
            resp,
            json: OnceLock::new(),
        }
    }

    /// The body as JSON, or why not ("response body is not JSON: … at line:col").
    pub fn json(&self) -> Result<&Value, NotJson> {
        self.json
            .get_or_init(|| parse_json(&self.resp.body))
            .as_ref()
            .map_err(Clone::clone)
    }
}

fn parse_json(body: &[u8]) -> Result<Value, NotJson> {
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

/// The scope's values as FHIRPath `%name` variables (strings).
pub fn fhirpath_vars(scope: &Scope) -> samsvar_fhirpath::Variables<'static> {
    let mut vars = samsvar_fhirpath::Variables::new();
    for (k, v) in scope.iter() {
        vars.insert(k, Value::String(v.to_string()));
    }
    vars
}

/// A FHIRPath result as a person reads it: `empty`, one value, or `[a, b]`.
pub fn show_results(results: &[Value]) -> String {
    match results {
        [] => "empty".to_string(),
        [one] => samsvar_fhirpath::display(one),
        many => format!(
            "[{}]",
            many.iter()
                .map(samsvar_fhirpath::display)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
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
        assert_eq!(err.outcome(), crate::Outcome::Error);
        assert_eq!(parse_json(b" ").unwrap_err(), NotJson::Empty);
        assert_eq!(
            parse_json(b"\xEF\xBB\xBF{\"a\": 1}").unwrap(),
            serde_json::json!({ "a": 1 })
        );
    }
}
