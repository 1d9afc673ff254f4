//! Pages: sign-in, events, suites, scoreboard and matrix; the shared rendering and error
//! pages.

use super::AppState;
use super::forms::FormData;
use super::respond::{Me, download, error_page, public_message, status_of};
use super::session::{PageActor, cookie_value, session_cookie};
use crate::auth::{Actor, Role, SESSION_COOKIE, random_secret, same_secret};
use crate::error::HubError;
use crate::service::events::parse_claims;
use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use std::collections::HashMap;
use std::net::SocketAddr;

const LOGIN_CSRF_COOKIE: &str = "samsvar_hub_login";

/// Renders `name` with `ctx`; the signed-in user goes in as `me`.
pub fn render(state: &AppState, name: &str, me: Option<&Actor>, ctx: Value) -> Response {
    let me = me.map(Me::from);
    let full = context! { me => me, ..ctx };
    match state
        .templates
        .get_template(name)
        .and_then(|t| t.render(full))
    {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!("rendering {name}: {e:#}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered",
            )
                .into_response()
        }
    }
}

pub fn fail(state: &AppState, me: &Actor, e: HubError) -> Response {
    error_page(&state.templates, Some(me), e)
}

/// After a form: back to a page, with a message.
pub fn see_other(path: &str, flash: &str) -> Response {
    let sep = if path.contains('?') { '&' } else { '?' };
    let encoded: String = url::form_urlencoded::byte_serialize(flash.as_bytes()).collect();
    Redirect::to(&format!("{path}{sep}flash={encoded}")).into_response()
}

pub fn flash(query: &HashMap<String, String>) -> String {
    query.get("flash").cloned().unwrap_or_default()
}

pub async fn not_found(State(state): State<AppState>, me: Option<PageActor>) -> Response {
    match me {
        Some(PageActor(me)) => fail(&state, &me, HubError::NotFound),
        None => Redirect::to("/login").into_response(),
    }
}

pub async fn home(PageActor(me): PageActor) -> Response {
    if me.is(Role::Authority) {
        Redirect::to("/dossiers").into_response()
    } else {
        Redirect::to("/events").into_response()
    }
}

pub async fn login_form(State(state): State<AppState>) -> Response {
    login_page(&state, StatusCode::OK, "", "")
}

