//! Each validation rule is flagged by hand-made invalid metadata; valid samples pass.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use samsvar_xds::iti41;
use samsvar_xds::mtom::Attachment;
use samsvar_xds::soap::{self, Addressing};
use samsvar_xds::submission::ProvideAndRegister;
use samsvar_xds::validate::rules::RULES;
use samsvar_xds::vocab::action;
use samsvar_xds::{Diagnostic, Severity, validate_submission};
use std::path::Path;

fn build(spec: &samsvar_xds::submission::SubmissionSpec) -> ProvideAndRegister {
    spec.build(Path::new(".")).unwrap()
}

/// Envelope XML and attachments of a built request.
fn envelope(req: &ProvideAndRegister, mtom: bool) -> (String, Vec<Attachment>) {
    let (body, atts) = iti41::request_body(req, mtom);
    let env = soap::envelope(
        &Addressing::request(action::ITI41, "http://localhost/xds/repository"),
        body,
    );
    (soap::to_xml(&env), atts)
}

fn valid_xml() -> (String, Vec<Attachment>) {
    envelope(&build(&submission()), true)
}

fn rules_of(findings: &[Diagnostic]) -> Vec<&str> {
    let mut r: Vec<&str> = findings.iter().map(|f| f.rule.as_ref()).collect();
    r.dedup();
    r
}

/// Assert that mutating the valid sample flags `rule` (and only that rule, among errors).
fn flags(rule: &str, xml: &str, atts: &[Attachment]) -> Vec<Diagnostic> {
    let findings = validate_submission(xml.as_bytes(), atts);
    let errors: Vec<&str> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.rule.as_ref())
        .collect();
    assert!(
        errors.contains(&rule),
        "expected {rule}, got {:?}\n{}",
        rules_of(&findings),
        samsvar_xds::render_text(&findings)
    );
    assert!(
        errors.iter().all(|r| *r == rule),
        "expected only {rule}, got {:?}",
        errors
    );
    findings
}

fn replace_once(xml: &str, from: &str, to: &str) -> String {
    assert!(xml.contains(from), "sample does not contain `{from}`");
    xml.replacen(from, to, 1)
}

/// Remove the first element whose start tag contains `marker` (including its content).
fn remove_element(xml: &str, marker: &str) -> String {
    let at = xml.find(marker).unwrap_or_else(|| panic!("no `{marker}`"));
    let start = xml[..at].rfind('<').unwrap();
    let name_end = xml[start + 1..].find([' ', '>', '/']).unwrap() + start + 1;
    let name = &xml[start + 1..name_end];
    let open_end = xml[start..].find('>').unwrap() + start;
    if xml.as_bytes()[open_end - 1] == b'/' {
        return format!("{}{}", &xml[..start], &xml[open_end + 1..]);
    }
    let close = format!("</{name}>");
    // Nested same-name elements are not used in the markers we pick.
    let end = xml[open_end..].find(&close).unwrap() + open_end + close.len();
    format!("{}{}", &xml[..start], &xml[end..])
}

#[test]
fn valid_samples_are_accepted() {
    for spec in [submission(), submission_with_folder()] {
        for mtom in [true, false] {
            let (xml, atts) = envelope(&build(&spec), mtom);
            let findings = validate_submission(xml.as_bytes(), &atts);
            assert!(
                findings.is_empty(),
                "{}",
                samsvar_xds::render_text(&findings)
            );
        }
    }
}

#[test]
fn shipped_valid_fixture_is_accepted() {
    let xml = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/valid-submission.xml"),
    )
    .unwrap();
    let findings = validate_submission(&xml, &[]);
    assert!(
        findings.is_empty(),
        "{}",
        samsvar_xds::render_text(&findings)
    );
}

#[test]
fn xds_xml_001_doctype_refused() {
    let (xml, atts) = valid_xml();
    let bad = xml.replacen("?>", "?><!DOCTYPE x [<!ENTITY a \"b\">]>", 1);
    flags("xds-xml-001", &bad, &atts);
}

#[test]
fn xds_msg_001_no_object_list() {
    flags("xds-msg-001", "<a xmlns=\"urn:x\"/>", &[]);
}

#[test]
fn xds_de_001_wrong_object_type() {
    let (xml, atts) = valid_xml();
    let bad = replace_once(
        &xml,
        "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1",
        "urn:uuid:00000000-0000-0000-0000-000000000000",
    );
    flags("xds-de-001", &bad, &atts);
}

#[test]
fn xds_de_003_missing_mime_type() {
    let (xml, atts) = valid_xml();
    flags(
        "xds-de-003",
        &replace_once(&xml, "mimeType=\"text/plain\"", ""),
        &atts,
    );
}

