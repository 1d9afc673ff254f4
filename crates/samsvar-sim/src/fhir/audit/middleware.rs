//! The audit middleware: around every FHIR interaction, find out what was accessed and by
//! whom, let the handler answer, and record the BALP AuditEvent(s) before the answer leaves.
//! Handlers stay unaware of auditing except for tagging what they wrote ([`Targets`]).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;
use std::sync::Arc;

use super::context::CallContext;
use super::event::{self, Bends, Kind, Subject};
use super::interaction::Interaction;
use super::mhd;
use super::patient::patient_of;
use super::record::Recorder;
use super::target::Targets;
use crate::fhir::MOUNT;
use crate::fhir::defect::Defect;
use crate::fhir::request::base_url;
use crate::fhir::response::outcome;
use crate::fhir::state::FhirState;
use crate::fhir::store::Lookup;

pub async fn audit(State(st): State<Arc<FhirState>>, req: Request, next: Next) -> Response {
    if st.has(Defect::AuditNone) {
        return next.run(req).await;
    }
    let Some(interaction) = Interaction::classify(req.method(), req.uri().path()) else {
        return next.run(req).await;
    };
    let call = CallContext::of(&req);
    let base = base_url(req.headers(), req.uri(), MOUNT);
    // The query entity holds the search as the client sent it: the raw query string of a
    // GET, the form body of a POST _search (where its parameters are). A search without any
    // parameter records its request target instead, since `query` may not be empty.
    let (req, query) = match &interaction {
        Interaction::Search { post: true, .. } => {
            let (parts, body) = req.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, st.config.max_request_body).await else {
                return outcome(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too-costly",
                    "failed to read the _search form body",
                );
            };
            let query = bytes.to_vec();
            (Request::from_parts(parts, Body::from(bytes)), Some(query))
        }
        Interaction::Search { post: false, .. } => {
            let query = req.uri().query().unwrap_or_default().as_bytes().to_vec();
            (req, Some(query))
        }
        _ => (req, None),
    };
    let query = query.map(|q| {
        if q.is_empty() {
            call.request_line.as_bytes().to_vec()
        } else {
            q
        }
    });
    // A delete leaves nothing to look at afterwards: note the patient first.
    let deleted_patient = match &interaction {
        Interaction::Delete { rt, id } => match st.store.read(rt, id) {
            Lookup::Found(v) => v.resource.as_ref().and_then(|r| patient_of(&r.json)),
            _ => None,
        },
        _ => None,
    };
    let mhd = mhd::Transaction::of(&interaction);
    let response = next.run(req).await;
    let status = response.status().as_u16();
    let ok = response.status().is_success();
    let (response, mut subjects) = match interaction {
        Interaction::Search { .. } => {
            let (response, patients) = if ok {
                search_patients(response).await
            } else {
                (response, Vec::new())
            };
            let subject = |patient| Subject {
                kind: Kind::Search,
                status,
                data: None,
                patient,
                query: query.clone(),
            };
            let subjects = if patients.is_empty() {
                vec![subject(None)]
            } else {
                patients.into_iter().map(|p| subject(Some(p))).collect()
            };
            (response, subjects)
        }
        other => {
            let subjects = subjects_of(&st, other, status, &response, deleted_patient);
            (response, subjects)
        }
    };
    if st.has(Defect::AuditNoPatient) {
        // A server that does not know which patient an access concerns; one Query event
        // per search, then, not one per patient.
        subjects.iter_mut().for_each(|s| s.patient = None);
        subjects.dedup_by(|a, b| a.kind == Kind::Search && b.kind == Kind::Search);
    }
    let bends = Bends {
        swap_agents: st.has(Defect::AuditAgentRolesSwapped),
    };
    // MHD's more specific pattern, where the request is an MHD transaction (BALP 1:52.6).
    let events =
        mhd::events(&st, mhd, &response, &subjects, &call, &base, bends).unwrap_or_else(|| {
            subjects
                .iter()
                .map(|s| event::build(s, &call, &base, bends))
                .collect()
        });
    Recorder::record(&st, events);
    response
}

