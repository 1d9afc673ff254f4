//! The append-only run journal (`journal.jsonl`): a header line, then the run's events
//! themselves, one JSON line each with the time it was written. Every line is written
//! at once (a killed process loses nothing) and the file is synced after every finished
//! test; bodies are stored under `exchanges/` before the line that names them. After a
//! crash, [`finalize_from_journal`] replays the events through the same fold the runner
//! builds its record with: tests still open become `interrupted`, planned tests that
//! never started `not_started`.

use crate::bundle::{BodyStore, BundleOptions, BundleSummary, write_bundle, write_bundle_with};
use crate::error::{EvidenceError, Result};
use crate::manifest::{EXCHANGES_DIR, JOURNAL};
use crate::model::{PackageDigest, SutIdentity};
use samsvar_record::{Event, EventSink, Fold, Redactor, RunRecord, ToolInfo};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Version of the journal's line format. 2: the lines are the run's events.
pub const JOURNAL_VERSION: &str = "2";

/// What the journal knows before the first event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JournalHeader {
    pub tool: Option<ToolInfo>,
    pub sut: Option<SutIdentity>,
    #[serde(default)]
    pub packages: Vec<PackageDigest>,
}

/// The first line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename = "header")]
struct HeaderLine {
    journal_version: String,
    at: String,
    header: JournalHeader,
}

/// Every other line: an event and when it was written.
#[derive(Serialize)]
struct StampedRef<'a> {
    at: &'a str,
    #[serde(flatten)]
    event: &'a Event,
}

#[derive(Deserialize)]
struct Stamped {
    at: String,
    #[serde(flatten)]
    event: Event,
}

/// Writes the journal as events arrive.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    file: File,
    /// `exchanges/`, remembering the bodies stored so far.
    bodies: BodyStore,
    redactor: Redactor,
    /// The first write error; later events are dropped and the error is reported at the end.
    failed: Option<String>,
}

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

impl Journal {
    /// Starts a journal in `dir` (created if needed), replacing any earlier one. Every
    /// line and body is checked against `redactor` (the run's) before it is written.
    pub fn create(dir: &Path, header: JournalHeader, redactor: &Redactor) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| EvidenceError::io("create", dir, e))?;
        let path = dir.join(JOURNAL);
        let file = File::create(&path).map_err(|e| EvidenceError::io("create", &path, e))?;
        let mut journal = Journal {
            dir: dir.to_path_buf(),
            file,
            bodies: BodyStore::new(dir.join(EXCHANGES_DIR)),
            redactor: redactor.clone(),
            failed: None,
        };
        let line = HeaderLine {
            journal_version: JOURNAL_VERSION.to_string(),
            at: now_rfc3339(),
            header,
        };
        let bytes = serde_json::to_vec(&line).map_err(|source| EvidenceError::Json {
            what: "the journal header",
            source,
        })?;
        journal.append(bytes, true)?;
        Ok(journal)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Records one event. Never fails the run: a write error is kept and returned by
    /// [`Journal::finish`].
    pub fn on_event(&mut self, event: &Event) {
        if self.failed.is_some() {
            return;
        }
        if let Err(e) = self.try_event(event) {
            self.failed = Some(e.to_string());
        }
    }

    fn try_event(&mut self, event: &Event) -> Result<()> {
        let at = now_rfc3339();
        let mut line = stamped(&at, event)?;
        let bodies_leak = event
            .bodies()
            .any(|b| self.redactor.contains_secret(&b.bytes));
        // The runner redacted the event with this same redactor; only a secret learnt
        // since (a token obtained meanwhile) makes a second pass rewrite it.
        let redacted;
        let event = if bodies_leak || self.redactor.contains_secret(&line) {
            let mut clean = event.clone();
            self.redactor.redact_event(&mut clean);
            line = stamped(&at, &clean)?;
            redacted = clean;
            &redacted
        } else {
            event
        };
        for body in event.bodies() {
            self.bodies.put(body, &self.redactor)?;
        }
        if let Some(clean) = self.redactor.bytes(&line) {
            line = clean;
        }
        // Synced at every milestone; steps are written at once and synced with their
        // test (waiting for the disk per step made runs several times slower).
        let sync = !matches!(
            event,
            Event::StepFinished { .. }
                | Event::SuiteStarted { .. }
                | Event::TestStarted { .. }
                | Event::MessageReceived { .. }
        );
        self.append(line, sync)
    }

    fn append(&mut self, mut line: Vec<u8>, sync: bool) -> Result<()> {
        let path = self.dir.join(JOURNAL);
        line.push(b'\n');
        // One write per line: a crash leaves at most one partial last line.
        self.file
            .write_all(&line)
            .map_err(|e| EvidenceError::io("append to", &path, e))?;
        if sync {
            self.file
                .sync_data()
                .map_err(|e| EvidenceError::io("sync", &path, e))?;
        }
        Ok(())
    }

    /// Ends the journal and writes the complete bundle from the run's record.
    pub fn finish(mut self, record: &RunRecord, options: &BundleOptions) -> Result<BundleSummary> {
        if let Some(err) = self.failed.take() {
            return Err(EvidenceError::Finalize {
                path: self.dir.clone(),
                message: format!("the journal could not be written: {err}"),
            });
        }
        self.file
            .sync_all()
            .map_err(|e| EvidenceError::io("sync", self.dir.join(JOURNAL), e))?;
        write_bundle_with(&self.dir, record, true, options, self.bodies)
    }
}

