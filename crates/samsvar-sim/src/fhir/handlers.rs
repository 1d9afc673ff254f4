//! The FHIR REST interactions: capabilities, read, vread, create, update, delete, history,
//! search. Each handler returns `Result<Response, Response>`; the error side is always an
//! OperationOutcome.

use axum::body::Body;
use axum::extract::{Extension, OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Value, json};
use std::sync::Arc;

use super::MOUNT;
use super::audit::Targets;
use super::capability::capability_statement;
use super::compartment;
use super::defect::Defect;
use super::request::{
    base_url, check_type, if_match, prefer_return, prefer_strict, read_body, resource_body,
    valid_id,
};
use super::response::{
    Entry, Return, bundle_bytes, bundle_head, fhir_body, outcome, resource_response,
};
use super::search::{SearchRequest, SortKey};
use super::search_params;
use super::state::FhirState;
use super::store::{Lookup, Store, UpdateMode, WriteError};
use crate::auth::TokenClaims;

type Answer = Result<Response, Response>;

type St = State<Arc<FhirState>>;

/// The claims of the request's token, when the simulator runs behind `--require-auth`.
type Claims = Option<Extension<TokenClaims>>;

/// The patient a patient-context token acts for (see `compartment`).
fn person(claims: &Claims) -> Option<&str> {
    claims
        .as_ref()
        .and_then(|Extension(c)| c.patient.as_deref())
}

/// Outside the person's compartment a resource is, for them, not there (404: its
/// existence is not theirs to learn).
fn hide_outside(found: Lookup, patient: Option<&str>) -> Lookup {
    match (patient, &found) {
        (Some(p), Lookup::Found(v))
            if !v
                .resource
                .as_ref()
                .is_some_and(|r| compartment::visible(&r.json, p)) =>
        {
            Lookup::NotFound
        }
        (Some(_), Lookup::Deleted) => Lookup::NotFound,
        _ => found,
    }
}

pub async fn capability(State(st): St, headers: HeaderMap, uri: Uri) -> Response {
    let base = base_url(&headers, &uri, MOUNT);
    let statement = capability_statement(&base, st.defects, st.started);
    fhir_body(
        StatusCode::OK,
        serde_json::to_vec(&statement).unwrap_or_default(),
    )
}

pub async fn read(
    State(st): St,
    Path((rt, id)): Path<(String, String)>,
    claims: Claims,
    headers: HeaderMap,
    uri: Uri,
) -> Answer {
    check_type(&rt)?;
    let found = if valid_id(&id) {
        hide_outside(st.store.read(&rt, &id), person(&claims))
    } else {
        Lookup::NotFound
    };
    if rt == "Binary"
        && let Lookup::Found(v) = &found
        && let Some(raw) = v.resource.as_ref().and_then(|r| {
            super::operations::raw_binary(r, &headers, &uri, st.has(Defect::DocumentAltered))
        })
    {
        return Ok(raw);
    }
    found_or_error(found, &rt, &id)
}

pub async fn vread(
    State(st): St,
    Path((rt, id, vid)): Path<(String, String, String)>,
    claims: Claims,
) -> Answer {
    check_type(&rt)?;
    let found = match vid.parse::<u64>() {
        Ok(vid) if valid_id(&id) => hide_outside(st.store.vread(&rt, &id, vid), person(&claims)),
        _ => Lookup::NotFound,
    };
    found_or_error(found, &rt, &format!("{id}/_history/{vid}"))
}

fn found_or_error(found: Lookup, rt: &str, what: &str) -> Answer {
    match found {
        Lookup::Found(v) => Ok(resource_response(
            StatusCode::OK,
            &v,
            rt,
            "",
            false,
            Return::Representation,
        )),
        Lookup::Deleted => Err(outcome(
            StatusCode::GONE,
            "deleted",
            format!("failed to read {rt}/{what}: it has been deleted"),
        )),
        Lookup::NotFound => Err(outcome(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("failed to find {rt}/{what}: no such resource"),
        )),
    }
}

