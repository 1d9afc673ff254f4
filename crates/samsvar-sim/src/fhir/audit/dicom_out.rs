//! A recorded AuditEvent as a DICOM PS3.15 A.5 audit message, the MSG of an ATNA
//! Record Audit Event [ITI-20] over syslog: the `dicom` mappings of the R4 AuditEvent
//! definition, read the other way round (the audit record repository reads them forward).
//! Only what the event holds is written.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::Value;

/// DICOM's code system names for the FHIR systems the trail uses; any other system is
/// written as its URI (the OID for `urn:oid:`).
fn system_name(system: &str) -> String {
    match system {
        "http://dicom.nema.org/resources/ontology/DCM" => "DCM".into(),
        "urn:ihe:event-type-code" => "IHE Transactions".into(),
        other => other.strip_prefix("urn:oid:").unwrap_or(other).to_string(),
    }
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut at = v;
    for key in path {
        at = at.get(key)?;
    }
    at.as_str()
}

/// The first Coding of a CodeableConcept, or the value itself when it is a Coding.
fn first_coding(v: &Value) -> Option<&Value> {
    match v.get("coding").and_then(Value::as_array) {
        Some(codings) => codings.first(),
        None => v.get("code").map(|_| v),
    }
}

type Out = Writer<Vec<u8>>;

fn coded(out: &mut Out, name: &str, coding: &Value) -> std::io::Result<()> {
    let Some(code) = coding.get("code").and_then(Value::as_str) else {
        return Ok(());
    };
    let mut e = BytesStart::new(name);
    e.push_attribute(("csd-code", code));
    if let Some(system) = coding.get("system").and_then(Value::as_str) {
        e.push_attribute(("codeSystemName", system_name(system).as_str()));
    }
    if let Some(display) = coding.get("display").and_then(Value::as_str) {
        e.push_attribute(("originalText", display));
    }
    out.write_event(Event::Empty(e))
}

fn text_element(out: &mut Out, name: &str, text: &str) -> std::io::Result<()> {
    out.write_event(Event::Start(BytesStart::new(name)))?;
    out.write_event(Event::Text(BytesText::new(text)))?;
    out.write_event(Event::End(BytesEnd::new(name)))
}

/// The XML of `event` (an R4 AuditEvent as JSON).
pub fn audit_message(event: &Value) -> Vec<u8> {
    let mut out = Writer::new(Vec::new());
    // Writing into a Vec cannot fail; an error would only mean a bug in the writer.
    if write(&mut out, event).is_err() {
        return Vec::new();
    }
    out.into_inner()
}

fn write(out: &mut Out, event: &Value) -> std::io::Result<()> {
    out.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    out.write_event(Event::Start(BytesStart::new("AuditMessage")))?;

    let mut id = BytesStart::new("EventIdentification");
    for (attr, key) in [
        ("EventActionCode", "action"),
        ("EventDateTime", "recorded"),
        ("EventOutcomeIndicator", "outcome"),
    ] {
        if let Some(v) = event.get(key).and_then(Value::as_str) {
            id.push_attribute((attr, v));
        }
    }
    out.write_event(Event::Start(id))?;
    if let Some(t) = event.get("type").and_then(first_coding) {
        coded(out, "EventID", t)?;
    }
    for s in event
        .get("subtype")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        coded(out, "EventTypeCode", s)?;
    }
    if let Some(d) = event.get("outcomeDesc").and_then(Value::as_str) {
        text_element(out, "EventOutcomeDescription", d)?;
    }
    out.write_event(Event::End(BytesEnd::new("EventIdentification")))?;

    for agent in event
        .get("agent")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        participant(out, agent)?;
    }
    if let Some(source) = event.get("source") {
        audit_source(out, source)?;
    }
    for entity in event
        .get("entity")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        participant_object(out, entity)?;
    }
    out.write_event(Event::End(BytesEnd::new("AuditMessage")))
}

