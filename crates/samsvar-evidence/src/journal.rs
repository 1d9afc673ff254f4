//! The append-only run journal (`journal.jsonl`): one JSON line per event, written at
//! once (so a killed process loses nothing) and fsync'd after every finished test,
//! bodies stored under `exchanges/` as they arrive. After a crash, [`finalize_from_journal`] rebuilds an incomplete bundle
//! holding every step and test that had finished.

use crate::bundle::{BundleOptions, BundleSummary, write_body, write_bundle};
use crate::error::{EvidenceError, Result};
use crate::manifest::{EXCHANGES_DIR, JOURNAL};
use crate::model::{PackageDigest, SutIdentity};
use crate::redact::Scrubber;
use samsvar_runner::record::{
    EhdsRecord, FileDigest, GroupRecord, ItemRecord, RunRecord, StepRecord, SuiteRecord, Summary,
    TargetRecord, TestRecord, ToolInfo,
};
use samsvar_runner::{Event, Outcome};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const JOURNAL_VERSION: &str = "1";

/// What the journal knows before the first event: enough to describe an interrupted run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct JournalHeader {
    pub tool: Option<ToolInfo>,
    pub sut: Option<SutIdentity>,
    #[serde(default)]
    pub packages: Vec<PackageDigest>,
    /// The suites of the run, in run order.
    #[serde(default)]
    pub suites: Vec<SuiteHeader>,
}

/// A suite as planned, before any test ran.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SuiteHeader {
    pub id: String,
    pub version: String,
    pub title: String,
    pub path: String,
    pub sha256: String,
    #[serde(default)]
    pub fixtures: Vec<FileDigest>,
    pub ehds: Option<EhdsRecord>,
    #[serde(default)]
    pub verifies: Vec<String>,
}

/// One journal line.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Entry {
    Header {
        journal_version: String,
        at: String,
        header: Box<JournalHeader>,
    },
    RunStarted {
        at: String,
        run_id: String,
        started_at: String,
        targets: Vec<TargetRecord>,
    },
    SuiteStarted {
        at: String,
        suite_id: String,
        title: String,
    },
    TestStarted {
        at: String,
        suite_id: String,
        test_id: String,
    },
    StepFinished {
        at: String,
        suite_id: String,
        test_id: Option<String>,
        step: Box<StepRecord>,
    },
    TestFinished {
        at: String,
        suite_id: String,
        test: Box<TestRecord>,
    },
    SuiteFinished {
        at: String,
        suite: Box<SuiteRecord>,
    },
    RunFinished {
        at: String,
        record: Box<RunRecord>,
    },
}

/// Writes the journal as events arrive.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    file: File,
    scrubber: Scrubber,
    /// The first write error; later events are dropped and the error is reported at the end.
    failed: Option<String>,
    record: Option<RunRecord>,
}

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

