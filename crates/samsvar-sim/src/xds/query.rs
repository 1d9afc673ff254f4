//! Stored queries (ITI-18) over the registry's metadata.

use super::store::Inner;
use samsvar_xds::ebrim::{
    ExtrinsicObject, ObjectList, ObjectRef, PackageKind, RegistryError, RegistryPackage,
};
use samsvar_xds::iti18::{ReturnType, StoredQuery, parse_param_values};
use samsvar_xds::vocab::{self, de, error_code, folder, query, ss};

type QueryResult = Result<ObjectList, RegistryError>;

fn error(code: &str, context: String) -> RegistryError {
    RegistryError {
        error_code: code.to_string(),
        code_context: context,
        severity: "Error".into(),
        location: None,
    }
}

struct Params<'a>(&'a StoredQuery);

impl Params<'_> {
    fn values(&self, name: &str) -> Option<Vec<String>> {
        self.0
            .params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| parse_param_values(v))
    }

    fn required(&self, name: &str) -> Result<Vec<String>, RegistryError> {
        self.values(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            error(
                error_code::STORED_QUERY_MISSING_PARAM,
                format!("required parameter {name} is missing"),
            )
        })
    }

    /// Either of two parameters (e.g. entryUUID or uniqueId), not both.
    fn one_of(&self, a: &str, b: &str) -> Result<(bool, Vec<String>), RegistryError> {
        match (self.values(a), self.values(b)) {
            (Some(v), None) => Ok((true, v)),
            (None, Some(v)) => Ok((false, v)),
            (Some(_), Some(_)) => Err(error(
                error_code::STORED_QUERY_PARAM_NUMBER,
                format!("give {a} or {b}, not both"),
            )),
            (None, None) => Err(error(
                error_code::STORED_QUERY_MISSING_PARAM,
                format!("one of {a} or {b} is required"),
            )),
        }
    }
}

fn status_ok(status: &Option<String>, wanted: &Option<Vec<String>>) -> bool {
    match wanted {
        None => true,
        Some(list) => list.iter().any(|w| Some(w) == status.as_ref()),
    }
}

/// A code filter value `code^^^scheme` matches a classification of `scheme_uuid`.
fn code_ok(x: &ExtrinsicObject, scheme_uuid: &str, wanted: &Option<Vec<String>>) -> bool {
    let Some(list) = wanted else { return true };
    x.obj.classifications_in(scheme_uuid).any(|c| {
        let code = c.node_representation.clone().unwrap_or_default();
        let scheme = c
            .slot("codingScheme")
            .and_then(|s| s.values.first().cloned())
            .unwrap_or_default();
        list.iter().any(|w| {
            let mut parts = w.split("^^^");
            let wc = parts.next().unwrap_or_default();
            let ws = parts.next();
            wc == code && ws.is_none_or(|s| s == scheme)
        })
    })
}

