//! Association rules.

use super::{Mode, Sink};
use crate::ebrim::ObjectList;
use crate::vocab::assoc;

pub fn check_associations(list: &ObjectList, mode: Mode, sink: &mut Sink) {
    let ids: Vec<&str> = list
        .extrinsic_objects
        .iter()
        .map(|x| x.obj.id.as_str())
        .chain(list.packages.iter().map(|p| p.obj.id.as_str()))
        .chain(list.associations.iter().map(|a| a.id.as_str()))
        .chain(list.object_refs.iter().map(|r| r.id.as_str()))
        .collect();
    for a in &list.associations {
        if !assoc::ALL.contains(&a.association_type.as_str()) {
            sink.push(
                "xds-assoc-003",
                &a.loc,
                format!(
                    "associationType `{}` is not an XDS association type",
                    a.association_type
                ),
            );
        }
        for (end, id) in [("sourceObject", &a.source), ("targetObject", &a.target)] {
            if !ids.contains(&id.as_str()) && !id.starts_with("urn:uuid:") {
                sink.push("xds-assoc-004", &a.loc, format!("{end} `{id}` is neither an object of this submission nor a urn:uuid reference"));
            }
        }
    }
    if mode != Mode::Submission {
        return;
    }
    let sets = list.submission_sets();
    let Some(ss) = sets.first() else { return };
    let ss_id = ss.obj.id.as_str();
    let members = |target: &str| -> Vec<&crate::ebrim::Association> {
        list.associations
            .iter()
            .filter(|a| {
                a.association_type == assoc::HAS_MEMBER && a.source == ss_id && a.target == target
            })
            .collect()
    };
    for x in &list.extrinsic_objects {
        let found = members(&x.obj.id);
        if found.is_empty() {
            sink.push(
                "xds-assoc-001",
                &x.obj.loc,
                "no HasMember association from the SubmissionSet to this DocumentEntry",
            );
        }
        for a in found {
            match a.slot_value("SubmissionSetStatus") {
                Some("Original") | Some("Reference") => {}
                Some(other) => sink.push(
                    "xds-assoc-002",
                    &a.loc,
                    format!("SubmissionSetStatus must be Original or Reference, found `{other}`"),
                ),
                None => sink.push(
                    "xds-assoc-002",
                    &a.loc,
                    "the HasMember association has no SubmissionSetStatus slot",
                ),
            }
        }
    }
    for f in list.folders() {
        if members(&f.obj.id).is_empty() {
            sink.push(
                "xds-assoc-001",
                &f.obj.loc,
                "no HasMember association from the SubmissionSet to this Folder",
            );
        }
    }
}
