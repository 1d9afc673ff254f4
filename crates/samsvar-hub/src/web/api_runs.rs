//! The API's runs: queue (optionally waiting for the verdict, for vendors' CI), read,
//! download bundles, review, and upload self-test bundles.

use super::AppState;
use super::respond::{download, error_response, reply};
use super::session::ApiActor;
use crate::db::RunFilter;
use crate::error::HubError;
use crate::service::runs::{Selection, exit_code_of};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/runs", get(runs).post(queue))
        .route("/runs/{id}", get(run))
        .route("/runs/{id}/bundle", get(bundle))
        .route("/runs/{id}/reviews", post(review))
        .route("/bundles", post(upload))
}

async fn runs(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let filter = RunFilter {
        event_id: q.get("event").and_then(|v| v.parse().ok()),
        system_id: q.get("system").and_then(|v| v.parse().ok()),
        state: q.get("state").cloned(),
        limit: q.get("limit").and_then(|v| v.parse().ok()).unwrap_or(200),
        org_id: None,
    };
    reply(state.hub.runs(&me, filter).await)
}

#[derive(Deserialize)]
struct QueueRequest {
    system_id: i64,
    /// `"all"` (every suite that applies) or a list of suite ids (the event's suite rows).
    #[serde(default)]
    suites: Option<serde_json::Value>,
}

/// `POST /api/v1/runs[?wait=SECONDS]`: with `wait`, answers when the runs have finished
/// (or the wait is over) with each verdict and the exit code `samsvar run` would give.
async fn queue(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Query(q): Query<HashMap<String, String>>,
    Json(req): Json<QueueRequest>,
) -> Response {
    let result = async {
        let selection = match &req.suites {
            None => Selection::AllThatApply,
            Some(serde_json::Value::String(s)) if s == "all" => Selection::AllThatApply,
            Some(serde_json::Value::Array(ids)) => Selection::Suites(
                ids.iter()
                    .map(|v| v.as_i64().ok_or_else(|| HubError::bad("suites: a list of suite ids, or \"all\"")))
                    .collect::<Result<_, _>>()?,
            ),
            Some(_) => return Err(HubError::bad("suites: a list of suite ids, or \"all\"")),
        };
        let ids = state.hub.queue_runs(&me, req.system_id, &selection).await?;
        let wait: u64 = match q.get("wait") {
            Some(w) => w.parse().map_err(|_| HubError::bad("wait: seconds (at most 3600)"))?,
            None => 0,
        };
        if wait == 0 {
            return Ok(json!({ "runs": ids }));
        }
        let deadline = Duration::from_secs(wait.min(3600));
        let started = std::time::Instant::now();
        let mut out = Vec::new();
        let mut worst: Option<i64> = Some(0);
        for id in &ids {
            let left = deadline.saturating_sub(started.elapsed());
            let run = state.hub.wait_for_run(&me, *id, left).await?;
            let code = exit_code_of(run.effective_state());
            worst = match (worst, code) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            };
            out.push(json!({ "id": run.id, "state": run.effective_state(), "exit_code": code, "reason": run.reason }));
        }
        Ok(json!({ "runs": out, "finished": worst.is_some(), "exit_code": worst }))
    }
    .await;
    reply(result)
}

async fn run(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Path(id): Path<i64>,
) -> Response {
    reply(state.hub.run_view(&me, id).await)
}

async fn bundle(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Path(id): Path<i64>,
) -> Response {
    match state.hub.run_bundle(&me, id).await {
        Ok((run, bytes)) => download(bytes, "application/gzip", &format!("run-{}.tar.gz", run.id)),
        Err(e) => error_response(e),
    }
}

#[derive(Deserialize)]
struct ReviewRequest {
    kind: String,
    to_state: Option<String>,
    #[serde(default)]
    text: String,
}

async fn review(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<ReviewRequest>,
) -> Response {
    reply(
        state
            .hub
            .review_run(&me, id, &req.kind, req.to_state.as_deref(), &req.text)
            .await
            .map(|()| json!({ "ok": true })),
    )
}

/// `POST /api/v1/bundles[?system=ID]` with the bundle as a tar.gz body.
async fn upload(
    State(state): State<AppState>,
    ApiActor(me): ApiActor,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let system = match q.get("system").map(|s| s.parse::<i64>()) {
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => return error_response(HubError::bad("system: a system id")),
        None => None,
    };
    match state.hub.upload_bundle(&me, system, body.to_vec()).await {
        Ok(accepted) => (axum::http::StatusCode::CREATED, Json(accepted)).into_response(),
        Err(e) => error_response(e),
    }
}