pub fn run(store: &Inner, q: &StoredQuery) -> QueryResult {
    let p = Params(q);
    let m = &store.metadata;
    let mut out = ObjectList::default();
    match q.id.as_str() {
        query::FIND_DOCUMENTS => {
            let pid = p.required("$XDSDocumentEntryPatientId")?;
            let status = Some(p.required("$XDSDocumentEntryStatus")?);
            let filters = [
                (de::CLASS_CODE, p.values("$XDSDocumentEntryClassCode")),
                (de::TYPE_CODE, p.values("$XDSDocumentEntryTypeCode")),
                (de::FORMAT_CODE, p.values("$XDSDocumentEntryFormatCode")),
                (
                    de::CONFIDENTIALITY_CODE,
                    p.values("$XDSDocumentEntryConfidentialityCode"),
                ),
                (
                    de::PRACTICE_SETTING_CODE,
                    p.values("$XDSDocumentEntryPracticeSettingCode"),
                ),
                (
                    de::HEALTHCARE_FACILITY_TYPE_CODE,
                    p.values("$XDSDocumentEntryHealthcareFacilityTypeCode"),
                ),
            ];
            for x in &m.extrinsic_objects {
                if x.patient_id().is_some_and(|v| pid.iter().any(|p| p == v))
                    && status_ok(&x.obj.status, &status)
                    && filters.iter().all(|(s, w)| code_ok(x, s, w))
                {
                    out.extrinsic_objects.push(x.clone());
                }
            }
        }
        query::FIND_SUBMISSION_SETS => {
            let pid = p.required("$XDSSubmissionSetPatientId")?;
            let status = Some(p.required("$XDSSubmissionSetStatus")?);
            for s in m
                .packages
                .iter()
                .filter(|s| store.package_is(s, PackageKind::SubmissionSet))
            {
                if s.obj
                    .external_id(ss::PATIENT_ID)
                    .is_some_and(|v| pid.iter().any(|p| p == v))
                    && status_ok(&s.obj.status, &status)
                {
                    push_package(m, &mut out, s);
                }
            }
        }
        query::FIND_FOLDERS => {
            let pid = p.required("$XDSFolderPatientId")?;
            let status = Some(p.required("$XDSFolderStatus")?);
            for f in m
                .packages
                .iter()
                .filter(|s| store.package_is(s, PackageKind::Folder))
            {
                if f.obj
                    .external_id(folder::PATIENT_ID)
                    .is_some_and(|v| pid.iter().any(|p| p == v))
                    && status_ok(&f.obj.status, &status)
                {
                    push_package(m, &mut out, f);
                }
            }
        }
        query::GET_ALL => {
            let pid = p.required("$patientId")?;
            let matches = |v: Option<&str>| v.is_some_and(|v| pid.iter().any(|p| p == v));
            for x in &m.extrinsic_objects {
                if matches(x.patient_id()) {
                    out.extrinsic_objects.push(x.clone());
                }
            }
            for pk in &m.packages {
                if matches(pk.obj.external_id(ss::PATIENT_ID))
                    || matches(pk.obj.external_id(folder::PATIENT_ID))
                {
                    push_package(m, &mut out, pk);
                }
            }
            push_associations_among(m, &mut out);
        }
        query::GET_DOCUMENTS | query::GET_DOCUMENTS_AND_ASSOCIATIONS => {
            let (by_uuid, ids) =
                p.one_of("$XDSDocumentEntryEntryUUID", "$XDSDocumentEntryUniqueId")?;
            for x in &m.extrinsic_objects {
                let key = if by_uuid {
                    Some(x.obj.id.as_str())
                } else {
                    x.unique_id()
                };
                if key.is_some_and(|k| ids.iter().any(|i| i == k)) {
                    out.extrinsic_objects.push(x.clone());
                }
            }
            if q.id == query::GET_DOCUMENTS_AND_ASSOCIATIONS {
                let ids: Vec<String> = out
                    .extrinsic_objects
                    .iter()
                    .map(|x| x.obj.id.clone())
                    .collect();
                out.associations = m
                    .associations
                    .iter()
                    .filter(|a| ids.contains(&a.source) || ids.contains(&a.target))
                    .cloned()
                    .collect();
            }
        }
        query::GET_SUBMISSION_SET_AND_CONTENTS | query::GET_FOLDER_AND_CONTENTS => {
            let (uuid_param, uid_param, uid_scheme) =
                if q.id == query::GET_SUBMISSION_SET_AND_CONTENTS {
                    (
                        "$XDSSubmissionSetEntryUUID",
                        "$XDSSubmissionSetUniqueId",
                        ss::UNIQUE_ID,
                    )
                } else {
                    (
                        "$XDSFolderEntryUUID",
                        "$XDSFolderUniqueId",
                        folder::UNIQUE_ID,
                    )
                };
            let (by_uuid, ids) = p.one_of(uuid_param, uid_param)?;
            let found = m.packages.iter().find(|pk| {
                let key = if by_uuid {
                    Some(pk.obj.id.as_str())
                } else {
                    pk.obj.external_id(uid_scheme)
                };
                key.is_some_and(|k| ids.iter().any(|i| i == k))
            });
            if let Some(pk) = found {
                push_package(m, &mut out, pk);
                let members: Vec<_> = store
                    .associations_from(&pk.obj.id)
                    .filter(|a| a.association_type == vocab::assoc::HAS_MEMBER)
                    .cloned()
                    .collect();
                for a in &members {
                    if let Some(x) = m.extrinsic_objects.iter().find(|x| x.obj.id == a.target) {
                        out.extrinsic_objects.push(x.clone());
                    }
                    if let Some(f) = m.packages.iter().find(|f| f.obj.id == a.target) {
                        push_package(m, &mut out, f);
                    }
                }
                out.associations.extend(members);
            }
        }
        query::GET_FOLDERS | query::GET_SUBMISSION_SETS | query::GET_ASSOCIATIONS => {
            let uuids = if q.id == query::GET_FOLDERS {
                p.one_of("$XDSFolderEntryUUID", "$XDSFolderUniqueId")?.1
            } else {
                p.required("$uuid")?
            };
            match q.id.as_str() {
                query::GET_FOLDERS => {
                    for f in m
                        .packages
                        .iter()
                        .filter(|f| store.package_is(f, PackageKind::Folder))
                    {
                        if uuids.contains(&f.obj.id)
                            || f.obj
                                .external_id(folder::UNIQUE_ID)
                                .is_some_and(|u| uuids.iter().any(|x| x == u))
                        {
                            push_package(m, &mut out, f);
                        }
                    }
                }
                query::GET_ASSOCIATIONS => {
                    out.associations = m
                        .associations
                        .iter()
                        .filter(|a| uuids.contains(&a.source) || uuids.contains(&a.target))
                        .cloned()
                        .collect();
                }
                _ => {
                    for a in m.associations.iter().filter(|a| {
                        uuids.contains(&a.target) && a.association_type == vocab::assoc::HAS_MEMBER
                    }) {
                        if let Some(s) = m.packages.iter().find(|s| {
                            s.obj.id == a.source && store.package_is(s, PackageKind::SubmissionSet)
                        }) {
                            push_package(m, &mut out, s);
                            out.associations.push(a.clone());
                        }
                    }
                }
            }
        }
        other => {
            return Err(error(
                error_code::UNKNOWN_STORED_QUERY,
                format!("stored query {other} is not supported by this registry"),
            ));
        }
    }
    if q.return_type == ReturnType::ObjectRef {
        let refs = out
            .extrinsic_objects
            .iter()
            .map(|x| x.obj.id.clone())
            .chain(out.packages.iter().map(|p| p.obj.id.clone()))
            .chain(out.associations.iter().map(|a| a.id.clone()))
            .map(|id| ObjectRef { id, home: None })
            .collect();
        return Ok(ObjectList {
            object_refs: refs,
            ..Default::default()
        });
    }
    Ok(out)
}

/// Add a package and the top-level classification marking its kind.
fn push_package(m: &ObjectList, out: &mut ObjectList, p: &RegistryPackage) {
    if out.packages.iter().any(|x| x.obj.id == p.obj.id) {
        return;
    }
    out.packages.push(p.clone());
    out.classifications.extend(
        m.classifications
            .iter()
            .filter(|c| c.classified_object == p.obj.id)
            .cloned(),
    );
}

fn push_associations_among(m: &ObjectList, out: &mut ObjectList) {
    let ids: Vec<&str> = out
        .extrinsic_objects
        .iter()
        .map(|x| x.obj.id.as_str())
        .chain(out.packages.iter().map(|p| p.obj.id.as_str()))
        .collect();
    let found: Vec<_> = m
        .associations
        .iter()
        .filter(|a| ids.contains(&a.source.as_str()))
        .cloned()
        .collect();
    out.associations.extend(found);
}