#[test]
fn xds_de_004_missing_required_slot() {
    let (xml, atts) = valid_xml();
    let f = flags(
        "xds-de-004",
        &remove_element(&xml, "name=\"languageCode\""),
        &atts,
    );
    assert!(f.iter().any(|f| f.message.contains("languageCode")));
    let xpath = f[0]
        .payload()
        .and_then(|p| p.xpath.clone())
        .unwrap_or_default();
    assert!(xpath.contains("ExtrinsicObject[@id='urn:uuid:"), "{xpath}");
    assert!(f[0].position().is_some());
}

#[test]
fn xds_de_005_missing_code() {
    let (xml, atts) = valid_xml();
    let f = flags(
        "xds-de-005",
        &remove_element(
            &xml,
            "classificationScheme=\"urn:uuid:f0306f51-975f-434e-a61c-c59651d33983\"",
        ),
        &atts,
    );
    assert!(f.iter().any(|f| f.message.contains("typeCode")));
}

#[test]
fn xds_de_006_multi_valued_single_slot() {
    let (xml, atts) = valid_xml();
    let bad = replace_once(
        &xml,
        "<rim:Value>nb-NO</rim:Value>",
        "<rim:Value>nb-NO</rim:Value><rim:Value>en-US</rim:Value>",
    );
    flags("xds-de-006", &bad, &atts);
}

#[test]
fn xds_de_007_wrong_hash() {
    let spec = submission();
    let mut req = build(&spec);
    let (xml, atts) = envelope(&req, true);
    let hash = samsvar_xds::submission::sha1_hex(&req.documents[0].data);
    let bad = replace_once(&xml, &hash, "0000000000000000000000000000000000000000");
    flags("xds-de-007", &bad, &atts);
    let bad = replace_once(&xml, &hash, "not-a-hash");
    flags("xds-de-007", &bad, &atts);
    req.documents.clear();
}

#[test]
fn xds_de_008_wrong_size() {
    let (xml, atts) = valid_xml();
    let size = "Hei verden: epikrise for pasienten.".len().to_string();
    let bad = replace_once(
        &xml,
        &format!("<rim:Value>{size}</rim:Value>"),
        "<rim:Value>9999</rim:Value>",
    );
    flags("xds-de-008", &bad, &atts);
}

#[test]
fn xds_de_009_document_without_entry() {
    let req = build(&submission());
    let (xml, atts) = envelope(&req, false);
    let bad = replace_once(
        &xml,
        &format!("<xdsb:Document id=\"{}\"", req.documents[0].id),
        "<xdsb:Document id=\"Document99\"",
    );
    let f = flags("xds-de-009", &bad, &atts);
    assert_eq!(f.iter().filter(|f| f.rule == "xds-de-009").count(), 2);
}

#[test]
fn xds_de_010_and_ss_004_missing_author_warn() {
    let mut spec = submission();
    spec.documents[0].author = None;
    spec.submission_set.author = None;
    let (xml, atts) = envelope(&build(&spec), true);
    let findings = validate_submission(xml.as_bytes(), &atts);
    assert_eq!(rules_of(&findings), vec!["xds-de-010", "xds-ss-004"]);
    assert!(findings.iter().all(|f| f.severity == Severity::Warning));
}

#[test]
fn xds_ss_001_two_submission_sets() {
    let (xml, atts) = valid_xml();
    let bad = replace_once(
        &xml,
        "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd",
        "urn:uuid:d9d542f3-6cc4-48b6-8870-ea235fbc94c2",
    );
    // Reclassifying the SubmissionSet as a Folder leaves no SubmissionSet.
    let findings = validate_submission(bad.as_bytes(), &atts);
    assert!(rules_of(&findings).contains(&"xds-ss-001"), "{findings:?}");
}

#[test]
fn xds_ss_002_missing_submission_time() {
    let (xml, atts) = valid_xml();
    flags(
        "xds-ss-002",
        &remove_element(&xml, "name=\"submissionTime\""),
        &atts,
    );
}

#[test]
fn xds_ss_003_missing_content_type() {
    let (xml, atts) = valid_xml();
    flags(
        "xds-ss-003",
        &remove_element(
            &xml,
            "classificationScheme=\"urn:uuid:aa543740-bdda-424e-8c96-df4873be8500\"",
        ),
        &atts,
    );
}

#[test]
fn xds_fd_001_folder_without_codes() {
    let (xml, atts) = envelope(&build(&submission_with_folder()), true);
    flags(
        "xds-fd-001",
        &remove_element(
            &xml,
            "classificationScheme=\"urn:uuid:1ba97051-7806-41a8-a48b-8fce7af683c5\"",
        ),
        &atts,
    );
}

