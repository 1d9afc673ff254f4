//! HTTP: the pages (server-rendered, no JavaScript needed) and the JSON API under
//! `/api/v1/`, on one axum router.

pub mod api;
mod api_runs;
mod forms;
pub mod pages;
mod pages_dossiers;
mod pages_runs;
mod respond;
mod session;
mod templates;

use crate::service::Hub;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub hub: Arc<Hub>,
    pub templates: Arc<minijinja::Environment<'static>>,
}

pub fn router(hub: Arc<Hub>) -> Router {
    // The multipart/bundle bodies carry the archive plus a little form overhead.
    let body_limit = hub.config.max_upload + 64 * 1024;
    let state = AppState {
        hub,
        templates: Arc::new(templates::environment()),
    };
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/events", get(pages::events).post(pages::create_event))
        .route("/events/{id}", get(pages::event))
        .route("/events/{id}/suites", post(pages::add_suite))
        .route("/events/{id}/systems", post(pages_runs::register_system))
        .route("/events/{id}/scoreboard", get(pages::scoreboard))
        .route("/events/{id}/scoreboard.csv", get(pages::scoreboard_csv))
        .route("/events/{id}/scoreboard.json", get(pages::scoreboard_json))
        .route("/events/{id}/matrix", get(pages::matrix))
        .route("/events/{id}/matrix.csv", get(pages::matrix_csv))
        .route("/systems/{id}", get(pages_runs::system))
        .route("/systems/{id}/queue", post(pages_runs::queue))
        .route("/runs/{id}", get(pages_runs::run))
        .route("/runs/{id}/review", post(pages_runs::review))
        .route("/runs/{id}/rerun", post(pages_runs::rerun))
        .route("/runs/{id}/bundle.tar.gz", get(pages_runs::bundle))
        .route("/worklist", get(pages_runs::worklist))
        .route(
            "/uploads",
            get(pages_runs::upload_form).post(pages_runs::upload),
        )
        .route("/admin", get(pages_dossiers::admin))
        .route(
            "/admin/organisations",
            post(pages_dossiers::create_organisation),
        )
        .route("/admin/users", post(pages_dossiers::create_user))
        .route("/keys", post(pages_dossiers::add_key))
        .route("/tokens", post(pages_dossiers::create_token))
        .route(
            "/dossiers",
            get(pages_dossiers::dossiers).post(pages_dossiers::create_dossier),
        )
        .route("/dossiers/{id}", get(pages_dossiers::dossier))
        .route("/dossiers/{id}/submit", post(pages_dossiers::submit))
        .route("/dossiers/{id}/verify", post(pages_dossiers::verify))
        .route("/dossiers/{id}/notes", post(pages_dossiers::annotate))
        .route(
            "/dossiers/{id}/archive.tar.gz",
            get(pages_dossiers::archive),
        )
        .nest("/api/v1", api::routes())
        .fallback(pages::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}
