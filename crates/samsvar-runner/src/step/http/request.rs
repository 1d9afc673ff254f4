//! Turns a suite's HTTP step into a concrete request: target base URL, rendered
//! templates, query parameters, body (inline or fixture) and default headers.

use crate::context::RunContext;
use crate::transport::{Credentials, OutgoingRequest};
use crate::vars::{Scope, UndefinedVariable};
use bytes::Bytes;
use reqwest::Method;
use samsvar_suite::model::{Body, HttpRequest, RequestAuth, Suite, TargetKind, TemplatePart};
use url::Url;

/// Why a request could not be built, in one line.
#[derive(Debug)]
pub struct BuildError {
    pub message: String,
    /// A `{{variable}}` had no value (in teardown this skips the step: there is nothing
    /// to clean up when the test that captures it never ran).
    pub undefined_variable: bool,
}

impl From<String> for BuildError {
    fn from(message: String) -> Self {
        Self {
            message,
            undefined_variable: false,
        }
    }
}

impl From<UndefinedVariable> for BuildError {
    fn from(e: UndefinedVariable) -> Self {
        Self {
            message: e.to_string(),
            undefined_variable: true,
        }
    }
}

/// Builds the request, or says in one line why it could not be built.
pub async fn build(
    ctx: &RunContext<'_>,
    suite: &Suite,
    http: &HttpRequest,
    scope: &Scope,
) -> Result<OutgoingRequest, BuildError> {
    let (target_name, kind) = resolve_target(suite, http)?;
    let base = target_name.and_then(|n| ctx.bindings.targets.get(n).map(|b| b.url.clone()));
    let mut scope = scope.clone();
    if let Some(b) = &base {
        scope.set("target", b.trim_end_matches('/').to_string());
    }
    let rendered = scope.render(&http.url)?;
    let mut url = absolute_url(&rendered, base.as_deref(), target_name)?;
    if !http.query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in &http.query {
            pairs.append_pair(&k.value, &scope.render(v)?);
        }
    }
    let method = Method::from_bytes(http.method.value.to_ascii_uppercase().as_bytes())
        .map_err(|_| format!("failed to use HTTP method `{}`", http.method.value))?;

    let mut headers = Vec::new();
    for (k, v) in &http.headers {
        headers.push((k.value.clone(), scope.render(v)?));
    }
    let fhir = kind == Some(TargetKind::Fhir);
    if fhir && !has_header(&headers, "accept") {
        headers.push(("accept".into(), "application/fhir+json".into()));
    }
    let (body, media_type) = match &http.body {
        None => (None, None),
        Some(b) => {
            let (bytes, mt) = body_bytes(b, &scope, fhir).await?;
            (Some(bytes), mt)
        }
    };
    if let Some(mt) = media_type
        && !has_header(&headers, "content-type")
    {
        headers.push(("content-type".into(), mt.to_string()));
    }
    let credentials = match &http.auth {
        None => Credentials::Target,
        Some(a) => match &a.value {
            RequestAuth::None => Credentials::None,
            RequestAuth::Scope(t) => Credentials::Scope(scope.render(t)?),
        },
    };
    Ok(OutgoingRequest {
        method,
        url,
        headers,
        body,
        credentials,
        target: addressed_target(suite, http, target_name),
    })
}

/// The target whose credentials go with the request: the step's own, else the one its URL
/// starts with (`url: "{{person}}/AuditEvent"` addresses `person`), else the only one.
fn addressed_target(suite: &Suite, http: &HttpRequest, resolved: Option<&str>) -> Option<String> {
    if http.target.is_none()
        && let Some(TemplatePart::Var { name, .. }) = http.url.parts.first()
        && suite.targets.contains_key(name)
    {
        return Some(name.clone());
    }
    resolved.map(str::to_string)
}

fn has_header(headers: &[(String, String)], name: &str) -> bool {
    headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
}

/// The step's target: the one it names, or the suite's only target.
fn resolve_target<'s>(
    suite: &'s Suite,
    http: &'s HttpRequest,
) -> Result<(Option<&'s str>, Option<TargetKind>), String> {
    if let Some(t) = &http.target {
        let kind = suite.targets.get(&t.value).map(|d| d.kind);
        return Ok((Some(t.value.as_str()), kind));
    }
    let mut it = suite.targets.iter();
    match (it.next(), it.next()) {
        (Some((name, decl)), None) => Ok((Some(name.as_str()), Some(decl.kind))),
        _ => Ok((None, None)),
    }
}

