//! The rule catalogue: stable ids, severities and the spec section each rule checks.
//! `docs/xds.md` lists the same table; a test keeps the two in step.

use super::Severity;

pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub reference: &'static str,
}

const fn rule(
    id: &'static str,
    severity: Severity,
    summary: &'static str,
    reference: &'static str,
) -> Rule {
    Rule {
        id,
        severity,
        summary,
        reference,
    }
}

use Severity::{Error as E, Warning as W};

pub const RULES: &[Rule] = &[
    rule(
        "xds-xml-001",
        E,
        "The message is well-formed, safe XML (no DOCTYPE, within limits)",
        "ITI TF-2x V.3",
    ),
    rule(
        "xds-msg-001",
        E,
        "The message holds a rim:RegistryObjectList (in SubmitObjectsRequest)",
        "ITI TF-2b 3.41.4.1.2",
    ),
    rule(
        "xds-de-001",
        E,
        "DocumentEntry objectType is the stable or on-demand DocumentEntry UUID",
        "ITI TF-3 4.2.3.2.18",
    ),
    rule(
        "xds-de-002",
        E,
        "DocumentEntry has an id (entryUUID)",
        "ITI TF-3 4.2.3.2.10",
    ),
    rule(
        "xds-de-003",
        E,
        "DocumentEntry has a mimeType attribute",
        "ITI TF-3 4.2.3.2.17",
    ),
    rule(
        "xds-de-004",
        E,
        "DocumentEntry has the required slots creationTime, languageCode, sourcePatientId",
        "ITI TF-3 Table 4.3.1-3",
    ),
    rule(
        "xds-de-005",
        E,
        "DocumentEntry has the required codes classCode, typeCode, formatCode, confidentialityCode, healthcareFacilityTypeCode, practiceSettingCode",
        "ITI TF-3 Table 4.3.1-3",
    ),
    rule(
        "xds-de-006",
        E,
        "Single-valued DocumentEntry slots have exactly one value",
        "ITI TF-3 4.2.3.2",
    ),
    rule(
        "xds-de-007",
        E,
        "hash is 40 hex digits and equals the SHA-1 of the attached document",
        "ITI TF-3 4.2.3.2.11",
    ),
    rule(
        "xds-de-008",
        E,
        "size is a non-negative integer and equals the attached document's length",
        "ITI TF-3 4.2.3.2.23",
    ),
    rule(
        "xds-de-009",
        E,
        "Every DocumentEntry has an attached Document and every Document has a DocumentEntry",
        "ITI TF-2b 3.41.4.1.3",
    ),
    rule(
        "xds-de-010",
        W,
        "DocumentEntry has an author (R2)",
        "ITI TF-3 Table 4.3.1-3",
    ),
    rule(
        "xds-ss-001",
        E,
        "The submission holds exactly one SubmissionSet",
        "ITI TF-3 4.2.3.3",
    ),
    rule(
        "xds-ss-002",
        E,
        "SubmissionSet has exactly one submissionTime value",
        "ITI TF-3 4.2.3.3.12",
    ),
    rule(
        "xds-ss-003",
        E,
        "SubmissionSet has a contentTypeCode",
        "ITI TF-3 4.2.3.3.4",
    ),
    rule(
        "xds-ss-004",
        W,
        "SubmissionSet has an author (R2)",
        "ITI TF-3 4.2.3.3.1",
    ),
    rule(
        "xds-fd-001",
        E,
        "Folder has at least one codeList code",
        "ITI TF-3 4.2.3.4.2",
    ),
    rule(
        "xds-extid-001",
        E,
        "A required ExternalIdentifier (patientId, uniqueId, sourceId) is present exactly once per scheme",
        "ITI TF-3 4.2.3.2.16, 4.2.3.2.26, 4.2.3.3.10",
    ),
    rule(
        "xds-extid-002",
        E,
        "Every ExternalIdentifier carries the Name its scheme requires (e.g. XDSDocumentEntry.patientId)",
        "ITI TF-3 4.2.3.2.16",
    ),
    rule(
        "xds-extid-003",
        E,
        "ExternalIdentifier values are non-empty and uniqueIds are well formed",
        "ITI TF-3 4.2.3.2.26",
    ),
    rule(
        "xds-scheme-001",
        E,
        "Classification schemes on DocumentEntry, SubmissionSet and Folder are known XDS schemes",
        "ITI TF-3 4.2.5.1",
    ),
    rule(
        "xds-scheme-002",
        E,
        "ExternalIdentifier identificationSchemes are known XDS schemes for the object",
        "ITI TF-3 4.2.5.1",
    ),
    rule(
        "xds-code-001",
        E,
        "A code classification has a non-empty nodeRepresentation",
        "ITI TF-3 4.2.3.1.2",
    ),
    rule(
        "xds-code-002",
        E,
        "A code classification has exactly one codingScheme slot value",
        "ITI TF-3 4.2.3.1.2",
    ),
    rule(
        "xds-code-003",
        E,
        "A code classification has a Name (display name)",
        "ITI TF-3 4.2.3.1.2",
    ),
    rule(
        "xds-pid-001",
        E,
        "patientId is a CX value `id^^^&OID&ISO` with an ISO assigning authority",
        "ITI TF-3 4.2.3.1.7",
    ),
    rule(
        "xds-pid-002",
        E,
        "SubmissionSet, DocumentEntries and Folders carry the same patientId",
        "ITI TF-3 4.2.3.3.8 (XDSPatientIdDoesNotMatch)",
    ),
    rule(
        "xds-dtm-001",
        E,
        "Date/time values are DTM YYYY[MM[DD[hh[mm[ss]]]]] in UTC with valid ranges",
        "ITI TF-3 Table 4.2.3.1.7-2",
    ),
    rule(
        "xds-assoc-001",
        E,
        "Every DocumentEntry and Folder is the target of a HasMember association from the SubmissionSet",
        "ITI TF-3 4.2.2.1.1",
    ),
    rule(
        "xds-assoc-002",
        E,
        "SubmissionSet HasMember associations to DocumentEntries carry SubmissionSetStatus Original or Reference",
        "ITI TF-3 4.2.2.1.2",
    ),
    rule(
        "xds-assoc-003",
        E,
        "associationType is a known XDS association type",
        "ITI TF-3 4.2.2",
    ),
    rule(
        "xds-assoc-004",
        E,
        "Association source and target are objects of the submission or urn:uuid references",
        "ITI TF-3 4.2.2",
    ),
    rule(
        "xds-mtom-001",
        E,
        "Every xop:Include href is a cid: URI that names a MIME part of the message",
        "ITI TF-2x V.3 (MTOM/XOP)",
    ),
    rule(
        "xds-mtom-002",
        E,
        "Document content is either an xop:Include or valid base64",
        "ITI TF-2b 3.41.4.1.2",
    ),
];

/// The rule with this id.
pub fn rule_by_id(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The catalogue as the Markdown table of `docs/xds.md`.
pub fn markdown_table() -> String {
    let rows: Vec<Vec<String>> = RULES
        .iter()
        .map(|r| {
            vec![
                format!("`{}`", r.id),
                r.severity.to_string(),
                r.summary.to_string(),
                r.reference.to_string(),
            ]
        })
        .collect();
    samsvar_diagnostics::catalogue::markdown_table(&["Rule", "Severity", "Checks", "Spec"], &rows)
}
