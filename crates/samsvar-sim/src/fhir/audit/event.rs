//! The AuditEvent JSON, with every code taken from the BALP 1.1.4 profiles
//! (IHE.BasicAudit.Read/Query/Create/Update/Delete, their Patient* variants, and
//! OAUTHaccessTokenUse.Minimal).

use serde_json::{Map, Value, json};

use super::context::CallContext;
use crate::fhir::time_format::fhir_instant;

const BALP: &str = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.";
const DCM: &str = "http://dicom.nema.org/resources/ontology/DCM";
const ENTITY_TYPE: &str = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
const OBJECT_ROLE: &str = "http://terminology.hl7.org/CodeSystem/object-role";
const RESTFUL: &str = "http://hl7.org/fhir/restful-interaction";
/// The simulator as an agent and observer. Not a stored Device: BALP's examples name the
/// server the same way (`Device/ex-device`), and `agent=Device/samsvar-sim` finds its events.
pub const SERVER_DEVICE: &str = "Device/samsvar-sim";

/// The BALP pattern an event follows: fixes action, subtype and both agents' types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Read,
    Vread,
    Search,
    Create,
    Update,
    Delete,
    /// A transaction refused as a whole (its entries are audited one by one otherwise);
    /// no BALP profile covers it, so the event claims none.
    Transaction,
}

impl Kind {
    fn action(self) -> &'static str {
        match self {
            Kind::Read | Kind::Vread => "R",
            Kind::Search | Kind::Transaction => "E",
            Kind::Create => "C",
            Kind::Update => "U",
            Kind::Delete => "D",
        }
    }

    fn subtype(self) -> &'static str {
        match self {
            Kind::Read => "read",
            Kind::Vread => "vread",
            Kind::Search => "search-type",
            Kind::Create => "create",
            Kind::Update => "update",
            Kind::Delete => "delete",
            Kind::Transaction => "transaction",
        }
    }

    /// The profile name without the `Patient` prefix.
    fn profile(self) -> Option<&'static str> {
        match self {
            Kind::Read | Kind::Vread => Some("Read"),
            Kind::Search => Some("Query"),
            Kind::Create => Some("Create"),
            Kind::Update => Some("Update"),
            Kind::Delete => Some("Delete"),
            Kind::Transaction => None,
        }
    }

    /// (client, server) agent types. A read's client is the Destination (110152) of the data
    /// the server sources (110153); for query/create/update BALP reverses them (the client
    /// sources the query or the data); a delete names the client Application (110150) and the
    /// server the data's custodian.
    fn agent_types(self) -> (Value, Value) {
        let dcm = |code: &str, display: &str| json!({"coding": [{"system": DCM, "code": code, "display": display}]});
        let source = || dcm("110153", "Source Role ID");
        let destination = || dcm("110152", "Destination Role ID");
        match self {
            Kind::Read | Kind::Vread => (destination(), source()),
            Kind::Search | Kind::Create | Kind::Update | Kind::Transaction => {
                (source(), destination())
            }
            Kind::Delete => (
                dcm("110150", "Application"),
                json!({"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                    "code": "custodian",
                    "display": "Custodian",
                }]}),
            ),
        }
    }
}

/// What one event is about.
#[derive(Debug, Clone)]
pub struct Subject {
    pub kind: Kind,
    /// HTTP status of the answer.
    pub status: u16,
    /// `entity.what` of the data entity (`Type/id[/_history/vid]`), when known.
    pub data: Option<String>,
    /// `Patient/id` when a patient is involved.
    pub patient: Option<String>,
    /// The raw search request, for the query entity (searches only).
    pub query: Option<Vec<u8>>,
}

/// How the event is bent by defects.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bends {
    pub swap_agents: bool,
}

/// BALP outcome: 0 success, 4 minor failure (the client's fault, 4xx), 8 serious (5xx).
fn outcome(status: u16) -> &'static str {
    match status {
        500.. => "8",
        400.. => "4",
        _ => "0",
    }
}

