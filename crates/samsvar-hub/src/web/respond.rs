//! How the hub answers, shared by pages, the JSON API and the session extractors: the
//! status and public text of an error, the error page and the JSON error body, a file
//! download, and the signed-in user as every page's header shows it. It depends on no
//! other part of `web`, so that none of them depends on another only for these.

use crate::auth::Actor;
use crate::error::{HubError, HubResult};
use axum::Json;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use serde::Serialize;
use serde_json::json;

pub fn status_of(e: &HubError) -> StatusCode {
    match e {
        HubError::NotFound => StatusCode::NOT_FOUND,
        HubError::Forbidden(_) | HubError::Csrf => StatusCode::FORBIDDEN,
        HubError::Unauthorized => StatusCode::UNAUTHORIZED,
        HubError::BadRequest(_) => StatusCode::BAD_REQUEST,
        HubError::Conflict(_) => StatusCode::CONFLICT,
        HubError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
        HubError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        HubError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
        HubError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The public text of an error: internal details go to the log, not the page.
pub fn public_message(e: &HubError) -> String {
    match e {
        HubError::Internal(detail) => {
            tracing::error!("internal error: {detail}");
            "internal error; the hub's log has the details".into()
        }
        other => other.to_string(),
    }
}

pub fn error_page(
    templates: &minijinja::Environment<'static>,
    me: Option<&Actor>,
    e: HubError,
) -> Response {
    let status = status_of(&e);
    let message = public_message(&e);
    let me = me.map(Me::from);
    let ctx = context! { me => me, title => status.canonical_reason().unwrap_or("Error"), heading => format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or("")), message => message };
    let html = templates
        .get_template("error.html")
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|_| message.clone());
    (status, Html(html)).into_response()
}

pub fn error_response(e: HubError) -> Response {
    let status = status_of(&e);
    (
        status,
        Json(json!({ "error": public_message(&e), "status": status.as_u16() })),
    )
        .into_response()
}

/// `Ok` as JSON, `Err` as the error body.
pub fn reply<T: serde::Serialize>(result: HubResult<T>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(e) => error_response(e),
    }
}

/// A file download.
pub fn download(bytes: Vec<u8>, content_type: &str, file_name: &str) -> Response {
    let mut response = bytes.into_response();
    if let Ok(v) = content_type.parse() {
        response.headers_mut().insert(CONTENT_TYPE, v);
    }
    if let Ok(v) = format!("attachment; filename=\"{file_name}\"").parse() {
        response.headers_mut().insert(CONTENT_DISPOSITION, v);
    }
    response
}

/// What every page's header needs about the signed-in user.
#[derive(Debug, Clone, Serialize)]
pub struct Me {
    pub name: String,
    pub role: &'static str,
    pub csrf: String,
}

impl From<&Actor> for Me {
    fn from(a: &Actor) -> Me {
        Me {
            name: a.name.clone(),
            role: a.role.as_str(),
            csrf: a.csrf.clone(),
        }
    }
}
