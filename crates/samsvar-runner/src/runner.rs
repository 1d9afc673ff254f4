//! The entry point: runs suites one after another and assembles the run record.

use crate::Outcome;
use crate::caches::Caches;
use crate::clock::now_rfc3339;
use crate::context::RunContext;
use crate::event::Event;
use crate::options::{Bindings, RunOptions};
use crate::record::{
    ItemRecord, RECORD_FORMAT_VERSION, RunRecord, Summary, TargetRecord, ToolInfo,
};
use crate::redact::Redactor;
use crate::sink::EventSink;
use crate::step::millis;
use crate::suite_exec::run_suite;
use crate::transport::{Transport, TransportError};
use crate::vars::Scope;
use samsvar_diagnostics::SourceMap;
use samsvar_suite::Loaded;
use samsvar_suite::model::Suite;
use std::time::Instant;

pub struct Runner {
    options: RunOptions,
}

impl Runner {
    pub fn new(options: RunOptions) -> Self {
        Self { options }
    }

    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    /// Runs every suite against the bound targets, emitting events to `sink` as it goes.
    ///
    /// Each [`Loaded`] suite carries the sources its spans point into (for `file:line:col`).
    /// Fails only when the HTTP client cannot be created; everything the SUT does ends
    /// up in the record.
    pub async fn run(
        &self,
        suites: &[Loaded],
        bindings: &Bindings,
        sink: &dyn EventSink,
    ) -> Result<RunRecord, TransportError> {
        let started = Instant::now();
        let started_at = now_rfc3339();
        let user_agent = format!("{}/{}", self.options.tool_name, self.options.tool_version);
        let transport = Transport::new(self.options.max_body_bytes, &user_agent)?
            .with_target_security(bindings, &user_agent)?;
        let caches = Caches::default();
        let redactor = Redactor::new(secret_values(suites, bindings));
        let empty = SourceMap::new();
        let mut ctx = RunContext {
            options: &self.options,
            bindings,
            sources: &empty,
            transport: &transport,
            caches: &caches,
            redactor: &redactor,
            sink,
        };
        let targets: Vec<TargetRecord> = bindings
            .targets
            .iter()
            .map(|(name, b)| TargetRecord {
                name: name.clone(),
                url: ctx.redactor.text(&b.url),
                simulated: b.simulated,
            })
            .collect();
        ctx.emit(Event::RunStarted {
            run_id: self.options.run_id.clone(),
            started_at: started_at.clone(),
            targets: targets.clone(),
            total_tests: suites
                .iter()
                .map(|s| crate::plan::plan(&s.suite).len())
                .sum(),
        });

        let mut records = Vec::new();
        for loaded in suites {
            ctx.sources = &loaded.sources;
            let scope = base_scope(&loaded.suite, bindings);
            records.push(run_suite(&ctx, &loaded.suite, scope).await);
        }
        let mut summary = Summary::default();
        for s in &records {
            count(&s.root.items, &mut summary);
        }
        let record = RunRecord {
            format_version: RECORD_FORMAT_VERSION.to_string(),
            run_id: self.options.run_id.clone(),
            tool: ToolInfo {
                name: self.options.tool_name.clone(),
                version: self.options.tool_version.clone(),
            },
            started_at,
            finished_at: now_rfc3339(),
            duration_ms: millis(started.elapsed()),
            targets,
            outcome: records
                .iter()
                .map(|s| s.outcome)
                .max()
                .unwrap_or(Outcome::Pass),
            suites: records,
            summary,
        };
        ctx.emit(Event::RunFinished {
            record: record.clone(),
        });
        Ok(record)
    }
}

/// Inputs (suite defaults, then bound values) and target URLs, by name.
fn base_scope(suite: &Suite, bindings: &Bindings) -> Scope {
    let mut scope = Scope::new();
    // `{{fhir}}` is the base URL of target `fhir`; `{{target}}` that of the only target.
    for (name, b) in &bindings.targets {
        scope.set(name.clone(), b.url.trim_end_matches('/').to_string());
    }
    if let Some(url) = only_target_url(suite, bindings) {
        scope.set("target", url);
    }
    for (name, decl) in &suite.inputs {
        if let Some(v) = bindings.inputs.get(name).or(decl.default.as_ref()) {
            scope.set(name.clone(), v.clone());
        }
    }
    scope
}

fn only_target_url(suite: &Suite, bindings: &Bindings) -> Option<String> {
    let mut it = suite.targets.keys();
    match (it.next(), it.next()) {
        (Some(name), None) => bindings
            .targets
            .get(name)
            .map(|b| b.url.trim_end_matches('/').to_string()),
        _ => None,
    }
}

fn secret_values(suites: &[Loaded], bindings: &Bindings) -> Vec<String> {
    let mut out = bindings.secrets.clone();
    for s in suites.iter().map(|l| &l.suite) {
        for (name, decl) in &s.inputs {
            if decl.secret
                && let Some(v) = bindings.inputs.get(name).or(decl.default.as_ref())
            {
                out.push(v.clone());
            }
        }
    }
    out
}

fn count(items: &[ItemRecord], summary: &mut Summary) {
    for i in items {
        match i {
            ItemRecord::Group(g) => count(&g.items, summary),
            ItemRecord::Test(t) => summary.add(t.outcome),
        }
    }
}