#[test]
fn xds_extid_001_missing_and_duplicate() {
    let (xml, atts) = valid_xml();
    flags(
        "xds-extid-001",
        &remove_element(
            &xml,
            "identificationScheme=\"urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832\"",
        ),
        &atts,
    );
    // Duplicate the DocumentEntry uniqueId ExternalIdentifier.
    let at = xml
        .find("identificationScheme=\"urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab\"")
        .unwrap();
    let start = xml[..at].rfind('<').unwrap();
    let end = xml[at..].find("</rim:ExternalIdentifier>").unwrap()
        + at
        + "</rim:ExternalIdentifier>".len();
    let dup = format!("{}{}{}", &xml[..end], &xml[start..end], &xml[end..]);
    flags("xds-extid-001", &dup, &atts);
}

#[test]
fn xds_extid_002_wrong_name() {
    let (xml, atts) = valid_xml();
    flags(
        "xds-extid-002",
        &replace_once(
            &xml,
            "value=\"XDSDocumentEntry.uniqueId\"",
            "value=\"XDSDocumentEntry.uniqueID\"",
        ),
        &atts,
    );
}

#[test]
fn xds_extid_003_bad_unique_id() {
    let mut spec = submission();
    spec.documents[0].unique_id = Some("not an oid".into());
    let (xml, atts) = envelope(&build(&spec), true);
    flags("xds-extid-003", &xml, &atts);
}

#[test]
fn xds_scheme_001_unknown_classification_scheme() {
    let (xml, atts) = valid_xml();
    let bad = replace_once(
        &xml,
        "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a",
        "urn:uuid:41a5887f-8865-4c09-adf7-e362475b1430",
    );
    let findings = validate_submission(bad.as_bytes(), &atts);
    // The classCode is now missing and the unknown scheme is reported.
    assert_eq!(rules_of(&findings), vec!["xds-de-005", "xds-scheme-001"]);
}

#[test]
fn xds_scheme_002_unknown_identification_scheme() {
    let (xml, atts) = valid_xml();
    let bad = replace_once(
        &xml,
        "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab",
        "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42a0",
    );
    let findings = validate_submission(bad.as_bytes(), &atts);
    assert_eq!(rules_of(&findings), vec!["xds-extid-001", "xds-scheme-002"]);
}

#[test]
fn xds_code_001_empty_node_representation() {
    let (xml, atts) = valid_xml();
    flags(
        "xds-code-001",
        &replace_once(
            &xml,
            "nodeRepresentation=\"18842-5\"",
            "nodeRepresentation=\"\"",
        ),
        &atts,
    );
}

#[test]
fn xds_code_002_missing_coding_scheme() {
    let (xml, atts) = valid_xml();
    let at = xml.find("nodeRepresentation=\"18842-5\"").unwrap();
    let slot = xml[at..].find("<rim:Slot name=\"codingScheme\">").unwrap() + at;
    let slot_end = xml[slot..].find("</rim:Slot>").unwrap() + slot + "</rim:Slot>".len();
    let bad = format!("{}{}", &xml[..slot], &xml[slot_end..]);
    flags("xds-code-002", &bad, &atts);
}

#[test]
fn xds_code_003_missing_display_name() {
    let (xml, atts) = valid_xml();
    flags(
        "xds-code-003",
        &remove_element(&xml, "value=\"Discharge summary\""),
        &atts,
    );
}

#[test]
fn xds_pid_001_no_iso_authority() {
    let mut spec = submission();
    spec.patient_id = "12345678901^^^&2.16.578.1.12.4.1.4.1".into();
    let (xml, atts) = envelope(&build(&spec), true);
    flags("xds-pid-001", &xml, &atts);
}

#[test]
fn xds_pid_002_patient_mismatch() {
    let mut spec = submission();
    spec.documents[0].patient_id = Some("99999999999^^^&2.16.578.1.12.4.1.4.1&ISO".into());
    let (xml, atts) = envelope(&build(&spec), true);
    flags("xds-pid-002", &xml, &atts);
}

#[test]
fn xds_dtm_001_offset_and_range() {
    for bad_time in ["2024-01-15T10:30:00Z", "20240115103000+0100", "20241315"] {
        let mut spec = submission();
        spec.documents[0].creation_time = Some(bad_time.into());
        let (xml, atts) = envelope(&build(&spec), true);
        flags("xds-dtm-001", &xml, &atts);
    }
}

