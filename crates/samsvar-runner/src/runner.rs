//! The entry point: announces the plan, runs the suites one after another, and returns
//! the record its events fold into.

use crate::caches::Caches;
use crate::clock::{millis, now_rfc3339};
use crate::context::RunContext;
use crate::options::{Bindings, RunOptions};
use crate::recorder::Recorder;
use crate::suite::run_suite;
use crate::transport::{Transport, TransportError};
use crate::vars::Scope;
use samsvar_diagnostics::SourceMap;
use samsvar_record::{
    Event, EventSink, ReceivedRecord, Redactor, RunRecord, TargetRecord, ToolInfo,
};
use samsvar_suite::Loaded;
use samsvar_suite::model::Suite;
use std::sync::Mutex;
use std::time::Instant;
use tokio::sync::mpsc;

pub struct Runner {
    options: RunOptions,
    inbox: Mutex<Option<Inbox>>,
}

/// Where the services samsvar runs for a run (the audit record repository) hand over
/// what systems send them; the runner records each message as it arrives.
pub type Inbox = mpsc::UnboundedReceiver<ReceivedRecord>;

impl Runner {
    pub fn new(options: RunOptions) -> Self {
        Self {
            options,
            inbox: Mutex::new(None),
        }
    }

    /// Records every message that arrives on `inbox` while the run lasts (and those
    /// already waiting when it ends) as a `MessageReceived` event.
    pub fn with_inbox(self, inbox: Inbox) -> Self {
        Self {
            inbox: Mutex::new(Some(inbox)),
            ..self
        }
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
        let redactor = &self.options.redactor;
        redactor.register_all(bindings.secret_values(suites));
        let user_agent = format!("{}/{}", self.options.tool_name, self.options.tool_version);
        let transport = Transport::new(self.options.max_body_bytes, &user_agent, redactor)?
            .with_target_security(bindings, &user_agent)?;
        let caches = Caches::default();
        let recorder = Recorder::new(sink);
        let empty = SourceMap::new();
        let mut ctx = RunContext {
            options: &self.options,
            bindings,
            sources: &empty,
            transport: &transport,
            caches: &caches,
            redactor,
            recorder: &recorder,
        };
        let targets: Vec<TargetRecord> = bindings
            .targets
            .iter()
            .map(|(name, b)| TargetRecord {
                name: name.clone(),
                url: redactor.url(&b.url).into_owned(),
                simulated: b.simulated,
            })
            .collect();
        ctx.emit(Event::RunStarted {
            run_id: self.options.run_id.clone(),
            started_at,
            tool: ToolInfo {
                name: self.options.tool_name.clone(),
                version: self.options.tool_version.clone(),
            },
            targets,
            plan: suites.iter().map(crate::plan::suite_plan).collect(),
            selection: self.options.selection.clone(),
        });
        let inbox = self.inbox.lock().ok().and_then(|mut i| i.take());
        let ctx = &mut ctx;
        let suites_run = async {
            for loaded in suites {
                ctx.sources = &loaded.sources;
                let scope = base_scope(&loaded.suite, bindings, &self.options.run_id);
                run_suite(ctx, &loaded.suite, scope).await;
            }
        };
        match inbox {
            None => suites_run.await,
            Some(mut inbox) => {
                tokio::pin!(suites_run);
                loop {
                    tokio::select! {
                        () = &mut suites_run => break,
                        Some(message) = inbox.recv() => received(&recorder, redactor, message),
                    }
                }
                // What is still on its way: a system sends its audit record after it
                // answered the last request. Wait until the line is quiet for a moment.
                let settle = tokio::time::Instant::now() + SETTLE_MAX;
                while let Ok(Some(message)) = tokio::time::timeout_at(
                    settle.min(tokio::time::Instant::now() + SETTLE_QUIET),
                    inbox.recv(),
                )
                .await
                {
                    received(&recorder, redactor, message);
                }
            }
        }
        ctx.emit(Event::RunFinished {
            finished_at: now_rfc3339(),
            duration_ms: millis(started.elapsed()),
        });
        Ok(recorder.into_record())
    }
}

/// After the suites, messages are still taken until none arrived for this long…
const SETTLE_QUIET: std::time::Duration = std::time::Duration::from_millis(500);
/// …but no longer than this in all.
const SETTLE_MAX: std::time::Duration = std::time::Duration::from_secs(3);

/// Records a message a service of the run received, redacted like every exchange.
fn received(recorder: &Recorder<'_>, redactor: &Redactor, mut message: ReceivedRecord) {
    redactor.redact_received(&mut message);
    recorder.emit(Event::MessageReceived {
        message: Box::new(message),
    });
}

/// Inputs (suite defaults, then bound values), target URLs by name, and `$run_id`.
fn base_scope(suite: &Suite, bindings: &Bindings, run_id: &str) -> Scope {
    let mut scope = Scope::new();
    scope.set("$run_id", run_id);
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
