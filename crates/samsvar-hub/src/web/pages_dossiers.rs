//! Pages: dossiers (vendor assembles and submits, authority verifies and annotates) and
//! accounts & keys.

use super::AppState;
use super::forms::FormData;
use super::pages::{fail, flash, render, see_other};
use super::respond::download;
use super::session::PageActor;
use crate::auth::Role;
use crate::db::{RunFilter, format_ms};
use crate::error::HubError;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::{Value, context};
use std::collections::HashMap;

pub async fn dossiers(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let result = async {
        let mut rows = Vec::new();
        for d in state.hub.dossiers(&me).await? {
            let s = state.hub.db.system(d.system_id).await?;
            rows.push(context! {
                system => format!("{} {}", s.name, s.version),
                submitted => d.submitted_at.map(format_ms).unwrap_or_default(),
                ..Value::from_serialize(&d)
            });
        }
        let (systems, runs) = if me.is(Role::Vendor) {
            let systems = state.hub.systems(&me, None).await?;
            let runs: Vec<_> = state
                .hub
                .runs(&me, RunFilter { limit: 200, ..Default::default() })
                .await?
                .into_iter()
                .filter(|r| r.bundle_digest.is_some())
                .collect();
            let mut run_rows = Vec::new();
            for r in &runs {
                let s = state.hub.db.system(r.system_id).await?;
                let suite = state.hub.db.suite(r.suite_ref).await?;
                run_rows.push(context! {
                    id => r.id, system => format!("{} {}", s.name, s.version), suite => suite.suite_id,
                    suite_version => r.suite_version, state => r.effective_state(), source => r.source,
                });
            }
            (systems, run_rows)
        } else {
            (Vec::new(), Vec::new())
        };
        Ok::<_, HubError>(context! { title => "Dossiers", dossiers => rows, systems => systems, runs => runs, flash => flash(&q) })
    }
    .await;
    match result {
        Ok(ctx) => render(&state, "dossiers.html", Some(&me), ctx),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn create_dossier(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormData(form);
    let result = async {
        form.check_csrf(&me)?;
        state
            .hub
            .create_dossier(
                &me,
                form.id("system_id")?,
                form.get("title"),
                &form.ids("run")?,
            )
            .await
    }
    .await;
    match result {
        Ok(id) => see_other(
            &format!("/dossiers/{id}"),
            "Dossier assembled; check it and submit it for review.",
        ),
        Err(e) => fail(&state, &me, e),
    }
}

async fn dossier_page(
    state: &AppState,
    me: &crate::auth::Actor,
    id: i64,
    checks: Option<(bool, Vec<crate::service::dossiers::BundleCheck>)>,
    flash: String,
) -> Response {
    match state.hub.dossier_view(me, id).await {
        Ok(view) => {
            let notes: Vec<Value> = view
                .notes
                .iter()
                .map(|n| context! { when => format_ms(n.created_at), ..Value::from_serialize(n) })
                .collect();
            let (checks_ok, checks) = match checks {
                Some((ok, checks)) => (ok, checks),
                None => (false, Vec::new()),
            };
            render(
                state,
                "dossier.html",
                Some(me),
                context! {
                    title => format!("Dossier {}", view.dossier.id),
                    submitted => view.dossier.submitted_at.map(format_ms),
                    notes => notes, checks => checks, checks_ok => checks_ok, flash => flash,
                    d => view,
                },
            )
        }
        Err(e) => fail(state, me, e),
    }
}

pub async fn dossier(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    dossier_page(&state, &me, id, None, flash(&q)).await
}

pub async fn submit(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormData(form);
    let result = async {
        form.check_csrf(&me)?;
        state.hub.submit_dossier(&me, id).await
    }
    .await;
    match result {
        Ok(digest) => see_other(
            &format!("/dossiers/{id}"),
            &format!("Submitted for review; archive sha256 {digest}."),
        ),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn verify(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormData(form);
    let result = async {
        form.check_csrf(&me)?;
        state.hub.verify_dossier(&me, id).await
    }
    .await;
    match result {
        Ok(checks) => dossier_page(&state, &me, id, Some(checks), String::new()).await,
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn annotate(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormData(form);
    let result = async {
        form.check_csrf(&me)?;
        state.hub.annotate_dossier(&me, id, form.get("text")).await
    }
    .await;
    match result {
        Ok(()) => see_other(&format!("/dossiers/{id}"), "Note added."),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn archive(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Path(id): Path<i64>,
) -> Response {
    match state.hub.dossier_archive(&me, id).await {
        Ok((d, bytes)) => download(
            bytes,
            "application/gzip",
            &format!("dossier-{}.tar.gz", d.id),
        ),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn admin(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    admin_page(&state, &me, None, flash(&q)).await
}

async fn admin_page(
    state: &AppState,
    me: &crate::auth::Actor,
    token: Option<String>,
    flash: String,
) -> Response {
    let result = async {
        if !matches!(me.role, Role::Organiser | Role::Vendor) {
            return Err(HubError::Forbidden("accounts and keys are managed by organisers and vendors".into()));
        }
        let mut orgs = Vec::new();
        for o in state.hub.organisations(me).await? {
            let keys = state.hub.keys(me, o.id).await?;
            orgs.push(context! { keys => keys, ..Value::from_serialize(&o) });
        }
        let users = if me.is(Role::Organiser) { state.hub.users(me).await? } else { Vec::new() };
        Ok(context! { title => "Accounts & keys", organisations => orgs, users => users, token => token, flash => flash })
    }
    .await;
    match result {
        Ok(ctx) => render(state, "admin.html", Some(me), ctx),
        Err(e) => fail(state, me, e),
    }
}

pub async fn create_organisation(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormData(form);
    let result = async {
        form.check_csrf(&me)?;
        state
            .hub
            .create_organisation(&me, form.get("name"), form.get("address"))
            .await
    }
    .await;
    match result {
        Ok(_) => see_other("/admin", "Organisation created."),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn create_user(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormData(form);
    let result = async {
        form.check_csrf(&me)?;
        state
            .hub
            .create_user(
                &me,
                form.get("email"),
                form.get("name"),
                form.get("password"),
                form.get("role"),
                form.optional_id("org_id")?,
            )
            .await
    }
    .await;
    match result {
        Ok(_) => see_other("/admin", "Account created."),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn add_key(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormData(form);
    let result = async {
        form.check_csrf(&me)?;
        state
            .hub
            .add_key(
                &me,
                form.optional_id("org_id")?,
                form.get("pem"),
                form.get("label"),
            )
            .await
    }
    .await;
    match result {
        Ok(kid) => see_other("/admin", &format!("Key registered (kid {kid}).")),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn create_token(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormData(form);
    let result = async {
        form.check_csrf(&me)?;
        state.hub.create_token(me.user_id, form.get("name")).await
    }
    .await;
    match result {
        // Rendered directly, never put in a URL: the token is shown once.
        Ok(token) => admin_page(&state, &me, Some(token), String::new()).await,
        Err(e) => fail(&state, &me, e),
    }
}
