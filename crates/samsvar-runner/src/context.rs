//! What every step of a run shares: options, sources (for locations), the HTTP client,
//! caches, the redactor and the recorder its events go to.

use crate::caches::Caches;
use crate::options::{Bindings, RunOptions};
use crate::recorder::Recorder;
use crate::transport::Transport;
use samsvar_diagnostics::{SourceMap, Span};
use samsvar_record::{Event, Redactor};

pub struct RunContext<'a> {
    pub options: &'a RunOptions,
    pub bindings: &'a Bindings,
    /// The sources of the suite being run (spans point into them).
    pub sources: &'a SourceMap,
    pub transport: &'a Transport,
    pub caches: &'a Caches,
    pub redactor: &'a Redactor,
    pub recorder: &'a Recorder<'a>,
}

impl RunContext<'_> {
    /// `file:line:col`.
    pub fn location(&self, span: Span) -> String {
        self.sources.location(span)
    }

    /// `file:line`.
    pub fn line_location(&self, span: Span) -> String {
        line_location(self.sources, span)
    }

    pub fn emit(&self, event: Event) {
        self.recorder.emit(event);
    }
}

/// `file:line` of a span.
pub fn line_location(sources: &SourceMap, span: Span) -> String {
    let full = sources.location(span);
    match full.rsplit_once(':') {
        Some((head, col)) if col.chars().all(|c| c.is_ascii_digit()) => head.to_string(),
        _ => full,
    }
}
