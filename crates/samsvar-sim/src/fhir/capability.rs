//! The CapabilityStatement served at `/metadata`.

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::defect::{Defect, DefectSet};
use super::search_params::{COMMON, TYPES};
use super::time_format::fhir_instant;

const INTERACTIONS: &[&str] = &[
    "read",
    "vread",
    "update",
    "delete",
    "history-instance",
    "create",
    "search-type",
];

const AUDIT_INTERACTIONS: &[&str] = &["read", "search-type"];

pub fn capability_statement(base: &str, defects: DefectSet, started: OffsetDateTime) -> Value {
    let fhir_version = if defects.has(Defect::WrongFhirVersion) {
        "3.0.2"
    } else {
        "4.0.1"
    };
    let codes = |list: &[&str]| -> Vec<Value> { list.iter().map(|c| json!({"code": c})).collect() };
    let resources: Vec<Value> = TYPES
        .iter()
        .map(|(resource_type, params)| {
            // The audit trail is the simulator's own record: clients read and search it.
            let interactions = if *resource_type == "AuditEvent" {
                codes(AUDIT_INTERACTIONS)
            } else {
                codes(INTERACTIONS)
            };
            let search_params: Vec<Value> = params
                .iter()
                .map(|p| json!({"name": p.name, "type": p.kind.fhir_code()}))
                .collect();
            json!({
                "type": resource_type,
                "interaction": interactions,
                "versioning": "versioned",
                "readHistory": true,
                "updateCreate": true,
                "conditionalCreate": false,
                "conditionalUpdate": false,
                "conditionalDelete": "not-supported",
                "searchParam": search_params,
            })
        })
        .collect();
    let common: Vec<Value> = COMMON
        .iter()
        .map(|p| json!({"name": p.name, "type": p.kind.fhir_code()}))
        .collect();
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": fhir_instant(started),
        "publisher": "samsvar",
        "kind": "instance",
        "software": {"name": "samsvar-sim", "version": env!("CARGO_PKG_VERSION")},
        "implementation": {
            "description": "samsvar reference FHIR R4 simulator (in-memory, for conformance testing)",
            "url": base,
        },
        "fhirVersion": fhir_version,
        "format": ["json", "application/fhir+json"],
        "rest": [{
            "mode": "server",
            "documentation": "Any resource type is stored and served; the types listed here also have type-specific search parameters.",
            "resource": resources,
            "searchParam": common,
        }],
    })
}
