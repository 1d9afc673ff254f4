//! Checks shared by DocumentEntry, SubmissionSet and Folder.

use super::Sink;
use crate::ebrim::{Classification, ObjectList, RegistryObject};

/// `id^^^&OID&ISO`: an id, empty components 2 and 3, and an ISO assigning authority.
pub fn cx_problem(value: &str) -> Option<String> {
    let parts: Vec<&str> = value.split('^').collect();
    if parts.len() != 4 {
        return Some(format!(
            "`{value}` is not a CX value of the form id^^^&OID&ISO (found {} component(s), expected 4)",
            parts.len()
        ));
    }
    if parts[0].is_empty() {
        return Some(format!("`{value}` has an empty id component"));
    }
    if !parts[1].is_empty() || !parts[2].is_empty() {
        return Some(format!("`{value}` must have empty CX components 2 and 3"));
    }
    let auth: Vec<&str> = parts[3].split('&').collect();
    if auth.len() != 3 || !auth[0].is_empty() {
        return Some(format!(
            "`{value}`: the assigning authority must be `&OID&ISO`, found `{}`",
            parts[3]
        ));
    }
    if !is_oid(auth[1]) {
        return Some(format!("`{value}`: `{}` is not an OID", auth[1]));
    }
    if auth[2] != "ISO" {
        return Some(format!(
            "`{value}`: the assigning authority type must be `ISO`, found `{}`",
            auth[2]
        ));
    }
    None
}

pub fn is_oid(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|arc| {
            !arc.is_empty()
                && arc.chars().all(|c| c.is_ascii_digit())
                && (arc == "0" || !arc.starts_with('0'))
        })
        && s.contains('.')
}

/// DTM: YYYY[MM[DD[hh[mm[ss]]]]], UTC, no offset, valid ranges.
pub fn dtm_problem(value: &str) -> Option<String> {
    if !matches!(value.len(), 4 | 6 | 8 | 10 | 12 | 14)
        || !value.chars().all(|c| c.is_ascii_digit())
    {
        return Some(format!(
            "`{value}` is not a DTM (YYYY[MM[DD[hh[mm[ss]]]]], digits only, UTC without offset)"
        ));
    }
    let field = |from: usize| {
        value
            .get(from..from + 2)
            .and_then(|s| s.parse::<u32>().ok())
    };
    let checks = [
        (4, 1, 12, "month"),
        (6, 1, 31, "day"),
        (8, 0, 23, "hour"),
        (10, 0, 59, "minute"),
        (12, 0, 59, "second"),
    ];
    for (from, min, max, what) in checks {
        if let Some(v) = field(from)
            && (v < min || v > max)
        {
            return Some(format!(
                "`{value}`: {what} {v} is out of range {min}..={max}"
            ));
        }
    }
    None
}

/// A coded classification: nodeRepresentation, one codingScheme value, a Name.
pub fn check_code(c: &Classification, what: &str, sink: &mut Sink) {
    if c.node_representation
        .as_deref()
        .is_none_or(|n| n.trim().is_empty())
    {
        sink.push(
            "xds-code-001",
            &c.loc,
            format!("{what}: nodeRepresentation (the code) is missing or empty"),
        );
    }
    match c.slot("codingScheme") {
        None => sink.push(
            "xds-code-002",
            &c.loc,
            format!("{what}: the codingScheme slot is missing"),
        ),
        Some(s) if s.values.len() != 1 || s.values[0].trim().is_empty() => sink.push(
            "xds-code-002",
            &s.loc,
            format!(
                "{what}: codingScheme must have exactly one non-empty value, found {}",
                s.values.len()
            ),
        ),
        Some(_) => {}
    }
    if c.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        sink.push(
            "xds-code-003",
            &c.loc,
            format!("{what}: Name (display name) is missing"),
        );
    }
}

