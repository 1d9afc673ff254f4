//! A DICOM audit message (DICOM PS3.15 Annex A.5, the XML that ATNA's Record Audit Event
//! [ITI-20] carries over syslog) as a FHIR R4 AuditEvent, following the `dicom` mappings
//! of the R4 AuditEvent definition, so that a suite searches and checks what arrived over
//! syslog exactly as what arrived over FHIR.
//!
//! Both spellings of the schema are read: DICOM's (`csd-code`, `originalText`) and the
//! older RFC 3881 one (`code`, `displayName`). Nothing is invented: an attribute the
//! message lacks is absent from the AuditEvent, and the checks of [`super::findings`] say so.

use crate::dicom_codes::fhir_system;
use samsvar_xds::xml::Element;
use serde_json::{Map, Value, json};

/// The first attribute of `names` that is present (the DICOM and RFC 3881 spellings).
fn attr_any<'e>(e: &'e Element, names: &[&str]) -> Option<&'e str> {
    names.iter().find_map(|n| e.get_attr(n))
}

/// Children by local name: a message may or may not put the schema in a namespace.
fn kids<'e>(e: &'e Element, name: &'e str) -> impl Iterator<Item = &'e Element> + 'e {
    e.children.iter().filter(move |c| c.local == name)
}

fn kid<'e>(e: &'e Element, name: &str) -> Option<&'e Element> {
    e.children.iter().find(|c| c.local == name)
}

/// A Coding from a coded element (`<EventID csd-code="110112" codeSystemName="DCM"
/// originalText="Query"/>`, or `code`/`displayName` in RFC 3881).
fn coding(element: &Element) -> Option<Value> {
    let code = attr_any(element, &["csd-code", "code"])?;
    let mut c = Map::new();
    if let Some(system) = attr_any(element, &["codeSystemName", "codeSystem"]).and_then(fhir_system)
    {
        c.insert("system".into(), json!(system));
    }
    c.insert("code".into(), json!(code));
    if let Some(display) = attr_any(element, &["originalText", "displayName"]) {
        c.insert("display".into(), json!(display));
    }
    Some(Value::Object(c))
}

/// A Coding of a fixed FHIR code system from an attribute holding the bare code.
fn fixed(system: &str, code: Option<&str>) -> Option<Value> {
    code.map(|code| json!({"system": system, "code": code}))
}

fn insert(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.into(), v);
    }
}

fn text(element: Option<&Element>) -> Option<Value> {
    element
        .map(|e| e.text.trim())
        .filter(|t| !t.is_empty())
        .map(|t| json!(t))
}

fn concepts<'a>(codes: impl Iterator<Item = &'a Element>) -> Option<Value> {
    let list: Vec<Value> = codes
        .filter_map(coding)
        .map(|c| json!({"coding": [c]}))
        .collect();
    (!list.is_empty()).then(|| Value::Array(list))
}

/// The AuditEvent for a DICOM `AuditMessage` root element.
pub fn audit_event(message: &Element) -> Map<String, Value> {
    let mut event = Map::new();
    event.insert("resourceType".into(), json!("AuditEvent"));
    if let Some(id) = kid(message, "EventIdentification") {
        insert(&mut event, "type", kid(id, "EventID").and_then(coding));
        let subtypes: Vec<Value> = kids(id, "EventTypeCode").filter_map(coding).collect();
        if !subtypes.is_empty() {
            event.insert("subtype".into(), Value::Array(subtypes));
        }
        insert(
            &mut event,
            "action",
            id.get_attr("EventActionCode").map(|a| json!(a)),
        );
        insert(
            &mut event,
            "recorded",
            id.get_attr("EventDateTime").map(|t| json!(t)),
        );
        insert(
            &mut event,
            "outcome",
            id.get_attr("EventOutcomeIndicator").map(|o| json!(o)),
        );
        insert(
            &mut event,
            "outcomeDesc",
            text(kid(id, "EventOutcomeDescription")),
        );
        insert(
            &mut event,
            "purposeOfEvent",
            concepts(kids(id, "PurposeOfUse")),
        );
    }
    let agents: Vec<Value> = kids(message, "ActiveParticipant").map(agent).collect();
    if !agents.is_empty() {
        event.insert("agent".into(), Value::Array(agents));
    }
    if let Some(source) = kid(message, "AuditSourceIdentification") {
        event.insert("source".into(), self::source(source));
    }
    let entities: Vec<Value> = kids(message, "ParticipantObjectIdentification")
        .map(entity)
        .collect();
    if !entities.is_empty() {
        event.insert("entity".into(), Value::Array(entities));
    }
    event
}

