//! A declarative description of an ITI-41 submission (as written in suites) and its
//! translation into ebRIM metadata plus documents, with SHA-1 hash and size computed.

use crate::ebrim::*;
use crate::error::XdsError;
use crate::vocab;
use bytes::Bytes;
use serde::Deserialize;
use sha1::{Digest, Sha1};
use std::path::Path;

/// Author of a DocumentEntry or SubmissionSet.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Author {
    /// XCN, e.g. `^Nordmann^Kari^^^Dr`.
    pub person: Option<String>,
    /// XON values.
    #[serde(default)]
    pub institution: Vec<String>,
    #[serde(default)]
    pub role: Vec<String>,
    #[serde(default)]
    pub specialty: Vec<String>,
}

/// One document with its DocumentEntry attributes.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DocumentSpec {
    /// entryUUID (`urn:uuid:…`) or symbolic id; generated when absent.
    pub id: Option<String>,
    /// Content from a file (relative to the suite folder).
    pub file: Option<String>,
    /// Inline content (text).
    pub content: Option<String>,
    pub mime_type: String,
    pub unique_id: Option<String>,
    pub title: Option<String>,
    pub comments: Option<String>,
    pub class_code: Code,
    pub type_code: Code,
    pub format_code: Code,
    pub confidentiality_code: Code,
    pub healthcare_facility_type_code: Code,
    pub practice_setting_code: Code,
    #[serde(default)]
    pub event_code_list: Vec<Code>,
    pub language_code: Option<String>,
    /// DTM; defaults to now (UTC).
    pub creation_time: Option<String>,
    pub service_start_time: Option<String>,
    pub service_stop_time: Option<String>,
    /// Defaults to the submission's patientId.
    pub patient_id: Option<String>,
    /// Defaults to the patientId.
    pub source_patient_id: Option<String>,
    #[serde(default)]
    pub source_patient_info: Vec<String>,
    pub legal_authenticator: Option<String>,
    pub author: Option<Author>,
    /// Overrides the computed SHA-1 (hex), e.g. for negative tests.
    pub hash: Option<String>,
    /// Overrides the computed size.
    pub size: Option<u64>,
    /// Leave hash and size out of the metadata.
    #[serde(default)]
    pub omit_hash_and_size: bool,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SubmissionSetSpec {
    pub id: Option<String>,
    pub unique_id: Option<String>,
    pub source_id: String,
    pub submission_time: Option<String>,
    pub content_type_code: Code,
    pub title: Option<String>,
    pub comments: Option<String>,
    /// Defaults to the submission's patientId.
    pub patient_id: Option<String>,
    pub author: Option<Author>,
    #[serde(default)]
    pub intended_recipient: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FolderSpec {
    pub id: Option<String>,
    pub unique_id: Option<String>,
    pub title: Option<String>,
    pub code_list: Vec<Code>,
    pub patient_id: Option<String>,
}

/// The whole submission: patient, SubmissionSet, documents, optional Folder.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SubmissionSpec {
    /// CX, e.g. `12345678901^^^&2.16.578.1.12.4.1.4.1&ISO`.
    pub patient_id: String,
    pub submission_set: SubmissionSetSpec,
    pub documents: Vec<DocumentSpec>,
    pub folder: Option<FolderSpec>,
}

/// A document's bytes, keyed by the DocumentEntry id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentContent {
    pub id: String,
    pub mime_type: String,
    pub data: Bytes,
}

/// Everything an ITI-41 request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvideAndRegister {
    pub metadata: ObjectList,
    pub documents: Vec<DocumentContent>,
}

/// SHA-1 of `data` as lower-case hex (the XDS `hash` slot).
pub fn sha1_hex(data: &[u8]) -> String {
    hex::encode(Sha1::digest(data))
}

/// A fresh `urn:uuid:` id.
pub fn new_entry_uuid() -> String {
    format!("urn:uuid:{}", uuid::Uuid::new_v4())
}

/// A fresh OID under the UUID arc `2.25` (ITU-T X.667).
pub fn new_oid() -> String {
    format!("2.25.{}", uuid::Uuid::new_v4().as_u128())
}

/// Now in UTC as an XDS DTM (`YYYYMMDDhhmmss`).
pub fn now_dtm() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

struct Ids(usize);

impl Ids {
    fn next(&mut self) -> String {
        self.0 += 1;
        format!("urn:uuid:{}", uuid::Uuid::new_v4())
    }
}

fn slot(name: &str, value: impl Into<String>) -> Slot {
    Slot::new(name, vec![value.into()])
}

fn code_classification(ids: &mut Ids, scheme: &str, object: &str, code: &Code) -> Classification {
    Classification {
        id: ids.next(),
        scheme: Some(scheme.to_string()),
        classified_object: object.to_string(),
        node_representation: Some(code.code.clone()),
        name: Some(code.display.clone()),
        slots: vec![slot("codingScheme", code.scheme.clone())],
        ..Default::default()
    }
}

