//! Element tree → typed ebRIM objects. Lenient: missing attributes become empty values
//! so the validator can report them instead of the reader failing.

use super::model::*;
use crate::ns::{RIM, RS};
use crate::xml::Element;

/// Read a `rim:RegistryObjectList` whose XPath-like location is `path`.
pub fn read_object_list(list: &Element, path: &str) -> ObjectList {
    let loc = Loc {
        path: path.to_string(),
        line_col: list.pos,
    };
    let mut out = ObjectList {
        loc: loc.clone(),
        ..Default::default()
    };
    for child in &list.children {
        if child.ns != RIM {
            continue;
        }
        match child.local.as_str() {
            "ExtrinsicObject" => {
                let obj = read_object(child, &loc, "ExtrinsicObject");
                out.extrinsic_objects.push(ExtrinsicObject {
                    obj,
                    mime_type: child.get_attr("mimeType").map(str::to_string),
                });
            }
            "RegistryPackage" => out.packages.push(RegistryPackage {
                obj: read_object(child, &loc, "RegistryPackage"),
            }),
            "Association" => out.associations.push(read_association(child, &loc)),
            "Classification" => out.classifications.push(read_classification(child, &loc)),
            "ObjectRef" => out.object_refs.push(ObjectRef {
                id: attr(child, "id"),
                home: child.get_attr("home").map(str::to_string),
            }),
            _ => {}
        }
    }
    out
}

fn attr(e: &Element, name: &str) -> String {
    e.get_attr(name).unwrap_or_default().to_string()
}

fn id_step(kind: &str, id: &str) -> String {
    format!("{kind}[@id='{id}']")
}

fn read_object(e: &Element, parent: &Loc, kind: &str) -> RegistryObject {
    let id = attr(e, "id");
    let loc = parent.child(&id_step(kind, &id), e.pos);
    let mut obj = RegistryObject {
        id,
        lid: e.get_attr("lid").map(str::to_string),
        status: e.get_attr("status").map(str::to_string),
        home: e.get_attr("home").map(str::to_string),
        object_type: e.get_attr("objectType").map(str::to_string),
        name: localized(e, "Name"),
        description: localized(e, "Description"),
        loc: loc.clone(),
        ..Default::default()
    };
    for c in &e.children {
        if c.ns != RIM {
            continue;
        }
        match c.local.as_str() {
            "Slot" => obj.slots.push(read_slot(c, &loc)),
            "Classification" => obj.classifications.push(read_classification(c, &loc)),
            "ExternalIdentifier" => obj.external_identifiers.push(read_external_id(c, &loc)),
            _ => {}
        }
    }
    obj
}

/// The first LocalizedString value under `rim:Name` / `rim:Description`.
fn localized(e: &Element, which: &str) -> Option<String> {
    e.first_child(RIM, which)
        .and_then(|n| n.first_child(RIM, "LocalizedString"))
        .and_then(|l| l.get_attr("value"))
        .map(str::to_string)
}

fn read_slot(e: &Element, parent: &Loc) -> Slot {
    let name = attr(e, "name");
    let values = e
        .first_child(RIM, "ValueList")
        .map(|vl| {
            vl.children_named(RIM, "Value")
                .map(|v| v.text_trimmed().to_string())
                .collect()
        })
        .unwrap_or_default();
    Slot {
        loc: parent.child(&format!("Slot[@name='{name}']"), e.pos),
        name,
        values,
    }
}

fn read_classification(e: &Element, parent: &Loc) -> Classification {
    let id = attr(e, "id");
    let loc = parent.child(&id_step("Classification", &id), e.pos);
    Classification {
        scheme: e.get_attr("classificationScheme").map(str::to_string),
        classified_object: attr(e, "classifiedObject"),
        node: e.get_attr("classificationNode").map(str::to_string),
        node_representation: e.get_attr("nodeRepresentation").map(str::to_string),
        name: localized(e, "Name"),
        slots: e
            .children_named(RIM, "Slot")
            .map(|s| read_slot(s, &loc))
            .collect(),
        id,
        loc,
    }
}

fn read_external_id(e: &Element, parent: &Loc) -> ExternalIdentifier {
    let id = attr(e, "id");
    ExternalIdentifier {
        loc: parent.child(&id_step("ExternalIdentifier", &id), e.pos),
        scheme: attr(e, "identificationScheme"),
        registry_object: attr(e, "registryObject"),
        value: attr(e, "value"),
        name: localized(e, "Name"),
        id,
    }
}

fn read_association(e: &Element, parent: &Loc) -> Association {
    let id = attr(e, "id");
    let loc = parent.child(&id_step("Association", &id), e.pos);
    Association {
        association_type: attr(e, "associationType"),
        source: attr(e, "sourceObject"),
        target: attr(e, "targetObject"),
        status: e.get_attr("status").map(str::to_string),
        slots: e
            .children_named(RIM, "Slot")
            .map(|s| read_slot(s, &loc))
            .collect(),
        id,
        loc,
    }
}

/// Read the status and `rs:RegistryErrorList` of an element carrying a `status`
/// attribute (RegistryResponse, AdhocQueryResponse). `None` when there is no status.
pub fn read_registry_response(e: &Element) -> Option<RegistryResponse> {
    let status_urn = e.get_attr("status")?.to_string();
    let status = ResponseStatus::from_urn(&status_urn)?;
    let errors = e
        .first_child(RS, "RegistryErrorList")
        .map(|list| {
            list.children_named(RS, "RegistryError")
                .map(|re| RegistryError {
                    error_code: attr(re, "errorCode"),
                    code_context: re
                        .get_attr("codeContext")
                        .map(str::to_string)
                        .unwrap_or_else(|| re.text_trimmed().to_string()),
                    severity: re
                        .get_attr("severity")
                        .and_then(|s| s.rsplit(':').next())
                        .unwrap_or("Error")
                        .to_string(),
                    location: re.get_attr("location").map(str::to_string),
                })
                .collect()
        })
        .unwrap_or_default();
    Some(RegistryResponse {
        status,
        status_urn,
        errors,
    })
}
