//! The search parameters the simulator understands: a small table per common resource
//! type mapping each parameter to element paths, plus the parameters every type has.
//! Paths are dot-separated element names; arrays are flattened on the way; a trailing
//! `[x]` matches a choice element (`effective[x]` → `effectiveDateTime`, `effectivePeriod`).

/// How a parameter's values are compared (FHIR search parameter types, the subset we need).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// Case-insensitive prefix match on strings (and on every string inside HumanName/Address).
    String,
    /// `[system|]code` against code, Coding, CodeableConcept, Identifier, ContactPoint, boolean.
    Token,
    /// `[Type/]id` or an absolute URL against `Reference.reference`; optionally one target type.
    Reference(Option<&'static str>),
    /// `[prefix]date` (eq, ne, gt, lt, ge, le) against date, dateTime, instant, Period.
    Date,
    /// Exact match against a uri/canonical.
    Uri,
}

impl ParamKind {
    /// The FHIR SearchParamType code, for the CapabilityStatement.
    pub fn fhir_code(self) -> &'static str {
        match self {
            ParamKind::String => "string",
            ParamKind::Token => "token",
            ParamKind::Reference(_) => "reference",
            ParamKind::Date => "date",
            ParamKind::Uri => "uri",
        }
    }
}

/// One search parameter: its name, kind and the element paths it searches.
#[derive(Debug, Clone, Copy)]
pub struct ParamDef {
    pub name: &'static str,
    pub kind: ParamKind,
    pub paths: &'static [&'static str],
}