fn author_classification(ids: &mut Ids, scheme: &str, object: &str, a: &Author) -> Classification {
    let mut slots = Vec::new();
    if let Some(p) = &a.person {
        slots.push(slot("authorPerson", p.clone()));
    }
    for (name, values) in [
        ("authorInstitution", &a.institution),
        ("authorRole", &a.role),
        ("authorSpecialty", &a.specialty),
    ] {
        if !values.is_empty() {
            slots.push(Slot::new(name, values.clone()));
        }
    }
    Classification {
        id: ids.next(),
        scheme: Some(scheme.to_string()),
        classified_object: object.to_string(),
        node_representation: Some(String::new()),
        slots,
        ..Default::default()
    }
}

fn external_id(
    ids: &mut Ids,
    scheme: &str,
    object: &str,
    value: &str,
    name: &str,
) -> ExternalIdentifier {
    ExternalIdentifier {
        id: ids.next(),
        scheme: scheme.to_string(),
        registry_object: object.to_string(),
        value: value.to_string(),
        name: Some(name.to_string()),
        ..Default::default()
    }
}

impl SubmissionSpec {
    /// Build metadata and documents; document files are read relative to `base_dir`.
    pub fn build(&self, base_dir: &Path) -> Result<ProvideAndRegister, XdsError> {
        let mut ids = Ids(0);
        let mut list = ObjectList::default();
        let mut documents = Vec::new();
        let ss_id = self.submission_set.id.clone().unwrap_or_else(|| ids.next());

        for (i, d) in self.documents.iter().enumerate() {
            let data = load_content(d, base_dir, i)?;
            let id = d.id.clone().unwrap_or_else(|| ids.next());
            let patient = d
                .patient_id
                .clone()
                .unwrap_or_else(|| self.patient_id.clone());
            let mut obj = RegistryObject {
                id: id.clone(),
                object_type: Some(vocab::object_type::STABLE_DOCUMENT_ENTRY.into()),
                name: d.title.clone(),
                description: d.comments.clone(),
                ..Default::default()
            };
            obj.slots.push(slot(
                "creationTime",
                d.creation_time.clone().unwrap_or_else(now_dtm),
            ));
            obj.slots.push(slot(
                "languageCode",
                d.language_code.clone().unwrap_or_else(|| "en-US".into()),
            ));
            obj.slots.push(slot(
                "sourcePatientId",
                d.source_patient_id
                    .clone()
                    .unwrap_or_else(|| patient.clone()),
            ));
            if !d.source_patient_info.is_empty() {
                obj.slots.push(Slot::new(
                    "sourcePatientInfo",
                    d.source_patient_info.clone(),
                ));
            }
            for (name, v) in [
                ("serviceStartTime", &d.service_start_time),
                ("serviceStopTime", &d.service_stop_time),
                ("legalAuthenticator", &d.legal_authenticator),
            ] {
                if let Some(v) = v {
                    obj.slots.push(slot(name, v.clone()));
                }
            }
            if !d.omit_hash_and_size {
                obj.slots.push(slot(
                    "hash",
                    d.hash.clone().unwrap_or_else(|| sha1_hex(&data)),
                ));
                obj.slots.push(slot(
                    "size",
                    d.size.unwrap_or(data.len() as u64).to_string(),
                ));
            }
            if let Some(a) = &d.author {
                obj.classifications.push(author_classification(
                    &mut ids,
                    vocab::de::AUTHOR,
                    &id,
                    a,
                ));
            }
            for (scheme, code) in [
                (vocab::de::CLASS_CODE, &d.class_code),
                (vocab::de::CONFIDENTIALITY_CODE, &d.confidentiality_code),
                (vocab::de::FORMAT_CODE, &d.format_code),
                (
                    vocab::de::HEALTHCARE_FACILITY_TYPE_CODE,
                    &d.healthcare_facility_type_code,
                ),
                (vocab::de::PRACTICE_SETTING_CODE, &d.practice_setting_code),
                (vocab::de::TYPE_CODE, &d.type_code),
            ] {
                obj.classifications
                    .push(code_classification(&mut ids, scheme, &id, code));
            }
            for code in &d.event_code_list {
                obj.classifications.push(code_classification(
                    &mut ids,
                    vocab::de::EVENT_CODE_LIST,
                    &id,
                    code,
                ));
            }
            obj.external_identifiers.push(external_id(
                &mut ids,
                vocab::de::PATIENT_ID,
                &id,
                &patient,
                vocab::de::PATIENT_ID_NAME,
            ));
            let unique = d.unique_id.clone().unwrap_or_else(new_oid);
            obj.external_identifiers.push(external_id(
                &mut ids,
                vocab::de::UNIQUE_ID,
                &id,
                &unique,
                vocab::de::UNIQUE_ID_NAME,
            ));
            list.extrinsic_objects.push(ExtrinsicObject {
                obj,
                mime_type: Some(d.mime_type.clone()),
            });
            list.associations
                .push(has_member(&mut ids, &ss_id, &id, true));
            documents.push(DocumentContent {
                id,
                mime_type: d.mime_type.clone(),
                data,
            });
        }

        list.packages
            .push(self.submission_set_package(&mut ids, &ss_id));
        list.classifications.push(Classification {
            id: ids.next(),
            classified_object: ss_id.clone(),
            node: Some(vocab::node::SUBMISSION_SET.into()),
            ..Default::default()
        });

        if let Some(f) = &self.folder {
            let fid = f.id.clone().unwrap_or_else(|| ids.next());
            let patient = f
                .patient_id
                .clone()
                .unwrap_or_else(|| self.patient_id.clone());
            let mut obj = RegistryObject {
                id: fid.clone(),
                object_type: Some(vocab::object_type::REGISTRY_PACKAGE.into()),
                name: f.title.clone(),
                ..Default::default()
            };
            for code in &f.code_list {
                obj.classifications.push(code_classification(
                    &mut ids,
                    vocab::folder::CODE_LIST,
                    &fid,
                    code,
                ));
            }
            obj.external_identifiers.push(external_id(
                &mut ids,
                vocab::folder::PATIENT_ID,
                &fid,
                &patient,
                vocab::folder::PATIENT_ID_NAME,
            ));
            obj.external_identifiers.push(external_id(
                &mut ids,
                vocab::folder::UNIQUE_ID,
                &fid,
                &f.unique_id.clone().unwrap_or_else(new_oid),
                vocab::folder::UNIQUE_ID_NAME,
            ));
            list.packages.push(RegistryPackage { obj });
            list.classifications.push(Classification {
                id: ids.next(),
                classified_object: fid.clone(),
                node: Some(vocab::node::FOLDER.into()),
                ..Default::default()
            });
            list.associations
                .push(has_member(&mut ids, &ss_id, &fid, true));
            for doc in &documents {
                let a = has_member(&mut ids, &fid, &doc.id, false);
                let a_id = a.id.clone();
                list.associations.push(a);
                // The SubmissionSet also holds the folder-document association.
                list.associations
                    .push(has_member(&mut ids, &ss_id, &a_id, false));
            }
        }
        Ok(ProvideAndRegister {
            metadata: list,
            documents,
        })
    }

