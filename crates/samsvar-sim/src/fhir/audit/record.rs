//! Recording: an AuditEvent goes into the store as resourceType AuditEvent (server-assigned
//! uuid id) before the answer leaves, so a search right after the access finds it, and then
//! onto the push queue. The `audit-delayed` defect holds both back.

use serde_json::Value;
use std::sync::{Arc, OnceLock};
use tokio::sync::mpsc::UnboundedSender;

use super::push;
use crate::fhir::defect::Defect;
use crate::fhir::state::FhirState;

/// The push side of the audit trail, shared by all requests.
#[derive(Debug)]
pub struct Recorder {
    push: Option<push::AuditPush>,
    /// Started on the first event: the simulator's router may be built outside a runtime.
    queue: OnceLock<UnboundedSender<Value>>,
}

impl Recorder {
    pub fn new(push: Option<push::AuditPush>) -> Self {
        Self {
            push,
            queue: OnceLock::new(),
        }
    }

    /// Store `events` now (or, under `audit-delayed`, after the configured delay) and queue
    /// them for push.
    pub fn record(st: &Arc<FhirState>, events: Vec<Value>) {
        if events.is_empty() {
            return;
        }
        if st.has(Defect::AuditDelayed) {
            let st = st.clone();
            tokio::spawn(async move {
                tokio::time::sleep(st.config.audit_delay).await;
                store_and_queue(&st, events);
            });
        } else {
            store_and_queue(st, events);
        }
    }

    fn queue(&self) -> Option<&UnboundedSender<Value>> {
        let push = self.push.as_ref()?;
        Some(self.queue.get_or_init(|| push::start(push.clone())))
    }
}

fn store_and_queue(st: &FhirState, events: Vec<Value>) {
    for event in events {
        let Value::Object(map) = event else { continue };
        let version = st.store.create("AuditEvent", map);
        if let (Some(queue), Some(stored)) = (st.audit.queue(), &version.resource) {
            // A closed queue means the pusher ended with the simulator: nothing to do.
            let _ = queue.send(stored.json.clone());
        }
    }
}
