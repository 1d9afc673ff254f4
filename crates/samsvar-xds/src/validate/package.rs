//! SubmissionSet and Folder (RegistryPackage) rules.

use super::common::{check_code, check_dtm_slot, check_external_ids, check_patient_cx};
use super::{Mode, Sink};
use crate::ebrim::{ObjectList, PackageKind};
use crate::vocab::{folder, ss};

pub fn check_packages(list: &ObjectList, mode: Mode, sink: &mut Sink) {
    let sets = list.submission_sets();
    if mode == Mode::Submission && sets.len() != 1 {
        sink.push(
            "xds-ss-001",
            &list.loc,
            format!(
                "a submission must hold exactly one SubmissionSet, found {}",
                sets.len()
            ),
        );
    }
    for p in &list.packages {
        match list.package_kind(p) {
            PackageKind::SubmissionSet => check_submission_set(p, sink),
            PackageKind::Folder => check_folder(p, sink),
            PackageKind::Unknown => sink.push(
                "xds-ss-001",
                &p.obj.loc,
                "RegistryPackage is classified neither as SubmissionSet nor as Folder",
            ),
        }
    }
}

fn check_submission_set(p: &crate::ebrim::RegistryPackage, sink: &mut Sink) {
    let o = &p.obj;
    match o.slot("submissionTime") {
        Some(s) if s.values.len() == 1 => {}
        Some(s) => sink.push(
            "xds-ss-002",
            &s.loc,
            format!(
                "submissionTime must have one value, found {}",
                s.values.len()
            ),
        ),
        None => sink.push(
            "xds-ss-002",
            &o.loc,
            "the required slot `submissionTime` is missing",
        ),
    }
    check_dtm_slot(o, "submissionTime", sink);
    if o.classifications_in(ss::CONTENT_TYPE_CODE).next().is_none() {
        sink.push(
            "xds-ss-003",
            &o.loc,
            "the required code `contentTypeCode` is missing",
        );
    }
    if o.classifications_in(ss::AUTHOR).next().is_none() {
        sink.push("xds-ss-004", &o.loc, "the SubmissionSet has no author");
    }
    for c in &o.classifications {
        match c.scheme.as_deref() {
            Some(ss::CONTENT_TYPE_CODE) => check_code(c, "contentTypeCode", sink),
            Some(ss::AUTHOR) | None => {}
            Some(other) => sink.push(
                "xds-scheme-001",
                &c.loc,
                format!("classificationScheme `{other}` is not a SubmissionSet scheme"),
            ),
        }
    }
    check_external_ids(
        o,
        "SubmissionSet",
        &[
            (ss::PATIENT_ID, ss::PATIENT_ID_NAME),
            (ss::SOURCE_ID, ss::SOURCE_ID_NAME),
            (ss::UNIQUE_ID, ss::UNIQUE_ID_NAME),
        ],
        sink,
    );
    check_patient_cx(o, ss::PATIENT_ID, sink);
}

fn check_folder(p: &crate::ebrim::RegistryPackage, sink: &mut Sink) {
    let o = &p.obj;
    if o.classifications_in(folder::CODE_LIST).next().is_none() {
        sink.push("xds-fd-001", &o.loc, "the Folder has no codeList code");
    }
    for c in &o.classifications {
        match c.scheme.as_deref() {
            Some(folder::CODE_LIST) => check_code(c, "codeList", sink),
            None => {}
            Some(other) => sink.push(
                "xds-scheme-001",
                &c.loc,
                format!("classificationScheme `{other}` is not a Folder scheme"),
            ),
        }
    }
    check_external_ids(
        o,
        "Folder",
        &[
            (folder::PATIENT_ID, folder::PATIENT_ID_NAME),
            (folder::UNIQUE_ID, folder::UNIQUE_ID_NAME),
        ],
        sink,
    );
    check_patient_cx(o, folder::PATIENT_ID, sink);
}
