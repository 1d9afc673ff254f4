//! What every step of a run shares: options, sources (for locations), the HTTP client,
//! caches, the redactor and the recorder its events go to.

use crate::caches::Caches;
use crate::options::{Bindings, RunOptions};
use crate::recorder::Recorder;
use crate::transport::Transport;
use samsvar_diagnostics::{SourceMap, Span};
use samsvar_record::{
    DEFAULT_MAX_ISSUES, Diagnostic, Event, PayloadLocation, Redactor, Severity, excerpt,
};

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

    /// A value the system under test may control, as the record keeps it: secrets
    /// redacted first (so a cut never leaves part of one), then bounded and escaped.
    pub fn shown(&self, text: &str) -> String {
        let clean = self.redactor.text(text);
        excerpt(&clean, self.options.max_excerpt_bytes).into_owned()
    }

    /// Issues as the record keeps them: each message and location bounded, at most
    /// [`DEFAULT_MAX_ISSUES`], the rest counted in one closing issue.
    pub fn shown_issues(&self, mut issues: Vec<Diagnostic>) -> Vec<Diagnostic> {
        let dropped = issues.len().saturating_sub(DEFAULT_MAX_ISSUES);
        issues.truncate(DEFAULT_MAX_ISSUES);
        for issue in &mut issues {
            issue.message = self.shown(&issue.message);
            if let Some(hint) = &issue.hint {
                issue.hint = Some(self.shown(hint));
            }
            if let Some(at) = issue.payload_mut() {
                for part in [&mut at.expression, &mut at.xpath, &mut at.pointer] {
                    if let Some(text) = part.as_deref() {
                        *part = Some(self.shown(text));
                    }
                }
            }
        }
        if dropped > 0 {
            issues.push(Diagnostic::new(
                Severity::Information,
                "issues-truncated",
                PayloadLocation::default(),
                format!(
                    "{dropped} more issue(s) not recorded (at most {DEFAULT_MAX_ISSUES} per assertion)"
                ),
            ));
        }
        issues
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
