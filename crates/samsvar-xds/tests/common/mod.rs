//! Shared helpers for the samsvar-xds integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use samsvar_xds::ebrim::Code;
use samsvar_xds::submission::{
    Author, DocumentSpec, FolderSpec, SubmissionSetSpec, SubmissionSpec,
};

pub const NO_PATIENT: &str = "12345678901^^^&2.16.578.1.12.4.1.4.1&ISO";

pub fn code(code: &str, scheme: &str, display: &str) -> Code {
    Code {
        code: code.into(),
        scheme: scheme.into(),
        display: display.into(),
    }
}

pub fn document(content: &str) -> DocumentSpec {
    DocumentSpec {
        content: Some(content.into()),
        mime_type: "text/plain".into(),
        title: Some("Epikrise".into()),
        class_code: code("DISCHARGE", "1.3.6.1.4.1.21367.100.1", "Discharge summary"),
        type_code: code("18842-5", "2.16.840.1.113883.6.1", "Discharge summary"),
        format_code: code(
            "urn:ihe:iti:xds:2017:mimeTypeSufficient",
            "1.3.6.1.4.1.19376.1.2.3",
            "mimeType Sufficient",
        ),
        confidentiality_code: code("N", "2.16.840.1.113883.5.25", "Normal"),
        healthcare_facility_type_code: code("22232009", "2.16.840.1.113883.6.96", "Hospital"),
        practice_setting_code: code("394802001", "2.16.840.1.113883.6.96", "General medicine"),
        language_code: Some("nb-NO".into()),
        creation_time: Some("20240115103000".into()),
        author: Some(Author {
            person: Some("^Nordmann^Kari^^^Dr".into()),
            institution: vec!["Testsykehuset^^^^^^^^^2.16.578.1.12.4.1.4.101".into()],
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub fn submission() -> SubmissionSpec {
    SubmissionSpec {
        patient_id: NO_PATIENT.into(),
        submission_set: SubmissionSetSpec {
            source_id: "1.3.6.1.4.1.21367.2010.1.2".into(),
            submission_time: Some("20240115103500".into()),
            content_type_code: code(
                "34133-9",
                "2.16.840.1.113883.6.1",
                "Summary of episode note",
            ),
            author: Some(Author {
                person: Some("^Nordmann^Kari^^^Dr".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        documents: vec![document("Hei verden: epikrise for pasienten.")],
        folder: None,
    }
}

pub fn submission_with_folder() -> SubmissionSpec {
    let mut s = submission();
    s.folder = Some(FolderSpec {
        title: Some("Innleggelse".into()),
        code_list: vec![code("Referrals", "1.3.6.1.4.1.21367.100.1", "Referrals")],
        ..Default::default()
    });
    s
}
