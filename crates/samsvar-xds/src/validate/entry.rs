//! DocumentEntry (ExtrinsicObject) rules.

use super::common::{check_code, check_dtm_slot, check_external_ids, check_patient_cx};
use super::documents::Doc;
use super::{Mode, Sink};
use crate::ebrim::ExtrinsicObject;
use crate::submission::sha1_hex;
use crate::vocab::{de, object_type};

const CODES: [(&str, &str); 6] = [
    (de::CLASS_CODE, "classCode"),
    (de::TYPE_CODE, "typeCode"),
    (de::FORMAT_CODE, "formatCode"),
    (de::CONFIDENTIALITY_CODE, "confidentialityCode"),
    (
        de::HEALTHCARE_FACILITY_TYPE_CODE,
        "healthcareFacilityTypeCode",
    ),
    (de::PRACTICE_SETTING_CODE, "practiceSettingCode"),
];

const SINGLE_VALUED: [&str; 9] = [
    "creationTime",
    "hash",
    "size",
    "languageCode",
    "sourcePatientId",
    "serviceStartTime",
    "serviceStopTime",
    "repositoryUniqueId",
    "legalAuthenticator",
];

pub fn check_entry(x: &ExtrinsicObject, docs: Option<&[Doc]>, mode: Mode, sink: &mut Sink) {
    let o = &x.obj;
    let loc = &o.loc;
    match o.object_type.as_deref() {
        Some(object_type::STABLE_DOCUMENT_ENTRY) | Some(object_type::ON_DEMAND_DOCUMENT_ENTRY) => {}
        other => sink.push(
            "xds-de-001",
            loc,
            format!(
                "objectType must be {} (stable) or {} (on-demand), found {}",
                object_type::STABLE_DOCUMENT_ENTRY,
                object_type::ON_DEMAND_DOCUMENT_ENTRY,
                other
                    .map(|t| format!("`{t}`"))
                    .unwrap_or_else(|| "none".into())
            ),
        ),
    }
    if o.id.trim().is_empty() {
        sink.push("xds-de-002", loc, "the DocumentEntry has no id (entryUUID)");
    }
    if x.mime_type.as_deref().is_none_or(|m| m.trim().is_empty()) {
        sink.push(
            "xds-de-003",
            loc,
            "the DocumentEntry has no mimeType attribute",
        );
    }
    let mut required = vec!["creationTime", "languageCode", "sourcePatientId"];
    if mode == Mode::Registry {
        required.extend(["hash", "size", "repositoryUniqueId"]);
    }
    for name in required {
        if o.slot(name).is_none_or(|s| s.values.is_empty()) {
            sink.push(
                "xds-de-004",
                loc,
                format!("the required slot `{name}` is missing"),
            );
        }
    }
    for name in SINGLE_VALUED {
        if let Some(s) = o.slot(name)
            && s.values.len() > 1
        {
            sink.push(
                "xds-de-006",
                &s.loc,
                format!(
                    "slot `{name}` must have one value, found {}",
                    s.values.len()
                ),
            );
        }
    }
    for (scheme, name) in CODES {
        if o.classifications_in(scheme).next().is_none() {
            sink.push(
                "xds-de-005",
                loc,
                format!("the required code `{name}` is missing (classificationScheme {scheme})"),
            );
        }
    }
    if o.classifications_in(de::AUTHOR).next().is_none() {
        sink.push("xds-de-010", loc, "the DocumentEntry has no author");
    }
    let known: Vec<&str> = CODES
        .iter()
        .map(|(s, _)| *s)
        .chain([de::AUTHOR, de::EVENT_CODE_LIST])
        .collect();
    for c in &o.classifications {
        let scheme = c.scheme.as_deref().unwrap_or_default();
        if !known.contains(&scheme) {
            sink.push(
                "xds-scheme-001",
                &c.loc,
                format!("classificationScheme `{scheme}` is not a DocumentEntry scheme"),
            );
            continue;
        }
        if scheme == de::AUTHOR {
            continue;
        }
        let name = CODES
            .iter()
            .find(|(s, _)| *s == scheme)
            .map(|(_, n)| *n)
            .unwrap_or("eventCodeList");
        check_code(c, name, sink);
    }
    check_external_ids(
        o,
        "DocumentEntry",
        &[
            (de::PATIENT_ID, de::PATIENT_ID_NAME),
            (de::UNIQUE_ID, de::UNIQUE_ID_NAME),
        ],
        sink,
    );
    check_patient_cx(o, de::PATIENT_ID, sink);
    for name in ["creationTime", "serviceStartTime", "serviceStopTime"] {
        check_dtm_slot(o, name, sink);
    }
    check_hash_and_size(x, docs, sink);
}

fn check_hash_and_size(x: &ExtrinsicObject, docs: Option<&[Doc]>, sink: &mut Sink) {
    let o = &x.obj;
    let data = docs
        .and_then(|ds| ds.iter().find(|d| d.id == o.id))
        .and_then(|d| d.data.as_ref());
    if let Some(s) = o.slot("hash") {
        let v = s.values.first().map(String::as_str).unwrap_or_default();
        if v.len() != 40 || !v.chars().all(|c| c.is_ascii_hexdigit()) {
            sink.push(
                "xds-de-007",
                &s.loc,
                format!("hash `{v}` is not 40 hexadecimal digits (SHA-1)"),
            );
        } else if let Some(data) = data {
            let actual = sha1_hex(data);
            if !actual.eq_ignore_ascii_case(v) {
                sink.push(
                    "xds-de-007",
                    &s.loc,
                    format!("hash `{v}` does not match the attached document's SHA-1 `{actual}`"),
                );
            }
        }
    }
    if let Some(s) = o.slot("size") {
        let v = s.values.first().map(String::as_str).unwrap_or_default();
        match v.parse::<u64>() {
            Err(_) => sink.push(
                "xds-de-008",
                &s.loc,
                format!("size `{v}` is not a non-negative integer"),
            ),
            Ok(n) => {
                if let Some(data) = data
                    && n != data.len() as u64
                {
                    sink.push(
                        "xds-de-008",
                        &s.loc,
                        format!(
                            "size {n} does not match the attached document's {} bytes",
                            data.len()
                        ),
                    );
                }
            }
        }
    }
}
