//! Pages: systems (drill-down, queueing), runs (report, review), worklist, uploads.

use super::AppState;
use super::forms::FormData;
use super::pages::{fail, flash, render, see_other};
use super::respond::download;
use super::session::PageActor;
use crate::auth::Role;
use crate::db::{Run, RunFilter, format_ms};
use crate::error::{HubError, HubResult};
use crate::service::events::parse_claims;
use crate::service::runs::Selection;
use crate::service::systems::{SystemForm, parse_endpoints};
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use minijinja::{Value, context};
use std::collections::HashMap;

pub async fn register_system(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Path(event_id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormData(form);
    let result = async {
        form.check_csrf(&me)?;
        let system = SystemForm {
            event_id,
            org_id: form.optional_id("org_id")?,
            name: form.get("name").into(),
            version: form.get("version").into(),
            reference: form.get("reference").into(),
            endpoints: parse_endpoints(form.get("endpoints"))?,
            sim_defects: form
                .get("sim_defects")
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            claims: parse_claims(form.get("claims"))?,
        };
        state.hub.register_system(&me, &system).await
    }
    .await;
    match result {
        Ok(id) => see_other(&format!("/systems/{id}"), "System registered."),
        Err(e) => fail(&state, &me, e),
    }
}

/// Runs as list rows: names and times the templates show.
async fn run_rows(state: &AppState, runs: &[Run]) -> HubResult<Vec<Value>> {
    let mut suites: HashMap<i64, String> = HashMap::new();
    let mut systems: HashMap<i64, String> = HashMap::new();
    let mut rows = Vec::with_capacity(runs.len());
    for r in runs {
        if let std::collections::hash_map::Entry::Vacant(slot) = suites.entry(r.suite_ref) {
            slot.insert(state.hub.db.suite(r.suite_ref).await?.suite_id);
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = systems.entry(r.system_id) {
            let s = state.hub.db.system(r.system_id).await?;
            slot.insert(format!("{} {}", s.name, s.version));
        }
        rows.push(context! {
            id => r.id, source => r.source, state => r.effective_state(), suite_version => r.suite_version,
            suite => suites.get(&r.suite_ref).cloned().unwrap_or_default(),
            system => systems.get(&r.system_id).cloned().unwrap_or_default(),
            queued => format_ms(r.queued_at), finished => r.finished_at.map(format_ms).unwrap_or_default(),
        });
    }
    Ok(rows)
}

pub async fn system(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let result = async {
        let system = state.hub.system(&me, id).await?;
        let standing = state.hub.system_standing(&me, &system).await?;
        let runs = state
            .hub
            .runs(&me, RunFilter { system_id: Some(id), limit: 100, ..Default::default() })
            .await?;
        let rows = run_rows(&state, &runs).await?;
        let event = state.hub.db.event(system.event_id).await?.name;
        let organisation = state.hub.db.organisation(system.org_id).await?.name;
        let endpoints: serde_json::Value = serde_json::from_str(&system.endpoints).unwrap_or_default();
        let defects: Vec<String> = serde_json::from_str(&system.sim_defects).unwrap_or_default();
        let suites = state.hub.db.suites(system.event_id).await?;
        let can_queue = matches!(me.role, Role::Organiser | Role::Vendor);
        Ok::<_, HubError>(context! {
            title => format!("{} {}", system.name, system.version), system => system, standing => standing,
            runs => rows, event => event, organisation => organisation, endpoints => Value::from_serialize(&endpoints),
            defects => defects, suites => suites, can_queue => can_queue, flash => flash(&q),
        })
    }
    .await;
    match result {
        Ok(ctx) => render(&state, "system.html", Some(&me), ctx),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn queue(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormData(form);
    let result = async {
        form.check_csrf(&me)?;
        let selection = if form.get("all") == "1" {
            Selection::AllThatApply
        } else {
            Selection::Suites(form.ids("suite")?)
        };
        state.hub.queue_runs(&me, id, &selection).await
    }
    .await;
    match result {
        Ok(ids) => see_other(
            &format!("/systems/{id}"),
            &format!("Queued {} run(s).", ids.len()),
        ),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn run(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match state.hub.run_view(&me, id).await {
        Ok(view) => {
            let reviews: Vec<Value> = view
                .reviews
                .iter()
                .map(|r| context! { when => format_ms(r.created_at), ..Value::from_serialize(r) })
                .collect();
            let active = matches!(view.run.state.as_str(), "queued" | "running");
            let ctx = context! {
                title => format!("Run {}", view.run.id),
                state => view.run.effective_state().to_string(),
                queued => format_ms(view.run.queued_at),
                started => view.run.started_at.map(format_ms),
                finished => view.run.finished_at.map(format_ms),
                reviews => reviews,
                can_review => matches!(me.role, Role::Organiser | Role::Monitor) && view.run.is_finished(),
                can_rerun => matches!(me.role, Role::Organiser | Role::Vendor) && view.run.source == "hub" && view.run.is_finished(),
                refresh => if active { Some(3) } else { None },
                flash => flash(&q),
                v => view,
            };
            render(&state, "run.html", Some(&me), ctx)
        }
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn review(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormData(form);
    let result = async {
        form.check_csrf(&me)?;
        let to = Some(form.get("to_state")).filter(|s| !s.is_empty());
        state
            .hub
            .review_run(&me, id, form.get("kind"), to, form.get("text"))
            .await
    }
    .await;
    match result {
        Ok(()) => see_other(&format!("/runs/{id}"), "Review recorded."),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn rerun(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormData(form);
    let result = async {
        form.check_csrf(&me)?;
        state.hub.rerun(&me, id).await
    }
    .await;
    match result {
        Ok(new_id) => see_other(&format!("/runs/{new_id}"), "Queued again."),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn bundle(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Path(id): Path<i64>,
) -> Response {
    match state.hub.run_bundle(&me, id).await {
        Ok((run, bytes)) => download(
            bytes,
            "application/gzip",
            &format!(
                "run-{}-{}.tar.gz",
                run.id,
                run.evidence_run_id.unwrap_or_default()
            ),
        ),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn worklist(State(state): State<AppState>, PageActor(me): PageActor) -> Response {
    let result = async {
        let runs = state.hub.worklist(&me, None).await?;
        run_rows(&state, &runs).await
    }
    .await;
    match result {
        Ok(rows) => render(
            &state,
            "worklist.html",
            Some(&me),
            context! { title => "Worklist", runs => rows },
        ),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn upload_form(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    upload_page(
        &state,
        &me,
        q.get("error").cloned().unwrap_or_default(),
        flash(&q),
    )
    .await
}

async fn upload_page(
    state: &AppState,
    me: &crate::auth::Actor,
    error: String,
    flash: String,
) -> Response {
    match state.hub.systems(me, None).await {
        Ok(systems) => render(
            state,
            "uploads.html",
            Some(me),
            context! { title => "Upload", systems => systems, error => error, flash => flash, max_upload => state.hub.config.max_upload },
        ),
        Err(e) => fail(state, me, e),
    }
}

pub async fn upload(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    mut multipart: Multipart,
) -> Response {
    let mut csrf = None;
    let mut system_id = None;
    let mut bytes = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                let data = match field.bytes().await {
                    Ok(d) => d,
                    Err(e) => {
                        return fail(&state, &me, upload_error(e, state.hub.config.max_upload));
                    }
                };
                match name.as_str() {
                    "csrf" => csrf = Some(String::from_utf8_lossy(&data).into_owned()),
                    "system_id" => {
                        system_id = String::from_utf8_lossy(&data).trim().parse::<i64>().ok()
                    }
                    "bundle" => bytes = Some(data.to_vec()),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(e) => return fail(&state, &me, upload_error(e, state.hub.config.max_upload)),
        }
    }
    // The CSRF field comes first in the form; nothing is looked at before it is checked.
    if let Err(e) = super::session::check_csrf(&me, csrf.as_deref()) {
        return fail(&state, &me, e);
    }
    let Some(bytes) = bytes else {
        return fail(&state, &me, HubError::bad("choose a bundle file"));
    };
    match state.hub.upload_bundle(&me, system_id, bytes).await {
        Ok(accepted) => see_other(
            &format!("/runs/{}", accepted.run_ids.first().copied().unwrap_or(0)),
            &format!("Bundle accepted: {}", accepted.reason),
        ),
        Err(HubError::Refused(reason)) => {
            let mut page =
                upload_page(&state, &me, format!("Refused: {reason}"), String::new()).await;
            *page.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            page
        }
        Err(e) => fail(&state, &me, e),
    }
}

fn upload_error(e: axum::extract::multipart::MultipartError, limit: usize) -> HubError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        HubError::TooLarge(limit)
    } else {
        HubError::bad(format!("the upload could not be read: {}", e.body_text()))
    }
}