fn participant(out: &mut Out, agent: &Value) -> std::io::Result<()> {
    let mut e = BytesStart::new("ActiveParticipant");
    let user = str_at(agent, &["who", "identifier", "value"])
        .or_else(|| str_at(agent, &["who", "reference"]))
        .or_else(|| str_at(agent, &["who", "display"]));
    if let Some(user) = user {
        e.push_attribute(("UserID", user));
    }
    if let Some(alt) = agent.get("altId").and_then(Value::as_str) {
        e.push_attribute(("AlternativeUserID", alt));
    }
    if let Some(name) = agent.get("name").and_then(Value::as_str) {
        e.push_attribute(("UserName", name));
    }
    if let Some(requestor) = agent.get("requestor").and_then(Value::as_bool) {
        e.push_attribute(("UserIsRequestor", if requestor { "true" } else { "false" }));
    }
    if let Some(address) = str_at(agent, &["network", "address"]) {
        e.push_attribute(("NetworkAccessPointID", address));
        if let Some(kind) = str_at(agent, &["network", "type"]) {
            e.push_attribute(("NetworkAccessPointTypeCode", kind));
        }
    }
    out.write_event(Event::Start(e))?;
    let roles = agent.get("type").into_iter().chain(
        agent
            .get("role")
            .and_then(Value::as_array)
            .into_iter()
            .flatten(),
    );
    for role in roles {
        if let Some(c) = first_coding(role) {
            coded(out, "RoleIDCode", c)?;
        }
    }
    out.write_event(Event::End(BytesEnd::new("ActiveParticipant")))
}

fn audit_source(out: &mut Out, source: &Value) -> std::io::Result<()> {
    let mut e = BytesStart::new("AuditSourceIdentification");
    let id = str_at(source, &["observer", "display"])
        .or_else(|| str_at(source, &["observer", "identifier", "value"]))
        .or_else(|| str_at(source, &["observer", "reference"]));
    if let Some(id) = id {
        e.push_attribute(("AuditSourceID", id));
    }
    if let Some(site) = source.get("site").and_then(Value::as_str) {
        e.push_attribute(("AuditEnterpriseSiteID", site));
    }
    out.write_event(Event::Start(e))?;
    for t in source
        .get("type")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(c) = first_coding(t) {
            coded(out, "AuditSourceTypeCode", c)?;
        }
    }
    out.write_event(Event::End(BytesEnd::new("AuditSourceIdentification")))
}

fn participant_object(out: &mut Out, entity: &Value) -> std::io::Result<()> {
    let mut e = BytesStart::new("ParticipantObjectIdentification");
    let identifier = str_at(entity, &["what", "identifier", "value"]);
    let reference = str_at(entity, &["what", "reference"]);
    if let Some(id) = identifier.or(reference) {
        e.push_attribute(("ParticipantObjectID", id));
    }
    for (attr, key) in [
        ("ParticipantObjectTypeCode", "type"),
        ("ParticipantObjectTypeCodeRole", "role"),
        ("ParticipantObjectDataLifeCycle", "lifecycle"),
    ] {
        if let Some(code) = entity
            .get(key)
            .and_then(|v| v.get("code"))
            .and_then(Value::as_str)
        {
            e.push_attribute((attr, code));
        }
    }
    out.write_event(Event::Start(e))?;
    match (
        identifier,
        entity
            .pointer("/what/identifier/type")
            .and_then(first_coding),
    ) {
        (Some(_), Some(kind)) => coded(out, "ParticipantObjectIDTypeCode", kind)?,
        // A FHIR reference is a URI: RFC 3881's object id type 12.
        _ if reference.is_some() && identifier.is_none() => coded(
            out,
            "ParticipantObjectIDTypeCode",
            &serde_json::json!({"code": "12", "system": "RFC-3881", "display": "URI"}),
        )?,
        _ => {}
    }
    if let Some(name) = entity.get("name").and_then(Value::as_str) {
        text_element(out, "ParticipantObjectName", name)?;
    }
    if let Some(query) = entity.get("query").and_then(Value::as_str) {
        text_element(out, "ParticipantObjectQuery", query)?;
    }
    for detail in entity
        .get("detail")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(kind) = detail.get("type").and_then(Value::as_str) else {
            continue;
        };
        let value = match (
            detail.get("valueBase64Binary").and_then(Value::as_str),
            detail.get("valueString").and_then(Value::as_str),
        ) {
            (Some(b64), _) => b64.to_string(),
            (None, Some(s)) => {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD.encode(s)
            }
            (None, None) => continue,
        };
        let mut d = BytesStart::new("ParticipantObjectDetail");
        d.push_attribute(("type", kind));
        d.push_attribute(("value", value.as_str()));
        out.write_event(Event::Empty(d))?;
    }
    out.write_event(Event::End(BytesEnd::new("ParticipantObjectIdentification")))
}