pub async fn create(
    State(st): St,
    Path(rt): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Answer {
    check_type(&rt)?;
    let resource = resource_body(&headers, body, st.config.max_request_body, &rt).await?;
    let version = st.store.create(&rt, resource);
    let base = base_url(&headers, &uri, MOUNT);
    let response = resource_response(
        StatusCode::CREATED,
        &version,
        &rt,
        &base,
        true,
        prefer_return(&headers),
    );
    Ok(Targets::tag(response, &rt, true, &version))
}

pub async fn update(
    State(st): St,
    Path((rt, id)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Answer {
    check_type(&rt)?;
    if !valid_id(&id) {
        return Err(outcome(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!("failed to accept id `{id}`: FHIR ids are 1-64 of A-Z a-z 0-9 - ."),
        ));
    }
    let resource = resource_body(&headers, body, st.config.max_request_body, &rt).await?;
    match resource.get("id").and_then(Value::as_str) {
        Some(body_id) if body_id == id => {}
        Some(body_id) => {
            return Err(outcome(
                StatusCode::BAD_REQUEST,
                "invalid",
                format!("failed to update {rt}/{id}: the body has id `{body_id}`"),
            ));
        }
        None => {
            return Err(outcome(
                StatusCode::BAD_REQUEST,
                "invalid",
                format!(
                    "failed to update {rt}/{id}: the body has no id (an update must carry the id of the URL)"
                ),
            ));
        }
    }
    let mode = UpdateMode {
        if_match: if_match(&headers)?,
        keep_version: st.has(Defect::NoVersionBump),
    };
    let ret = prefer_return(&headers);
    if st.has(Defect::IgnoreUpdate) {
        // Answer as if stored, without storing: a throwaway store stamps the echo.
        let scratch = Store::new();
        let (echo, _) = scratch
            .update(
                &rt,
                &id,
                resource,
                UpdateMode {
                    if_match: None,
                    keep_version: false,
                },
            )
            .map_err(|_| {
                outcome(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "exception",
                    "failed to echo the update",
                )
            })?;
        let response = resource_response(StatusCode::OK, &echo, &rt, "", false, ret);
        return Ok(Targets::tag(response, &rt, false, &echo));
    }
    match st.store.update(&rt, &id, resource, mode) {
        Ok((version, created)) => {
            let base = base_url(&headers, &uri, MOUNT);
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            let response = resource_response(status, &version, &rt, &base, created, ret);
            Ok(Targets::tag(response, &rt, created, &version))
        }
        Err(WriteError::VersionConflict { current }) => Err(version_conflict(&rt, &id, current)),
    }
}

fn version_conflict(rt: &str, id: &str, current: Option<u64>) -> Response {
    let current = match current {
        Some(v) => format!("the current version is {v}"),
        None => "it does not exist".to_string(),
    };
    outcome(
        StatusCode::PRECONDITION_FAILED,
        "conflict",
        format!("failed to change {rt}/{id}: If-Match does not match, {current}"),
    )
}

pub async fn delete(
    State(st): St,
    Path((rt, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    check_type(&rt)?;
    let wanted = if_match(&headers)?;
    if st.has(Defect::DeleteNoop) {
        return Ok(no_content());
    }
    match st.store.delete(&rt, &id, wanted) {
        Ok(_) => Ok(no_content()),
        Err(None) => Err(outcome(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("failed to delete {rt}/{id}: no such resource"),
        )),
        Err(Some(WriteError::VersionConflict { current })) => {
            Err(version_conflict(&rt, &id, current))
        }
    }
}

fn no_content() -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    r
}

pub async fn history(
    State(st): St,
    Path((rt, id)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Answer {
    check_type(&rt)?;
    let versions = st.store.history(&rt, &id);
    if versions.is_empty() {
        return Err(outcome(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("failed to find {rt}/{id}: no such resource"),
        ));
    }
    let base = base_url(&headers, &uri, MOUNT);
    let mut head = bundle_head("history");
    head.insert("total".into(), json!(versions.len()));
    head.insert(
        "link".into(),
        json!([{"relation": "self", "url": format!("{base}/{rt}/{id}/_history")}]),
    );
    let entries: Vec<Entry<'_>> = versions
        .iter()
        .map(|v| {
            let (method, status) = match (&v.resource, v.version_id) {
                (None, _) => ("DELETE", "204 No Content"),
                (Some(_), 1) => ("POST", "201 Created"),
                (Some(_), _) => ("PUT", "200 OK"),
            };
            Entry {
                full_url: format!("{base}/{rt}/{id}"),
                version: v,
                trailer: json!({
                    "request": {"method": method, "url": format!("{rt}/{id}")},
                    "response": {
                        "status": status,
                        "etag": v.etag(),
                        "lastModified": super::time_format::fhir_instant(v.last_updated),
                    }
                }),
            }
        })
        .collect();
    Ok(fhir_body(
        StatusCode::OK,
        bundle_bytes(Value::Object(head), &entries),
    ))
}

pub async fn search_get(
    State(st): St,
    Path(rt): Path<String>,
    RawQuery(query): RawQuery,
    claims: Claims,
    headers: HeaderMap,
    uri: Uri,
) -> Answer {
    check_type(&rt)?;
    let params = form_pairs(query.as_deref().unwrap_or_default().as_bytes());
    search(&st, &rt, &params, person(&claims), &headers, &uri)
}

pub async fn search_post(
    State(st): St,
    Path(rt): Path<String>,
    RawQuery(query): RawQuery,
    claims: Claims,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Answer {
    check_type(&rt)?;
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or_default();
        if !ct.starts_with("application/x-www-form-urlencoded") {
            return Err(outcome(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "not-supported",
                format!(
                    "failed to accept Content-Type `{ct}` on _search: send application/x-www-form-urlencoded"
                ),
            ));
        }
    }
    let body = read_body(&headers, body, st.config.max_request_body).await?;
    let mut params = form_pairs(query.as_deref().unwrap_or_default().as_bytes());
    params.extend(form_pairs(&body));
    search(&st, &rt, &params, person(&claims), &headers, &uri)
}

fn form_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(bytes)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A search; with `patient` (a patient-context token), of that patient's compartment only,
/// whatever the parameters ask (an AuditEvent search is then the person's access log).
fn search(
    st: &FhirState,
    rt: &str,
    params: &[(String, String)],
    patient: Option<&str>,
    headers: &HeaderMap,
    uri: &Uri,
) -> Answer {
    if st.has(Defect::Search500) {
        return Err(outcome(
            StatusCode::INTERNAL_SERVER_ERROR,
            "exception",
            "failed to search: internal server error (search-500 defect)",
        ));
    }
    if rt == "Patient"
        && let Some(refusal) = super::operations::unknown_identifier_domain(st, params)
    {
        return Err(refusal);
    }
    let params = super::operations::resolve_chains(st, params);
    let mut request = SearchRequest::parse(rt, &params);
    if st.has(Defect::ExactIgnored) {
        for f in &mut request.filters {
            if f.modifier == super::search::Modifier::Exact {
                f.modifier = super::search::Modifier::None;
            }
        }
    }
    if !request.ignored.is_empty() && prefer_strict(headers) {
        return Err(unknown_params(rt, &request.ignored));
    }
    // `audit-search-ignores-params` ignores the parameters but still lists them in the
    // self link, as if it had applied them (the bug a client cannot see without checking).
    let claimed = (rt == "AuditEvent" && st.has(Defect::AuditSearchIgnoresParams))
        .then(|| std::mem::take(&mut request.filters));
    if st.has(Defect::SearchIgnoresParams) {
        request.filters.clear();
    }
    // `audit-log-not-patient-scoped` forgets the compartment for AuditEvent: the person
    // sees everyone's accesses.
    let compartment =
        patient.filter(|_| !(rt == "AuditEvent" && st.has(Defect::AuditLogNotPatientScoped)));
    let mut matches = st.store.search(rt, |v| {
        v.resource.as_ref().is_some_and(|r| {
            request.matches(&r.json) && compartment.is_none_or(|p| compartment::visible(&r.json, p))
        })
    });
    if let Some(filters) = claimed {
        request.filters = filters;
    }
    if let Some((key, descending)) = request.sort {
        match key {
            SortKey::Id => matches.sort_by(|a, b| a.id.cmp(&b.id)),
            SortKey::LastUpdated => matches.sort_by_key(|v| v.seq),
        }
        if descending {
            matches.reverse();
        }
    }
    let total = matches.len();
    let base = base_url(headers, uri, MOUNT);
    let page: &[Arc<super::store::Version>] = if request.summary_count {
        &[]
    } else {
        let start = request.offset.min(total);
        let end = start.saturating_add(request.count).min(total);
        &matches[start..end]
    };
    let mut head = bundle_head("searchset");
    if !st.has(Defect::SearchNoTotal) {
        head.insert("total".into(), json!(total));
    }
    let mut links =
        vec![json!({"relation": "self", "url": search_link(&base, rt, &request, None)})];
    let next_offset = request.offset.saturating_add(request.count);
    if !request.summary_count && request.count > 0 && next_offset < total {
        links.push(
            json!({"relation": "next", "url": search_link(&base, rt, &request, Some(next_offset))}),
        );
    }
    head.insert("link".into(), Value::Array(links));
    let entries: Vec<Entry<'_>> = page
        .iter()
        .map(|v| Entry {
            full_url: format!("{base}/{rt}/{}", v.id),
            version: v,
            trailer: json!({"search": {"mode": "match"}}),
        })
        .collect();
    Ok(fhir_body(
        StatusCode::OK,
        bundle_bytes(Value::Object(head), &entries),
    ))
}

/// The self/next link lists only the parameters that were applied (ignored ones are dropped,
/// which is how a client can tell).
fn search_link(base: &str, rt: &str, request: &SearchRequest, offset: Option<usize>) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for f in &request.filters {
        query.append_pair(&f.raw_name, &f.raw_value);
    }
    for (k, v) in &request.control {
        if k != "_offset" {
            query.append_pair(k, v);
        }
    }
    if let Some(offset) = offset {
        query.append_pair("_offset", &offset.to_string());
    } else if request.offset > 0 {
        query.append_pair("_offset", &request.offset.to_string());
    }
    let query = query.finish();
    if query.is_empty() {
        format!("{base}/{rt}")
    } else {
        format!("{base}/{rt}?{query}")
    }
}

fn unknown_params(rt: &str, ignored: &[String]) -> Response {
    let issues: Vec<Value> = ignored
        .iter()
        .map(|name| {
            let bare = name.split(':').next().unwrap_or(name);
            let hint = samsvar_diagnostics::did_you_mean(bare, search_params::names(rt))
                .filter(|s| *s != bare)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            json!({
                "severity": "error",
                "code": "not-supported",
                "diagnostics": format!("failed to apply search parameter `{name}` on {rt}: not supported{hint}"),
            })
        })
        .collect();
    let body = json!({"resourceType": "OperationOutcome", "issue": issues});
    fhir_body(
        StatusCode::BAD_REQUEST,
        serde_json::to_vec(&body).unwrap_or_default(),
    )
}

pub async fn no_route(method: Method, OriginalUri(uri): OriginalUri) -> Response {
    outcome(
        StatusCode::NOT_FOUND,
        "not-found",
        format!(
            "failed to find a FHIR interaction for {method} {}: this server supports /metadata, \
             /{{type}}, /{{type}}/_search, /{{type}}/{{id}}, /{{type}}/{{id}}/_history[/{{vid}}]",
            uri.path()
        ),
    )
}

pub async fn method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> Response {
    outcome(
        StatusCode::METHOD_NOT_ALLOWED,
        "not-supported",
        format!(
            "failed to apply {method} to {}: method not supported here",
            uri.path()
        ),
    )
}
