//! A recorded AuditEvent as a DICOM PS3.15 A.5 audit message, the MSG of an ATNA
//! Record Audit Event [ITI-20] over syslog: the `dicom` mappings of the R4 AuditEvent
//! definition, read the other way round (the audit record repository reads them forward).
//! Only what the event holds is written. Built and written with samsvar-xds's XML tree.

use crate::dicom_codes::dicom_name;
use samsvar_xds::xml::{Element, to_string};
use serde_json::Value;

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

fn element(name: &str) -> Element {
    Element::new("", "", name)
}

fn list<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// Sets `attr` from the string at `path`, when there is one.
fn set_from(e: &mut Element, attr: &str, value: Option<&str>) {
    if let Some(v) = value {
        e.set_attr(attr, v);
    }
}

/// A coded element (`<EventID csd-code=… codeSystemName=… originalText=…/>`).
fn coded(name: &str, coding: &Value) -> Option<Element> {
    let code = coding.get("code").and_then(Value::as_str)?;
    let mut e = element(name).attr("csd-code", code);
    if let Some(system) = coding.get("system").and_then(Value::as_str) {
        e.set_attr("codeSystemName", dicom_name(system));
    }
    set_from(
        &mut e,
        "originalText",
        coding.get("display").and_then(Value::as_str),
    );
    Some(e)
}

/// The XML of `event` (an R4 AuditEvent as JSON), with its XML declaration.
pub fn audit_message(event: &Value) -> Vec<u8> {
    let mut root = element("AuditMessage");
    root.children.push(event_identification(event));
    root.children.extend(list(event, "agent").map(participant));
    if let Some(source) = event.get("source") {
        root.children.push(audit_source(source));
    }
    root.children
        .extend(list(event, "entity").map(participant_object));
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>{}",
        to_string(&root)
    )
    .into_bytes()
}

fn event_identification(event: &Value) -> Element {
    let mut id = element("EventIdentification");
    for (attr, key) in [
        ("EventActionCode", "action"),
        ("EventDateTime", "recorded"),
        ("EventOutcomeIndicator", "outcome"),
    ] {
        set_from(&mut id, attr, event.get(key).and_then(Value::as_str));
    }
    id.children.extend(
        event
            .get("type")
            .and_then(first_coding)
            .and_then(|t| coded("EventID", t)),
    );
    id.children
        .extend(list(event, "subtype").filter_map(|s| coded("EventTypeCode", s)));
    if let Some(d) = event.get("outcomeDesc").and_then(Value::as_str) {
        id.children.push(element("EventOutcomeDescription").text(d));
    }
    id
}

fn participant(agent: &Value) -> Element {
    let mut e = element("ActiveParticipant");
    let user = str_at(agent, &["who", "identifier", "value"])
        .or_else(|| str_at(agent, &["who", "reference"]))
        .or_else(|| str_at(agent, &["who", "display"]));
    set_from(&mut e, "UserID", user);
    set_from(
        &mut e,
        "AlternativeUserID",
        agent.get("altId").and_then(Value::as_str),
    );
    set_from(
        &mut e,
        "UserName",
        agent.get("name").and_then(Value::as_str),
    );
    if let Some(requestor) = agent.get("requestor").and_then(Value::as_bool) {
        e.set_attr("UserIsRequestor", if requestor { "true" } else { "false" });
    }
    if let Some(address) = str_at(agent, &["network", "address"]) {
        e.set_attr("NetworkAccessPointID", address);
        set_from(
            &mut e,
            "NetworkAccessPointTypeCode",
            str_at(agent, &["network", "type"]),
        );
    }
    let roles = agent.get("type").into_iter().chain(list(agent, "role"));
    e.children.extend(
        roles
            .filter_map(first_coding)
            .filter_map(|c| coded("RoleIDCode", c)),
    );
    e
}