fn agent(participant: &Element) -> Value {
    let mut agent = Map::new();
    let mut roles = kids(participant, "RoleIDCode");
    // The first role is the participation type (BALP's DCM#110152/110153); more are roles.
    insert(
        &mut agent,
        "type",
        roles
            .next()
            .and_then(coding)
            .map(|c| json!({"coding": [c]})),
    );
    insert(&mut agent, "role", concepts(roles));
    insert(
        &mut agent,
        "who",
        participant
            .get_attr("UserID")
            .map(|id| json!({"identifier": {"value": id}})),
    );
    insert(
        &mut agent,
        "altId",
        participant.get_attr("AlternativeUserID").map(|a| json!(a)),
    );
    insert(
        &mut agent,
        "name",
        participant.get_attr("UserName").map(|n| json!(n)),
    );
    insert(
        &mut agent,
        "requestor",
        participant
            .get_attr("UserIsRequestor")
            .map(|r| json!(r.trim().eq_ignore_ascii_case("true"))),
    );
    if let Some(address) = participant.get_attr("NetworkAccessPointID") {
        let mut network = Map::new();
        network.insert("address".into(), json!(address));
        insert(
            &mut network,
            "type",
            participant
                .get_attr("NetworkAccessPointTypeCode")
                .map(|t| json!(t)),
        );
        agent.insert("network".into(), Value::Object(network));
    }
    Value::Object(agent)
}

fn source(source: &Element) -> Value {
    let mut out = Map::new();
    insert(
        &mut out,
        "site",
        source.get_attr("AuditEnterpriseSiteID").map(|s| json!(s)),
    );
    insert(
        &mut out,
        "observer",
        source
            .get_attr("AuditSourceID")
            .map(|id| json!({"identifier": {"value": id}, "display": id})),
    );
    // RFC 3881 puts the code in an attribute (`code`) or as text; DICOM in `csd-code`.
    let types: Vec<Value> = kids(source, "AuditSourceTypeCode")
        .filter_map(|t| {
            const SOURCE_TYPE: &str = "http://terminology.hl7.org/CodeSystem/security-source-type";
            let mut c = coding(t)
                .or_else(|| fixed(SOURCE_TYPE, Some(t.text.trim()).filter(|c| !c.is_empty())))?;
            // The code list is fixed by the schema; a bare code is one of it.
            if let Value::Object(c) = &mut c {
                c.entry("system").or_insert_with(|| json!(SOURCE_TYPE));
            }
            Some(c)
        })
        .collect();
    if !types.is_empty() {
        out.insert("type".into(), Value::Array(types));
    }
    Value::Object(out)
}