/// Joins a relative URL onto a base URL keeping the base's path
/// (`http://h/fhir` + `Patient/1` → `http://h/fhir/Patient/1`).
fn absolute_url(rendered: &str, base: Option<&str>, target: Option<&str>) -> Result<Url, String> {
    let lower = rendered.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Url::parse(rendered).map_err(|e| format!("failed to parse URL `{rendered}`: {e}"));
    }
    // `urn:uuid:…`, `mailto:…`: an absolute URI with a scheme HTTP cannot fetch. Joining it
    // onto the base would send a request to a path nobody named (typically a system under
    // test that left a Bundle's fullUrl in `attachment.url`), so it is refused and said.
    if let Some((scheme, _)) = rendered.split_once(':')
        && is_uri_scheme(scheme)
    {
        return Err(format!(
            "cannot send a request to `{rendered}`: it is a `{scheme}:` URI, not an http or https URL"
        ));
    }
    let Some(base) = base else {
        return Err(match target {
            Some(t) => format!("failed to build URL `{rendered}`: target `{t}` is not bound"),
            None => format!(
                "failed to build URL `{rendered}`: it is relative and the step names no target"
            ),
        });
    };
    let joined = if rendered.is_empty() {
        base.to_string()
    } else if rendered.starts_with('?') {
        format!("{}{}", base.trim_end_matches('/'), rendered)
    } else {
        format!(
            "{}/{}",
            base.trim_end_matches('/'),
            rendered.trim_start_matches('/')
        )
    };
    Url::parse(&joined).map_err(|e| format!("failed to parse URL `{joined}`: {e}"))
}

/// RFC 3986 3.1: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`. What precedes the first colon
/// of a relative FHIR URL (`Patient/1:x`, `Patient?date=…T10:00`) always holds a `/`, `?` or
/// `=`, so it is never taken for one.
fn is_uri_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

async fn body_bytes(
    body: &Body,
    scope: &Scope,
    fhir: bool,
) -> Result<(Bytes, Option<&'static str>), BuildError> {
    let json_type = if fhir {
        "application/fhir+json"
    } else {
        "application/json"
    };
    match body {
        Body::Json(t) => {
            let value = scope.render_json(t)?;
            let bytes = serde_json::to_vec(&value)
                .map_err(|e| format!("failed to serialize the request body: {e}"))?;
            Ok((Bytes::from(bytes), Some(json_type)))
        }
        Body::Text(t) => Ok((Bytes::from(scope.render(t)?), None)),
        Body::File {
            path,
            resolved,
            templated,
        } => {
            let raw = tokio::fs::read(resolved).await.map_err(|e| {
                format!(
                    "failed to read fixture {} ({}): {e}",
                    path.value.display(),
                    resolved.display()
                )
            })?;
            let bytes = if *templated {
                let text = String::from_utf8(raw).map_err(|_| {
                    format!(
                        "failed to template fixture {}: it is not UTF-8 text",
                        path.value.display()
                    )
                })?;
                Bytes::from(scope.render_text(&text)?)
            } else {
                Bytes::from(raw)
            };
            let ext = resolved
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default()
                .to_ascii_lowercase();
            let mt = match ext.as_str() {
                "json" => Some(json_type),
                "xml" if fhir => Some("application/fhir+xml"),
                "xml" => Some("application/xml"),
                _ => None,
            };
            Ok((bytes, mt))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_urls_onto_the_base_path() {
        let u = absolute_url("Patient/1", Some("http://h:8/fhir/"), Some("fhir")).unwrap();
        assert_eq!(u.as_str(), "http://h:8/fhir/Patient/1");
        let u = absolute_url("/metadata", Some("http://h:8/fhir"), Some("fhir")).unwrap();
        assert_eq!(u.as_str(), "http://h:8/fhir/metadata");
        let u = absolute_url("https://x/y", None, None).unwrap();
        assert_eq!(u.as_str(), "https://x/y");
        let e = absolute_url(
            "urn:uuid:6f1d7a52-8c3e-4b1a-9e27-3d5c0b8a4f12",
            Some("http://h/fhir"),
            None,
        )
        .unwrap_err();
        assert!(e.contains("`urn:` URI, not an http or https URL"), "{e}");
        let u = absolute_url(
            "Patient?_lastUpdated=gt2026-01-01T10:00:00Z",
            Some("http://h/fhir"),
            None,
        )
        .unwrap();
        assert_eq!(u.path(), "/fhir/Patient");
        let e = absolute_url("Patient", None, Some("fhir")).unwrap_err();
        assert!(e.contains("target `fhir` is not bound"), "{e}");
    }
}