    fn submission_set_package(&self, ids: &mut Ids, ss_id: &str) -> RegistryPackage {
        let s = &self.submission_set;
        let mut obj = RegistryObject {
            id: ss_id.to_string(),
            object_type: Some(vocab::object_type::REGISTRY_PACKAGE.into()),
            name: s.title.clone(),
            description: s.comments.clone(),
            ..Default::default()
        };
        obj.slots.push(slot(
            "submissionTime",
            s.submission_time.clone().unwrap_or_else(now_dtm),
        ));
        if !s.intended_recipient.is_empty() {
            obj.slots
                .push(Slot::new("intendedRecipient", s.intended_recipient.clone()));
        }
        if let Some(a) = &s.author {
            obj.classifications
                .push(author_classification(ids, vocab::ss::AUTHOR, ss_id, a));
        }
        obj.classifications.push(code_classification(
            ids,
            vocab::ss::CONTENT_TYPE_CODE,
            ss_id,
            &s.content_type_code,
        ));
        let patient = s
            .patient_id
            .clone()
            .unwrap_or_else(|| self.patient_id.clone());
        obj.external_identifiers.push(external_id(
            ids,
            vocab::ss::UNIQUE_ID,
            ss_id,
            &s.unique_id.clone().unwrap_or_else(new_oid),
            vocab::ss::UNIQUE_ID_NAME,
        ));
        obj.external_identifiers.push(external_id(
            ids,
            vocab::ss::SOURCE_ID,
            ss_id,
            &s.source_id,
            vocab::ss::SOURCE_ID_NAME,
        ));
        obj.external_identifiers.push(external_id(
            ids,
            vocab::ss::PATIENT_ID,
            ss_id,
            &patient,
            vocab::ss::PATIENT_ID_NAME,
        ));
        RegistryPackage { obj }
    }
}

fn has_member(ids: &mut Ids, source: &str, target: &str, original: bool) -> Association {
    Association {
        id: ids.next(),
        association_type: vocab::assoc::HAS_MEMBER.into(),
        source: source.to_string(),
        target: target.to_string(),
        slots: if original {
            vec![slot("SubmissionSetStatus", "Original")]
        } else {
            Vec::new()
        },
        ..Default::default()
    }
}

fn load_content(d: &DocumentSpec, base_dir: &Path, index: usize) -> Result<Bytes, XdsError> {
    match (&d.file, &d.content) {
        (Some(file), None) => {
            let path = base_dir.join(file);
            std::fs::read(&path)
                .map(Bytes::from)
                .map_err(|e| XdsError::Fixture {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })
        }
        (None, Some(text)) => Ok(Bytes::from(text.clone().into_bytes())),
        (Some(_), Some(_)) => Err(XdsError::Build(format!(
            "document {index}: give either `file` or `content`, not both"
        ))),
        (None, None) => Err(XdsError::Build(format!(
            "document {index}: give its content with `file` or `content`"
        ))),
    }
}