fn stamped(at: &str, event: &Event) -> Result<Vec<u8>> {
    serde_json::to_vec(&StampedRef { at, event }).map_err(|source| EvidenceError::Json {
        what: "a journal entry",
        source,
    })
}

/// What [`read_journal`] recovered.
#[derive(Debug, Clone)]
pub struct Recovered {
    pub header: JournalHeader,
    pub record: RunRecord,
    /// `true` when the journal reaches the run's end (`run_finished`).
    pub complete: bool,
    /// Lines that could not be read (a torn last line after a crash).
    pub skipped_lines: usize,
}

/// Rebuilds the run record from a journal by replaying its events through the fold.
pub fn read_journal(dir: &Path) -> Result<Recovered> {
    let path = dir.join(JOURNAL);
    let text = std::fs::read(&path).map_err(|e| EvidenceError::io("read", &path, e))?;
    let fail = |message: String| EvidenceError::Finalize {
        path: dir.to_path_buf(),
        message,
    };
    let mut header = JournalHeader::default();
    let mut fold = Fold::new();
    let mut skipped_lines = 0;
    let mut first = true;
    for line in text.split(|b| *b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if std::mem::take(&mut first)
            && let Ok(h) = serde_json::from_slice::<HeaderLine>(line)
        {
            if h.journal_version != JOURNAL_VERSION {
                return Err(fail(format!(
                    "the journal is version {}, this samsvar reads version {JOURNAL_VERSION}: \
                     finalize it with the samsvar that wrote it",
                    h.journal_version
                )));
            }
            header = h.header;
            continue;
        }
        match serde_json::from_slice::<Stamped>(line) {
            Ok(Stamped { at, event }) => {
                fold.seen_at(&at);
                fold.apply(event);
            }
            Err(_) => skipped_lines += 1,
        }
    }
    if !fold.has_started() {
        return Err(fail(
            "the journal has no run_started entry: the run never started".into(),
        ));
    }
    let complete = fold.is_complete();
    let mut record = fold.into_record();
    if !complete {
        record.duration_ms = duration_between(&record.started_at, &record.finished_at);
    }
    Ok(Recovered {
        header,
        record,
        complete,
        skipped_lines,
    })
}

fn duration_between(start: &str, end: &str) -> u64 {
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;
    match (
        OffsetDateTime::parse(start, &Rfc3339),
        OffsetDateTime::parse(end, &Rfc3339),
    ) {
        (Ok(s), Ok(e)) => u64::try_from((e - s).whole_milliseconds()).unwrap_or(0),
        _ => 0,
    }
}

/// `samsvar report finalize DIR`: builds the bundle from the journal in `dir`.
/// Marked `complete: false` unless the journal reaches the run's end.
pub fn finalize_from_journal(
    dir: &Path,
    options: &BundleOptions,
) -> Result<(BundleSummary, Recovered)> {
    let recovered = read_journal(dir)?;
    let mut options = options.clone();
    if options.sut.is_none() {
        options.sut = recovered.header.sut.clone();
    }
    if options.packages.is_empty() {
        options.packages = recovered.header.packages.clone();
    }
    let summary = write_bundle(dir, &recovered.record, recovered.complete, &options)?;
    Ok((summary, recovered))
}

/// The journal as an [`EventSink`]: subscribe it, run, then [`JournalSink::finish`].
#[derive(Debug)]
pub struct JournalSink {
    journal: std::sync::Mutex<Option<Journal>>,
}

impl JournalSink {
    pub fn new(journal: Journal) -> Self {
        JournalSink {
            journal: std::sync::Mutex::new(Some(journal)),
        }
    }

    /// Closes the journal and writes the complete bundle (see [`Journal::finish`]).
    pub fn finish(&self, record: &RunRecord, options: &BundleOptions) -> Result<BundleSummary> {
        let journal = self
            .journal
            .lock()
            .ok()
            .and_then(|mut guard| guard.take())
            .ok_or_else(|| EvidenceError::Finalize {
                path: PathBuf::new(),
                message: "the journal was already finished".into(),
            })?;
        journal.finish(record, options)
    }
}

impl EventSink for JournalSink {
    fn emit(&self, event: &Event) {
        if let Ok(mut guard) = self.journal.lock()
            && let Some(journal) = guard.as_mut()
        {
            journal.on_event(event);
        }
    }
}
