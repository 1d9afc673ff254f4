//! Errors of the XDS layer. Messages read "failed to …" or name the exact problem.

use samsvar_diagnostics::LineCol;
use thiserror::Error;

/// Problems reading untrusted XML.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum XmlError {
    #[error("failed to parse XML: document of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("failed to parse XML: not UTF-8 ({0})")]
    Encoding(String),
    #[error(
        "failed to parse XML at {}:{}: DOCTYPE declarations are refused (no DTDs, no entities)",
        position.line, position.col
    )]
    DocType { position: LineCol },
    #[error("failed to parse XML at {}:{}: nesting deeper than {limit} levels", position.line, position.col)]
    TooDeep { limit: usize, position: LineCol },
    #[error("failed to parse XML: more than {limit} elements")]
    TooManyElements { limit: usize },
    #[error("failed to parse XML at {}:{}: more than {limit} attributes on one element", position.line, position.col)]
    TooManyAttributes { limit: usize, position: LineCol },
    #[error("failed to parse XML at {}:{}: {message}", position.line, position.col)]
    Syntax { message: String, position: LineCol },
    #[error("failed to parse XML: the document is empty")]
    Empty,
}

/// Everything that can go wrong building, sending or reading XDS messages.
#[derive(Debug, Error)]
pub enum XdsError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("SOAP fault {code}{}: {reason}", subcode.as_ref().map(|s| format!(" / {s}")).unwrap_or_default())]
    SoapFault {
        code: String,
        subcode: Option<String>,
        reason: String,
    },
    #[error("failed to read SOAP message: {0}")]
    Soap(String),
    #[error("failed to read MTOM/XOP message: {0}")]
    Mtom(String),
    #[error("failed to read XDS message: {0}")]
    Message(String),
    #[error("failed to build XDS request: {0}")]
    Build(String),
    #[error("failed to read fixture {path}: {message}")]
    Fixture { path: String, message: String },
    #[error("failed to send XDS request: {0}")]
    Transport(String),
    #[error("failed to receive XDS response: body larger than {limit} bytes")]
    ResponseTooLarge { limit: usize },
    #[error("failed to receive XDS response: timed out after {0} ms")]
    Timeout(u64),
}
