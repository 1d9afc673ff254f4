//! The JSON API under `/api/v1/`: bearer tokens (`Authorization: Bearer svh_…`), JSON in
//! and out, errors as `{"error": "...", "status": N}`.

use super::AppState;
use super::respond::{error_response, reply};
use super::session::ApiActor;
use crate::db::ActorClaim;
use crate::error::HubError;
use crate::service::systems::SystemForm;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/tokens", post(create_token))
        .route("/events", get(events).post(create_event))
        .route("/events/{id}", get(event))
        .route("/events/{id}/suites", post(add_suite))
        .route("/events/{id}/scoreboard", get(scoreboard))
        .route("/events/{id}/matrix", get(matrix))
        .route(
            "/organisations",
            get(organisations).post(create_organisation),
        )
        .route("/users", post(create_user))
        .route("/systems", get(systems).post(register_system))
        .route("/systems/{id}", get(system))
        .route("/keys", post(add_key))
        .route("/worklist", get(worklist))
        .route("/dossiers", get(dossiers).post(create_dossier))
        .route("/dossiers/{id}", get(dossier))
        .route("/dossiers/{id}/submit", post(submit_dossier))
        .route("/dossiers/{id}/verify", post(verify_dossier))
        .route("/dossiers/{id}/notes", post(annotate_dossier))
        .route("/dossiers/{id}/archive", get(dossier_archive))
        .merge(super::api_runs::routes())
        .fallback(|| async { error_response(HubError::NotFound) })
}

