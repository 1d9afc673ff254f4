//! Where events go. Reporters, the evidence journal and the runner's own fold implement
//! [`EventSink`].

use crate::Event;
use std::sync::{Arc, Mutex};

/// A subscriber to a run's events. Called in order, from the task driving the run;
/// implementations must be quick (buffer or hand off expensive work).
pub trait EventSink: Send + Sync {
    fn emit(&self, event: &Event);
}

impl<T: EventSink + ?Sized> EventSink for Arc<T> {
    fn emit(&self, event: &Event) {
        (**self).emit(event);
    }
}

impl<T: EventSink + ?Sized> EventSink for &T {
    fn emit(&self, event: &Event) {
        (**self).emit(event);
    }
}

/// Discards every event.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl EventSink for NullSink {
    fn emit(&self, _event: &Event) {}
}

/// Forwards every event to several sinks, in the order they were added.
#[derive(Default)]
pub struct Fanout {
    sinks: Vec<Box<dyn EventSink>>,
}

impl Fanout {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, sink: impl EventSink + 'static) -> &mut Self {
        self.sinks.push(Box::new(sink));
        self
    }
}

impl EventSink for Fanout {
    fn emit(&self, event: &Event) {
        for s in &self.sinks {
            s.emit(event);
        }
    }
}

/// Keeps every event in memory; handy in tests.
#[derive(Debug, Default)]
pub struct CollectingSink {
    events: Mutex<Vec<Event>>,
}

impl CollectingSink {
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

impl EventSink for CollectingSink {
    fn emit(&self, event: &Event) {
        if let Ok(mut e) = self.events.lock() {
            e.push(event.clone());
        }
    }
}