/// The subjects of every interaction except search.
fn subjects_of(
    st: &FhirState,
    interaction: Interaction,
    status: u16,
    response: &Response,
    deleted_patient: Option<String>,
) -> Vec<Subject> {
    let ok = (200..300).contains(&status);
    let subject = |kind, data: Option<String>, patient: Option<String>| Subject {
        kind,
        status,
        data,
        patient,
        query: None,
    };
    // What a failed access was aimed at: a Patient's id still names the patient.
    let patient_named = |rt: &str, id: &str| (rt == "Patient").then(|| format!("Patient/{id}"));
    let written = response
        .extensions()
        .get::<Targets>()
        .map(|t| t.0.clone())
        .unwrap_or_default();
    let written_subject = |t: &super::Target, kind| {
        subject(
            kind,
            Some(format!(
                "{}/{}/_history/{}",
                t.resource_type, t.version.id, t.version.version_id
            )),
            t.version
                .resource
                .as_ref()
                .and_then(|r| patient_of(&r.json)),
        )
    };
    match interaction {
        Interaction::Read { rt, id } => match st.store.read(&rt, &id) {
            Lookup::Found(v) if ok => vec![subject(
                Kind::Read,
                Some(format!("{rt}/{id}/_history/{}", v.version_id)),
                v.resource.as_ref().and_then(|r| patient_of(&r.json)),
            )],
            _ => vec![subject(
                Kind::Read,
                Some(format!("{rt}/{id}")),
                patient_named(&rt, &id),
            )],
        },
        Interaction::Vread { rt, id, vid } => {
            let found = vid.parse::<u64>().ok().map(|n| st.store.vread(&rt, &id, n));
            let patient = match found {
                Some(Lookup::Found(v)) if ok => {
                    v.resource.as_ref().and_then(|r| patient_of(&r.json))
                }
                _ => patient_named(&rt, &id),
            };
            vec![subject(
                Kind::Vread,
                Some(format!("{rt}/{id}/_history/{vid}")),
                patient,
            )]
        }
        Interaction::Create { .. } => match written.first() {
            Some(t) if ok => vec![written_subject(t, Kind::Create)],
            _ => vec![subject(Kind::Create, None, None)],
        },
        Interaction::Update { rt, id } => match written.first() {
            Some(t) if ok => vec![written_subject(t, Kind::Update)],
            _ => vec![subject(
                Kind::Update,
                Some(format!("{rt}/{id}")),
                patient_named(&rt, &id),
            )],
        },
        Interaction::Delete { rt, id } => {
            let patient = deleted_patient.or_else(|| patient_named(&rt, &id));
            vec![subject(Kind::Delete, Some(format!("{rt}/{id}")), patient)]
        }
        // Each entry is audited as the create or update it was; a refused transaction as a
        // whole.
        Interaction::Transaction if ok && !written.is_empty() => written
            .iter()
            .filter(|t| t.resource_type != "AuditEvent")
            .map(|t| {
                let kind = if t.created {
                    Kind::Create
                } else {
                    Kind::Update
                };
                written_subject(t, kind)
            })
            .collect(),
        Interaction::Transaction => vec![subject(Kind::Transaction, None, None)],
        Interaction::Search { .. } => Vec::new(),
    }
}

/// The distinct patients the searchset's entries concern, in order of first appearance.
async fn search_patients(response: Response) -> (Response, Vec<String>) {
    let (parts, body) = response.into_parts();
    // Our own searchset, before any response defect: bounded by the store's size.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return (Response::from_parts(parts, Body::empty()), Vec::new());
    };
    let mut patients: Vec<String> = Vec::new();
    if let Ok(bundle) = serde_json::from_slice::<Value>(&bytes) {
        for entry in bundle["entry"].as_array().into_iter().flatten() {
            let resource = &entry["resource"];
            if let Some(p) = patient_of(resource)
                && !patients.contains(&p)
            {
                patients.push(p);
            }
        }
    }
    (Response::from_parts(parts, Body::from(bytes)), patients)
}