async fn health(State(state): State<AppState>) -> Response {
    let db = state.hub.db.count_users().await.is_ok();
    let body = json!({ "status": if db { "ok" } else { "degraded" }, "database": state.hub.db.dialect_name(), "version": env!("CARGO_PKG_VERSION") });
    let status = if db {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

#[derive(Deserialize)]
struct TokenRequest {
    email: String,
    password: String,
    #[serde(default = "default_token_name")]
    name: String,
}

fn default_token_name() -> String {
    "api".into()
}

/// Exchanges email + password for an API token (rate-limited like the sign-in form).
async fn create_token(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Json(req): Json<TokenRequest>,
) -> Response {
    let result = async {
        let user = state
            .hub
            .check_password(&req.email, &req.password, &addr.ip().to_string())
            .await?;
        let token = state.hub.create_token(user.id, &req.name).await?;
        Ok(json!({ "token": token, "user": user.email, "role": user.role }))
    }
    .await;
    reply(result)
}

#[derive(Deserialize)]
struct NewEvent {
    name: String,
    #[serde(default)]
    description: String,
}

async fn events(State(state): State<AppState>, ApiActor(me): ApiActor) -> Response {
    reply(state.hub.events(&me).await)
}

async fn create_event(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Json(req): Json<NewEvent>,
) -> Response {
    reply(
        state
            .hub
            .create_event(&me, &req.name, &req.description)
            .await
            .map(|id| json!({ "id": id })),
    )
}

async fn event(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Path(id): Path<i64>,
) -> Response {
    let result = async {
        let event = state.hub.event(&me, id).await?;
        let suites = state.hub.suites(&me, id).await?;
        let actors = state.hub.suite_actors(id).await?;
        Ok(json!({ "event": event, "suites": suites, "suite_actors": actors }))
    }
    .await;
    reply(result)
}

#[derive(Deserialize)]
struct NewSuite {
    path: String,
    applies_to: Vec<ActorClaim>,
}

async fn add_suite(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<NewSuite>,
) -> Response {
    reply(
        state
            .hub
            .add_suite(&me, id, &req.path, &req.applies_to)
            .await
            .map(|id| json!({ "id": id })),
    )
}

/// `?format=csv` for the CSV export.
async fn scoreboard(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match state.hub.scoreboard(&me, id).await {
        Ok(board) if q.get("format").map(String::as_str) == Some("csv") => match board.to_csv() {
            Ok(csv) => ([(CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response(),
            Err(e) => error_response(e),
        },
        other => reply(other),
    }
}

async fn matrix(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match state.hub.requirement_matrix(&me, id).await {
        Ok(m) if q.get("format").map(String::as_str) == Some("csv") => match m.to_csv() {
            Ok(csv) => ([(CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response(),
            Err(e) => error_response(e),
        },
        other => reply(other),
    }
}

async fn organisations(State(state): State<AppState>, ApiActor(me): ApiActor) -> Response {
    reply(state.hub.organisations(&me).await)
}

#[derive(Deserialize)]
struct NewOrganisation {
    name: String,
    #[serde(default)]
    address: String,
}

async fn create_organisation(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Json(req): Json<NewOrganisation>,
) -> Response {
    reply(
        state
            .hub
            .create_organisation(&me, &req.name, &req.address)
            .await
            .map(|id| json!({ "id": id })),
    )
}

#[derive(Deserialize)]
struct NewUser {
    email: String,
    name: String,
    password: String,
    role: String,
    org_id: Option<i64>,
}

async fn create_user(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Json(req): Json<NewUser>,
) -> Response {
    reply(
        state
            .hub
            .create_user(
                &me,
                &req.email,
                &req.name,
                &req.password,
                &req.role,
                req.org_id,
            )
            .await
            .map(|id| json!({ "id": id })),
    )
}

async fn systems(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let event = q.get("event").and_then(|e| e.parse().ok());
    reply(state.hub.systems(&me, event).await)
}

#[derive(Deserialize)]
struct NewSystem {
    event_id: i64,
    org_id: Option<i64>,
    name: String,
    version: String,
    #[serde(default)]
    reference: String,
    endpoints: BTreeMap<String, String>,
    #[serde(default)]
    sim_defects: Vec<String>,
    claims: Vec<ActorClaim>,
}

async fn register_system(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Json(req): Json<NewSystem>,
) -> Response {
    let form = SystemForm {
        event_id: req.event_id,
        org_id: req.org_id,
        name: req.name,
        version: req.version,
        reference: req.reference,
        endpoints: req.endpoints,
        sim_defects: req.sim_defects,
        claims: req.claims,
    };
    reply(
        state
            .hub
            .register_system(&me, &form)
            .await
            .map(|id| json!({ "id": id })),
    )
}

async fn system(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Path(id): Path<i64>,
) -> Response {
    let result = async {
        let system = state.hub.system(&me, id).await?;
        let standing = state.hub.system_standing(&me, &system).await?;
        Ok(json!({ "system": system, "standing": standing }))
    }
    .await;
    reply(result)
}

#[derive(Deserialize)]
struct NewKey {
    org_id: Option<i64>,
    pem: String,
    #[serde(default)]
    label: String,
}

async fn add_key(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Json(req): Json<NewKey>,
) -> Response {
    reply(
        state
            .hub
            .add_key(&me, req.org_id, &req.pem, &req.label)
            .await
            .map(|kid| json!({ "kid": kid })),
    )
}

async fn worklist(State(state): State<AppState>, ApiActor(me): ApiActor) -> Response {
    reply(state.hub.worklist(&me, None).await)
}

async fn dossiers(State(state): State<AppState>, ApiActor(me): ApiActor) -> Response {
    reply(state.hub.dossiers(&me).await)
}

#[derive(Deserialize)]
struct NewDossier {
    system_id: i64,
    title: String,
    runs: Vec<i64>,
}

async fn create_dossier(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Json(req): Json<NewDossier>,
) -> Response {
    reply(
        state
            .hub
            .create_dossier(&me, req.system_id, &req.title, &req.runs)
            .await
            .map(|id| json!({ "id": id })),
    )
}

async fn dossier(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Path(id): Path<i64>,
) -> Response {
    reply(state.hub.dossier_view(&me, id).await)
}

async fn submit_dossier(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Path(id): Path<i64>,
) -> Response {
    reply(
        state
            .hub
            .submit_dossier(&me, id)
            .await
            .map(|digest| json!({ "archive_sha256": digest })),
    )
}

async fn verify_dossier(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Path(id): Path<i64>,
) -> Response {
    reply(
        state
            .hub
            .verify_dossier(&me, id)
            .await
            .map(|(ok, checks)| json!({ "verified": ok, "bundles": checks })),
    )
}

#[derive(Deserialize)]
struct Note {
    text: String,
}

async fn annotate_dossier(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<Note>,
) -> Response {
    reply(
        state
            .hub
            .annotate_dossier(&me, id, &req.text)
            .await
            .map(|()| json!({ "ok": true })),
    )
}

async fn dossier_archive(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Path(id): Path<i64>,
) -> Response {
    match state.hub.dossier_archive(&me, id).await {
        Ok((d, bytes)) => super::respond::download(
            bytes,
            "application/gzip",
            &format!("dossier-{}.tar.gz", d.id),
        ),
        Err(e) => error_response(e),
    }
}