impl Journal {
    /// Starts a journal in `dir` (created if needed), replacing any earlier one.
    pub fn create(dir: &Path, header: JournalHeader, secrets: &[String]) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| EvidenceError::io("create", dir, e))?;
        let path = dir.join(JOURNAL);
        let file = File::create(&path).map_err(|e| EvidenceError::io("create", &path, e))?;
        let mut journal = Journal {
            dir: dir.to_path_buf(),
            file,
            scrubber: Scrubber::new(secrets),
            failed: None,
            record: None,
        };
        journal.append(
            &Entry::Header {
                journal_version: JOURNAL_VERSION.to_string(),
                at: now_rfc3339(),
                header: Box::new(header),
            },
            true,
        )?;
        Ok(journal)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Records one event. Never fails the run: a write error is kept and returned by [`Journal::finish`].
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
        let exchanges = self.dir.join(EXCHANGES_DIR);
        let (entry, sync) = match event {
            Event::RunStarted {
                run_id,
                started_at,
                targets,
                ..
            } => (
                Entry::RunStarted {
                    at,
                    run_id: run_id.clone(),
                    started_at: started_at.clone(),
                    targets: targets.clone(),
                },
                true,
            ),
            Event::SuiteStarted {
                suite_id, title, ..
            } => (
                Entry::SuiteStarted {
                    at,
                    suite_id: suite_id.clone(),
                    title: title.clone(),
                },
                false,
            ),
            Event::TestStarted { suite_id, test_id } => (
                Entry::TestStarted {
                    at,
                    suite_id: suite_id.clone(),
                    test_id: test_id.clone(),
                },
                false,
            ),
            Event::StepFinished {
                suite_id,
                test_id,
                step,
            } => {
                let mut step = step.clone();
                self.scrubber.scrub_step(&mut step);
                store_bodies(&exchanges, &step, &self.scrubber)?;
                (
                    Entry::StepFinished {
                        at,
                        suite_id: suite_id.clone(),
                        test_id: test_id.clone(),
                        step: Box::new(step),
                    },
                    // Written at once (a killed process loses nothing); synced with its test.
                    false,
                )
            }
            Event::TestFinished { suite_id, test } => {
                let mut test = test.clone();
                self.scrubber.scrub_test(&mut test);
                for step in &test.steps {
                    store_bodies(&exchanges, step, &self.scrubber)?;
                }
                (
                    Entry::TestFinished {
                        at,
                        suite_id: suite_id.clone(),
                        test: Box::new(test),
                    },
                    true,
                )
            }
            Event::SuiteFinished { suite } => {
                let mut suite = suite.clone();
                self.scrubber.scrub_suite(&mut suite);
                (
                    Entry::SuiteFinished {
                        at,
                        suite: Box::new(suite),
                    },
                    true,
                )
            }
            Event::RunFinished { record } => {
                self.record = Some(record.clone());
                let mut record = record.clone();
                self.scrubber.scrub_run(&mut record);
                (
                    Entry::RunFinished {
                        at,
                        record: Box::new(record),
                    },
                    true,
                )
            }
        };
        self.append(&entry, sync)
    }

    fn append(&mut self, entry: &Entry, sync: bool) -> Result<()> {
        let path = self.dir.join(JOURNAL);
        let mut value = serde_json::to_value(entry).map_err(|source| EvidenceError::Json {
            what: "a journal entry",
            source,
        })?;
        self.scrubber.scrub_json(&mut value);
        let mut line = serde_json::to_vec(&value).map_err(|source| EvidenceError::Json {
            what: "a journal entry",
            source,
        })?;
        if let Some(clean) = self.scrubber.scrub_bytes(&line) {
            line = clean;
        }
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

    /// Ends the journal and writes the complete bundle from the run record
    /// (the one carried by `RunFinished`, or `record` when given).
    pub fn finish(
        mut self,
        record: Option<&RunRecord>,
        options: &BundleOptions,
    ) -> Result<BundleSummary> {
        if let Some(err) = self.failed.take() {
            return Err(EvidenceError::Finalize {
                path: self.dir.clone(),
                message: format!("the journal could not be written: {err}"),
            });
        }
        let record = match record.or(self.record.as_ref()) {
            Some(r) => r.clone(),
            None => {
                return Err(EvidenceError::Finalize {
                    path: self.dir.clone(),
                    message: "the run did not finish; use `samsvar report finalize`".into(),
                });
            }
        };
        self.file
            .sync_all()
            .map_err(|e| EvidenceError::io("sync", self.dir.join(JOURNAL), e))?;
        write_bundle(&self.dir, &record, true, options)
    }
}

fn store_bodies(exchanges: &Path, step: &StepRecord, scrubber: &Scrubber) -> Result<()> {
    if let Some(exchange) = &step.exchange {
        if let Some(body) = &exchange.request.body {
            write_body(exchanges, body, scrubber)?;
        }
        if let Some(body) = exchange.response.as_ref().and_then(|r| r.body.as_ref()) {
            write_body(exchanges, body, scrubber)?;
        }
    }
    Ok(())
}

