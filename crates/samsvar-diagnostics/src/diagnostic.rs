//! The one problem type of samsvar: suite lint, FHIR validation, XDS metadata rules and
//! run-time findings are all a [`Diagnostic`].

use crate::{IssueType, LineCol, Severity, Span};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// One problem found in user input or in a payload, with a stable rule id.
///
/// Serialised with stable, lower-case field names (`severity`, `rule`, `message`, `hint`,
/// `location`, `issue_type`) for run records and evidence.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The stable id of the check that fired: a suite lint code (`unknown-key`), a FHIR
    /// rule or constraint key (`cardinality`, `ele-1`), an XDS rule (`xds-de-004`).
    pub rule: Cow<'static, str>,
    pub message: String,
    /// A short suggestion, e.g. "did you mean `status`?".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    pub location: Location,
    /// FHIR's kind of problem (OperationOutcome.issue.code), when the check knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_type: Option<IssueType>,
}

/// Where a diagnostic points: into a file the user wrote, or into a payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Location {
    /// Bytes of a file in a [`crate::SourceMap`] (a suite, a config file). Renderers
    /// that are given the map turn it into `file:line:col`.
    Source(Span),
    /// A spot inside a FHIR resource or an XDS message.
    Payload(PayloadLocation),
}

/// A spot inside a payload. Every part is optional: an unreadable input as a whole has
/// none, a FHIR issue has an expression and a JSON pointer, an XDS finding an XPath.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PayloadLocation {
    /// FHIRPath-style location, e.g. `Patient.name[0].given[1]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// XPath-like location in XML, e.g. `/Envelope/Body/…/ExtrinsicObject[@id='Doc01']`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xpath: Option<String>,
    /// JSON pointer (RFC 6901) into JSON, e.g. `/name/0/given/1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// 1-based line and column in the payload's text, when it was read from text.
    #[serde(default, flatten, skip_serializing_if = "Option::is_none")]
    pub position: Option<LineCol>,
}

impl PayloadLocation {
    /// A FHIRPath-style location; an empty expression means the input as a whole.
    pub fn expression(expression: impl Into<String>) -> PayloadLocation {
        let expression = expression.into();
        PayloadLocation {
            expression: (!expression.is_empty()).then_some(expression),
            ..PayloadLocation::default()
        }
    }

    /// An XPath-like location in XML.
    pub fn xpath(xpath: impl Into<String>) -> PayloadLocation {
        PayloadLocation {
            xpath: Some(xpath.into()),
            ..PayloadLocation::default()
        }
    }

    pub fn with_position(mut self, position: Option<LineCol>) -> PayloadLocation {
        self.position = position;
        self
    }

    /// The path a reader looks for: the expression, else the XPath, else the pointer.
    pub fn path(&self) -> Option<&str> {
        self.expression
            .as_deref()
            .or(self.xpath.as_deref())
            .or(self.pointer.as_deref())
    }
}

impl From<Span> for Location {
    fn from(span: Span) -> Location {
        Location::Source(span)
    }
}

impl From<PayloadLocation> for Location {
    fn from(payload: PayloadLocation) -> Location {
        Location::Payload(payload)
    }
}

impl Diagnostic {
    pub fn new(
        severity: Severity,
        rule: impl Into<Cow<'static, str>>,
        location: impl Into<Location>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity,
            rule: rule.into(),
            message: message.into(),
            hint: None,
            location: location.into(),
            issue_type: None,
        }
    }

    pub fn error(
        rule: impl Into<Cow<'static, str>>,
        location: impl Into<Location>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(Severity::Error, rule, location, message)
    }

    pub fn warning(
        rule: impl Into<Cow<'static, str>>,
        location: impl Into<Location>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(Severity::Warning, rule, location, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_issue_type(mut self, issue_type: IssueType) -> Diagnostic {
        self.issue_type = Some(issue_type);
        self
    }

    /// `Error` or `Fatal`.
    pub fn is_error(&self) -> bool {
        self.severity.is_error()
    }

    /// The suite span, for a diagnostic about a file the user wrote.
    pub fn span(&self) -> Option<Span> {
        match &self.location {
            Location::Source(span) => Some(*span),
            Location::Payload(_) => None,
        }
    }

    /// The payload location, for a diagnostic about a payload.
    pub fn payload(&self) -> Option<&PayloadLocation> {
        match &self.location {
            Location::Payload(p) => Some(p),
            Location::Source(_) => None,
        }
    }

    /// The payload location, to fill in what is known later (position, pointer).
    pub fn payload_mut(&mut self) -> Option<&mut PayloadLocation> {
        match &mut self.location {
            Location::Payload(p) => Some(p),
            Location::Source(_) => None,
        }
    }

    /// Line and column in a payload, when known.
    pub fn position(&self) -> Option<LineCol> {
        self.payload().and_then(|p| p.position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_diagnostics_round_trip_through_json() {
        let d = Diagnostic::error(
            "cardinality",
            PayloadLocation::expression("Patient.name").with_position(Some(LineCol::new(3, 5))),
            "minimum required = 1",
        )
        .with_issue_type(IssueType::Required);
        let json = serde_json::to_string(&d).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"severity":"error","rule":"cardinality","message":"minimum required = 1","location":{"payload":{"expression":"Patient.name","line":3,"col":5}},"issue_type":"required"}"#
        );
        let back: Diagnostic = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, d);
        let bare: Diagnostic = serde_json::from_str(
            r#"{"severity":"fatal","rule":"io","message":"failed","location":{"payload":{}}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(bare.position(), None);
        assert_eq!(bare.payload().and_then(PayloadLocation::path), None);
    }

    #[test]
    fn an_empty_expression_is_the_whole_input() {
        assert_eq!(PayloadLocation::expression(""), PayloadLocation::default());
    }
}