/// Exactly one ExternalIdentifier per required scheme, with its Name; and only known schemes.
pub fn check_external_ids(
    obj: &RegistryObject,
    kind: &str,
    required: &[(&str, &str)],
    sink: &mut Sink,
) {
    for (scheme, name) in required {
        let found: Vec<_> = obj
            .external_identifiers
            .iter()
            .filter(|x| x.scheme == *scheme)
            .collect();
        match found.len() {
            0 => sink.push(
                "xds-extid-001",
                &obj.loc,
                format!("{kind} has no {name} ExternalIdentifier (identificationScheme {scheme})"),
            ),
            1 => {}
            n => sink.push(
                "xds-extid-001",
                &obj.loc,
                format!("{kind} has {n} {name} ExternalIdentifiers; exactly one is allowed"),
            ),
        }
        for x in found {
            if x.name.as_deref() != Some(*name) {
                sink.push(
                    "xds-extid-002",
                    &x.loc,
                    format!(
                        "ExternalIdentifier Name must be `{name}`, found {}",
                        x.name
                            .as_deref()
                            .map(|n| format!("`{n}`"))
                            .unwrap_or_else(|| "none".into())
                    ),
                );
            }
            if x.value.trim().is_empty() {
                sink.push(
                    "xds-extid-003",
                    &x.loc,
                    format!("{name} has an empty value"),
                );
            } else if name.ends_with("uniqueId") && !unique_id_ok(&x.value) {
                sink.push(
                    "xds-extid-003",
                    &x.loc,
                    format!(
                        "{name} `{}` is not an OID[^extension] of at most 128 characters",
                        x.value
                    ),
                );
            }
        }
    }
    for x in &obj.external_identifiers {
        if !required.iter().any(|(s, _)| *s == x.scheme) {
            sink.push(
                "xds-scheme-002",
                &x.loc,
                format!(
                    "identificationScheme `{}` is not an XDS scheme for a {kind}",
                    x.scheme
                ),
            );
        }
    }
}

fn unique_id_ok(v: &str) -> bool {
    if v.len() > 128 {
        return false;
    }
    let root = v.split('^').next().unwrap_or_default();
    is_oid(root) || v.starts_with("urn:")
}

/// SubmissionSet, DocumentEntries and Folders name the same patient.
pub fn check_same_patient(list: &ObjectList, sink: &mut Sink) {
    let sets = list.submission_sets();
    let Some(ss) = sets.first() else { return };
    let Some(pid) = ss.obj.external_id(crate::vocab::ss::PATIENT_ID) else {
        return;
    };
    for x in &list.extrinsic_objects {
        if let Some(p) = x.patient_id()
            && p != pid
        {
            sink.push(
                "xds-pid-002",
                &x.obj.loc,
                format!("DocumentEntry patientId `{p}` differs from the SubmissionSet's `{pid}`"),
            );
        }
    }
    for f in list.folders() {
        if let Some(p) = f.obj.external_id(crate::vocab::folder::PATIENT_ID)
            && p != pid
        {
            sink.push(
                "xds-pid-002",
                &f.obj.loc,
                format!("Folder patientId `{p}` differs from the SubmissionSet's `{pid}`"),
            );
        }
    }
}

/// patientId external identifier values must be CX with ISO authority.
pub fn check_patient_cx(obj: &RegistryObject, scheme: &str, sink: &mut Sink) {
    for x in obj
        .external_identifiers
        .iter()
        .filter(|x| x.scheme == scheme)
    {
        if let Some(p) = cx_problem(&x.value) {
            sink.push("xds-pid-001", &x.loc, p);
        }
    }
}

/// Every value of a DTM slot.
pub fn check_dtm_slot(obj: &RegistryObject, name: &str, sink: &mut Sink) {
    if let Some(s) = obj.slot(name) {
        for v in &s.values {
            if let Some(p) = dtm_problem(v) {
                sink.push("xds-dtm-001", &s.loc, format!("{name}: {p}"));
            }
        }
    }
}