pub fn build(subject: &Subject, call: &CallContext, server_base: &str, bends: Bends) -> Value {
    let kind = subject.kind;
    let outcome = outcome(subject.status);
    let (mut client_type, mut server_type) = kind.agent_types();
    if bends.swap_agents {
        std::mem::swap(&mut client_type, &mut server_type);
    }
    let client_who = match &call.token {
        Some(t) => json!({"identifier": {"value": t.client_id}}),
        None => json!({"display": call.user_agent.as_deref().unwrap_or("unidentified client")}),
    };
    let client_network = match &call.peer_ip {
        Some(ip) => json!({"address": ip, "type": "2"}),
        None => json!({"address": "unknown"}),
    };
    let mut agents = vec![
        json!({
            "type": client_type,
            "who": client_who,
            "requestor": true,
            "network": client_network,
        }),
        json!({
            "type": server_type,
            "who": {"reference": SERVER_DEVICE, "display": format!("samsvar-sim FHIR server {server_base}")},
            "requestor": false,
            "network": {"address": call.host, "type": "1"},
        }),
    ];
    if let Some(t) = &call.token {
        agents.push(json!({
            "type": {"coding": [{
                "system": "https://profiles.ihe.net/ITI/BALP/CodeSystem/UserAgentTypes",
                "code": "UserOauthAgent",
                "display": "User OAuth Agent participant",
            }]},
            "who": {"identifier": {"value": t.sub}},
            "requestor": true,
            "policy": [t.jti],
        }));
    }
    let mut entities = Vec::new();
    if let Some(query) = &subject.query {
        entities.push(json!({
            "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
            "role": {"system": OBJECT_ROLE, "code": "24", "display": "Query"},
            "description": call.request_line,
            "query": base64_of(query),
        }));
    } else {
        let mut data = Map::new();
        data.insert(
            "type".into(),
            json!({"system": ENTITY_TYPE, "code": "2", "display": "System Object"}),
        );
        data.insert(
            "role".into(),
            json!({"system": OBJECT_ROLE, "code": "4", "display": "Domain Resource"}),
        );
        if let Some(what) = &subject.data {
            data.insert("what".into(), json!({"reference": what}));
        }
        entities.push(Value::Object(data));
    }
    if let Some(patient) = &subject.patient {
        entities.push(json!({
            "type": {"system": ENTITY_TYPE, "code": "1", "display": "Person"},
            "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"},
            "what": {"reference": patient},
        }));
    }
    if let Some(id) = &call.request_id {
        entities.push(json!({
            "type": {
                "system": "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType",
                "code": "XrequestId",
            },
            "what": {"identifier": {"value": id}},
        }));
    }
    // The BALP profiles fix `outcome` to 0: a failed access is still recorded, but claims
    // no profile it cannot satisfy.
    let mut profiles = Vec::new();
    if outcome == "0"
        && let Some(name) = kind.profile()
    {
        let prefix = if subject.patient.is_some() {
            "Patient"
        } else {
            ""
        };
        profiles.push(format!("{BALP}{prefix}{name}"));
    }
    if call.token.is_some() {
        profiles.push(format!("{BALP}OAUTHaccessTokenUse.Minimal"));
    }
    let mut event = Map::new();
    event.insert("resourceType".into(), json!("AuditEvent"));
    if !profiles.is_empty() {
        event.insert("meta".into(), json!({"profile": profiles}));
    }
    event.insert(
        "type".into(),
        json!({
            "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
            "code": "rest",
            "display": "Restful Operation",
        }),
    );
    event.insert(
        "subtype".into(),
        json!([{"system": RESTFUL, "code": kind.subtype(), "display": kind.subtype()}]),
    );
    event.insert("action".into(), json!(kind.action()));
    event.insert(
        "recorded".into(),
        json!(fhir_instant(time::OffsetDateTime::now_utc())),
    );
    event.insert("outcome".into(), json!(outcome));
    if outcome != "0" {
        event.insert(
            "outcomeDesc".into(),
            json!(format!("HTTP status {}", subject.status)),
        );
    }
    event.insert("agent".into(), Value::Array(agents));
    event.insert(
        "source".into(),
        json!({
            "site": call.host,
            "observer": {"reference": SERVER_DEVICE, "display": "samsvar-sim FHIR server"},
            "type": [{
                "system": "http://terminology.hl7.org/CodeSystem/security-source-type",
                "code": "4",
                "display": "Application Server",
            }],
        }),
    );
    event.insert("entity".into(), Value::Array(entities));
    Value::Object(event)
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