fn login_page(state: &AppState, status: StatusCode, error: &str, email: &str) -> Response {
    // Login CSRF: the form carries a value that must match a cookie only this site sets.
    let token = random_secret();
    let mut response = render(
        state,
        "login.html",
        None,
        context! { title => "Sign in", error => error, email => email, login_csrf => token },
    );
    *response.status_mut() = status;
    if let Ok(value) =
        format!("{LOGIN_CSRF_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict").parse()
    {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormData(form);
    let cookie_token = cookie_value(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if cookie_token.is_empty() || !same_secret(&cookie_token, form.get("csrf")) {
        return login_page(
            &state,
            StatusCode::FORBIDDEN,
            &HubError::Csrf.to_string(),
            form.get("email"),
        );
    }
    match state
        .hub
        .login(
            form.get("email"),
            form.get("password"),
            &addr.ip().to_string(),
        )
        .await
    {
        Ok(session) => {
            let secure = if state.hub.config.secure_cookies {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!(
                "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
                session.cookie,
                crate::auth::SESSION_MS / 1000
            );
            let mut response = Redirect::to("/").into_response();
            if let Ok(value) = cookie.parse() {
                response.headers_mut().append(SET_COOKIE, value);
            }
            response
        }
        Err(HubError::Unauthorized) => login_page(
            &state,
            StatusCode::UNAUTHORIZED,
            "Wrong email or password.",
            form.get("email"),
        ),
        Err(e) => login_page(
            &state,
            status_of(&e),
            &public_message(&e),
            form.get("email"),
        ),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormData(form);
    if let Err(e) = form.check_csrf(&me) {
        return fail(&state, &me, e);
    }
    if let Some(cookie) = session_cookie(&headers)
        && let Err(e) = state.hub.logout(&cookie).await
    {
        return fail(&state, &me, e);
    }
    let mut response = Redirect::to("/login").into_response();
    if let Ok(value) =
        format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0").parse()
    {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

pub async fn events(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match state.hub.events(&me).await {
        Ok(events) => render(
            &state,
            "events.html",
            Some(&me),
            context! { title => "Events", events => events, flash => flash(&q) },
        ),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn create_event(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormData(form);
    let result = async {
        form.check_csrf(&me)?;
        state
            .hub
            .create_event(&me, form.get("name"), form.get("description"))
            .await
    }
    .await;
    match result {
        Ok(id) => see_other(&format!("/events/{id}"), "Event created."),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn event(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let result = async {
        let event = state.hub.event(&me, id).await?;
        let actors = state.hub.suite_actors(id).await?;
        let suites: Vec<Value> = state
            .hub
            .suites(&me, id)
            .await?
            .into_iter()
            .map(|s| {
                let applies: Vec<String> = actors
                    .iter()
                    .filter(|a| a.suite_ref == s.id)
                    .map(|a| format!("{}/{}", a.profile, a.actor))
                    .collect();
                context! { actors => applies, ..Value::from_serialize(&s) }
            })
            .collect();
        let orgs = state.hub.organisations(&me).await?;
        let org_names: HashMap<i64, String> = orgs.iter().map(|o| (o.id, o.name.clone())).collect();
        let system_actors = state.hub.db.system_actors(id).await?;
        let systems: Vec<Value> = state
            .hub
            .systems(&me, Some(id))
            .await?
            .into_iter()
            .map(|s| {
                let claims: Vec<String> = system_actors
                    .iter()
                    .filter(|a| a.system_id == s.id)
                    .map(|a| format!("{}/{}", a.profile, a.actor))
                    .collect();
                let endpoints: serde_json::Value = serde_json::from_str(&s.endpoints).unwrap_or_default();
                context! { organisation => org_names.get(&s.org_id).cloned().unwrap_or_default(), claims => claims, endpoints => Value::from_serialize(&endpoints), ..Value::from_serialize(&s) }
            })
            .collect();
        let available = available_suites(&state.hub.config.suites_dir);
        Ok::<_, HubError>(context! {
            title => event.name.clone(), event => event, suites => suites, systems => systems,
            organisations => orgs, available => available, flash => flash(&q),
            suites_dir => state.hub.config.suites_dir.display().to_string(),
        })
    }
    .await;
    match result {
        Ok(ctx) => render(&state, "event.html", Some(&me), ctx),
        Err(e) => fail(&state, &me, e),
    }
}

/// Folders under the suites folder that hold a suite file.
fn available_suites(dir: &std::path::Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.path().join("suite.yaml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

pub async fn add_suite(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormData(form);
    let result = async {
        form.check_csrf(&me)?;
        let claims = parse_claims(form.get("claims"))?;
        state
            .hub
            .add_suite(&me, id, form.get("path"), &claims)
            .await
    }
    .await;
    match result {
        Ok(_) => see_other(&format!("/events/{id}"), "Suite in play."),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn scoreboard(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Path(id): Path<i64>,
) -> Response {
    match state.hub.scoreboard(&me, id).await {
        Ok(board) => render(
            &state,
            "scoreboard.html",
            Some(&me),
            context! { title => format!("Scoreboard — {}", board.event), board => board },
        ),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn scoreboard_csv(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Path(id): Path<i64>,
) -> Response {
    match state.hub.scoreboard(&me, id).await.and_then(|b| b.to_csv()) {
        Ok(csv) => download(
            csv.into_bytes(),
            "text/csv; charset=utf-8",
            &format!("scoreboard-{id}.csv"),
        ),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn scoreboard_json(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Path(id): Path<i64>,
) -> Response {
    match state.hub.scoreboard(&me, id).await {
        Ok(board) => axum::Json(board).into_response(),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn matrix(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Path(id): Path<i64>,
) -> Response {
    match state.hub.requirement_matrix(&me, id).await {
        Ok(matrix) => render(
            &state,
            "matrix.html",
            Some(&me),
            context! { title => "Requirements × systems", matrix => matrix },
        ),
        Err(e) => fail(&state, &me, e),
    }
}

pub async fn matrix_csv(
    State(state): State<AppState>,
    PageActor(me): PageActor,
    Path(id): Path<i64>,
) -> Response {
    match state
        .hub
        .requirement_matrix(&me, id)
        .await
        .and_then(|m| m.to_csv())
    {
        Ok(csv) => download(
            csv.into_bytes(),
            "text/csv; charset=utf-8",
            &format!("requirements-{id}.csv"),
        ),
        Err(e) => fail(&state, &me, e),
    }
}