fn entity(object: &Element) -> Value {
    let mut entity = Map::new();
    if let Some(id) = object.get_attr("ParticipantObjectID") {
        let mut identifier = Map::new();
        insert(
            &mut identifier,
            "type",
            kid(object, "ParticipantObjectIDTypeCode")
                .and_then(coding)
                .map(|c| json!({"coding": [c]})),
        );
        identifier.insert("value".into(), json!(id));
        entity.insert("what".into(), json!({"identifier": identifier}));
    }
    insert(
        &mut entity,
        "type",
        fixed(
            "http://terminology.hl7.org/CodeSystem/audit-entity-type",
            object.get_attr("ParticipantObjectTypeCode"),
        ),
    );
    insert(
        &mut entity,
        "role",
        fixed(
            "http://terminology.hl7.org/CodeSystem/object-role",
            object.get_attr("ParticipantObjectTypeCodeRole"),
        ),
    );
    insert(
        &mut entity,
        "lifecycle",
        fixed(
            "http://terminology.hl7.org/CodeSystem/dicom-audit-lifecycle",
            object.get_attr("ParticipantObjectDataLifeCycle"),
        ),
    );
    insert(
        &mut entity,
        "securityLabel",
        object
            .get_attr("ParticipantObjectSensitivity")
            .map(|s| json!([{"code": s}])),
    );
    insert(
        &mut entity,
        "name",
        text(kid(object, "ParticipantObjectName")),
    );
    insert(
        &mut entity,
        "query",
        text(kid(object, "ParticipantObjectQuery")),
    );
    let details: Vec<Value> = kids(object, "ParticipantObjectDetail")
        .filter_map(|d| {
            let kind = d.get_attr("type")?;
            Some(
                json!({"type": kind, "valueBase64Binary": d.get_attr("value").unwrap_or_default()}),
            )
        })
        .collect();
    if !details.is_empty() {
        entity.insert("detail".into(), Value::Array(details));
    }
    Value::Object(entity)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &[u8]) -> Result<Element, samsvar_xds::error::XmlError> {
        samsvar_xds::xml::parse(xml, &samsvar_xds::XmlLimits::default())
    }

    /// An ITI-18 query audit message as a Document Consumer sends it (values invented for
    /// the test; the shape is DICOM PS3.15 A.5 as ITI TF-2 3.18.5.1.1 uses it).
    const QUERY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<AuditMessage>
  <EventIdentification EventActionCode="E" EventDateTime="2026-12-04T10:00:00Z" EventOutcomeIndicator="0">
    <EventID csd-code="110112" codeSystemName="DCM" originalText="Query"/>
    <EventTypeCode csd-code="ITI-18" codeSystemName="IHE Transactions" originalText="Registry Stored Query"/>
  </EventIdentification>
  <ActiveParticipant UserID="consumer@host" UserIsRequestor="true" NetworkAccessPointID="10.0.0.5" NetworkAccessPointTypeCode="2">
    <RoleIDCode csd-code="110153" codeSystemName="DCM" originalText="Source Role ID"/>
  </ActiveParticipant>
  <ActiveParticipant UserID="https://registry/xds" UserIsRequestor="false">
    <RoleIDCode csd-code="110152" codeSystemName="DCM" originalText="Destination Role ID"/>
  </ActiveParticipant>
  <AuditSourceIdentification AuditSourceID="consumer-1" AuditEnterpriseSiteID="hospital">
    <AuditSourceTypeCode csd-code="4"/>
  </AuditSourceIdentification>
  <ParticipantObjectIdentification ParticipantObjectID="123^^^&amp;1.2.3&amp;ISO" ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1">
    <ParticipantObjectIDTypeCode csd-code="2" codeSystemName="RFC-3881" originalText="Patient Number"/>
  </ParticipantObjectIdentification>
  <ParticipantObjectIdentification ParticipantObjectID="urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d" ParticipantObjectTypeCode="2" ParticipantObjectTypeCodeRole="24">
    <ParticipantObjectIDTypeCode csd-code="ITI-18" codeSystemName="IHE Transactions" originalText="Registry Stored Query"/>
    <ParticipantObjectQuery>PHF1ZXJ5Lz4=</ParticipantObjectQuery>
    <ParticipantObjectDetail type="QueryEncoding" value="VVRGLTg="/>
  </ParticipantObjectIdentification>
</AuditMessage>"#;

    #[test]
    fn maps_a_dicom_query_message_to_an_audit_event() {
        let root = parse(QUERY.as_bytes()).expect("parses");
        let event = Value::Object(audit_event(&root));
        insta::assert_json_snapshot!(event);
    }

    #[test]
    fn reads_the_rfc_3881_spelling() {
        let root = parse(
            br#"<AuditMessage><EventIdentification EventActionCode="R" EventDateTime="2026-12-04T10:00:00Z" EventOutcomeIndicator="4"><EventID code="110106" codeSystemName="DCM" displayName="Export"/></EventIdentification><AuditSourceIdentification AuditSourceID="src"><AuditSourceTypeCode code="4"/></AuditSourceIdentification></AuditMessage>"#,
        )
        .expect("parses");
        let event = audit_event(&root);
        assert_eq!(
            event["type"],
            json!({"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110106", "display": "Export"})
        );
        assert_eq!(event["outcome"], json!("4"));
        assert_eq!(event["source"]["type"][0]["code"], json!("4"));
        assert!(event.get("agent").is_none(), "no participant, no agent");
    }
}