fn audit_source(source: &Value) -> Element {
    let mut e = element("AuditSourceIdentification");
    let id = str_at(source, &["observer", "display"])
        .or_else(|| str_at(source, &["observer", "identifier", "value"]))
        .or_else(|| str_at(source, &["observer", "reference"]));
    set_from(&mut e, "AuditSourceID", id);
    set_from(
        &mut e,
        "AuditEnterpriseSiteID",
        source.get("site").and_then(Value::as_str),
    );
    e.children.extend(
        list(source, "type")
            .filter_map(first_coding)
            .filter_map(|c| coded("AuditSourceTypeCode", c)),
    );
    e
}

fn participant_object(entity: &Value) -> Element {
    let mut e = element("ParticipantObjectIdentification");
    let identifier = str_at(entity, &["what", "identifier", "value"]);
    let reference = str_at(entity, &["what", "reference"]);
    set_from(&mut e, "ParticipantObjectID", identifier.or(reference));
    for (attr, key) in [
        ("ParticipantObjectTypeCode", "type"),
        ("ParticipantObjectTypeCodeRole", "role"),
        ("ParticipantObjectDataLifeCycle", "lifecycle"),
    ] {
        set_from(&mut e, attr, str_at(entity, &[key, "code"]));
    }
    let id_type = match (
        identifier,
        entity
            .pointer("/what/identifier/type")
            .and_then(first_coding),
    ) {
        (Some(_), Some(kind)) => coded("ParticipantObjectIDTypeCode", kind),
        // A FHIR reference is a URI: RFC 3881's object id type 12.
        (None, _) if reference.is_some() => coded(
            "ParticipantObjectIDTypeCode",
            &serde_json::json!({"code": "12", "system": "urn:ietf:rfc:3881", "display": "URI"}),
        ),
        _ => None,
    };
    e.children.extend(id_type);
    if let Some(name) = entity.get("name").and_then(Value::as_str) {
        e.children.push(element("ParticipantObjectName").text(name));
    }
    if let Some(query) = entity.get("query").and_then(Value::as_str) {
        e.children
            .push(element("ParticipantObjectQuery").text(query));
    }
    for detail in list(entity, "detail") {
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
        e.children.push(
            element("ParticipantObjectDetail")
                .attr("type", kind)
                .attr("value", value),
        );
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What the simulator sends reads back, through the repository's mapping, as the
    /// same event: the two directions of one mapping agree.
    #[test]
    fn a_balp_event_survives_the_trip_through_dicom() {
        let event = json!({
            "resourceType": "AuditEvent",
            "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest", "display": "Restful Operation"},
            "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": "read", "display": "read"}],
            "action": "R", "recorded": "2026-12-04T10:00:00Z", "outcome": "0",
            "agent": [{"type": {"coding": [{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110153", "display": "Source Role ID"}]},
                       "who": {"identifier": {"value": "samsvar/0.1.0"}}, "requestor": true,
                       "network": {"address": "127.0.0.1", "type": "2"}}],
            "source": {"observer": {"display": "samsvar-sim"}},
            "entity": [{"what": {"reference": "Patient/p1"},
                        "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "1"},
                        "role": {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1"},
                        "detail": [{"type": "X-Request-Id", "valueString": "r-1"}]}]
        });
        let xml = audit_message(&event);
        let root =
            samsvar_xds::xml::parse(&xml, &samsvar_xds::XmlLimits::default()).expect("parses");
        let back = crate::arr::dicom_audit_event(&root);
        for key in ["type", "subtype", "action", "recorded", "outcome"] {
            assert_eq!(back[key], event[key], "{key}");
        }
        assert_eq!(back["agent"][0]["type"], event["agent"][0]["type"]);
        assert_eq!(back["agent"][0]["who"], event["agent"][0]["who"]);
        assert_eq!(back["agent"][0]["network"], event["agent"][0]["network"]);
        assert_eq!(
            back["entity"][0]["what"]["identifier"]["value"],
            "Patient/p1"
        );
        assert_eq!(back["entity"][0]["type"], event["entity"][0]["type"]);
        assert_eq!(back["entity"][0]["detail"][0]["valueBase64Binary"], "ci0x");
    }
}