#[test]
fn xds_assoc_001_no_has_member() {
    let (xml, atts) = valid_xml();
    flags(
        "xds-assoc-001",
        &remove_element(
            &xml,
            "associationType=\"urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember\"",
        ),
        &atts,
    );
}

#[test]
fn xds_assoc_002_submission_set_status() {
    let (xml, atts) = valid_xml();
    flags(
        "xds-assoc-002",
        &replace_once(
            &xml,
            "<rim:Value>Original</rim:Value>",
            "<rim:Value>Copy</rim:Value>",
        ),
        &atts,
    );
    flags(
        "xds-assoc-002",
        &remove_element(&xml, "name=\"SubmissionSetStatus\""),
        &atts,
    );
}

#[test]
fn xds_assoc_003_unknown_type() {
    let (xml, atts) = envelope(&build(&submission_with_folder()), true);
    // Retype a folder-document association: it is not needed for assoc-001.
    let marker = "associationType=\"urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember\"";
    let last = xml.rfind(marker).unwrap();
    let bad = format!(
        "{}associationType=\"urn:x:Unknown\"{}",
        &xml[..last],
        &xml[last + marker.len()..]
    );
    flags("xds-assoc-003", &bad, &atts);
}

#[test]
fn xds_assoc_004_dangling_target() {
    let (xml, atts) = valid_xml();
    let at = xml.find("targetObject=\"").unwrap() + "targetObject=\"".len();
    let end = xml[at..].find('"').unwrap() + at;
    let target = &xml[at..end];
    let bad = xml.replace(
        &format!("targetObject=\"{target}\""),
        "targetObject=\"Document42\"",
    );
    let findings = validate_submission(bad.as_bytes(), &atts);
    assert_eq!(rules_of(&findings), vec!["xds-assoc-004", "xds-assoc-001"]);
}

#[test]
fn xds_mtom_001_unknown_cid() {
    let (xml, atts) = valid_xml();
    flags(
        "xds-mtom-001",
        &replace_once(&xml, "href=\"cid:", "href=\"cid:x"),
        &atts,
    );
    flags(
        "xds-mtom-001",
        &replace_once(&xml, "href=\"cid:", "href=\"http://example.invalid/"),
        &atts,
    );
}

#[test]
fn xds_mtom_002_bad_base64() {
    let req = build(&submission());
    let (xml, atts) = envelope(&req, false);
    let at = xml.find("<xdsb:Document id=").unwrap();
    let gt = xml[at..].find('>').unwrap() + at + 1;
    let bad = format!(
        "{}!!not base64!!{}",
        &xml[..gt],
        &xml[xml[gt..].find('<').unwrap() + gt..]
    );
    let findings = validate_submission(bad.as_bytes(), &atts);
    assert!(
        rules_of(&findings).contains(&"xds-mtom-002"),
        "{findings:?}"
    );
}

/// docs/xds.md shows the table generated from the rule catalogue, and nothing else.
#[test]
fn the_docs_table_is_the_rule_catalogue() {
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/xds.md");
    let table = samsvar_xds::validate::rules::markdown_table();
    if let Err(e) = samsvar_diagnostics::catalogue::check_generated_block(&doc, "xds-rules", &table)
    {
        panic!("{e}");
    }
    assert_eq!(RULES.len(), table.lines().count() - 2);
}

#[test]
fn findings_snapshot() {
    let (xml, atts) = valid_xml();
    let bad = remove_element(&xml, "name=\"languageCode\"");
    let bad = replace_once(
        &bad,
        "value=\"XDSDocumentEntry.uniqueId\"",
        "value=\"uniqueId\"",
    );
    let findings = validate_submission(bad.as_bytes(), &atts);
    let text = samsvar_xds::render_text(&findings);
    let uuid = regex_lite_uuid(&text);
    insta::assert_snapshot!(uuid);
}

/// Replace `urn:uuid:…` values with a placeholder (they are random per run).
fn regex_lite_uuid(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("urn:uuid:") {
        out.push_str(&rest[..i]);
        out.push_str("urn:uuid:<id>");
        let tail = &rest[i + 9..];
        let n = tail
            .chars()
            .take_while(|c| c.is_ascii_hexdigit() || *c == '-')
            .count();
        rest = &tail[n..];
    }
    out.push_str(rest);
    // Columns shift with generated OIDs; keep line numbers only.
    let mut redacted = String::new();
    for line in out.lines() {
        match (line.find(" (1:"), line.find("): ")) {
            (Some(a), Some(b)) if a < b => {
                redacted.push_str(&format!("{} (1:<col>{}", &line[..a], &line[b..]))
            }
            _ => redacted.push_str(line),
        }
        redacted.push('\n');
    }
    redacted
}