const fn p(name: &'static str, kind: ParamKind, paths: &'static [&'static str]) -> ParamDef {
    ParamDef { name, kind, paths }
}

use ParamKind::{Date, Reference, String as Str, Token, Uri};

/// Parameters every resource type supports.
pub const COMMON: &[ParamDef] = &[
    p("_id", Token, &["id"]),
    p("_lastUpdated", Date, &["meta.lastUpdated"]),
    p("_tag", Token, &["meta.tag"]),
    p("_profile", Uri, &["meta.profile"]),
    p("_security", Token, &["meta.security"]),
];

/// Result-shaping parameters: understood, not filters.
pub const CONTROL: &[&str] = &[
    "_count", "_offset", "_sort", "_summary", "_format", "_pretty",
];

const PATIENT: &[ParamDef] = &[
    p("identifier", Token, &["identifier"]),
    p("name", Str, &["name"]),
    p("family", Str, &["name.family"]),
    p("given", Str, &["name.given"]),
    p("birthdate", Date, &["birthDate"]),
    p("gender", Token, &["gender"]),
    p("active", Token, &["active"]),
    p("telecom", Token, &["telecom"]),
    p("phone", Token, &["telecom"]),
    p("email", Token, &["telecom"]),
    p("address", Str, &["address"]),
    p("address-city", Str, &["address.city"]),
    p("address-postalcode", Str, &["address.postalCode"]),
    p("address-country", Str, &["address.country"]),
    p(
        "general-practitioner",
        Reference(None),
        &["generalPractitioner"],
    ),
    p(
        "organization",
        Reference(Some("Organization")),
        &["managingOrganization"],
    ),
];

const PRACTITIONER: &[ParamDef] = &[
    p("identifier", Token, &["identifier"]),
    p("name", Str, &["name"]),
    p("family", Str, &["name.family"]),
    p("given", Str, &["name.given"]),
    p("active", Token, &["active"]),
];

const ORGANIZATION: &[ParamDef] = &[
    p("identifier", Token, &["identifier"]),
    p("name", Str, &["name", "alias"]),
    p("active", Token, &["active"]),
    p("type", Token, &["type"]),
];

const OBSERVATION: &[ParamDef] = &[
    p("identifier", Token, &["identifier"]),
    p("code", Token, &["code"]),
    p("category", Token, &["category"]),
    p("status", Token, &["status"]),
    p("subject", Reference(None), &["subject"]),
    p("patient", Reference(Some("Patient")), &["subject"]),
    p("encounter", Reference(Some("Encounter")), &["encounter"]),
    p("date", Date, &["effective[x]"]),
    p("performer", Reference(None), &["performer"]),
];

const CONDITION: &[ParamDef] = &[
    p("identifier", Token, &["identifier"]),
    p("code", Token, &["code"]),
    p("category", Token, &["category"]),
    p("clinical-status", Token, &["clinicalStatus"]),
    p("verification-status", Token, &["verificationStatus"]),
    p("subject", Reference(None), &["subject"]),
    p("patient", Reference(Some("Patient")), &["subject"]),
    p("encounter", Reference(Some("Encounter")), &["encounter"]),
    p("onset-date", Date, &["onset[x]"]),
    p("recorded-date", Date, &["recordedDate"]),
];

const ENCOUNTER: &[ParamDef] = &[
    p("identifier", Token, &["identifier"]),
    p("status", Token, &["status"]),
    p("class", Token, &["class"]),
    p("type", Token, &["type"]),
    p("subject", Reference(None), &["subject"]),
    p("patient", Reference(Some("Patient")), &["subject"]),
    p("date", Date, &["period"]),
];

const ALLERGY_INTOLERANCE: &[ParamDef] = &[
    p("identifier", Token, &["identifier"]),
    p("code", Token, &["code"]),
    p("category", Token, &["category"]),
    p("clinical-status", Token, &["clinicalStatus"]),
    p("criticality", Token, &["criticality"]),
    p("patient", Reference(Some("Patient")), &["patient"]),
    p("date", Date, &["recordedDate"]),
];

const MEDICATION_REQUEST: &[ParamDef] = &[
    p("identifier", Token, &["identifier"]),
    p("status", Token, &["status"]),
    p("intent", Token, &["intent"]),
    p("code", Token, &["medicationCodeableConcept"]),
    p(
        "medication",
        Reference(Some("Medication")),
        &["medicationReference"],
    ),
    p("subject", Reference(None), &["subject"]),
    p("patient", Reference(Some("Patient")), &["subject"]),
    p("authoredon", Date, &["authoredOn"]),
];

const MEDICATION_STATEMENT: &[ParamDef] = &[
    p("identifier", Token, &["identifier"]),
    p("status", Token, &["status"]),
    p("code", Token, &["medicationCodeableConcept"]),
    p("subject", Reference(None), &["subject"]),
    p("patient", Reference(Some("Patient")), &["subject"]),
    p("effective", Date, &["effective[x]"]),
];

const IMMUNIZATION: &[ParamDef] = &[
    p("identifier", Token, &["identifier"]),
    p("status", Token, &["status"]),
    p("vaccine-code", Token, &["vaccineCode"]),
    p("patient", Reference(Some("Patient")), &["patient"]),
    p("date", Date, &["occurrence[x]"]),
];

const PROCEDURE: &[ParamDef] = &[
    p("identifier", Token, &["identifier"]),
    p("status", Token, &["status"]),
    p("code", Token, &["code"]),
    p("subject", Reference(None), &["subject"]),
    p("patient", Reference(Some("Patient")), &["subject"]),
    p("date", Date, &["performed[x]"]),
];

const DIAGNOSTIC_REPORT: &[ParamDef] = &[
    p("identifier", Token, &["identifier"]),
    p("status", Token, &["status"]),
    p("code", Token, &["code"]),
    p("category", Token, &["category"]),
    p("subject", Reference(None), &["subject"]),
    p("patient", Reference(Some("Patient")), &["subject"]),
    p("date", Date, &["effective[x]"]),
    p("result", Reference(Some("Observation")), &["result"]),
];

const DOCUMENT_REFERENCE: &[ParamDef] = &[
    p("identifier", Token, &["masterIdentifier", "identifier"]),
    p("status", Token, &["status"]),
    p("type", Token, &["type"]),
    p("category", Token, &["category"]),
    p("subject", Reference(None), &["subject"]),
    p("patient", Reference(Some("Patient")), &["subject"]),
    p("date", Date, &["date"]),
    p("author", Reference(None), &["author"]),
    p("format", Token, &["content.format"]),
    p("contenttype", Token, &["content.attachment.contentType"]),
];

/// MHD ITI-66 Find Document Lists searches SubmissionSets and Folders (List).
const LIST: &[ParamDef] = &[
    p("identifier", Token, &["identifier"]),
    p("status", Token, &["status"]),
    p("code", Token, &["code"]),
    p("subject", Reference(None), &["subject"]),
    p("patient", Reference(Some("Patient")), &["subject"]),
    p("date", Date, &["date"]),
    p("source", Reference(None), &["source"]),
];

const COMPOSITION: &[ParamDef] = &[
    p("identifier", Token, &["identifier"]),
    p("status", Token, &["status"]),
    p("type", Token, &["type"]),
    p("subject", Reference(None), &["subject"]),
    p("patient", Reference(Some("Patient")), &["subject"]),
    p("date", Date, &["date"]),
    p("title", Str, &["title"]),
];

const BUNDLE: &[ParamDef] = &[
    p("identifier", Token, &["identifier"]),
    p("type", Token, &["type"]),
    p("timestamp", Date, &["timestamp"]),
];

const STRUCTURE_DEFINITION_LIKE: &[ParamDef] = &[
    p("url", Uri, &["url"]),
    p("name", Str, &["name"]),
    p("version", Token, &["version"]),
    p("status", Token, &["status"]),
];

/// The simulator's own audit trail (BALP AuditEvents, see `audit`): the R4 AuditEvent
/// parameters a BALP Audit Consumer uses, plus `entity-identifier` (not in R4) to find the
/// events of one `X-Request-Id`.
const AUDIT_EVENT: &[ParamDef] = &[
    p("date", Date, &["recorded"]),
    p("type", Token, &["type"]),
    p("subtype", Token, &["subtype"]),
    p("action", Token, &["action"]),
    p("outcome", Token, &["outcome"]),
    p("entity", Reference(None), &["entity.what"]),
    p("patient", Reference(Some("Patient")), &["entity.what"]),
    p("entity-type", Token, &["entity.type"]),
    p("entity-role", Token, &["entity.role"]),
    p("entity-identifier", Token, &["entity.what.identifier"]),
    p("agent", Reference(None), &["agent.who"]),
    p("agent-role", Token, &["agent.role"]),
    p("address", Str, &["agent.network.address"]),
    p("policy", Uri, &["agent.policy"]),
    p("site", Token, &["source.site"]),
    p("source", Reference(None), &["source.observer"]),
];

/// The per-type table, in CapabilityStatement order.
pub const TYPES: &[(&str, &[ParamDef])] = &[
    ("Patient", PATIENT),
    ("Practitioner", PRACTITIONER),
    ("Organization", ORGANIZATION),
    ("Observation", OBSERVATION),
    ("Condition", CONDITION),
    ("Encounter", ENCOUNTER),
    ("AllergyIntolerance", ALLERGY_INTOLERANCE),
    ("MedicationRequest", MEDICATION_REQUEST),
    ("MedicationStatement", MEDICATION_STATEMENT),
    ("Immunization", IMMUNIZATION),
    ("Procedure", PROCEDURE),
    ("DiagnosticReport", DIAGNOSTIC_REPORT),
    ("DocumentReference", DOCUMENT_REFERENCE),
    ("List", LIST),
    ("Composition", COMPOSITION),
    ("Bundle", BUNDLE),
    ("StructureDefinition", STRUCTURE_DEFINITION_LIKE),
    ("ValueSet", STRUCTURE_DEFINITION_LIKE),
    ("CodeSystem", STRUCTURE_DEFINITION_LIKE),
    ("AuditEvent", AUDIT_EVENT),
];

/// The type-specific parameters of `resource_type` (empty for types not in the table).
pub fn type_params(resource_type: &str) -> &'static [ParamDef] {
    TYPES
        .iter()
        .find(|(t, _)| *t == resource_type)
        .map(|(_, params)| *params)
        .unwrap_or(&[])
}

/// Look a parameter up for a type: the common ones first, then the type's own.
pub fn find(resource_type: &str, name: &str) -> Option<&'static ParamDef> {
    COMMON
        .iter()
        .chain(type_params(resource_type))
        .find(|d| d.name == name)
}

/// Every parameter name valid for a type, for "did you mean" hints.
pub fn names(resource_type: &str) -> impl Iterator<Item = &'static str> {
    COMMON
        .iter()
        .chain(type_params(resource_type))
        .map(|d| d.name)
        .chain(CONTROL.iter().copied())
}