/// What [`read_journal`] recovered.
#[derive(Debug, Clone)]
pub struct Recovered {
    pub header: JournalHeader,
    pub record: RunRecord,
    /// `true` when the journal holds the run's own final record.
    pub complete: bool,
    /// Lines that could not be read (a torn last line after a crash).
    pub skipped_lines: usize,
}

/// Rebuilds the run record from a journal. Unfinished tests that have finished steps
/// are kept as `error` tests with the reason "interrupted".
pub fn read_journal(dir: &Path) -> Result<Recovered> {
    let path = dir.join(JOURNAL);
    let text = std::fs::read(&path).map_err(|e| EvidenceError::io("read", &path, e))?;
    let mut entries = Vec::new();
    let mut skipped_lines = 0;
    for line in text.split(|b| *b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Entry>(line) {
            Ok(e) => entries.push(e),
            Err(_) => skipped_lines += 1,
        }
    }
    let mut header = JournalHeader::default();
    let mut run_id = None;
    let mut started_at = None;
    let mut targets = Vec::new();
    let mut last_at = None;
    let mut suite_order: Vec<(String, String)> = Vec::new();
    let mut finished_suites: Vec<SuiteRecord> = Vec::new();
    let mut finished_tests: Vec<(String, TestRecord)> = Vec::new();
    let mut loose_steps: Vec<(String, Option<String>, StepRecord)> = Vec::new();
    let mut started_tests: Vec<(String, String)> = Vec::new();

    for entry in entries {
        match entry {
            Entry::Header { header: h, at, .. } => {
                header = *h;
                last_at = Some(at);
            }
            Entry::RunStarted {
                at,
                run_id: id,
                started_at: s,
                targets: t,
            } => {
                run_id = Some(id);
                started_at = Some(s);
                targets = t;
                last_at = Some(at);
            }
            Entry::SuiteStarted {
                at,
                suite_id,
                title,
            } => {
                suite_order.push((suite_id, title));
                last_at = Some(at);
            }
            Entry::TestStarted {
                at,
                suite_id,
                test_id,
            } => {
                started_tests.push((suite_id, test_id));
                last_at = Some(at);
            }
            Entry::StepFinished {
                at,
                suite_id,
                test_id,
                step,
            } => {
                loose_steps.push((suite_id, test_id, *step));
                last_at = Some(at);
            }
            Entry::TestFinished { at, suite_id, test } => {
                finished_tests.push((suite_id, *test));
                last_at = Some(at);
            }
            Entry::SuiteFinished { at, suite } => {
                finished_suites.push(*suite);
                last_at = Some(at);
            }
            Entry::RunFinished { record, .. } => {
                return Ok(Recovered {
                    header,
                    record: *record,
                    complete: true,
                    skipped_lines,
                });
            }
        }
    }

    let run_id = run_id.ok_or_else(|| EvidenceError::Finalize {
        path: dir.to_path_buf(),
        message: "the journal has no run_started entry: the run never started".into(),
    })?;
    let started_at = started_at.unwrap_or_default();
    let finished_at = last_at.unwrap_or_else(|| started_at.clone());

    // Suites in the order they were planned, then any the header did not know.
    let mut ids: Vec<String> = header.suites.iter().map(|s| s.id.clone()).collect();
    for (id, _) in &suite_order {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    let mut suites = Vec::new();
    for id in ids {
        if let Some(done) = finished_suites.iter().find(|s| s.id == id) {
            suites.push(done.clone());
            continue;
        }
        let planned = header.suites.iter().find(|s| s.id == id);
        let title = planned
            .map(|s| s.title.clone())
            .or_else(|| {
                suite_order
                    .iter()
                    .find(|(s, _)| *s == id)
                    .map(|(_, t)| t.clone())
            })
            .unwrap_or_default();
        let mut items: Vec<ItemRecord> = finished_tests
            .iter()
            .filter(|(s, _)| *s == id)
            .map(|(_, t)| ItemRecord::Test(t.clone()))
            .collect();
        // Tests that started and finished some steps but not the test itself.
        for (_, test_id) in started_tests.iter().filter(|(s, _)| *s == id) {
            if finished_tests
                .iter()
                .any(|(s, t)| *s == id && t.id == *test_id)
            {
                continue;
            }
            let steps: Vec<StepRecord> = loose_steps
                .iter()
                .filter(|(s, t, _)| *s == id && t.as_deref() == Some(test_id.as_str()))
                .map(|(_, _, step)| step.clone())
                .collect();
            items.push(ItemRecord::Test(interrupted_test(
                test_id,
                planted_verifies(planned),
                steps,
            )));
        }
        let setup: Vec<StepRecord> = loose_steps
            .iter()
            .filter(|(s, t, _)| *s == id && t.is_none())
            .map(|(_, _, step)| step.clone())
            .collect();
        let outcome = items
            .iter()
            .filter_map(|i| match i {
                ItemRecord::Test(t) if !t.optional => Some(t.outcome),
                _ => None,
            })
            .chain(setup.iter().map(|s| s.outcome))
            .max()
            .unwrap_or(Outcome::Skip)
            .max(Outcome::Error);
        suites.push(SuiteRecord {
            id: id.clone(),
            version: planned.map(|s| s.version.clone()).unwrap_or_default(),
            title,
            path: planned.map(|s| s.path.clone()).unwrap_or_default(),
            sha256: planned.map(|s| s.sha256.clone()).unwrap_or_default(),
            fixtures: planned.map(|s| s.fixtures.clone()).unwrap_or_default(),
            ehds: planned.and_then(|s| s.ehds.clone()),
            verifies: planted_verifies(planned),
            setup,
            teardown: Vec::new(),
            root: GroupRecord {
                id: id.clone(),
                title: None,
                optional: false,
                outcome,
                items,
            },
            outcome,
        });
    }

    let mut summary = Summary::default();
    for suite in &suites {
        for (_, test) in crate::ehds::all_tests_of_suite(suite) {
            summary.add(test.outcome);
        }
    }
    let record = RunRecord {
        format_version: samsvar_runner::record::RECORD_FORMAT_VERSION.to_string(),
        run_id,
        tool: header.tool.clone().unwrap_or(ToolInfo {
            name: "samsvar".into(),
            version: "unknown".into(),
        }),
        duration_ms: duration_between(&started_at, &finished_at),
        started_at,
        finished_at,
        targets,
        outcome: Outcome::Error,
        summary,
        suites,
    };
    Ok(Recovered {
        header,
        record,
        complete: false,
        skipped_lines,
    })
}

fn planted_verifies(planned: Option<&SuiteHeader>) -> Vec<String> {
    planned.map(|s| s.verifies.clone()).unwrap_or_default()
}

fn interrupted_test(test_id: &str, verifies: Vec<String>, steps: Vec<StepRecord>) -> TestRecord {
    TestRecord {
        id: test_id.to_string(),
        title: None,
        optional: false,
        verifies,
        ehds: None,
        outcome: Outcome::Error,
        reason: Some(format!(
            "interrupted: the run stopped before this test finished ({} step(s) had finished)",
            steps.len()
        )),
        location: steps
            .first()
            .map(|s| s.location.clone())
            .unwrap_or_default(),
        started_at: None,
        duration_ms: steps.iter().map(|s| s.duration_ms).sum(),
        steps,
    }
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
/// Marked `complete: false` unless the journal holds the run's final record.
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

/// The journal as a runner [`EventSink`]: subscribe it, run, then [`JournalSink::finish`].
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
    pub fn finish(
        &self,
        record: Option<&RunRecord>,
        options: &BundleOptions,
    ) -> Result<BundleSummary> {
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

impl samsvar_runner::EventSink for JournalSink {
    fn emit(&self, event: &Event) {
        if let Ok(mut guard) = self.journal.lock()
            && let Some(journal) = guard.as_mut()
        {
            journal.on_event(event);
        }
    }
}
