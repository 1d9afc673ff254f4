//! Who sent the request: a session cookie (pages) or a bearer token (API). Pages without
//! a session redirect to the sign-in page; the API answers 401.

use super::AppState;
use crate::auth::{Actor, SESSION_COOKIE, same_secret};
use crate::error::HubError;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

/// The session cookie's value, when the request carries one.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    cookie_value(headers, SESSION_COOKIE)
}

/// One cookie's value from the request's Cookie headers.
pub fn cookie_value(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

/// A signed-in user on a page.
pub struct PageActor(pub Actor);

/// Not signed in on a page: go to the sign-in page.
pub struct ToLogin;

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        Redirect::to("/login").into_response()
    }
}

impl FromRequestParts<AppState> for PageActor {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(cookie) = session_cookie(&parts.headers) else {
            return Err(ToLogin.into_response());
        };
        match state.hub.actor_from_session(&cookie).await {
            Ok(Some(actor)) => Ok(PageActor(actor)),
            Ok(None) => Err(ToLogin.into_response()),
            Err(e) => Err(super::respond::error_page(&state.templates, None, e)),
        }
    }
}

impl OptionalFromRequestParts<AppState> for PageActor {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <PageActor as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(actor) => Ok(Some(actor)),
            Err(_) => Ok(None),
        }
    }
}

/// A caller of the JSON API: a bearer token, or a browser session (reads only, unless the
/// request carries the session's CSRF token in `X-CSRF-Token`).
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let reject = |e: HubError| super::respond::error_response(e);
        if let Some(token) = bearer(parts) {
            return match state.hub.actor_from_token(&token).await {
                Ok(Some(actor)) => Ok(ApiActor(actor)),
                Ok(None) => Err(reject(HubError::Unauthorized)),
                Err(e) => Err(reject(e)),
            };
        }
        let Some(cookie) = session_cookie(&parts.headers) else {
            return Err(reject(HubError::Unauthorized));
        };
        let actor = match state.hub.actor_from_session(&cookie).await {
            Ok(Some(actor)) => actor,
            Ok(None) => return Err(reject(HubError::Unauthorized)),
            Err(e) => return Err(reject(e)),
        };
        if !parts.method.is_safe() {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !same_secret(sent, &actor.csrf) {
                return Err(reject(HubError::Csrf));
            }
        }
        Ok(ApiActor(actor))
    }
}

/// Checks a form's CSRF field against the session's token.
pub fn check_csrf(actor: &Actor, sent: Option<&str>) -> Result<(), HubError> {
    match sent {
        Some(sent) if !actor.csrf.is_empty() && same_secret(sent, &actor.csrf) => Ok(()),
        _ => Err(HubError::Csrf),
    }
}
