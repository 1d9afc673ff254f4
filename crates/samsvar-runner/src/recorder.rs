//! The run's own subscriber: every event goes to the caller's sink and into the fold
//! that becomes the run record, so the runner's record is built exactly as a replayed
//! journal's is.

use samsvar_record::{Event, EventSink, Fold, RunRecord};
use std::sync::Mutex;

pub struct Recorder<'a> {
    sink: &'a dyn EventSink,
    fold: Mutex<Fold>,
}

impl<'a> Recorder<'a> {
    pub fn new(sink: &'a dyn EventSink) -> Self {
        Self {
            sink,
            fold: Mutex::new(Fold::new()),
        }
    }

    /// Hands `event` to the sink, then to the fold.
    pub fn emit(&self, event: Event) {
        self.sink.emit(&event);
        if let Ok(mut fold) = self.fold.lock() {
            fold.apply(event);
        }
    }

    /// The run record the events so far fold into.
    pub fn into_record(self) -> RunRecord {
        self.fold
            .into_inner()
            .map(Fold::into_record)
            .unwrap_or_else(|poisoned| poisoned.into_inner().into_record())
    }
}
